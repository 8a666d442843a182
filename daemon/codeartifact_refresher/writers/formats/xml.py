"""XML config files (Maven's ``settings.xml``, NuGet's ``NuGet.Config``) edited in place.

No serializer ever sees the user's bytes: the text is *parsed* with expat (the parser under
Python's ``xml.*`` modules; imported when a file is parsed) only to learn where each element
starts and ends, and the edits are *splices* of new text at those offsets. Comments, the XML
declaration, namespace declarations, attribute quoting and whitespace all stay as they were.

Vocabulary:

- an *element* (:class:`Element`) records its raw *name* as written (``s:settings`` stays
  prefixed: neither Maven's MXParser nor NuGet's reader of these files maps prefixes), its
  *attributes*, its direct *text* (character data, entities decoded), its *children*, its
  *line*, and four offsets into the text: ``start`` (its ``<``), ``head_end`` (after the start
  tag's ``>``), ``tail_start`` (the ``</`` of its end tag; ``head_end`` for ``<x/>``) and ``end``;
- an *indent* is the whitespace before an element on its line; a new child gets the indent of its
  siblings, else its parent's plus one *step* (the step the file already uses, else two spaces);
- the *prolog* is what may come before the root: the XML declaration, comments, processing
  instructions and whitespace. A file that holds only a prolog (or nothing) has no root yet.

A file's *encoding* is found as XML 1.0 (appendix F) and Maven's and NuGet's readers find it
(:func:`encoding_of`): a byte-order mark's, else UTF-16 when the first character is one, else the
XML declaration's ``encoding``, else UTF-8. The text is decoded in it before it is parsed here.

Refused with :class:`~codeartifact_refresher.errors.WriterError` naming the line: text expat
rejects (not well-formed, NUL bytes) and any document type declaration, which is where entity
expansion (billion laughs) and external entities (XXE) start; neither Maven nor NuGet needs one.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import Any

from ...errors import WriterError
from . import references
from .lines import check_text

_ATTRIBUTE = re.compile(r"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_NO_ELEMENTS = 3  # expat's XML_ERROR_NO_ELEMENTS: the text ended before any root element
_DECLARATION = re.compile(r"""<\?xml\s[^>]*?\bencoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\1""")
_BOMS = ((codecs.BOM_UTF8, "UTF-8"), (codecs.BOM_UTF16_LE, "UTF-16LE"), (codecs.BOM_UTF16_BE, "UTF-16BE"))
_UTF16_STARTS = ((b"<\x00?\x00", "UTF-16LE"), (b"\x00<\x00?", "UTF-16BE"))


@dataclass
class Element:
    name: str
    attributes: dict[str, str]
    line: int
    start: int
    head_end: int = 0
    tail_start: int = 0
    end: int = 0
    text: str = ""
    children: list[Element] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Written as ``<name/>``: it has no end tag to insert before."""
        return self.end == self.head_end

    def all(self, name: str) -> list[Element]:
        return [c for c in self.children if c.name == name]

    def first(self, name: str) -> Element | None:
        return next(iter(self.all(name)), None)

    def walk(self) -> list[Element]:
        return [self] + [e for c in self.children for e in c.walk()]


def escape(value: str, quote: bool = False) -> str:
    """``value`` as XML character data (or, with ``quote``, a double-quoted attribute value)."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace('"', "&quot;") if quote else value


def _family(encoding: str) -> str:
    """``utf-16`` for UTF-16, UTF-16LE and UTF-16BE alike; else the codec's own name."""
    name = codecs.lookup(encoding).name
    return "-".join(name.split("-")[:2]) if name.startswith("utf") else name


