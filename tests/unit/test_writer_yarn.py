"""Yarn Berry's .yarnrc.yml: the contract, Yarn's registry lookup rules, several scopes and domains."""

import re

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from codeartifact_refresher.errors import WriterRefusedError
from codeartifact_refresher.testing.writer_contract import HOST, TOKEN_1, TOKEN_2, WriterContract, is_subsequence
from codeartifact_refresher.writers.base import Credentials
from codeartifact_refresher.writers.formats.lines import split_lines
from codeartifact_refresher.writers.yarn import Writer

from ..strategies import NAME, NEWLINE

FOREIGN = """\
# team Yarn settings
nodeLinker: node-modules  # no PnP here
npmScopes:
  other:
    npmRegistryServer: "https://npm.other.example/"
    npmAuthToken: other-secret
npmRegistries:
  "//npm.other.example":
    npmAuthToken: other-secret-2
enableTelemetry: false
"""
CREDS = Credentials(f"https://{HOST}/npm/store/", TOKEN_1)


def yarn_registry(text: str, scope: str | None = None) -> tuple[str | None, str | None]:
    """(server, token) as Yarn's ``getScopeRegistry`` and ``getRegistryConfiguration`` find them."""
    data = yaml.safe_load(text) or {}
    server = (data.get("npmScopes") or {}).get(scope, {}).get("npmRegistryServer") if scope else None
    server = server or data.get("npmRegistryServer")
    registries = {k.removesuffix("/"): v for k, v in (data.get("npmRegistries") or {}).items()}
    exact = server.removesuffix("/")
    entry = registries.get(exact) or registries.get(re.sub(r"^[a-z]+:", "", exact)) or {}
    assert entry.get("npmAlwaysAuth") is True
    return server, entry.get("npmAuthToken")


QUOTED = st.sampled_from(["{}", "'{}'", '"{}"'])
WORD = st.from_regex(r"[a-z][a-z0-9.-]{0,8}", fullmatch=True)
TRAILING = st.one_of(
    st.just(""),
    st.builds("{}# {}".format, st.sampled_from([" ", "   "]), st.from_regex(r"[ -~]{0,20}", fullmatch=True)),
)
OURS = ("npmRegistryServer", "npmRegistries", "npmScopes")


@st.composite
def setting(draw, key, column, step, depth):
    """One foreign setting's lines: a scalar, a flow mapping, a list or (``depth`` left) a block mapping."""
    pad, name = " " * column, draw(QUOTED).format(key)
    kind = draw(st.sampled_from(["scalar", "flow", "list", "block"] if depth else ["scalar", "flow", "list"]))
    if kind == "scalar":
        return [f"{pad}{name}: {draw(QUOTED).format(draw(WORD))}{draw(TRAILING)}"]
    if kind == "flow":
        pairs = draw(st.dictionaries(WORD, WORD, max_size=3))
        return [f"{pad}{name}: {{{', '.join(f'{k}: {v!r}' for k, v in pairs.items())}}}{draw(TRAILING)}"]
    head = [f"{pad}{name}:{draw(TRAILING)}"]
    if kind == "list":
        return head + [
            f"{pad}{' ' * step}- {draw(QUOTED).format(v)}" for v in draw(st.lists(WORD, min_size=1, max_size=3))
        ]
    for child in draw(st.lists(WORD, min_size=1, max_size=3, unique=True)):
        head += draw(st.lists(st.just(f"{pad}{' ' * step}# about {child}"), max_size=1))
        head += draw(setting(child, column + step, step, depth - 1))
    return head


@st.composite
def yarnrc_files(draw, flow_registries=True):
    """Foreign .yarnrc.yml files: any indentation step, comments, quoting, flow and block
    mappings, and (maybe) another registry's entry, block or (``flow_registries``: a line our
    entry goes into) flow, and another scope."""
    step, nl = draw(st.sampled_from([2, 3, 4])), draw(NEWLINE)
    lines = draw(st.lists(st.from_regex(r"#[ -~]{0,20}", fullmatch=True), max_size=2))
    for key in draw(st.lists(NAME.filter(lambda k: k not in OURS), max_size=4, unique=True)):
        lines += draw(setting(key, 0, step, 2))
    other = '"//npm.other.example/"'
    flow = [["npmRegistries: {}"], [f"npmRegistries: {{{other}: {{npmAuthToken: 'theirs'}}}}  # flow"]]
    lines += draw(
        st.sampled_from(
            [
                *(flow if flow_registries else []),
                [],
                ["npmRegistries:", f"{' ' * step}{other}:", f"{' ' * 2 * step}npmAuthToken: theirs  # block"],
                [
                    "npmScopes:",
                    f"{' ' * step}other:",
                    f"{' ' * 2 * step}npmRegistryServer: 'https://npm.other.example/'",
                ],
            ]
        )
    )
    return nl.join(lines) + nl if lines else ""


class YarnContract(WriterContract):
    foreign = FOREIGN
    corrupt = ("\x00\x01binary junk\x00", "a: [1,\n", "- a\n- list\n", "key: 1\nkey: 2\n", "a: b: c\n")
    scope: str | None = None

    def make_writer(self):
        return Writer(scope=f"@{self.scope}") if self.scope else Writer()

    def foreign_texts(self):
        return yarnrc_files(flow_registries=False)

    def read_back(self, text):
        return yarn_registry(text, self.scope)


