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