def encoding_of(raw: bytes) -> str:
    """The encoding an XML reader reads ``raw`` in (see the module doc), as XML names it. Refused:
    an encoding Python does not know, and a declaration the byte-order mark (or its absence)
    contradicts, which Maven's reader refuses too ("encoding mismatch")."""
    sniffed = next((name for bom, name in _BOMS if raw.startswith(bom)), None)
    sniffed = sniffed or next((name for start, name in _UTF16_STARTS if raw.startswith(start)), None)
    head = raw[:1024].decode(sniffed or "latin-1", "replace").removeprefix("\ufeff")
    match = _DECLARATION.match(head)
    if match is None:
        return sniffed or "UTF-8"
    declared = match.group(2)
    try:
        family = _family(declared)
    except LookupError:
        raise WriterError(
            f"line 1: the XML declaration names the encoding {declared}, which this program cannot read"
        ) from None
    if sniffed is None and family.startswith(("utf-16", "utf-32")):
        raise WriterError(f"line 1: the XML declaration says {declared}, but the file has no byte-order mark")
    if sniffed is not None and _family(sniffed) != family:
        raise WriterError(f"line 1: the XML declaration says {declared}, but the byte-order mark says {sniffed}")
    return sniffed or declared


def _tag_end(text: str, start: int) -> int:
    """The offset after the ``>`` closing the tag that starts at ``start`` (the text is well-formed,
    so only quoted attribute values can hold a ``>``)."""
    quote = ""
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch == ">":
            return i + 1
    raise WriterError("an unterminated tag")  # pragma: no cover  (expat rejected it first)


class _Builder:
    """Turns expat's events into :class:`Element` objects with character offsets."""

    def __init__(self, text: str, data: bytes) -> None:
        self.text, self.data = text, data
        self.stack: list[Element] = []
        self.root: Element | None = None
        self.parser: Any = None

    def offset(self) -> int:
        """The character offset of the current event (expat counts bytes of the UTF-8 input)."""
        return len(self.data[: self.parser.CurrentByteIndex].decode("utf-8"))

    def start(self, name: str, attributes: dict[str, str]) -> None:
        at = self.offset()
        element = Element(name, attributes, self.parser.CurrentLineNumber, at, head_end=_tag_end(self.text, at))
        if self.stack:
            self.stack[-1].children.append(element)
        else:
            self.root = element
        self.stack.append(element)

    def end(self, name: str) -> None:
        element = self.stack.pop()
        if self.text[element.head_end - 2 : element.head_end] == "/>":  # <name/>: no end tag
            element.tail_start = element.end = element.head_end
        else:
            at = self.offset()
            element.tail_start, element.end = at, _tag_end(self.text, at)

    def data_(self, data: str) -> None:
        if self.stack:
            self.stack[-1].text += data

    def doctype(self, *_: Any) -> None:
        raise WriterError(f"line {self.parser.CurrentLineNumber}: a <!DOCTYPE> declaration (refused: entities)")


def parse(text: str) -> Element | None:
    """The root element of ``text``, or None when the text holds no more than a prolog."""
    from xml.parsers import expat  # the C parser behind xml.*; only when a file is parsed

    check_text(text)
    data = text.encode("utf-8")
    builder = _Builder(text, data)
    parser = expat.ParserCreate(encoding="UTF-8")  # the text is already decoded: ignore encoding=
    builder.parser = parser
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data_
    parser.StartDoctypeDeclHandler = builder.doctype
    parser.EntityDeclHandler = builder.doctype
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except expat.ExpatError as e:
        if e.code == _NO_ELEMENTS and builder.root is None and not builder.stack:
            return None
        raise WriterError(f"line {e.lineno}: not well-formed XML ({expat.ErrorString(e.code)})") from None
    return builder.root


