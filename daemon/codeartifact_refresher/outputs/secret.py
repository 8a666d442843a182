"""A key of a Kubernetes Secret as an output: the ``secret:`` kind.

A target with ``secret: NAME`` puts each of its writer's files into one *key* of the Secret NAME
(in ``namespace:``, else the ``kubernetes:`` section's): the main file under ``key:`` (default: the
file's usual base name, ``.npmrc``, ``pip.conf``, ``token``), each other role of a multi-file writer
under its own file's base name (cargo: ``credentials.toml`` and ``config.toml``), so a Secret mounted
as a directory holds the files side by side. Every Secret we write also carries the *token keys*
(:data:`TOKEN_KEYS`: ``authorizationToken`` and ``expiration`` as external-secrets' CodeArtifact
generator names them, ``username``/``password`` and ``expires_at`` in Unix seconds as its ECR
generator does), the label :data:`LABEL` and the annotation :data:`EXPIRY` (ISO 8601).

Writes are server-side applies (:mod:`..kube.secrets`) that carry every key we own in the Secret
that the config still writes (its *siblings*, bound when the config loads): a key the config no
longer writes is dropped by the next apply; keys of other managers are never touched.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field, replace
from datetime import timezone
from typing import TYPE_CHECKING, Any

from ..kube import settings as kube_settings
from ..writers import options as writer_options
from ..writers.base import MAIN, NoDefaultPath, Writer
from . import kinds
from .base import Context, Guard, Output, Render, Snapshot

if TYPE_CHECKING:
    from ..config.checker import Checker
    from ..config.model import Domain
    from ..kube.secrets import Current, Desired, Store

TOKEN_KEYS = ("authorizationToken", "expiration", "username", "password", "expires_at")
LABEL = ("app.kubernetes.io/managed-by", "codeartifact-refresher")
EXPIRY = "codeartifact-refresher/expiration"
KEY_RE = re.compile(r"^[-._a-zA-Z0-9]{1,253}$")
KEY_EXPECTED = "a Secret data key (letters, digits, '-', '_' and '.')"


@dataclass(frozen=True)
class SecretOutput(Output):
    """Key ``entry`` of the Secret ``namespace``/``name``; ``namespace`` is "" until bound to the
    ``kubernetes:`` settings (:func:`bind`), ``siblings`` every key the config writes there."""

    name: str
    entry: str
    namespace: str = ""
    settings: kube_settings.Settings | None = field(default=None, compare=False, repr=False)
    siblings: frozenset[str] = field(default=frozenset(), compare=False)
    context: Context | None = field(default=None, compare=False, repr=False)
    leader_only = True

    def describe(self) -> str:
        return f"secret {self.namespace}/{self.name} {self.entry}"

    @property
    def key(self) -> Hashable:
        return ("secret", self.namespace, self.name, self.entry)

    @property
    def secret(self) -> tuple[str, str]:
        return (self.namespace, self.name)

    def bind(self, context: Context) -> Output:
        return replace(self, context=context)

    def preview(self, render: Render) -> tuple[Snapshot, Snapshot]:
        current = self._store().read(self.namespace, self.name)
        before = current.text(self.entry)
        return Snapshot(self.describe(), before), Snapshot(self.describe(), render(before))

    def update(self, render: Render, guard: Guard = contextlib.nullcontext) -> bool:
        store = self._store()
        current = store.read(self.namespace, self.name)
        desired = self.desired(current, render(current.text(self.entry)))
        if desired.holds(current):
            return False
        with guard():
            store.apply(self.namespace, self.name, desired, creating=not current.exists)
        return True

    def desired(self, current: Current, text: str) -> Desired:
        """What the apply says: the token keys, ``text`` under our key, and each sibling key we own."""
        from ..kube.secrets import Desired

        if self.context is None:
            raise TypeError(f"{self.describe()}: update() without bind(context)")
        expires = self.context.expires_at.astimezone(timezone.utc)
        iso = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
        token = self.context.token.encode()
        data = dict.fromkeys(("authorizationToken", "password"), token)
        data.update(
            {"expiration": iso.encode(), "username": b"aws", "expires_at": str(int(expires.timestamp())).encode()}
        )
        kept = (self.siblings & current.ours) - {self.entry, *TOKEN_KEYS}
        data.update({k: current.data[k] for k in kept if k in current.data})
        data[self.entry] = text.encode()
        return Desired(data, dict([LABEL]), {EXPIRY: iso})

    def _store(self) -> Store:
        from ..kube import connection
        from ..kube.secrets import ApiStore

        if self.settings is None:
            raise TypeError(f"{self.describe()}: the output was not bound to the kubernetes: settings")
        return ApiStore(connection.client(self.settings))


def _build(name: str, writer: Writer[Any], fields: kinds.Fields) -> kinds.Outputs:
    secret = fields.text("secret", kube_settings.NAME_EXPECTED)
    assert secret is not None  # noqa: S101 - the kind is built only when its key is there
    if not kube_settings.NAME_RE.match(secret):
        raise fields.fail("secret", f"{secret!r} is not valid: expected {kube_settings.NAME_EXPECTED}")
    namespace = fields.text("namespace", kube_settings.NAMESPACE_EXPECTED) or ""
    if namespace and not kube_settings.NAMESPACE_RE.match(namespace):
        raise fields.fail("namespace", f"{namespace!r} is not valid: expected {kube_settings.NAMESPACE_EXPECTED}")
    keys = _keys(name, writer, fields)
    return tuple((role, SecretOutput(secret, keys[role], namespace)) for role in writer.roles())


def _keys(name: str, writer: Writer[Any], fields: kinds.Fields) -> dict[str, str]:
    """Each role's key: ``key:`` for MAIN (unless ``key`` is the writer's own option, as gem's),
    else the base name of the role's default file."""
    given = None if "key" in writer_options.names(type(writer).Options) else fields.text("key", KEY_EXPECTED)
    if given is not None and not KEY_RE.match(given):
        raise fields.fail("key", f"{given!r} is not valid: expected {KEY_EXPECTED}")
    try:
        defaults = {} if given is not None and writer.roles() == (MAIN,) else writer.default_paths(fields.environ)
    except NoDefaultPath:
        raise fields.fail("secret", f"the {name} writer's file has no usual name: give 'key:'") from None
    keys = {role: defaults[role].name for role in writer.roles() if role in defaults}
    if given is not None:
        keys[MAIN] = given
    for role, key in keys.items():
        where = "key" if role == MAIN and given is not None else "secret"
        if key in TOKEN_KEYS:
            raise fields.fail(where, f"{key!r} is one of the keys every Secret we write carries; give another 'key:'")
        if list(keys.values()).count(key) > 1:
            raise fields.fail(where, f"two of the {name} writer's files would both be key {key!r}; give another 'key:'")
    return keys


