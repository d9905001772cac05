"""Read ganac's docstrings as the plain-text numpydoc they are written in, not as raw rST.

ganac's docstrings are written for ``help()`` first: ``|x|`` is an absolute value, ``‖∇f‖``
a norm, ``(R, *shape)`` Python's unpacking, ``lambda_`` a parameter name and ``Fields`` a
section listing a dataclass's fields.  reStructuredText reads the same characters as markup (a
substitution reference, an emphasis start without an end, a hyperlink reference), and every
such docstring would be a build error.  :func:`plaintext_to_rst` escapes exactly those
characters, outside literals, roles, math and code, before numpydoc parses the docstring:

- every ``|`` (ganac's docstrings define no substitutions, so none is markup);
- a ``*`` or ``**`` that would open emphasis but has no closing string in its paragraph (so a
  real ``*emphasis*`` stays emphasis);
- a ``_`` that ends a word (``lambda_``, ``int_``), which rST would read as a link to a target;
  footnote references ``[1]_`` stay;
- a section underline shorter than its title is lengthened to the title;
- the section name ``Fields`` (a dataclass's fields) is read as numpydoc's ``Attributes``.

Protected, unchanged: ````literal```` and ```interpreted``` text (with any ``:role:``), doctest
blocks (``>>>`` and their output), literal blocks after ``::``, the bodies of ``math``,
``code-block`` and similar directives, and grid tables.  Each change only turns what would be a
build error (or a wrong link) into the text the author wrote; valid markup is left alone.
"""

from __future__ import annotations

import re

__all__ = ["plaintext_to_rst"]

_LITERAL_DIRECTIVES = {"math", "code", "code-block", "sourcecode", "literalinclude", "highlight",
                       "doctest", "testcode", "testoutput", "parsed-literal"}
_DIRECTIVE = re.compile(r"^(\s*)\.\.\s+([\w:-]+)::")
_PROTECTED = re.compile(r"``.+?``|(?::[\w:.+-]+:)?`[^`]+`_{0,2}|\[[\w#*]+\]_", re.S)
_TRAILING_UNDERSCORE = re.compile(r"(?<=[\w)\]])(?<!\\)(_+)(?=$|[\s.,;:!?)\]}'\"/>-])")
_UNDERLINE = re.compile(r"^(\s*)([-=~^`'\"#*+])\2{2,}\s*$")
_STAR_START_BEFORE = set(" \t'\"([{<-/:")
_STAR_END_AFTER = set(" \t'\")]}>-/:.,;!?\\")
_PAIRS = {"'": "'", '"': '"', "(": ")", "[": "]", "{": "}", "<": ">"}


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _protected_lines(lines: list[str]) -> list[bool]:
    """True for lines left exactly as they are (literal, doctest, math, table, directive)."""
    protected = [False] * len(lines)
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        directive = _DIRECTIVE.match(line)
        if stripped.startswith(">>>"):  # a doctest block runs to the next blank line
            while i < len(lines) and lines[i].strip():
                protected[i] = True
                i += 1
            continue
        if stripped.startswith(("+-", "+=")):  # a grid table: the whole paragraph
            while i < len(lines) and lines[i].strip():
                protected[i] = True
                i += 1
            continue
        literal_body = stripped.endswith("::") and not (directive and directive.group(2) not in _LITERAL_DIRECTIVES)
        literal_body = literal_body or bool(directive and directive.group(2) in _LITERAL_DIRECTIVES)
        if directive:
            protected[i] = True  # the directive line and its options
        if literal_body:
            base = _indent(line)
            if not directive:
                # "Text::" -- the paragraph is text, the indented block after it is literal.
                protected[i] = False
            i += 1
            while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > base):
                protected[i] = True
                i += 1
            continue
        if directive:
            i += 1
            while i < len(lines) and lines[i].strip().startswith(":") and _indent(lines[i]) > _indent(line):
                protected[i] = True  # directive options
                i += 1
            continue
        i += 1
    return protected


def _split(text: str) -> list[tuple[bool, str]]:
    """``text`` as (is_text, piece) pieces; the non-text pieces are literals and roles."""
    pieces, pos = [], 0
    for m in _PROTECTED.finditer(text):
        if m.start() > pos:
            pieces.append((True, text[pos:m.start()]))
        pieces.append((False, m.group()))
        pos = m.end()
    if pos < len(text):
        pieces.append((True, text[pos:]))
    return pieces


