"""The entrypoint as the image runs it, in the pod the manifests describe (no container engine runs
here and no image can be pulled, so the test builds the same conditions around this checkout's
installed program):

- the image's numeric user, which has no passwd entry, with the pod's fsGroup as a supplementary
  group, no capabilities and no new privileges (``setpriv``);
- a read-only root file system, so a read-only ``HOME`` too: a private mount namespace
  (``unshare --mount``) where ``/`` is remounted read-only and only the shared directory is
  bound writable on top;
- ONLY the documented environment: the Dockerfile's ``ENV``, the refresher container's ``env``
  from the rendered manifest, and the AWS keys the Compose example passes on (``env -i``);
- the command: the Dockerfile's ``ENTRYPOINT`` with the container's ``args`` from the render of
  the base (the native sidecar: ``run``) or of the init-container overlay (``refresh``);
- the config laid out as a ConfigMap volume (``config.yaml -> ..data/config.yaml``, root's,
  group fsGroup, 0644): ``configs/sidecar.yaml``, the one the kustomize base ships;
- the shared directory as the kubelet makes an emptyDir with fsGroup (root's, group fsGroup,
  mode 2777).

The program is installed as the image's build stage installs it: its COPY and RUN instructions,
run here (the context .dockerignore lets through; ``python`` the system's Python 3, standing for
the base image's; every absolute path under a directory of the test's), so the entrypoint is the
built wheel in a venv without pip, with the dependencies at the versions ``.ci/constraints.txt``
pins (from PyPI, as ``docker build`` gets them).

The paths the image and the manifests name (``/opt/codeartifact-refresher``, ``/home/refresher``,
``/etc/codeartifact-refresher``, ``/creds``, ``/workspace``) are directories of the test's, put in
each value in their place. Then a BUILD process of another uid, as the manifest's build container
(its uid and gid, the fsGroup, its env), in a jail of its own, installs with the real pip and npm
through the files, once ``wait`` (or ``refresh`` exiting 0) says so.
"""

from __future__ import annotations

import os
import pwd
import re
import shlex
import shutil
import socket
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from codeartifact_refresher.testing import packages

from .. import deploy_files as d
from ..leaks import assert_no_token
from .tools import tool

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("container"),  # one worker builds the image's venv once
    pytest.mark.skipif(os.geteuid() != 0, reason="a mount namespace and other uids need root (CI runs as root)"),
]

LOCK_WARNING = "no private directory for lock files"


def under(root: Path, path: str) -> Path:
    return root / path.lstrip("/")


def copy_in(root: Path, workdir: Path, arguments: str) -> None:
    """The build stage's ``COPY SRC... DEST`` from the build context (what .dockerignore lets in)."""
    *sources, dest = arguments.split()
    target = under(root, dest) if dest.startswith("/") else workdir / dest
    for source in sources:
        base = source.rstrip("/")
        for name in d.context_files():
            if name == base:  # a file: into a directory DEST/, or as DEST
                to = target / Path(name).name if dest.endswith("/") or len(sources) > 1 else target
            elif name.startswith(base + "/"):  # a directory's contents
                to = target / Path(name).relative_to(base)
            else:
                continue
            to.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(d.ROOT / name, to)


