"""Where the config lives: ``$CODEARTIFACT_REFRESHER_CONFIG``, else the user's config, else the system one."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from ..platform.paths import user_config_dir

ENV_VAR = "CODEARTIFACT_REFRESHER_CONFIG"
BASENAME = Path("codeartifact-refresher") / "config.yaml"
SYSTEM_PATH = Path("/etc") / BASENAME


def default_path(environ: Mapping[str, str] = os.environ) -> Path:
    """``$CODEARTIFACT_REFRESHER_CONFIG``, else the user's config, else the system one."""
    if environ.get(ENV_VAR):
        return Path(environ[ENV_VAR]).expanduser()
    user = user_config_dir(environ) / BASENAME
    try:
        mine = user.exists()
    except OSError:  # a home this user cannot search: say so when it is read, not with a traceback here
        return user
    if mine or not SYSTEM_PATH.exists():
        return user
    return SYSTEM_PATH


def user_path(environ: Mapping[str, str] = os.environ) -> Path:
    """Where a user's config goes: ``$CODEARTIFACT_REFRESHER_CONFIG``, else the user's config
    (never the system one): where ``init`` writes."""
    if environ.get(ENV_VAR):
        return Path(environ[ENV_VAR]).expanduser()
    return user_config_dir(environ) / BASENAME
