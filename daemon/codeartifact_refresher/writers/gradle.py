"""Gradle: the token as a property in the user's ``gradle.properties``.

Gradle reads ``$GRADLE_USER_HOME/gradle.properties`` (``GRADLE_USER_HOME`` defaults to
``~/.gradle``) with ``java.util.Properties`` and makes every entry a project property, which a
build names in its repository credentials (``password = codeartifactToken`` in Groovy,
``providers.gradleProperty("codeartifactToken")`` in newer Kotlin builds). The user home's file
wins over a project's own ``gradle.properties``; ``-P`` and ``ORG_GRADLE_PROJECT_*`` win over both
and belong to where Gradle runs.

Gradle loads the file with ``Properties.load(InputStream)`` (``GUtil.loadProperties(File)``,
called by its ``DefaultGradlePropertiesLoader``), which reads ISO 8859-1: so does this writer.

The target owns one *property* (``property`` option, default ``codeartifactToken``): its value is
the bare token (the build sends it as the password of the user ``aws``). The file's other lines,
continued values included, are kept byte for byte (:mod:`.formats.properties`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import WriterError
from ..platform import paths
from ..redaction import is_credential_key
from . import base
from .formats import urls
from .formats.properties import ENCODING, PropertiesDocument
from .options import option


@dataclass(frozen=True)
class Options(base.Options):
    property: str = option(
        "codeartifactToken",
        pattern=r"^[A-Za-z_][A-Za-z0-9_.-]{0,127}$",
        expected="expected a Gradle property name: a letter or _ first, then letters, digits, _, . or -",
        description="gradle only: the property in gradle.properties that holds the token",
    )


def gradle_user_home(environ: Mapping[str, str] = os.environ) -> Path:
    """``$GRADLE_USER_HOME``, else ``~/.gradle``."""
    configured = environ.get("GRADLE_USER_HOME")
    return Path(configured).expanduser() if configured else paths.home(environ) / ".gradle"


class Writer(base.Writer[Options]):
    format = "maven"

    def default_path(self, environ: Mapping[str, str] = os.environ) -> Path:
        return gradle_user_home(environ) / "gradle.properties"

    def encoding(self, role: str, raw: bytes) -> str:
        return ENCODING

    def render(self, current: str | None, creds: base.Credentials) -> str:
        doc = PropertiesDocument(current)
        doc.set(self.options.property, creds.token)
        return doc.text()

    def read_back(self, role: str, text: str, creds: base.Credentials) -> Iterable[tuple[str, str, str | None]]:
        """Our property as ``Properties.load`` reads it (a continuation must not swallow it)."""
        return [(self.options.property, creds.token, PropertiesDocument(text).get(self.options.property))]

    def claims(self) -> Iterable[base.Claim]:
        return [base.Claim(self.options.property)]

    def find_secrets(self, text: str) -> Iterable[str]:
        """Our property's value and every value whose key is a credential key
        (:func:`~..redaction.is_credential_key`: ``mavenPassword``, ``signing.password``,
        ``*Token``, ``gpr.key``, GitHub Packages' token...), and URL passwords."""
        found = urls.secrets(text)
        try:
            entries = PropertiesDocument(text).entries
        except WriterError:  # not readable as properties: every value-like tail is a candidate
            return found + [m.group(1) for m in re.finditer(r"(?m)[=:][ \t\f]*(\S.*)$", text)]
        for entry in entries:
            if entry.value and (entry.key == self.options.property or is_credential_key(entry.key)):
                found.append(entry.value)
        return found
