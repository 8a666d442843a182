"""The text of every file ``install-service`` writes, from the package data and a layout.

The units and the plist come from ``service/units`` (copies of the top-level ``systemd/``), the
system config from ``examples/system.yaml``; each is the shipped text with the *program* put in
``ExecStart=``/``ExecReload=`` (or ``ProgramArguments``) and the layout's paths and names put in
place of the defaults, and nothing else changed.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

from ...platform.paths import APP
from .layout import Layout, UserLayout

PLACEHOLDERS = ("/usr/local/bin/codeartifact-refresher", "%h/.local/bin/codeartifact-refresher")
DEFAULT = Layout()
_SAFE = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")


def package_text(*parts: str) -> str:
    if parts[0] == "examples":
        return (resources.files("codeartifact_refresher") / "examples").joinpath(*parts[1:]).read_text()
    return (resources.files("codeartifact_refresher.service") / "units").joinpath(*parts).read_text()


def quote(arg: str) -> str:
    """One word of an ``Exec*=`` line: specifiers (``%``) and variables (``$``) escaped, quoted when needed."""
    arg = arg.replace("%", "%%").replace("$", "$$")
    if _SAFE.fullmatch(arg):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _exec_lines(text: str, program: tuple[str, ...], config: Path | None) -> str:
    """``ExecStart=``/``ExecReload=`` lines that start the placeholder program start ``program``
    instead, with ``--config config`` after the command (replacing the default one's path)."""
    words = " ".join(quote(a) for a in program)

    def line(match: re.Match[str]) -> str:
        key, command, rest = match.group(1), match.group(2), match.group(3).strip()
        rest = re.sub(r"\s*--config \S+", "", rest)
        tail = f" --config {quote(str(config))}" if config is not None else ""
        return f"{key}={words} {command}{tail}{(' ' + rest) if rest else ''}"

    placeholders = "|".join(re.escape(p) for p in PLACEHOLDERS)
    return re.sub(rf"^(ExecStart|ExecReload)=(?:{placeholders}) (\w+)(.*)$", line, text, flags=re.M)


def _setting(text: str, key: str, value: str | None, new_key: str | None = None) -> str:
    """Every ``key=`` line set to ``value`` (as ``new_key=`` when given; None: the line removed)."""
    line = "" if value is None else f"{new_key or key}={value}\n"
    return re.sub(rf"^{re.escape(key)}=.*\n", lambda m: line, text, flags=re.M)


def system_unit(program: tuple[str, ...], layout: Layout) -> str:
    text = _exec_lines(package_text(f"{APP}.service"), program, layout.config)
    text = _setting(text, "User", layout.user)
    text = _setting(text, "Group", layout.group)
    text = _setting(text, "EnvironmentFile", f"-{quote(str(layout.env_file))}")
    if layout.state_directory_name is not None:
        return _setting(text, "StateDirectory", layout.state_directory_name)
    # a state directory outside /var/lib (tests): install-service makes it; the unit may write it
    text = _setting(text, "StateDirectoryMode", None)
    return _setting(text, "StateDirectory", quote(str(layout.state_dir)), new_key="ReadWritePaths")


def user_unit(program: tuple[str, ...], layout: UserLayout) -> str:
    return _exec_lines(package_text("user", f"{APP}.service"), program, layout.config)


def launchd_plist(program: tuple[str, ...], layout: UserLayout) -> str:
    text = package_text("launchd", f"{layout.unit.name}")
    arguments = "".join(
        f"    <string>{escape(a)}</string>\n" for a in (*program, "run", "--config", str(layout.config))
    )
    text = re.sub(
        r"(<key>ProgramArguments</key>\n\s*<array>\n).*?(\s*</array>)",
        lambda m: m.group(1) + arguments.rstrip("\n") + m.group(2),
        text,
        count=1,
        flags=re.S,
    )
    body = text.index("<plist")  # the comment above it shows __HOME__ for a person to fill in
    return text[:body] + text[body:].replace("__HOME__", escape(str(layout.home)))


def system_config(layout: Layout) -> str:
    """The shipped ``examples/system.yaml`` with this layout's state directory."""
    return package_text("examples", "system.yaml").replace(str(DEFAULT.state_dir), str(layout.state_dir))


ENVIRONMENT = """\
# AWS credentials for the codeartifact-refresher service, read by systemd (as root, before it
# drops privileges) through EnvironmentFile= in
#   {unit}
# Keep this file root's alone, mode 0600: the build group must not read it.
# On EC2 leave it as it is: the instance role is used.
# Uncomment ONE way, then `sudo systemctl restart codeartifact-refresher`:
#
# 1. An IAM user's access key:
# AWS_ACCESS_KEY_ID=AKIA...
# AWS_SECRET_ACCESS_KEY=...
#
# 2. A profile (role_arn with source_profile, credential_process...) from an AWS config file that
#    the service user alone may read (NOT group {group}: build users are in it), e.g.
#    install -o {user} -g root -m 0400 aws-config {config_dir}/aws-config
#    (or systemd's LoadCredential=, which keeps it root's: see docs/service.md)
# AWS_CONFIG_FILE={config_dir}/aws-config
# AWS_PROFILE=codeartifact
#
# 3. A role assumed with a web identity token (OIDC; an EKS-style token file):
# AWS_ROLE_ARN=arn:aws:iam::111122223333:role/codeartifact-reader
# AWS_WEB_IDENTITY_TOKEN_FILE=/path/to/token
#
# The region, if the config does not name one:
# AWS_DEFAULT_REGION=eu-west-1
"""


def environment_file(layout: Layout) -> str:
    return ENVIRONMENT.format(unit=layout.unit, config_dir=layout.config_dir, group=layout.group, user=layout.user)


def profile_snippet(layout: Layout) -> str:
    """``/etc/profile.d/codeartifact-refresher.sh``: at login, point pip and npm at the service's
    files, or say on stderr why this user cannot read them (pip and npm would silently use the public
    registries instead)."""
    state, group = layout.state_dir, layout.group
    return f"""\
# codeartifact-refresher: pip and npm read the files the system service keeps fresh in
#   {state}
# Written by `codeartifact-refresher install-service --system`; removed by uninstall-service.
# Only members of group {group} can read them; pip and npm silently use the public
# registries instead when they cannot, so a login that cannot read them is told why.
if [ -x {state} ]; then
    export PIP_CONFIG_FILE={state}/pip.conf
    export NPM_CONFIG_USERCONFIG={state}/npmrc
elif [ "$(id -u)" != 0 ]; then
    echo "codeartifact-refresher: $(id -un) cannot read {state}: not in group {group}, or log in again (a session started before 'usermod -aG {group} $(id -un)' lacks the group); pip and npm will use the public registries" >&2
fi
"""
