"""poetry: ``http-basic.<name>`` in poetry's ``auth.toml``, ``repositories.<name>`` in its ``config.toml``.

Poetry finds a source's credentials by the source's *name*: a project's
``[[tool.poetry.source]] name = "codeartifact"`` is fetched with ``http-basic.codeartifact``'s
username and password (poetry's ``utils/password_manager.py`` ``PasswordManager.get_http_auth``
reads them from the config before it asks a keyring, so a keyring never hides them). Without a
usable keyring ``poetry config http-basic.NAME USER PASSWORD`` stores them in ``auth.toml``; that
is where this writer puts them too. A *repository* ``repositories.<name>.url`` in ``config.toml``
is what ``poetry publish -r NAME`` uploads to (CodeArtifact takes uploads at the repository
endpoint itself); poetry also takes it, rather than the project's source URL, as the place whose
host the credentials are for (``factory.py`` adds a project source to ``repositories`` only when
the config has no repository of that name; ``utils/authenticator.py`` matches a request to a
repository by its exact ``netloc``), so it is written with the host spelled as clients send it.

The two files, in the order they are written: the *auth* role (``auth.toml``, credentials first,
moved with ``auth_path``) and :data:`~.base.MAIN` (``config.toml``, the target's ``path``). Both
live in poetry's config directory, ``poetry/locations.py`` ``CONFIG_DIR``: ``$POETRY_CONFIG_DIR``,
else platformdirs' ``user_config_path("pypoetry", roaming=True)`` (``$XDG_CONFIG_HOME/pypoetry``,
``~/Library/Application Support/pypoetry`` on macOS). ``Config.create`` merges ``auth.toml`` over
``config.toml``, so a ``repositories.<name>.url`` in ``auth.toml`` that points elsewhere would
hide ours: it is refused. An ``http-basic.<name>`` left in ``config.toml`` is hidden by ours and
kept.

With ``credentials: keyring`` no token is written: ``http-basic.<name>`` keeps only
``username = "aws"`` (a password we wrote before goes, since poetry would use it before any
keyring), and poetry, finding no password for the name (its keyring entry
``poetry-repository-<name>`` is not ours), asks keyring for the repository's URL and then its host
(``AuthenticatorRepositoryConfig.get_http_credentials``), which the codeartifact-refresher
keyring backend answers from the daemon.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import WriterRefusedError
from ..platform import paths
from . import base
from .formats import toml, urls
from .formats.toml import TomlDocument
from .options import option, path_option

AUTH = "auth"
DEFAULT_NAME = "codeartifact"
APP_NAME = "pypoetry"  # poetry's locations._APP_NAME
HTTP_BASIC = "http-basic"
REPOSITORIES = "repositories"
#: what the read-back names as the password written with ``credentials: keyring``: none
NO_PASSWORD = "(none: from the keyring)"  # noqa: S105  # a label the read-back shows, not a password


@dataclass(frozen=True)
class Options(base.Options):
    name: str = option(
        DEFAULT_NAME,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
        expected="expected a poetry source name of letters, digits, '.', '_' or '-'",
        description="poetry only: the [[tool.poetry.source]] name (http-basic.NAME, repositories.NAME)",
    )
    auth_path: Path | None = path_option(AUTH, "poetry only: where auth.toml is, if not beside config.toml")
    credentials: Literal["auth", "keyring"] = option(
        "auth",
        description="poetry only: auth puts the token in auth.toml (http-basic.NAME), keyring nowhere "
        "(poetry asks the keyring backend)",
    )


def config_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """poetry's ``CONFIG_DIR`` (see the module doc)."""
    if environ.get("POETRY_CONFIG_DIR"):
        return Path(environ["POETRY_CONFIG_DIR"])
    if paths.is_macos():
        return paths.application_support(environ) / APP_NAME
    return paths.xdg_config_home(environ) / APP_NAME


def _is_secret(where: tuple[str, ...]) -> bool:
    """A password (``http-basic.*.password``, wherever a user put one) or a PyPI token."""
    return where[-1:] == ("password",) or where[:1] == ("pypi-token",)


class Writer(base.MultiFileWriter[Options]):
    format = "pypi"
    files = (AUTH, base.MAIN)

    def default_paths(self, environ: Mapping[str, str] = os.environ) -> dict[str, Path]:
        where = config_dir(environ)
        return {AUTH: where / "auth.toml", base.MAIN: where / "config.toml"}

    def render_file(self, role: str, current: str | None, creds: base.Credentials) -> str:
        doc = TomlDocument(current)
        name = self.options.name
        if role == AUTH:
            _refuse_foreign_repository(doc, name, creds)
            doc.set((HTTP_BASIC, name), "username", "aws")
            if self.options.credentials == "keyring":
                doc.remove((HTTP_BASIC, name), "password")
            else:
                doc.set((HTTP_BASIC, name), "password", creds.token)
        elif role == base.MAIN:
            doc.set((REPOSITORIES, name), "url", urls.normalized(creds.endpoint))
        else:
            raise NotImplementedError(f"poetry has no file role {role!r}")
        return doc.text()

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        name = self.options.name
        if role == AUTH and self.options.credentials == "keyring":
            found = toml.read_back(text, "poetry", ((HTTP_BASIC, name, "username"), "aws"))
            password = toml.parsed(text, "poetry").get(HTTP_BASIC, {}).get(name, {}).get("password")
            return [*found, (f"{HTTP_BASIC}.{name}.password", NO_PASSWORD, NO_PASSWORD if password is None else "")]
        if role == AUTH:
            return toml.read_back(
                text, "poetry", ((HTTP_BASIC, name, "username"), "aws"), ((HTTP_BASIC, name, "password"), creds.token)
            )
        return toml.read_back(text, "poetry", ((REPOSITORIES, name, "url"), urls.normalized(creds.endpoint)))

    def find_file_secrets(self, role: str, text: str) -> Iterable[str]:
        """Every password and PyPI token in either file, and URL userinfo: poetry merges the two
        files, so a user may have put credentials in either."""
        return toml.secrets(text, _is_secret)

    def claims(self) -> Iterable[base.Claim]:
        name = toml.dotted([self.options.name])
        return [base.Claim(f"[{HTTP_BASIC}.{name}]", AUTH), base.Claim(f"[{REPOSITORIES}.{name}]")]


def _refuse_foreign_repository(doc: TomlDocument, name: str, creds: base.Credentials) -> None:
    """auth.toml is merged over config.toml: a repository URL of ours there, at another location,
    is the one ``poetry publish`` would use."""
    url = doc.get(REPOSITORIES, name, "url")
    if url is not None and not (isinstance(url, str) and urls.same_location(url, creds.endpoint)):
        raise WriterRefusedError(
            f"{toml.dotted([REPOSITORIES, name, 'url'])} in auth.toml names another repository, and poetry "
            "reads it instead of config.toml's: remove it"
        )