@pytest.fixture(scope="session")
def image():
    """The image's /opt/codeartifact-refresher, made by the Dockerfile's build stage run here."""
    root = Path(tempfile.mkdtemp(prefix="refresher-image-"))
    os.chmod(root, 0o755)
    (root / "bin").mkdir()
    (root / "bin" / "python").symlink_to(shutil.which("python3", path=d.BASE_PATH) or "python3")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PATH=f"{root / 'bin'}:{d.BASE_PATH}", PIP_CONFIG_FILE=os.devnull, HOME=str(root))
    workdir = root
    try:
        for keyword, arguments in d.build_stage():
            if keyword == "WORKDIR":
                workdir = under(root, arguments)
                workdir.mkdir(parents=True, exist_ok=True)
            elif keyword == "COPY":
                copy_in(root, workdir, arguments)
            elif keyword == "RUN":
                command = re.sub(r"(?<=\s)/", f"{root}/", " " + arguments)
                done = subprocess.run(["sh", "-c", command], cwd=workdir, env=env, capture_output=True, text=True)
                assert done.returncode == 0, done.stdout + done.stderr
        venv = under(root, "/opt/codeartifact-refresher")
        assert not (venv / "bin" / "pip").exists(), "a venv without pip, as the image's"
        yield venv
    finally:
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Pod:
    """The manifests' settings for one render, and the test's directories in place of their paths."""

    root: Path
    render: list[dict]
    venv: Path

    @property
    def spec(self) -> dict:
        return d.job(self.render)["spec"]["template"]["spec"]

    @property
    def refresher(self) -> dict:
        return d.container(self.spec, "codeartifact-refresher")

    @property
    def build(self) -> dict:
        return d.container(self.spec, "build")

    @property
    def fs_group(self) -> int:
        return self.spec["securityContext"]["fsGroup"]

    def mount_path(self, container: dict, volume: str) -> str:
        (found,) = [m["mountPath"] for m in container["volumeMounts"] if m["name"] == volume]
        return found

    def places(self) -> dict[str, Path]:
        """Each path the image and the manifests name -> the test's directory for it."""
        return {
            "/opt/codeartifact-refresher": self.venv,  # the image's venv
            "/home/refresher": self.root / "home",
            self.mount_path(self.refresher, "config"): self.root / "config",
            self.mount_path(self.refresher, "creds"): self.root / "creds",
            self.mount_path(self.build, "workspace"): self.root / "workspace",
        }

    def local(self, value: str) -> str:
        for path, here in sorted(self.places().items(), key=lambda p: -len(p[0])):
            value = value.replace(path, str(here))
        return value