def bind(check: Checker, settings: kube_settings.Settings | None, domains: Iterable[Domain]) -> list[Domain]:
    """The domains with every Secret output bound to ``settings`` (its namespace by default) and
    given its siblings; a secret target without a ``kubernetes:`` section, or two domains writing
    one Secret (their tokens would take turns in its token keys), is an error."""
    domains = list(domains)
    found = [(d, t, out) for d in domains for t in d.targets for _, out in t.outputs if isinstance(out, SecretOutput)]
    if not found:
        return domains
    if settings is None:
        _, t, _ = found[0]
        raise check.fail(f"secret: the {t.writer} target needs the top-level 'kubernetes:' section", t.line)
    bound = {
        id(out): replace(out, namespace=out.namespace or settings.namespace, settings=settings) for *_, out in found
    }
    owner: dict[tuple[str, str], tuple[Any, int]] = {}
    keys: dict[tuple[str, str], set[str]] = {}
    for d, t, out in found:
        b = bound[id(out)]
        first = owner.setdefault(b.secret, (d, t.line))
        if first[0] is not d:
            raise check.fail(
                f"secret: {b.namespace}/{b.name} is written by the domain on line {first[0].line} too (the target "
                f"on line {first[1]}); one Secret holds one domain's token: give this target another Secret",
                t.line,
            )
        keys.setdefault(b.secret, set()).add(b.entry)
    return [_rebind(d, bound, keys) for d in domains]


def _rebind(domain: Domain, bound: dict[int, SecretOutput], keys: dict[tuple[str, str], set[str]]) -> Domain:
    def one(out: Output) -> Output:
        b = bound.get(id(out))
        return out if b is None else replace(b, siblings=frozenset(keys[b.secret]))

    targets = tuple(replace(t, outputs=tuple((role, one(out)) for role, out in t.outputs)) for t in domain.targets)
    return replace(domain, targets=targets)


#: a key of a Kubernetes Secret: ``secret: NAME`` with ``key:`` and ``namespace:``
SECRET = kinds.Kind("secret", "a Kubernetes Secret's name", _build, ("key", "namespace"))
kinds.register(SECRET)
