"""Hypothesis strategies for foreign config files: content no target owns."""

from __future__ import annotations

from hypothesis import strategies as st

NAME = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)
VALUE = st.from_regex(r"[A-Za-z0-9:/._=-]{1,20}", fullmatch=True)
COMMENT = st.builds(
    lambda indent, prefix, text: f"{indent}{prefix}{text}",
    st.sampled_from(["", "  "]),
    st.sampled_from(["#", ";"]),
    st.from_regex(r"[ -~]{0,30}", fullmatch=True),
)
NEWLINE = st.sampled_from(["\n", "\r\n"])


@st.composite
def ini_files(draw, section_names=NAME, forbidden_sections=()):
    """INI text configparser accepts: sections of options (some multi-line), comments, blanks."""
    nl = draw(NEWLINE)
    lines = draw(st.lists(COMMENT, max_size=2))
    names = draw(st.lists(section_names.filter(lambda s: s not in forbidden_sections), max_size=4, unique=True))
    for name in names:
        lines.append(f"[{name}]")
        keys = draw(st.lists(NAME, max_size=4, unique=True))
        for key in keys:
            lines += draw(st.lists(st.one_of(COMMENT, st.just("")), max_size=1))
            values = draw(st.lists(VALUE, min_size=1, max_size=3))
            sep = draw(st.sampled_from([" = ", "=", ": "]))
            if len(values) == 1:
                lines.append(f"{key}{sep}{values[0]}")
            else:
                lines.append(f"{key}{sep.rstrip()}")
                lines += [f"    {v}" for v in values]
    end = nl if draw(st.booleans()) else ""
    return nl.join(lines) + (end if lines else "")


@st.composite
def npmrc_files(draw, forbidden_keys=("registry",)):
    nl = draw(NEWLINE)
    key = st.one_of(
        NAME.filter(lambda k: k not in forbidden_keys),
        NAME.map(lambda s: f"@{s}:registry").filter(lambda k: k not in forbidden_keys),
        NAME.map(lambda s: f"//{s}.example.com/npm/:_authToken"),
    )
    line = st.one_of(
        COMMENT, st.just(""), st.builds(lambda k, sep, v: f"{k}{sep}{v}", key, st.sampled_from(["=", " = "]), VALUE)
    )
    lines = draw(st.lists(line, max_size=8))
    if draw(st.booleans()):  # a section at the end, whose keys (even 'registry') are not top level
        lines += ["[section]", "registry=https://elsewhere.example/"]
    end = nl if draw(st.booleans()) else ""
    return nl.join(lines) + (end if lines else "")


NETRC_WORD = st.from_regex(r"[A-Za-z0-9._:/@=-]{1,16}", fullmatch=True).filter(
    lambda w: w not in ("machine", "default", "macdef", "login", "user", "password", "account")
)


@st.composite
def netrc_files(draw, forbidden_hosts=()):
    """netrc text every reader parses alike: machine entries (one line or several, with comments
    inside), a trailing default, macros ended by an empty line, comment lines."""
    nl = draw(st.sampled_from(["\n"] * 3 + ["\r\n"]))
    host = NETRC_WORD.filter(lambda h: h.lower() not in forbidden_hosts)
    comment = st.from_regex(r"# [ -~]{0,20}", fullmatch=True).map(str.rstrip)

    @st.composite
    def entry(draw):
        pairs = draw(st.lists(st.tuples(st.sampled_from(["login", "password", "account"]), NETRC_WORD), max_size=3))
        words = [f"machine {draw(host)}"] + [f"{k} {v}" for k, v in pairs]
        if draw(st.booleans()):
            return " ".join(words)
        inner = [f"  {w}" for w in words[1:]]
        if inner and draw(st.booleans()):
            inner.insert(draw(st.integers(0, len(inner) - 1)), "  " + draw(comment))
        return nl.join([words[0], *inner])

    macro = st.builds(
        lambda name, body: nl.join([f"macdef {name}", *body, ""]),
        NETRC_WORD,
        st.lists(st.from_regex(r"[a-z][ -~]{0,20}", fullmatch=True).map(str.rstrip), min_size=1, max_size=3),
    )
    kinds = (
        st.one_of(entry(), comment, st.just("")) if nl == "\r\n" else st.one_of(entry(), comment, macro, st.just(""))
    )
    blocks: list[str] = []
    for block in draw(st.lists(kinds, max_size=6)):
        if block.startswith("#") and blocks and blocks[-1] == "":
            continue  # Python and uv read the words of a comment after a blank line
        blocks.append(block)
    if draw(st.booleans()):
        blocks.append(f"default login {draw(NETRC_WORD)} password {draw(NETRC_WORD)}")
    return nl.join(blocks) + (nl if blocks else "")
