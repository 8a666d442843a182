"""botocore sessions and clients for a domain's AWS settings.

A *session* holds the credentials found for one (profile, region, role_arn, endpoint_url): the
AWS default chain, or the profile's, then the role assumed on top (re-assumed before it expires).
Its clients share them: ``codeartifact`` (at the domain's ``endpoint_url``, else at the API's
dualstack host ``codeartifact.REGION.api.aws`` when the domain says ``endpoint_type: dualstack``:
:func:`dualstack`) and ``sts`` (at botocore's own STS endpoint, or ``AWS_ENDPOINT_URL_STS``). botocore is imported here, on first use:
``check`` and ``--help`` never load it.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from .. import __version__
from ..config import Domain
from .protocols import CodeArtifactClient, Service, Session, StsClient

if TYPE_CHECKING:
    from .tokens import Clients

ROLE_SESSION_NAME = "codeartifact-refresher"


def build_session(domain: Domain, settings: Clients) -> Session:
    """A botocore session with ``domain``'s credentials (``settings.credentials`` when given:
    those and no AWS config or credentials file, as the demo's stand-in wants)."""
    import botocore.session

    # botocore logs every response body at DEBUG, and GetAuthorizationToken's body is the token:
    # whatever level the process's logging asks for, botocore's own lines stop at INFO.
    botocore_logger = logging.getLogger("botocore")
    botocore_logger.setLevel(max(botocore_logger.level, logging.INFO))
    session: Session = botocore.session.Session(profile=domain.profile)
    session.user_agent_extra = f"codeartifact-refresher/{__version__}"
    if settings.credentials is not None:
        for variable in ("config_file", "credentials_file"):
            session.set_config_variable(variable, os.devnull)
        session.set_credentials(*settings.credentials)
    if domain.role_arn:
        _assume_role(session, domain.role_arn)
    return session


def create_client(
    session: Session, service: Service, domain: Domain, settings: Clients
) -> CodeArtifactClient | StsClient:
    """A client of ``service`` (``codeartifact`` or ``sts``) from ``session``, with our retries and
    timeouts; only the codeartifact client goes to the domain's ``endpoint_url``."""
    from botocore.config import Config as BotoConfig

    config = BotoConfig(
        retries={"mode": "standard", "total_max_attempts": settings.attempts},
        connect_timeout=settings.timeouts[0],
        read_timeout=settings.timeouts[1],
        max_pool_connections=settings.connections,
        **({"use_dualstack_endpoint": True} if service == "codeartifact" and dualstack(domain) else {}),
    )
    endpoint_url = domain.endpoint_url if service == "codeartifact" else None
    return session.create_client(service, region_name=domain.region, endpoint_url=endpoint_url, config=config)


def dualstack(domain: Domain) -> bool:
    """Whether ``domain``'s codeartifact client asks botocore for the API's dualstack host
    (``use_dualstack_endpoint``): when its repository endpoints are dualstack, so that a host
    reaching AWS over IPv6 reaches the API too, and no ``endpoint_url`` names the host itself.
    Otherwise botocore's own settings hold (``AWS_USE_DUALSTACK_ENDPOINT``, a profile's
    ``use_dualstack_endpoint``)."""
    return domain.endpoint_type == "dualstack" and not domain.endpoint_url


def _assume_role(session: Session, role_arn: str) -> None:
    """Make ``session`` use the role's credentials, re-assumed before they expire."""
    from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials

    fetcher = AssumeRoleCredentialFetcher(
        client_creator=session.create_client,
        source_credentials=session.get_credentials(),
        role_arn=role_arn,
        extra_args={"RoleSessionName": ROLE_SESSION_NAME},
    )
    # botocore has no public setter for a session's credentials; this is the attribute
    # get_credentials() returns, and assigning it is the documented-by-practice way.
    session._credentials = DeferredRefreshableCredentials(method="assume-role", refresh_using=fetcher.fetch_credentials)
