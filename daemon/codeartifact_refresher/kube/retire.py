"""Secrets whose targets all left the config give back the keys we wrote.

A *written Secret* is what the state file keeps of a Secret a ``secret:`` target wrote: the
config file it came from (resolved, as :mod:`..retire` names it), the namespace and the name. A
key the config stops writing while other targets still write its Secret goes with their next apply
(:mod:`..outputs.secret`). A Secret that no target of its config writes any more is *retired*: one
server-side apply of nothing but its name, which removes every field our manager owns (our keys,
label and annotation) and leaves other managers' keys and the Secret itself: we never delete a
Secret. It needs the config's ``kubernetes:`` section to reach the API; without one, the record is
dropped with a warning (its token lapses within 12 hours).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Error

if TYPE_CHECKING:
    from ..config import Config, Target

logger = logging.getLogger(__name__)
Written = tuple[str, str, str]  # (config file, namespace, name)


def written_by(target: Target, config: Path) -> set[Written]:
    """The Secrets ``target`` (of the config at ``config``) writes."""
    from ..outputs.secret import SecretOutput

    name = str(Path(config).resolve())
    return {(name, o.namespace, o.name) for _, o in target.outputs if isinstance(o, SecretOutput)}


def to_json(written: Iterable[Written]) -> list[dict[str, str]]:
    return [{"config": c, "namespace": ns, "name": n} for c, ns, n in sorted(written)]


def from_json(data: Any) -> set[Written]:
    """The written Secrets a state file lists, each checked; anything else is left out."""
    found: set[Written] = set()
    for item in data if isinstance(data, list) else []:
        if isinstance(item, dict):
            values = (item.get("config"), item.get("namespace"), item.get("name"))
            if all(isinstance(v, str) and v for v in values) and Path(str(values[0])).is_absolute():
                found.add((str(values[0]), str(values[1]), str(values[2])))
    return found


def sweep(written: set[Written], config: Config, dry_run: bool = False) -> set[Written]:
    """Retire the Secrets of ``config`` that none of its targets writes; the records that remain
    (a Secret that could not be reached stays recorded, to try again)."""
    name = str(Path(config.path).resolve())
    current = {w for d in config.domains for t in d.targets for w in written_by(t, config.path)}
    gone = sorted(w for w in written if w[0] == name and w not in current)
    remaining = set(written)
    for record in gone:
        if dry_run:
            logger.info("would remove our keys from secret %s/%s: no target writes it any more", *record[1:])
        elif _retire(config, record):
            remaining.discard(record)
    return remaining


def _retire(config: Config, record: Written) -> bool:
    from ..kube import connection
    from ..kube.secrets import ApiStore, Desired

    _, namespace, name = record
    if config.kubernetes is None:
        logger.warning("secret %s/%s keeps our keys: the config has no kubernetes: section any more", namespace, name)
        return True
    try:
        store = ApiStore(connection.client(config.kubernetes))
        if store.read(namespace, name).exists:
            store.apply(namespace, name, Desired({}, {}, {}))
    except Error as e:
        logger.warning("secret %s/%s: cannot remove our keys (%s); trying again later", namespace, name, e)
        return False
    logger.info("secret %s/%s: our keys removed, no target writes it any more", namespace, name)
    return True