class TestDefaultRegistry(YarnContract):
    pass


class TestScope(YarnContract):
    scope = "acme"


def test_comments_and_other_settings_are_kept_byte_for_byte():
    text = Writer().render(FOREIGN, CREDS)
    assert text.startswith(FOREIGN.rstrip("\n").rsplit("\nenableTelemetry", 1)[0])
    assert "nodeLinker: node-modules  # no PnP here\n" in text


def test_an_entry_yarn_would_take_for_our_registry_gets_the_token_in_place():
    for key in (f"https://{HOST}/npm/store", f"https://{HOST}/npm/store/", f"//{HOST}/npm/store"):
        current = f'npmRegistries:\n  "{key}": # mine\n    npmAuthToken: stale\n'
        text = Writer().render(current, CREDS)
        assert "stale" not in text and text.count(TOKEN_1) == 1 and "# mine" in text
        assert yarn_registry(text) == (CREDS.endpoint, TOKEN_1)


def test_a_token_in_our_scope_would_hide_ours_and_is_refused():
    with pytest.raises(WriterRefusedError, match=r"npmScopes.acme"):
        Writer(scope="@acme").render("npmScopes:\n  acme:\n    npmAuthToken: theirs\n", CREDS)


def test_several_scopes_and_domains_in_one_file():
    other = Credentials("https://other-444455556666.d.codeartifact.eu-west-1.amazonaws.com/npm/web/", TOKEN_2)
    text = Writer(scope="@web").render(Writer(scope="@acme").render(Writer().render(FOREIGN, CREDS), CREDS), other)
    assert yarn_registry(text) == (CREDS.endpoint, TOKEN_1)
    assert yarn_registry(text, "acme") == (CREDS.endpoint, TOKEN_1)
    assert yarn_registry(text, "web") == (other.endpoint, TOKEN_2)
    assert yaml.safe_load(text)["npmScopes"]["other"]["npmAuthToken"] == "other-secret"


def test_default_path_follows_yarn_rc_filename(home, monkeypatch):
    assert Writer().default_path() == home / ".yarnrc.yml"
    monkeypatch.setenv("YARN_RC_FILENAME", ".yarnrc-ci.yml")
    assert Writer().default_path() == home / ".yarnrc-ci.yml"


def test_find_secrets_includes_other_tokens():
    assert set(Writer().find_secrets(Writer().render(FOREIGN, CREDS))) == {"other-secret", "other-secret-2", TOKEN_1}


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        # our registry entry is an alias of another registry's: the token would go to that host too
        (
            f'npmRegistries:\n  "//npm.other.example": &shared\n    npmAlwaysAuth: false\n  "//{HOST}/npm/store": *shared\n',
            None,
        ),
        # our scope is an alias of another scope's: its packages would come from our registry
        ('npmScopes:\n  other: &s\n    npmRegistryServer: "https://npm.other.example/"\n  acme: *s\n', "@acme"),
    ],
)
def test_a_yaml_alias_shared_with_another_setting_is_refused_not_edited_through(text, scope):
    with pytest.raises(WriterRefusedError, match="alias"):
        Writer(scope=scope).render(text, CREDS)


@pytest.mark.parametrize(
    "text",
    [
        'packageExtensions:\n    "a@*":\n        dependencies:\n            b: "*"\n',
        "nodeLinker:   pnp   # spaced\n",
    ],
)
def test_review_cases_come_back_byte_for_byte_but_our_entries(text):
    out = Writer().render(text, CREDS)
    step = "    " if text.startswith("package") else "  "  # new keys nest by the file's own step
    assert out == text + (
        f"npmRegistryServer: {CREDS.endpoint}\n"
        f"npmRegistries:\n{step}//{HOST}/npm/store/:\n{step * 2}npmAuthToken: {TOKEN_1}\n{step * 2}npmAlwaysAuth: true\n"
    )


def without_ours(data, scope):
    """Yarn's reading (PyYAML's as its stand-in) of a file, less the entries the target owns."""
    data = dict(data or {})
    scopes = dict(data.pop("npmScopes", None) or {})
    if scope:
        scopes.pop(scope, None)
    else:
        data.pop("npmRegistryServer", None)
    registries = {k: v for k, v in (data.pop("npmRegistries", None) or {}).items() if k != f"//{HOST}/npm/store/"}
    return data, scopes, registries


@given(text=yarnrc_files(), scope=st.sampled_from([None, "acme"]))
def test_foreign_lines_and_settings_survive_any_edit(text, scope):
    out = Writer(scope=f"@{scope}" if scope else None).render(text, CREDS)
    foreign = [line for line in split_lines(text) if not line.startswith("npmRegistries: {")]  # edited inside
    assert is_subsequence(foreign, split_lines(out))
    assert without_ours(yaml.safe_load(out), scope) == without_ours(yaml.safe_load(text), scope)
    assert yarn_registry(out, scope) == (CREDS.endpoint, TOKEN_1)
