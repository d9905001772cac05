"""The claims as a LaTeX table for a paper's appendix (``ganac report --latex FILE``).

booktabs rules in a ``longtable`` (it breaks across pages): one row per claim (id, source,
verdict) followed by one row per evidence part (predicted, measured, error, outcome).  Text is
escaped for LaTeX and the output is plain ASCII: common Unicode symbols of the claims (Greek
letters, ≤, ², √, ...) become LaTeX commands, so it compiles with pdflatex as well as with
XeLaTeX/LuaLaTeX.  The preamble needs ``\\usepackage{array,booktabs,longtable}``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

from experiments.report.results import ClaimResult

__all__ = ["latex_escape", "latex_number", "latex_table", "LATEX_COLUMNS"]

#: The table's columns, in order.
LATEX_COLUMNS = ("claim", "source", "predicted", "measured", "error", "verdict")

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "\n": " ",
    "\t": " ",
}

#: Unicode characters as LaTeX (math ones in $...$).
_UNICODE = {
    "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''", "…": r"\ldots{}",
    "·": r"$\cdot$", "×": r"$\times$", "−": "$-$", "±": r"$\pm$", "≤": r"$\le$", "≥": r"$\ge$",
    "≠": r"$\ne$", "≈": r"$\approx$", "∞": r"$\infty$", "√": r"$\surd$", "∑": r"$\sum$", "Σ": r"$\Sigma$",
    "∇": r"$\nabla$", "∂": r"$\partial$", "∈": r"$\in$", "→": r"$\to$", "⇒": r"$\Rightarrow$",
    "‖": r"$\|$", "∫": r"$\int$", "ᵀ": r"$^{\top}$", "°": r"$^{\circ}$", "∝": r"$\propto$", "≡": r"$\equiv$",
    "∀": r"$\forall$", "∃": r"$\exists$", "⊂": r"$\subset$", "∪": r"$\cup$", "∩": r"$\cap$", "∘": r"$\circ$",
    "⟨": r"$\langle$", "⟩": r"$\rangle$", "½": r"$\frac{1}{2}$", "¼": r"$\frac{1}{4}$", "§": r"\S{}",
    "€": "EUR", "ℓ": r"$\ell$",
}
_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "zeta", "η": "eta",
    "θ": "theta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "π": "pi",
    "ρ": "rho", "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega",
    "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi", "Φ": "Phi", "Ψ": "Psi",
    "Ω": "Omega", "ϵ": "epsilon", "ϑ": "vartheta", "φ": "varphi",
}
_UNICODE.update({k: f"$\\{v}$" for k, v in _GREEK.items()})
_SUPER = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻ⁿ", "0123456789+-n"))
_SUB = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋", "0123456789+-"))


def _char(ch: str) -> str:
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    if ord(ch) < 32 or ord(ch) == 127:  # control characters
        return " "
    if ord(ch) < 128:
        return ch
    if ch in _UNICODE:
        return _UNICODE[ch]
    if ch in _SUPER:
        return f"\\textsuperscript{{{_SUPER[ch]}}}"
    if ch in _SUB:
        return f"\\textsubscript{{{_SUB[ch]}}}"
    # Accented letters: the letter with its accent stripped; anything else is named.
    plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode("ascii")
    if plain:
        return "".join(_char(c) for c in plain)
    name = re.sub(r"[^a-z0-9 -]", "", unicodedata.name(ch, f"U+{ord(ch):04X}").lower())
    return f"[{name}]"


def latex_escape(text: Any) -> str:
    """``text`` safe in LaTeX running text, in ASCII: the ten special characters escaped
    (``\\ & % $ # _ { } ~ ^``), ``< > |`` as text commands, Unicode symbols as LaTeX."""
    return "".join(_char(c) for c in str(text))


def latex_number(x: float, digits: int = 3) -> str:
    """A number in math mode: ``$1.23$``, ``$1.23\\times10^{-5}$``, ``$\\infty$``, ``NaN``."""
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return r"$\infty$" if x > 0 else r"$-\infty$"
    text = f"{x:.{digits}g}"
    m = re.fullmatch(r"(-?[\d.]+)e([+-])(\d+)", text)
    if m:
        mant, sign, exp = m.groups()
        factor = "" if mant == "1" else mant + r"\times "
        power = ("-" if sign == "-" else "") + str(int(exp))
        return f"${factor}10^{{{power}}}$"
    return f"${text}$"


_BOUND = re.compile(r"(<=|>=)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)")


def _value(value: Any, *, max_items: int = 3) -> str:
    """A predicted or measured value: numbers via :func:`latex_number`, lists as their first
    entries and their length, text escaped."""
    if isinstance(value, bool):
        return latex_escape(str(value))
    if isinstance(value, (int, float)):
        return latex_number(value, 4)
    if isinstance(value, str):
        bound = _BOUND.fullmatch(value.strip())
        if bound:  # Evidence.bound's "<= 0.367603245657"
            sign, number = bound.groups()
            return f"{_UNICODE['≤' if sign == '<=' else '≥']} {latex_number(float(number), 4)}"
        try:  # inf/nan are stored as text ("inf", "-inf", "nan")
            as_float = float(value)
        except ValueError:
            text = value.replace("<=", "≤").replace(">=", "≥")
            return _breakable(text if len(text) <= 80 else text[:79] + "…")
        return latex_number(as_float, 4) if value.strip().lower() in ("inf", "-inf", "nan", "+inf") else latex_escape(value)
    if isinstance(value, list):
        flat: list = []
        stack = [value]
        while stack and len(flat) <= max_items:
            item = stack.pop(0)
            if isinstance(item, list):
                stack = list(item) + stack
            else:
                flat.append(item)
        n = _count(value)
        shown = ", ".join(_value(v) for v in flat[:max_items])
        more = r", \ldots{}" if n > max_items else ""
        return f"[{shown}{more}]" + (f" ($n={n}$)" if n > max_items else "")
    if isinstance(value, dict):
        items = list(value.items())
        shown = ", ".join(f"{_breakable(str(k))}: {_value(v)}" for k, v in items[:max_items])
        return "\\{" + shown + (r", \ldots{}" if len(items) > max_items else "") + "\\}"
    return latex_escape(value)


def _count(value: Any) -> int:
    return sum(_count(v) for v in value) if isinstance(value, list) else 1


#: Words longer than this get break points (dotted names, paths, arXiv ids would overfill a column).
LONG_WORD = 12


def _breakable(text: str) -> str:
    """``text`` escaped, with ``\\allowbreak`` after ``/ . _ - : ,`` inside words longer than
    :data:`LONG_WORD` characters, so that narrow table columns can wrap them."""
    words = re.split(r"(\s+)", text)
    out = []
    for word in words:
        if len(word) <= LONG_WORD or word.isspace():
            out.append(latex_escape(word))
        else:
            out.append("".join(latex_escape(c) + (r"\allowbreak{}" if c in "/._-:," else "") for c in word))
    return "".join(out)


def _claim_id(claim_id: str) -> str:
    """A claim id in typewriter type, breakable after ``/`` and ``-``."""
    escaped = latex_escape(claim_id)
    return r"\texttt{" + escaped.replace("/", r"/\allowbreak{}").replace("-", r"-\allowbreak{}") + "}"


def latex_table(results: list[ClaimResult], *, caption: str | None = None, label: str | None = "tab:ganac-claims") -> str:
    """A booktabs ``longtable`` of ``results``: columns claim, source, predicted, measured,
    error, verdict; a row per claim (its verdict in bold) and an indented row per evidence part.

    Needs ``\\usepackage{array,booktabs,longtable}``; the table is set in ``\\footnotesize``.
    ``caption`` (escaped) and ``label`` are optional.
    """
    n = len(results)
    caption = caption if caption is not None else (
        f"Claims checked by ganac ({n} claim{'s' if n != 1 else ''}): predicted and measured values, "
        "the error, and the verdict.")
    head = r"Claim & Source & Predicted & Measured & Error & Verdict \\"
    cols = "".join(rf">{{\raggedright\arraybackslash}}p{{{w}\linewidth}}" for w in (0.19, 0.18, 0.14, 0.14))
    lines = [
        "% ganac claims table: needs \\usepackage{array,booktabs,longtable} in the preamble",
        r"\begingroup",
        r"\footnotesize",
        r"\setlength{\tabcolsep}{4pt}",
        r"\begin{longtable}{@{}" + cols + r"r>{\raggedright\arraybackslash}p{0.09\linewidth}@{}}",
        r"\caption{" + latex_escape(caption) + "}" + (r"\label{" + label + "}" if label else "") + r"\\",
        r"\toprule",
        head,
        r"\midrule",
        r"\endfirsthead",
        r"\toprule",
        head,
        r"\midrule",
        r"\endhead",
        r"\bottomrule",
        r"\endfoot",
    ]
    for i, r in enumerate(results):
        if i:
            lines.append(r"\addlinespace")
        lines.append(f"{_claim_id(r.id)} & {_breakable(r.source)} & & & & "
                     f"\\textbf{{{latex_escape(r.status)}}} \\\\")
        if r.status == "error" or not r.parts:
            last = r.error.strip().splitlines()[-1] if r.error.strip() else "no evidence"
            lines.append(f"\\quad\\textit{{check raised}} & & & & & {latex_escape(last[:60])} \\\\")
            continue
        for part, ev in r.parts.items():
            outcome = ev.get("outcome") or ("pass" if ev.get("passed") else "fail")
            lines.append(f"\\quad\\textit{{{latex_escape(part or 'check')}}} & & {_value(ev['predicted'])} & "
                         f"{_value(ev['measured'])} & {latex_number(ev['error'])} & {latex_escape(outcome)} \\\\")
    lines += [r"\end{longtable}", r"\endgroup"]
    return "\n".join(lines) + "\n"
