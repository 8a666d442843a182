"""Hypothesis strategies for foreign XML config files (Maven's settings.xml, NuGet.Config), one
element per line, and a reader that sees them as Maven and NuGet do (local names, no namespaces)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import strategies as st

from .strategies import NAME, NEWLINE, VALUE

COMMENT = st.from_regex(r"[ -~]{0,30}", fullmatch=True).filter(lambda t: "--" not in t and not t.endswith("-"))
XML_COMMENT = COMMENT.map(lambda t: f"<!--{t}-->")


@st.composite
def xml_files(draw, root: str, sections: dict):
    """``<root>`` holding some of ``sections`` (name -> strategy of one-line child elements), with
    comments, an optional XML declaration and default namespace, any indent and line ending."""
    nl, indent = draw(NEWLINE), draw(st.sampled_from(["  ", "    ", "\t"]))
    lines = ['<?xml version="1.0" encoding="utf-8"?>'] if draw(st.booleans()) else []
    lines += draw(st.lists(XML_COMMENT, max_size=2))
    namespace = draw(st.sampled_from(["", ' xmlns="http://example.com/ns"']))
    lines.append(f"<{root}{namespace}>")
    names = draw(st.permutations(list(sections)))
    for name in names[: draw(st.integers(0, len(names)))]:
        lines.append(f"{indent}<{name}>")
        lines += [f"{indent * 2}{item}" for item in draw(st.lists(st.one_of(XML_COMMENT, sections[name]), max_size=4))]
        lines.append(f"{indent}</{name}>")
    lines += draw(st.lists(st.just(f"{indent}<!-- the end -->"), max_size=1))
    lines.append(f"</{root}>")
    return nl.join(lines) + (nl if draw(st.booleans()) else "")


def local_tree(text: str) -> ET.Element:
    """The document with every element's name stripped of its namespace, as Maven's MXParser and
    NuGet's ``XElement.Name.LocalName`` see it."""
    root = ET.fromstring(text.encode())  # noqa: S314 - documents these strategies generate
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]
    return root


__all__ = ["NAME", "VALUE", "XML_COMMENT", "local_tree", "xml_files"]
