"""The inputs of a derivation: the relations a step may state, :class:`Step`, the lemma
citation :class:`Instance` and the per-step verdict :class:`StepResult` (see
:mod:`proofs_check.core` for how a step is checked; every name here is re-exported there).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
import sympy as sp
from sympy.core.relational import Relational

#: The relations a step may state.
RELATIONS = ("==", "<=", "<", ">=", ">")
_SHOW = {"==": "=", "<=": "<=", "<": "<", ">=": ">=", ">": ">"}
#: The form of a derivation id, "<paper>/<name>".
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:[a-z0-9_.-]*)/[a-z0-9][a-z0-9_.-]*$")

#: Random points tried per step, attempts allowed to find them, digits used to evaluate.
N_POINTS = 8
MAX_ATTEMPTS = 600
DIGITS = 30
#: Two evaluations at DIGITS significant digits agree when they differ by at most this,
#: relative to max(1, |lhs|, |rhs|).
NUMERIC_RTOL = sp.Float("1e-20", DIGITS)


# --------------------------------------------------------------------------- inputs


def _as_sympy(value: Any, name: str, *, sets: bool = False) -> sp.Basic:
    if isinstance(value, str):
        raise TypeError(
            f"`{name}` must be a sympy expression or a number, not a string ({value!r}); "
            "build it with sympy (symbols, sympy.sympify) first"
        )
    try:
        out = sp.sympify(value, strict=True)
    except sp.SympifyError:
        raise TypeError(
            f"`{name}` must be a sympy expression or a number (got {type(value).__name__})"
        ) from None
    if isinstance(out, sp.Expr):
        return out
    if sets and isinstance(out, (sp.FiniteSet, sp.ConditionSet)):
        return out
    kind = "an expression or a finite set" if sets else "an expression"
    raise TypeError(f"`{name}` must be {kind} (got {type(out).__name__}: {out})")


def _flatten_conditions(assumptions: Any) -> tuple[sp.Basic, ...]:
    if isinstance(assumptions, (sp.Basic, bool)):
        assumptions = (assumptions,)
    try:
        items = tuple(assumptions)
    except TypeError:
        raise TypeError(
            "`assumptions` must be a sympy condition or an iterable of them "
            f"(got {type(assumptions).__name__})"
        ) from None
    out: list[sp.Basic] = []
    for item in items:
        if isinstance(item, str) or not isinstance(item, (sp.Basic, bool)):
            raise TypeError(
                "`assumptions` must hold sympy conditions such as `x < 1` or `Eq(x + y, 1)` "
                f"(got {item!r})"
            )
        item = sp.sympify(item)
        if item is sp.true:  # implied by the symbols' own assumptions, e.g. 0 < y with y > 0
            continue
        if item is sp.false:
            raise ValueError("`assumptions` contain a condition that is always False")
        if isinstance(item, sp.And):
            out.extend(_flatten_conditions(item.args))
        elif isinstance(item, Relational) and item.rel_op in ("==", "<", "<=", ">", ">="):
            out.append(item)
        else:
            raise TypeError(
                "`assumptions` may only hold relations (<, <=, >, >=, Eq) and their `And` "
                f"(got {item})"
            )
    return tuple(out)


@dataclass(frozen=True)
class Instance:
    """An earlier step used as a lemma: ``factor * (lemma gap)`` with ``subs`` applied.

    The lemma's *gap* is its side that its relation says is non-negative (``lhs - rhs`` for
    ``>=``/``>``/``==``, ``rhs - lhs`` for ``<=``/``<``).

    Parameters
    ----------
    lemma : str
        The name of an earlier step of the same derivation.
    subs : mapping of sympy.Symbol to expression
        Values for the lemma's symbols (missing ones stay as they are).
    factor : expression, default 1
        Multiplies the lemma's gap; it must be provably non-negative when the lemma is an
        inequality.
    """

    lemma: str
    subs: Any = ()
    factor: Any = 1

    def __post_init__(self) -> None:
        if not isinstance(self.lemma, str) or not self.lemma:
            raise TypeError(f"`lemma` must be the name of an earlier step (got {self.lemma!r})")
        pairs = self.subs.items() if isinstance(self.subs, Mapping) else self.subs
        clean = []
        for key, value in pairs:
            if not isinstance(key, sp.Symbol):
                raise TypeError(f"`subs` keys must be sympy symbols (got {key!r})")
            clean.append((key, _as_sympy(value, "subs")))
        object.__setattr__(self, "subs", tuple(clean))
        object.__setattr__(self, "factor", _as_sympy(self.factor, "factor"))


@dataclass(frozen=True)
class Step:
    """One fact of a derivation: ``lhs <relation> rhs`` under ``assumptions``.

    Parameters
    ----------
    name : str
        Short name, unique within its derivation (used in reports and by :class:`Instance`).
    lhs, rhs : sympy expression or number
        The two sides.  Unevaluated ``Derivative``, ``Limit``, ``Subs`` or ``Sum`` objects are
        allowed and are evaluated (``doit``) by the checker, so the step can show what is
        computed.  For ``==`` both sides may instead be sets: a ``FiniteSet``, or a
        ``ConditionSet`` (an equation's solution set, which the checker solves with
        ``solveset``).
    relation : {"==", "<=", "<", ">=", ">"}
    assumptions : sympy condition or iterable of conditions
        Relations (``x < 1``, ``Eq(p1 + p2, 1)``) and their ``And``; the symbols' own sympy
        assumptions (``positive=True``) always apply as well.
    justification : str
        Why the step holds, in words (printed beside it).
    note : str
        Anything else worth recording (edge cases, typos in the paper).
    by : iterable of Instance
        Earlier steps this one follows from (see :class:`Instance`).

    Raises
    ------
    ValueError
        If ``relation`` is not one of :data:`RELATIONS`, or ``name`` is empty.
    TypeError
        If ``lhs``/``rhs`` are not sympy expressions or numbers, or ``assumptions``/``by``
        hold something else than conditions/instances.
    """

    name: str
    lhs: Any
    rhs: Any
    relation: str = "=="
    assumptions: Any = ()
    justification: str = ""
    note: str = ""
    by: Any = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"`name` must be a non-empty string (got {self.name!r})")
        if self.relation not in RELATIONS:
            raise ValueError(f"`relation` must be one of {RELATIONS} (got {self.relation!r})")
        sets = self.relation == "=="
        object.__setattr__(self, "lhs", _as_sympy(self.lhs, "lhs", sets=sets))
        object.__setattr__(self, "rhs", _as_sympy(self.rhs, "rhs", sets=sets))
        if isinstance(self.lhs, sp.Set) != isinstance(self.rhs, sp.Set):
            raise TypeError("`lhs` and `rhs` must both be expressions or both be finite sets")
        object.__setattr__(self, "assumptions", _flatten_conditions(self.assumptions))
        by = (self.by,) if isinstance(self.by, Instance) else tuple(self.by)
        for item in by:
            if not isinstance(item, Instance):
                raise TypeError(f"`by` must hold Instance objects (got {item!r})")
        if by and isinstance(self.lhs, sp.Set):
            raise TypeError("`by` cannot be used with set-valued sides")
        object.__setattr__(self, "by", by)

    @classmethod
    def from_latex(cls, name: str, statement: str, *, symbols: Any = (), assumptions: Any = (),
                   justification: str = "", note: str = "", by: Any = ()) -> "Step":
        """A step read from LaTeX as printed in a paper, e.g. ``r"\\log(1+x) \\le x"``.

        ``statement`` holds one relation (``=``, ``\\le``, ``<``, ``\\ge``, ``>``); it is parsed
        by sympy's LaTeX parser (lark backend: ``pip install "ganac[latex]"``).  Each parsed
        symbol is replaced by the symbol of the same name in ``symbols`` (a mapping or an
        iterable of sympy symbols, carrying their assumptions such as ``positive=True``), or
        else by a real symbol; a bare ``e`` is Euler's number.  ``assumptions`` may mix sympy
        conditions and LaTeX strings (``r"x < 1"``).

        Raises
        ------
        ValueError
            The LaTeX cannot be read, or holds no single relation (``proofs_check.check.StatementError``).
        """
        from proofs_check.check import StatementError, relation, parse_latex_relation

        if not isinstance(statement, str):
            raise TypeError(f"`statement` must be a LaTeX string (got {type(statement).__name__})")
        items = symbols.values() if isinstance(symbols, Mapping) else symbols
        by_name = {}
        for s in items:
            if not isinstance(s, sp.Symbol):
                raise TypeError(f"`symbols` must hold sympy symbols (got {s!r})")
            by_name[s.name] = s

        def bind(expr):
            return expr.xreplace({s: by_name[s.name] for s in expr.free_symbols
                                  if isinstance(s, sp.Symbol) and s.name in by_name})

        rels = parse_latex_relation(statement)
        if len(rels) != 1:
            raise StatementError(f"`statement` {statement!r} must hold exactly one relation")
        lhs, rel, rhs = rels[0]
        if isinstance(assumptions, (str, sp.Basic, bool)):
            assumptions = (assumptions,)
        conds = []
        for item in assumptions:
            if isinstance(item, str):
                conds += [bind(relation(a, r, b)) for a, r, b in parse_latex_relation(item)]
            else:
                conds.append(item)
        return cls(name, bind(lhs), bind(rhs), rel, tuple(conds), justification, note, by)

    @property
    def statement(self) -> str:
        """The step as one line of text, ``lhs = rhs``."""
        return f"{sp.sstr(self.lhs)} {_SHOW[self.relation]} {sp.sstr(self.rhs)}"

    @property
    def given(self) -> str:
        """The domain as text: the symbols' sign assumptions, then the explicit conditions."""
        free: set[sp.Symbol] = set()
        for obj in (self.lhs, self.rhs, *self.assumptions):
            free |= {s for s in obj.free_symbols if isinstance(s, sp.Symbol)}
        groups: dict[str, list[str]] = {}
        for s in sorted(free, key=lambda s: s.name):
            for flag, text in (("positive", "> 0"), ("nonnegative", ">= 0"), ("negative", "< 0"),
                               ("nonpositive", "<= 0"), ("real", "real")):
                if getattr(s, f"is_{flag}"):
                    groups.setdefault(text, []).append(s.name)
                    break
        parts = [f"{', '.join(names)} {text}" for text, names in groups.items()]
        text = "; ".join(parts)
        conds = ", ".join(sp.sstr(c) for c in self.assumptions)
        return f"{text}; {conds}" if text and conds else text or conds

    def gap(self) -> sp.Expr:
        """The side the relation says is non-negative (``lhs - rhs`` for ``==``)."""
        if isinstance(self.lhs, sp.Set):
            raise TypeError("a set-valued step has no gap")
        if self.relation in ("<=", "<"):
            return self.rhs - self.lhs
        return self.lhs - self.rhs

    def check(self, *, seed: int = 0) -> "StepResult":
        """Check this step alone (a step that cites lemmas needs :meth:`Derivation.check`)."""
        if self.by:
            raise ValueError(
                f"step {self.name!r} cites lemmas (`by`); check it inside its Derivation"
            )
        # imported here: the checker imports Step from this module
        from proofs_check.prover import check_step

        return check_step(self, 0, {}, seed)


@dataclass(frozen=True)
class StepResult:
    """The verdict on one step.

    ``status`` is ``"proved"``, ``"disproved"`` (sympy or a counterexample shows it false),
    ``"unproved"`` (neither) or ``"error"`` (sympy raised).  ``ok`` is ``status == "proved"``.
    ``counterexample`` maps symbol names to the rational values used (strings) plus
    ``"lhs"``/``"rhs"`` values, when one was found.
    """

    index: int
    name: str
    statement: str
    given: str
    justification: str
    status: str
    reason: str
    counterexample: dict | None = None
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "proved"
