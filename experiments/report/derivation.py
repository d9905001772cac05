"""A claim's symbolic derivations as data the reports can show: each step as MathML (sympy's
presentation printer, ``sympy.printing.mathml(expr, printer="presentation")``, which browsers
render natively) and as plain text.

The records are made when the claim runs (:func:`derivation_records`) and stored with its
result, so ``ganac report`` re-renders them without sympy work and without the registry.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["derivation_ids", "derivation_records", "derivation_record", "math_element"]

#: MathML for each relation a step may state (proofs_check.RELATIONS).
_RELATION_MO = {"==": "=", "<=": "&#8804;", "<": "&lt;", ">=": "&#8805;", ">": "&gt;"}
#: Named entities sympy's printer writes (&InvisibleTimes;, &dd;, ...) that are not XML's own.
_NAMED = re.compile(r"&(?!(?:lt|gt|amp|quot|apos);)([A-Za-z][A-Za-z0-9]*);")
#: A step's MathML is left out (plain text only) beyond this many characters.
MAX_MATHML_CHARS = 40_000


#: sympy writes the strict relations' operators unescaped: ``<mo><</mo>``, ``<mo>></mo>``.
_BARE_RELATION = {"<mo><</mo>": "<mo>&lt;</mo>", "<mo>></mo>": "<mo>&gt;</mo>"}


def _numeric_entities(markup: str) -> str:
    """Well-formed markup: named character references as numeric ones (valid in HTML and in XML
    alike) and bare ``<``/``>`` operators escaped."""

    def repl(match: re.Match) -> str:
        char = html.unescape(match.group(0))
        return match.group(0) if char == match.group(0) else "".join(f"&#{ord(c)};" for c in char)

    for bare, escaped in _BARE_RELATION.items():
        markup = markup.replace(bare, escaped)
    return _NAMED.sub(repl, markup)


@functools.cache
def _printer_class():
    """sympy's presentation MathML printer, with ``Subs(e, x, a)`` shown as e|_{x=a} (the stock
    printer writes it as a function call ``subs(e, (x), (a))``)."""
    from sympy.printing.mathml import MathMLPresentationPrinter

    class Printer(MathMLPresentationPrinter):
        def _print_Subs(self, expr):
            body, old, new = expr.args
            row = self.dom.createElement("mrow")
            row.appendChild(self._print(body))
            bar = self.dom.createElement("mo")
            bar.setAttribute("stretchy", "true")
            bar.appendChild(self.dom.createTextNode("|"))
            row.appendChild(bar)
            where = self.dom.createElement("mrow")
            for i, (x, a) in enumerate(zip(old, new)):
                if i:
                    comma = self.dom.createElement("mo")
                    comma.appendChild(self.dom.createTextNode(","))
                    where.appendChild(comma)
                where.appendChild(self._print(x))
                eq = self.dom.createElement("mo")
                eq.appendChild(self.dom.createTextNode("="))
                where.appendChild(eq)
                where.appendChild(self._print(a))
            sub = self.dom.createElement("msub")
            sub.appendChild(row)
            sub.appendChild(where)
            return sub

    return Printer


def _presentation(expr: Any) -> str:
    return _numeric_entities(_printer_class()().doprint(expr))


def math_element(inner: str, *, display: str = "block") -> str:
    """``inner`` (presentation MathML) wrapped in a ``<math>`` element."""
    return f'<math xmlns="http://www.w3.org/1998/Math/MathML" display="{display}">{inner}</math>'


def _step_record(step: Any) -> dict:
    text = f"{step.lhs} {step.relation} {step.rhs}"
    record = {"name": step.name, "relation": step.relation, "text": text,
              "justification": step.justification, "note": step.note,
              "given": [str(c) for c in step.assumptions], "mathml": "", "given_mathml": []}
    try:
        inner = f"<mrow>{_presentation(step.lhs)}<mo>{_RELATION_MO[step.relation]}</mo>{_presentation(step.rhs)}</mrow>"
        given = [math_element(_presentation(c), display="inline") for c in step.assumptions]
    except Exception as exc:  # a sympy object the printer does not know: keep the text
        record["mathml_error"] = f"{type(exc).__name__}: {exc}"
        return record
    if len(inner) <= MAX_MATHML_CHARS:
        record["mathml"] = math_element(inner)
        record["given_mathml"] = given
    return record


def derivation_record(derivation: Any, *, outcome: str | None = None, summary: str = "") -> dict:
    """One :class:`proofs_check.Derivation` as a JSON-able dict: id, title, source, notes, the
    outcome of its check in this claim (if it was checked), and each step with its MathML."""
    return {"id": derivation.id, "title": derivation.title, "source": derivation.source,
            "notes": derivation.notes, "outcome": outcome, "summary": summary,
            "steps": [_step_record(s) for s in derivation.steps]}


def derivation_ids(claim: Any, parts: Mapping[str, Any] | None = None) -> list[str]:
    """The derivations a claim records: its ``derivation``, else a derivation registered under the
    claim's own id (what ``ganac derive CLAIM_ID`` prints), plus any its evidence checked
    (``details["derivation"]``, set by ``Evidence.from_derivation``), in that order."""
    import proofs_check

    ids: list[str] = []
    if getattr(claim, "derivation", None):
        ids.append(claim.derivation)
    elif claim.id in proofs_check.ids(include_examples=True):
        ids.append(claim.id)
    for ev in (parts or {}).values():
        found = (ev.details if hasattr(ev, "details") else ev.get("details", {})).get("derivation")
        if isinstance(found, str) and found not in ids:
            ids.append(found)
    return ids


def _checked(ident: str, parts: Mapping[str, Any]) -> tuple[str | None, str]:
    """The outcome and summary of the part that checked derivation ``ident`` (None if none did)."""
    for ev in parts.values():
        data = ev.to_dict() if hasattr(ev, "to_dict") else ev
        if data.get("details", {}).get("derivation") == ident:
            return data.get("outcome") or ("pass" if data.get("passed") else "fail"), str(data.get("measured", ""))
    return None, ""


def derivation_records(claim: Any, parts: Mapping[str, Any] | None = None,
                       ids: Iterable[str] | None = None) -> list[dict]:
    """Records (:func:`derivation_record`) of every derivation the claim records; a derivation
    that cannot be built is recorded with its error instead of its steps."""
    import proofs_check

    parts = parts or {}
    out = []
    for ident in (derivation_ids(claim, parts) if ids is None else ids):
        outcome, summary = _checked(ident, parts)
        try:
            out.append(derivation_record(proofs_check.get(ident), outcome=outcome, summary=summary))
        except Exception as exc:  # unknown id or a broken builder: say so in the report
            out.append({"id": ident, "title": "", "source": "", "notes": "", "outcome": outcome,
                        "summary": summary, "steps": [], "error": f"{type(exc).__name__}: {exc}"})
    return out