def _escape_text(text: str) -> str:
    text = re.sub(r"(?<!\\)\|", r"\\|", text)
    return _TRAILING_UNDERSCORE.sub(lambda m: "\\_" * len(m.group(1)), text)


def _is_start(text: str, i: int, width: int) -> bool:
    before = text[i - 1] if i > 0 else " "
    after = text[i + width] if i + width < len(text) else " "
    if before == "\\" or after.isspace() or after == "*":
        return False
    if before not in _STAR_START_BEFORE and not before.isspace():
        return False
    return _PAIRS.get(before) != after  # "(*)" is not markup


def _end_of(text: str, start: int, width: int) -> int | None:
    """Index of the end-string closing the start-string at ``start``, if there is one."""
    j = start + width + 1
    while True:
        j = text.find("*" * width, j)
        if j < 0:
            return None
        before, after = text[j - 1], text[j + width] if j + width < len(text) else " "
        if not before.isspace() and before != "\\" and (after in _STAR_END_AFTER or after.isspace()):
            return j
        j += 1


def _unmatched_stars(paragraph: str) -> set[int]:
    """Positions of the ``*`` characters of ``paragraph`` that open emphasis (``*``) or strong
    emphasis (``**``) with no end-string after them in the paragraph."""
    escape, i = set(), 0
    while i < len(paragraph):
        if paragraph[i] != "*":
            i += 1
            continue
        width = 2 if paragraph.startswith("**", i) else 1
        if _is_start(paragraph, i, width):
            end = _end_of(paragraph, i, width)
            if end is None:
                escape.update(range(i, i + width))
            else:
                i = end
        i += width
    return escape


def plaintext_to_rst(lines: list[str]) -> list[str]:
    """The docstring ``lines`` with plain-text characters that rST would misread escaped.

    >>> plaintext_to_rst(["|x - y| <= eps for lambda_ in (R, *shape)"])
    ['\\\\|x - y\\\\| <= eps for lambda\\\\_ in (R, \\\\*shape)']
    >>> plaintext_to_rst(["a *real* emphasis, ``|kept|`` and :math:`|x|`"])
    ['a *real* emphasis, ``|kept|`` and :math:`|x|`']
    """
    lines = list(lines)
    protected = _protected_lines(lines)
    for i in range(1, len(lines)):  # section names and underlines
        m = _UNDERLINE.match(lines[i])
        title = lines[i - 1]
        if m and not protected[i] and title.strip() and _indent(title) == len(m.group(1)):
            if title.strip() == "Fields":
                lines[i - 1] = title.replace("Fields", "Attributes")
                title = lines[i - 1]
            width = len(title.strip())
            if len(lines[i].strip()) < width:
                lines[i] = m.group(1) + m.group(2) * width
            protected[i] = protected[i - 1] = True
    # Paragraphs of unprotected lines: escape | and trailing _, then unmatched stars.
    i = 0
    while i < len(lines):
        if protected[i] or not lines[i].strip():
            i += 1
            continue
        j = i
        while j < len(lines) and not protected[j] and lines[j].strip():
            j += 1
        # One paragraph at a time: an inline literal may run over several lines.
        pieces = _split("\n".join(lines[i:j]))
        # The star scan sees the paragraph's text with literals blanked out (same offsets).
        flat = "".join(p if is_text else "\0" * len(p) for is_text, p in pieces)
        stars = _unmatched_stars(flat)
        out, offset = [], 0
        for is_text, piece in pieces:
            start, offset = offset, offset + len(piece)
            if is_text:
                piece = "".join("\\*" if start + n in stars else ch for n, ch in enumerate(piece))
                piece = _escape_text(piece)
            out.append(piece)
        lines[i:j] = "".join(out).split("\n")  # escaping only inserts backslashes
        i = j
    return lines


def _process(app, what, name, obj, options, lines) -> None:
    lines[:] = plaintext_to_rst(lines)


def setup(app):
    # Before numpydoc (priority 500) so that numpydoc parses the escaped text.
    app.connect("autodoc-process-docstring", _process, priority=100)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
