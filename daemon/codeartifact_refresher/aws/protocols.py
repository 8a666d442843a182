"""The parts of botocore we use, as types: botocore ships no type hints, so without these every
session and client would be ``Any`` and a misspelt method would pass ``mypy``.

A *session* is ``botocore.session.Session``; a *client* is what its ``create_client`` returns for
``codeartifact`` or ``sts``. Each protocol lists only the members this package calls (a test's
fake needs only those). Parameters go as keywords, under the API's own names (``domainOwner``),
and botocore checks them against the service model; an answer is the API's JSON as a mapping.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, Protocol, overload

#: the services we make clients of
Service = Literal["codeartifact", "sts"]
#: an API answer: its JSON (datetimes parsed), as botocore returns it
Answer = Mapping[str, Any]


class ClientMeta(Protocol):
    @property
    def endpoint_url(self) -> str: ...

    @property
    def region_name(self) -> str: ...


class CodeArtifactClient(Protocol):
    @property
    def meta(self) -> ClientMeta: ...

    def get_authorization_token(self, **params: object) -> Answer: ...

    def list_repositories_in_domain(self, **params: object) -> Answer: ...

    def get_repository_endpoint(self, **params: object) -> Answer: ...


class StsClient(Protocol):
    @property
    def meta(self) -> ClientMeta: ...

    def get_caller_identity(self) -> Answer: ...


class FrozenCredentials(Protocol):
    @property
    def access_key(self) -> str: ...


class Credentials(Protocol):
    """``botocore.credentials.Credentials`` (or a refreshable kind: then ``_expiry_time`` too)."""

    @property
    def method(self) -> str: ...

    def get_frozen_credentials(self) -> FrozenCredentials: ...


class Session(Protocol):
    user_agent_extra: str
    #: what get_credentials() returns; botocore has no public setter (see session._assume_role)
    _credentials: Credentials | None

    def get_credentials(self) -> Credentials | None: ...

    def get_scoped_config(self) -> Mapping[str, Any]: ...

    def set_config_variable(self, logical_name: str, value: object) -> None: ...

    def set_credentials(self, access_key: str, secret_key: str, token: str | None = None) -> None: ...

    @overload
    def create_client(self, service_name: Literal["codeartifact"], **kwargs: object) -> CodeArtifactClient: ...

    @overload
    def create_client(self, service_name: Literal["sts"], **kwargs: object) -> StsClient: ...
