"""The stand-in's ruby repositories: a compact index whose checksums agree, gems only for a live token."""

import hashlib
import zlib

from codeartifact_refresher.aws import tokens
from codeartifact_refresher.testing import gems, packages, ruby_repo

from .test_standin import domain, get


def test_versions_lists_each_gem_with_the_md5_of_its_info_file():
    published = {"b": {"1.0.0": b"x"}, "a": {"2.0.0": b"y", "1.0.0": b"z"}}
    lines = ruby_repo.versions(published).decode().split("---\n")[1].splitlines()
    assert lines == [
        f"a 1.0.0,2.0.0 {hashlib.md5(ruby_repo.info(published['a'])).hexdigest()}",
        f"b 1.0.0 {hashlib.md5(ruby_repo.info(published['b'])).hexdigest()}",
    ]
    assert ruby_repo.info({"1.0.0": b"x"}) == f"---\n1.0.0 |checksum:{hashlib.sha256(b'x').hexdigest()}\n".encode()


def test_marshal_writes_what_ruby_writes():
    """Bytes Ruby 3.1's Marshal.dump gives for the same values."""
    assert gems.Marshal.dump([None, True, 4, 300, {}]) == b"\x04\x08[\x0a0Ti\x09i\x02\x2c\x01{\x00"
    assert gems.Marshal.dump(["ab", "c"]) == b'\x04\x08[\x07I"\x07ab\x06:\x06ETI"\x06c\x06;\x00T'
    assert gems.Marshal.dump(gems.Version("1.0")) == b'\x04\x08U:\x11Gem::Version[\x06I"\x081.0\x06:\x06ET'


def test_a_pushed_gem_is_served_and_junk_is_refused():
    published: dict = {}
    data = gems.gem("pushed", "2.0.0")
    assert ruby_repo.serve(published, "POST", "/api/v1/gems", data)[0] == 200
    assert ruby_repo.serve(published, "GET", "gems/pushed-2.0.0.gem")[2] == data
    assert ruby_repo.serve(published, "POST", "api/v1/gems", b"junk")[0] == 422


def test_the_index_and_the_gem_need_a_live_token_basic_or_bearer(standin, clock, home):
    standin.add_repository("acme", "ruby-store", "ruby")
    clients = tokens.Clients()
    token = clients.token(domain(standin)).value
    ruby = clients.endpoint(domain(standin), "ruby-store", "ruby")
    name, version = packages.DEMO_NAME, packages.DEMO_VERSION
    assert get(f"{ruby}info/{name}", token)[1] == ruby_repo.info({version: gems.gem()})
    assert get(f"{ruby}gems/{name}-{version}.gem", token, "Bearer")[1] == gems.gem()
    quick = get(f"{ruby}quick/Marshal.4.8/{name}-{version}.gemspec.rz", token)[1]
    assert zlib.decompress(quick).startswith(b"\x04\x08u:\x17Gem::Specification")
    assert get(f"{ruby}versions")[0] == 401 and standin.calls["ruby:refused"] == 1
    clock.advance(901)
    assert get(f"{ruby}versions", token)[0] == 401 and standin.calls["ruby:authorized"] == 3