class XmlDocument:
    """An XML file as text plus the element tree expat found in it; every edit is a splice of the
    text, after which the tree is parsed again (these files are small)."""

    def __init__(self, text: str | None, root: str) -> None:
        self.text = text or ""
        self.root_name = root
        self.newline = (
            "\r\n" if "\r\n" in self.text else ("\r" if "\r" in self.text and "\n" not in self.text else "\n")
        )
        self.root = self._parse()

    def _parse(self) -> Element | None:
        root = parse(self.text)
        if root is not None and root.name != self.root_name:
            raise WriterError(f"line {root.line}: the root element is <{root.name}>, expected <{self.root_name}>")
        return root

    def _splice(self, start: int, end: int, new: str) -> None:
        self.text = self.text[:start] + new + self.text[end:]
        self.root = self._parse()

    # -- where things are --------------------------------------------------------------------

    def _line_start(self, at: int) -> int:
        return max(self.text.rfind("\n", 0, at), self.text.rfind("\r", 0, at)) + 1

    def indent_of(self, element: Element) -> str:
        line = self.text[self._line_start(element.start) : element.start]
        return line if not line.strip() else line[: len(line) - len(line.lstrip())]

    def step(self) -> str:
        """The indent step the file uses (root's first child's indent minus root's), else 2 spaces."""
        root = self.root
        if root is not None and root.children:
            outer, inner = self.indent_of(root), self.indent_of(root.children[0])
            if inner.startswith(outer) and len(inner) > len(outer):
                return inner[len(outer) :]
        return "  "

    def child_indent(self, parent: Element) -> str:
        if parent.children:
            return self.indent_of(parent.children[0])
        return self.indent_of(parent) + self.step()

    def fragment(self, name: str, body: list[str] | None, indent: str, attributes: str = "") -> str:
        """``<name attributes>`` with ``body`` (lines of markup, each one more step in), or an
        empty element ``<name attributes />`` when ``body`` is None."""
        if body is None:
            return f"<{name}{attributes} />"
        inner = indent + self.step()
        lines = "".join(f"{self.newline}{inner}{line}" for line in body)
        return f"<{name}{attributes}>{lines}{self.newline}{indent}</{name}>"

    # -- edits ---------------------------------------------------------------------------------

    def set_text(self, element: Element, value: str) -> None:
        """Make the element's whole content the character data ``value``."""
        references.replaced(f"<{element.name}>", element.text)
        if element.empty:
            head = self.text[element.start : element.head_end - 2].rstrip()
            self._splice(element.start, element.end, f"{head}>{escape(value)}</{element.name}>")
        else:
            self._splice(element.head_end, element.tail_start, escape(value))

    def set_attribute(self, element: Element, name: str, value: str) -> None:
        """Give the attribute ``name`` the ``value`` in place (its quotes kept), else add it."""
        head = self.text[element.start : element.head_end]
        for match in _ATTRIBUTE.finditer(head):
            if match.group(1) == name:
                group = 2 if match.group(2) is not None else 3
                references.replaced(f"<{element.name} {name}>", match.group(group))
                quoted = escape(value, quote=True).replace("'", "&apos;") if group == 3 else escape(value, quote=True)
                self._splice(element.start + match.start(group), element.start + match.end(group), quoted)
                return
        at = element.head_end - (2 if head.endswith("/>") else 1)
        while self.text[at - 1].isspace():
            at -= 1
        self._splice(at, at, f' {name}="{escape(value, quote=True)}"')

    def append(self, parent: Element, markup: str) -> None:
        """Add ``markup`` (made with :meth:`fragment` at :meth:`child_indent`) as the last child,
        on lines of its own when the end tag is on a line of its own."""
        indent = self.child_indent(parent)
        if parent.empty:
            head = self.text[parent.start : parent.head_end - 2].rstrip()
            outer = self.indent_of(parent)
            new = f"{head}>{self.newline}{indent}{markup}{self.newline}{outer}</{parent.name}>"
            self._splice(parent.start, parent.end, new)
            return
        line = self._line_start(parent.tail_start)
        if not self.text[line : parent.tail_start].strip() and line > parent.head_end:
            self._splice(line, line, f"{indent}{markup}{self.newline}")
        else:
            outer = self.indent_of(parent)
            self._splice(parent.tail_start, parent.tail_start, f"{self.newline}{indent}{markup}{self.newline}{outer}")

    def prepend(self, parent: Element, markup: str) -> None:
        """Add ``markup`` as the first child (where order decides, as for Maven's mirrors)."""
        if parent.empty or not parent.children:
            self.append(parent, markup)
            return
        indent = self.child_indent(parent)
        first = parent.children[0]
        line = self._line_start(first.start)
        if line > parent.head_end and not self.text[line : first.start].strip():
            self._splice(line, line, f"{indent}{markup}{self.newline}")
        else:
            self._splice(first.start, first.start, f"{markup}{self.newline}{indent}")

    def ensure_root(self) -> Element:
        """The root element, first added after the prolog when the file has none."""
        if self.root is None:
            prolog = self.text
            sep = "" if not prolog or prolog.endswith(("\n", "\r")) else self.newline
            if not prolog.strip():
                prolog, sep = '<?xml version="1.0" encoding="UTF-8"?>', self.newline
            self.text = f"{prolog}{sep}<{self.root_name}>{self.newline}</{self.root_name}>{self.newline}"
            self.root = self._parse()
        assert self.root is not None  # noqa: S101 - narrows the type: _parse() has set it
        return self.root

    def ensure_child(self, parent: Element, name: str) -> Element:
        """The only child ``name`` of ``parent``, added (empty, on its own lines) when missing; a
        second one is refused, since which of them a tool reads is not ours to guess."""
        found = parent.all(name)
        if len(found) > 1:
            raise WriterError(f"line {found[1].line}: a second <{name}> in <{parent.name}> (line {found[0].line})")
        if found:
            return found[0]
        indent = self.child_indent(parent)
        self.append(parent, f"<{name}>{self.newline}{indent}</{name}>")
        return self.at(parent.start).all(name)[-1]  # the edit was inside parent: its start stands

    def at(self, start: int) -> Element:
        """The element whose ``<`` is at offset ``start``."""
        assert self.root is not None  # noqa: S101 - narrows the type: _parse() has set it
        return next(e for e in self.root.walk() if e.start == start)