@dataclass
class Jail:
    """A process as a container runs it: ``uid``:``gid`` with ``groups``, no capabilities, ``/``
    read-only but for ``writable``, exactly ``env``."""

    uid: int
    gid: int
    groups: list[int]
    writable: list[Path]
    cwd: Path

    def argv(self, env: dict[str, str], program: list[str]) -> list[str]:
        binds = [f"mount --bind {shlex.quote(str(p))} {shlex.quote(str(p))}" for p in self.writable]
        drop = (
            f"exec setpriv --reuid={self.uid} --regid={self.gid} --groups={','.join(map(str, self.groups))} "
            '--inh-caps=-all --bounding-set=-all --no-new-privs -- env -i "$@"'
        )
        script = " && ".join([*binds, "mount -o remount,bind,ro /", drop])
        variables = [f"{k}={v}" for k, v in env.items()]
        return [
            tool("unshare"),
            "--mount",
            "--propagation",
            "private",
            "--",
            "sh",
            "-c",
            script,
            "sh",
            *variables,
            *program,
        ]

    def run(self, env: dict[str, str], program: list[str]) -> subprocess.CompletedProcess:
        return subprocess.run(self.argv(env, program), cwd=self.cwd, capture_output=True, text=True, timeout=180)

    def start(self, env: dict[str, str], program: list[str], log: Path) -> subprocess.Popen:
        with log.open("wb") as out:
            return subprocess.Popen(self.argv(env, program), cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lay_out(pod: Pod, standin, build_uid: int) -> None:
    """The directories of the pod: a read-only HOME, the config as a ConfigMap volume, the shared
    emptyDir, the build's workspace."""
    places = pod.places()
    os.chmod(pod.root, 0o755)
    places["/home/refresher"].mkdir(mode=0o755)
    sidecar = (d.ROOT / "configs" / "sidecar.yaml").read_text()
    config = sidecar.replace("defaults:\n", f"defaults:\n  endpoint_url: {standin.url}\n", 1)
    config = pod.local(config.replace("port: 9464", f"port: {free_port()}"))
    data = places[pod.mount_path(pod.refresher, "config")] / "..2026_12_07_00_00_00.000000001"
    data.mkdir(parents=True)
    (data / "config.yaml").write_text(config)
    os.chown(data / "config.yaml", 0, pod.fs_group)
    os.chmod(data / "config.yaml", 0o644)
    (data.parent / "..data").symlink_to(data.name)
    (data.parent / "config.yaml").symlink_to("..data/config.yaml")
    creds = places[pod.mount_path(pod.refresher, "creds")]
    creds.mkdir()
    os.chown(creds, 0, pod.fs_group)
    os.chmod(creds, 0o2777)
    workspace = places[pod.mount_path(pod.build, "workspace")]
    workspace.mkdir()
    os.chown(workspace, build_uid, build_uid)


def refresher_jail(pod: Pod) -> tuple[Jail, dict[str, str]]:
    uid, gid = pod.refresher["securityContext"]["runAsUser"], pod.refresher["securityContext"]["runAsGroup"]
    assert (uid, gid) == d.user(), "the manifest runs the image's user"
    with pytest.raises(KeyError):
        pwd.getpwuid(uid)  # as in the image: no passwd entry for it
    env = {k: pod.local(v) for k, v in {**d.image_env(), **d.env_of(pod.refresher)}.items()}
    env.update(AWS_ACCESS_KEY_ID="AKIDCONTAINER", AWS_SECRET_ACCESS_KEY="container-secret")  # Compose's pass-through
    creds = pod.places()[pod.mount_path(pod.refresher, "creds")]
    return Jail(uid, gid, [pod.fs_group], [creds], cwd=Path(pod.local("/home/refresher"))), env


def build_jail(pod: Pod) -> tuple[Jail, dict[str, str]]:
    context = pod.build["securityContext"]
    workspace = pod.places()[pod.mount_path(pod.build, "workspace")]
    env = {k: pod.local(v) for k, v in d.env_of(pod.build).items()}
    env.update(  # the build image's own settings: its tools on PATH, no nags, no machine npmrc
        PATH=d.BASE_PATH,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        npm_config_globalconfig=str(workspace / "no-global-npmrc"),
        npm_config_update_notifier="false",
        npm_config_audit="false",
        npm_config_fund="false",
    )
    jail = Jail(context["runAsUser"], context["runAsGroup"], [pod.fs_group], [workspace], cwd=workspace)
    return jail, env


def build_installs(pod: Pod, standin) -> None:
    """The build container's work: a real pip and a real npm through the files, authenticated."""
    jail, env = build_jail(pod)
    workspace = pod.places()[pod.mount_path(pod.build, "workspace")]
    pip = jail.run(env, ["python3", "-m", "pip", "install", "--target", str(workspace / "site"), packages.DEMO_NAME])
    assert pip.returncode == 0, pip.stdout + pip.stderr
    assert (workspace / "site" / "ca_demo_pkg").is_dir() or list((workspace / "site").glob("ca_demo_pkg*"))
    npm = jail.run(env, ["npm", "install", "--no-save", packages.DEMO_NAME])
    assert npm.returncode == 0, npm.stdout + npm.stderr
    assert (workspace / "node_modules" / packages.DEMO_NAME / "package.json").is_file()
    assert standin.calls["pypi:authorized"] > 0 and standin.calls["npm:authorized"] > 0
    assert standin.calls["pypi:refused"] == 0 and standin.calls["npm:refused"] == 0
    state = jail.run(env, ["cat", str(pod.local("/creds/.codeartifact-refresher-state.json"))])
    assert state.returncode != 0, "the state file is the refresher's alone"


def check_files(pod: Pod, log: str) -> None:
    """The files as the build needs them, the lock directory beside the state file, no warning."""
    uid = d.user()[0]
    creds = pod.places()[pod.mount_path(pod.refresher, "creds")]
    for name in ("pip.conf", "npmrc", "pypirc"):
        st = os.stat(creds / name)
        assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (uid, pod.fs_group, 0o640), name
    locks = os.stat(creds / f".codeartifact-refresher-locks-{uid}")
    assert (locks.st_uid, locks.st_mode & 0o777) == (uid, 0o700)  # (and the setgid bit it inherits)
    assert not (pod.places()["/home/refresher"] / ".local").exists()
    assert LOCK_WARNING not in log and "Traceback" not in log


def test_the_image_holds_the_kubernetes_extra_its_secret_replicas_need(image):
    """deploy/kubernetes/secret runs this image with secret: targets and leader election."""
    done = subprocess.run(
        [str(image / "bin" / "python"), "-c", "import kubernetes.client; print(kubernetes.__version__)"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture
def pod(shared, image):
    return lambda name: Pod(shared, d.render(d.KUSTOMIZE / ("base" if name == "base" else f"overlays/{name}")), image)


def test_the_sidecar_as_the_image_runs_it_serves_a_build_of_another_uid(pod, standin, tmp_path):
    pod = pod("base")
    build_uid = pod.build["securityContext"]["runAsUser"]
    lay_out(pod, standin, build_uid)
    jail, env = refresher_jail(pod)
    entrypoint = d.exec_form("ENTRYPOINT")
    daemon = jail.start(env, entrypoint + pod.refresher["args"], tmp_path / "daemon.log")
    try:
        ready = jail.run(env, [*entrypoint, "wait", "--timeout", "60"])  # compose's gate; the probe's below
        assert ready.returncode == 0, ready.stderr + (tmp_path / "daemon.log").read_text()
        for endpoint in ("readyz", "livez"):  # the startupProbe's path, and the HEALTHCHECK's command
            probe = jail.run(env, [*entrypoint, "probe", endpoint])
            assert probe.returncode == 0 and " 200 " in probe.stdout, probe.stdout + probe.stderr
        build_installs(pod, standin)
        daemon.terminate()
        assert daemon.wait(10) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    log = (tmp_path / "daemon.log").read_text()
    check_files(pod, log)
    assert log.startswith('{"time": ') and '"level": "info"' in log, "JSON logs, as the image's CMD asks"
    assert_no_token(standin.issued_tokens(), {"daemon log": log, "wait": ready.stdout + ready.stderr})


def test_the_init_container_form_refreshes_once_then_the_build_reads(pod, standin, tmp_path):
    pod = pod("init-container")
    lay_out(pod, standin, pod.build["securityContext"]["runAsUser"])
    jail, env = refresher_jail(pod)
    done = jail.run(env, d.exec_form("ENTRYPOINT") + pod.refresher["args"])
    assert done.returncode == 0, done.stdout + done.stderr
    check_files(pod, done.stdout + done.stderr)
    build_installs(pod, standin)
    assert_no_token(standin.issued_tokens(), {"refresh output": done.stdout + done.stderr})


def test_with_the_default_0600_npm_silently_uses_the_public_registry(pod, standin):
    """Why the targets are 0640: a file the build's uid cannot read is no error to npm."""
    pod = pod("init-container")
    lay_out(pod, standin, pod.build["securityContext"]["runAsUser"])
    jail, env = refresher_jail(pod)
    assert jail.run(env, d.exec_form("ENTRYPOINT") + pod.refresher["args"]).returncode == 0
    creds = pod.places()[pod.mount_path(pod.refresher, "creds")]
    private = creds / "npmrc-0600"
    shutil.copy2(creds / "npmrc", private)
    os.chown(private, d.user()[0], pod.fs_group)
    os.chmod(private, 0o600)
    build, build_env = build_jail(pod)
    registry = {}
    for name in ("npmrc", "npmrc-0600"):
        done = build.run(
            {**build_env, "NPM_CONFIG_USERCONFIG": str(creds / name)}, ["npm", "config", "get", "registry"]
        )
        assert done.returncode == 0 and "EACCES" not in done.stderr, done.stderr
        registry[name] = done.stdout.strip()
    assert registry["npmrc"].startswith(standin.url)
    assert registry["npmrc-0600"] == "https://registry.npmjs.org/"


def test_without_the_fallback_the_warning_names_the_variable_to_set(pod, standin, tmp_path):
    """A shared directory that is not ours to write (the state file elsewhere, unwritable): the
    one warning says what to set, and the write still happens (guarded by the re-read)."""
    pod = pod("init-container")
    lay_out(pod, standin, pod.build["securityContext"]["runAsUser"])
    jail, env = refresher_jail(pod)
    config = next(pod.places()[pod.mount_path(pod.refresher, "config")].glob("..2026*")) / "config.yaml"
    config.write_text(config.read_text().replace(f"state_file: {pod.local('/creds')}", "state_file: /nonexistent"))
    env["TMPDIR"] = "/nonexistent"
    done = jail.run(env, d.exec_form("ENTRYPOINT") + pod.refresher["args"])
    output = done.stdout + done.stderr
    assert LOCK_WARNING in output and "set XDG_STATE_HOME to a directory this user can write" in output
    assert output.count(LOCK_WARNING) == 1
    assert (pod.places()[pod.mount_path(pod.refresher, "creds")] / "pip.conf").is_file()
