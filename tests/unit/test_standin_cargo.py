"""The stand-in's cargo sparse registry (the real cargo drives it in tests/e2e/test_cargo.py)."""

import hashlib
import io
import json
import tarfile

import pytest

from codeartifact_refresher.testing import cargo_repo


@pytest.mark.parametrize(
    ("name", "path"), [("a", "1/a"), ("ab", "2/ab"), ("abc", "3/a/abc"), ("DemoCrate", "de/mo/democrate")]
)
def test_index_files_live_at_cargos_prefix_paths(name, path):
    assert cargo_repo.prefix_path(name) == path


def test_the_crate_file_is_stable_and_holds_a_manifest():
    data = cargo_repo.crate_file("democrate", "1.0.0")
    assert data == cargo_repo.crate_file("democrate", "1.0.0")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        manifest = tar.extractfile("democrate-1.0.0/Cargo.toml").read().decode()
    assert 'name = "democrate"' in manifest and 'version = "1.0.0"' in manifest


def test_config_index_and_download_agree():
    data = cargo_repo.crate_file("democrate", "1.0.0")
    crates = {"democrate": {"1.0.0": data}}
    endpoint = "http://127.0.0.1:1/acme-111122223333/cargo/store/"
    status, _, body = cargo_repo.serve(crates, "GET", "config.json", endpoint)
    config = json.loads(body)
    assert status == 200 and config["auth-required"] is True and config["dl"].startswith(endpoint)
    status, _, body = cargo_repo.serve(crates, "GET", "de/mo/democrate", endpoint)
    line = json.loads(body.decode().splitlines()[0])
    assert line["vers"] == "1.0.0" and line["cksum"] == hashlib.sha256(data).hexdigest()
    download = config["dl"][len(endpoint) :] + "/democrate/1.0.0/download"
    assert cargo_repo.serve(crates, "GET", download, endpoint)[2] == data
    assert cargo_repo.serve(crates, "GET", "de/mo/other", endpoint)[0] == 404