def only(found: list[Element], what: str) -> Element | None:
    """The one element in ``found`` (None when empty); two are refused, naming both lines: a tool
    reads one of them, and which is not ours to guess."""
    if len(found) > 1:
        raise WriterError(f"line {found[1].line}: {what} appears twice (also line {found[0].line})")
    return found[0] if found else None


# -- reading back, as the tool reads ----------------------------------------------------------


@dataclass
class Node:
    """An element as a tool's reader sees it (:func:`read`): its name, attributes (values
    normalized as XML 1.0 says), its direct character data (entities and character references
    decoded, comments skipped) and its children."""

    name: str
    attributes: dict[str, str]
    text: str = ""
    children: list[Node] = field(default_factory=list)

    @property
    def local(self) -> str:
        """The name without its namespace (``{uri}``, ``prefix:``), as .NET's ``LocalName``."""
        return self.name.rsplit("}", 1)[-1].rsplit(":", 1)[-1]

    def all(self, name: str, local: bool = False) -> list[Node]:
        return [c for c in self.children if (c.local if local else c.name) == name]

    def first(self, name: str, local: bool = False) -> Node | None:
        return next(iter(self.all(name, local)), None)


def read(text: str, namespaces: bool = False) -> Node | None:
    """A fresh parse of ``text`` (the new text of a file, already decoded) by the stdlib's expat,
    independent of :class:`XmlDocument`'s offsets: the root, or None when expat rejects the text
    or it holds a document type declaration. The declaration's ``encoding`` is overridden (the
    text is passed as UTF-8), as the tool decodes the bytes in it. With ``namespaces``, names are
    ``uri}local`` (read :attr:`Node.local`); without, raw as written (Maven's MXParser)."""
    from xml.parsers import expat

    parser: Any = expat.ParserCreate("UTF-8", "}" if namespaces else None)
    stack: list[Node] = []
    roots: list[Node] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        node = Node(name, attributes)
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)

    def data(chunk: str) -> None:
        if stack:
            stack[-1].text += chunk

    def refuse(*_: Any) -> None:
        raise ValueError("a document type declaration")

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda _name: stack.pop()
    parser.CharacterDataHandler = data
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(text.encode("utf-8"), True)
    except (expat.ExpatError, ValueError):  # (UnicodeError is a ValueError)
        return None
    return roots[0] if roots else None
