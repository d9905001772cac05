"""Render Sphinx's ``math`` and ``displaymath`` nodes as MathML at build time.

The HTML then needs no script, no CDN and no LaTeX installation: browsers render MathML Core
natively (Firefox, Chromium >= 109, Safari).  LaTeX is translated by ``latex2mathml`` (pure
Python); a formula it cannot translate, or whose MathML is not well-formed XML, is a Sphinx
warning naming the formula, so ``sphinx -W`` fails on it instead of printing garbage.

Enable with ``extensions = [..., "ganac_mathml"]`` and ``html_math_renderer = "mathml"``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from docutils import nodes
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)

# latex2mathml writes \log, \exp, ... as plain identifiers, which browsers set without the thin
# spaces TeX puts around them ("u log u" would read "ulogu"): add them, except before "(".
_NAMES = r"(?:log|exp|ln|lg|sin|cos|tan|tanh|sinh|cosh|det|dim|ker|arg|deg|gcd|Pr)"
_THIN = '<mspace width="0.1667em" />'
_AFTER_OPERAND = re.compile(rf"(</mi>|</mn>|</msub>|</msup>|</msubsup>|</mrow>)(<mi>{_NAMES}</mi>)")
_BEFORE_OPERAND = re.compile(rf"(<mi>{_NAMES}</mi>)(?!<mo stretchy=\"false\">&#x00028;|</)")


# latex2mathml leaves the delimiter of \big\| (and of \big\{, \big\}) as its LaTeX name, and
# writes \! as a named space that MathML Core does not know: put the characters and lengths in.
_DELIMITERS = {"\\|": "&#x02016;", "\\Vert": "&#x02016;", "\\vert": "|", "\\{": "{", "\\}": "}",
               "\\lbrace": "{", "\\rbrace": "}", "\\langle": "&#x027E8;", "\\rangle": "&#x027E9;"}
_NAMED_SPACES = {"negativethinmathspace": "-0.1667em", "negativemediummathspace": "-0.2222em",
                 "negativethickmathspace": "-0.2778em", "thinmathspace": "0.1667em",
                 "mediummathspace": "0.2222em", "thickmathspace": "0.2778em"}
_LEFTOVER = re.compile(r">(\\[A-Za-z]+|\\.)<")


def _repair(mathml: str) -> str:
    for name, char in _DELIMITERS.items():
        mathml = mathml.replace(f">{name}<", f">{char}<")
    for name, length in _NAMED_SPACES.items():
        mathml = mathml.replace(f'width="{name}"', f'width="{length}"')
    return mathml


def _space_function_names(mathml: str) -> str:
    mathml = _AFTER_OPERAND.sub(rf"\1{_THIN}\2", mathml)
    return _BEFORE_OPERAND.sub(rf"\1{_THIN}", mathml)


def to_mathml(latex: str, *, display: bool) -> str:
    """``latex`` as a ``<math>`` element; ValueError if it cannot be translated cleanly."""
    from latex2mathml.converter import convert

    try:
        out = convert(latex.strip(), display="block" if display else "inline")
    except Exception as exc:  # latex2mathml raises its own exception types
        raise ValueError(f"latex2mathml cannot translate {latex!r}: {exc}") from exc
    out = _space_function_names(_repair(out))
    leftover = _LEFTOVER.search(out)
    if leftover:
        raise ValueError(f"latex2mathml left {leftover.group(1)!r} of {latex!r} untranslated")
    try:
        ElementTree.fromstring(out)
    except ElementTree.ParseError as exc:
        raise ValueError(f"the MathML of {latex!r} is not well-formed XML ({exc})") from exc
    return out


def _render(self, node, latex: str, display: bool) -> str:
    try:
        return to_mathml(latex, display=display)
    except ValueError as exc:
        logger.warning(str(exc), location=node)
        return f"<code>{self.encode(latex)}</code>"


def visit_math(self, node: nodes.Element) -> None:
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate"))
    self.body.append(_render(self, node, node.astext(), display=False))
    self.body.append("</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node: nodes.Element) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math notranslate"))
    if node["number"]:
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    # Blank lines separate equations in a ``.. math::`` block (one display each).
    parts = [part for part in node.astext().split("\n\n") if part.strip()]
    for part in parts:
        self.body.append(_render(self, node, part, display=True))
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_displaymath, None))
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
