"""One statement, proved or refuted: the engine of ``ganac check "EXPR REL EXPR"``.

A statement ``lhs REL rhs`` (``REL`` one of ``<=``, ``<``, ``>=``, ``>``, ``==``) over real
symbols, under conditions such as ``x > 0`` or ``0 < p < 1``, gets one of three verdicts:

* **proved** -- the derivation core's prover (:func:`proofs_check.core.check_step`: exact
  rewrites, sympy's sign assumptions after mapping the domain onto positive parameters, and
  the calculus route by monotone pieces) proves it; the route is printed.  A statement is
  never called proved on numeric evidence.
* **refuted** -- a counterexample is found (the core's random rational points, then a
  numeric search: a grid and random points over the assumed domain, each coordinate mapped
  from an unbounded parameter onto its interval, and Nelder-Mead from the most violating
  points, maximizing the relative violation) *and verified*: the point is rounded to short
  rationals, checked against every condition exactly, and both sides are evaluated with
  sympy's ``evalf`` at 50 significant digits (``strict=True``: an evaluation that cannot reach
  that accuracy is not used); the violation must exceed ``1e-40 * max(1, |lhs|, |rhs|)``, or be
  decided in exact rational arithmetic.  Floating-point evidence alone never refutes.
* **undecided** -- neither.

Every symbol is real.  ``--latex`` parses the statement with sympy's LaTeX parser (lark
backend, the ``ganac[latex]`` extra); there a bare ``e`` is Euler's number.

>>> check_statement("log(1 + x) <= x", assume=["x > 0"]).verdict
'proved'
>>> check_statement("x**2 >= 2*x + 1").verdict
'refuted'
"""

from __future__ import annotations

import re
import warnings
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.core.relational import Relational

from proofs_check.prover import Domain, check_step, symbols_of
from proofs_check.steps import RELATIONS, Step

__all__ = ["StatementError", "CheckResult", "check_statement", "parse_statement", "parse_condition",
           "parse_latex_relation", "VERIFY_DIGITS"]

#: Digits of the exact check of a counterexample, and the relative margin a violation must
#: exceed there (10 digits of room below the evaluation's accuracy).
VERIFY_DIGITS = 50
VERIFY_MARGIN = sp.Float("1e-40", VERIFY_DIGITS)
#: Parameter range of the numeric search: exp(25) ~ 7e10, so interval ends are approached to
#: ~1e-11 and unbounded directions explored to ~1e10.
T_MAX = 25.0
EXIT_CODES = {"proved": 0, "refuted": 1, "undecided": 3}

_REL_TOKEN = re.compile(r"<=|>=|==|!=|=<|=>|≤|≥|≠|<|>|=")
_REL_NORMAL = {"<=": "<=", ">=": ">=", "==": "==", "=": "==", "≤": "<=", "≥": ">=", "<": "<",
               ">": ">", "=<": "<=", "=>": ">="}
_CONSTANTS = {"pi": sp.pi, "E": sp.E, "oo": sp.oo}
_FUNCTION_ALIASES = {"ln": sp.log}
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class StatementError(ValueError):
    """A statement or condition that cannot be read (``ganac check`` exits 2 on it)."""


# --------------------------------------------------------------------------- parsing


def _real(expr: sp.Basic) -> sp.Basic:
    """Every free symbol replaced by a real symbol of the same name (names are what a user wrote)."""
    return expr.xreplace({s: sp.Symbol(s.name, real=True) for s in expr.free_symbols
                          if isinstance(s, sp.Symbol)})


def _parse_expr(text: str, what: str) -> sp.Expr:
    from sympy.parsing.sympy_parser import (convert_xor, implicit_multiplication, parse_expr,
                                            rationalize, standard_transformations)

    text = text.strip()
    if not text:
        raise StatementError(f"{what} is empty")
    if "__" in text or re.search(r"\b(lambda|import|exec|eval)\b", text):
        raise StatementError(f"{what} {text!r} is not a mathematical expression")
    local: dict[str, Any] = dict(_FUNCTION_ALIASES)
    for name in set(_NAME.findall(text)):
        called = re.search(rf"(?<![A-Za-z0-9_]){name}\s*\(", text)
        if name in _CONSTANTS:
            local[name] = _CONSTANTS[name]
        elif called and name not in local and not callable(getattr(sp, name, None)):
            raise StatementError(f"{what} {text!r} calls unknown function {name!r} "
                                 "(sympy names: exp, log, sqrt, sin, ...)")
        elif not called and name not in local:
            local[name] = sp.Symbol(name, real=True)  # a name not called is a variable (gamma, beta)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = parse_expr(text, local_dict=local,
                             transformations=standard_transformations
                             + (implicit_multiplication, convert_xor, rationalize))
    except Exception as exc:  # SyntaxError, TypeError, TokenError ...: the text is malformed
        raise StatementError(f"{what} {text!r} cannot be read: {type(exc).__name__}: {exc}") from None
    if not isinstance(out, sp.Expr):
        raise StatementError(f"{what} {text!r} is not an expression (got {type(out).__name__})")
    unknown = sorted({str(f.func) for f in out.atoms(AppliedUndef)})
    if unknown:
        raise StatementError(f"{what} {text!r} calls unknown function(s) {', '.join(unknown)} "
                             "(sympy names: exp, log, sqrt, sin, ...)")
    return out


def _split_relations(text: str, what: str) -> tuple[list[str], list[str]]:
    pieces, rels, depth, last = [], [], 0, 0
    for m in re.finditer(r"[()\[\]{}]|" + _REL_TOKEN.pattern, text):
        tok = m.group()
        if tok in "([{":
            depth += 1
        elif tok in ")]}":
            depth -= 1
        elif depth == 0:
            if tok in ("!=", "≠"):
                raise StatementError(f"{what}: '!=' is not supported (use <, >, <=, >= or ==)")
            pieces.append(text[last:m.start()])
            rels.append(_REL_NORMAL[tok])
            last = m.end()
    pieces.append(text[last:])
    return pieces, rels


def parse_statement(text: str) -> tuple[sp.Expr, str, sp.Expr]:
    """``"lhs REL rhs"`` -> (lhs, rel, rhs) with real symbols; :class:`StatementError` if malformed."""
    if not isinstance(text, str):
        raise TypeError(f"`text` must be a string (got {type(text).__name__})")
    pieces, rels = _split_relations(text, "statement")
    if len(rels) != 1:
        raise StatementError(f"the statement {text!r} must hold exactly one relation "
                             f"({', '.join(RELATIONS)}); found {len(rels)}")
    return _parse_expr(pieces[0], "the left side"), rels[0], _parse_expr(pieces[1], "the right side")


def parse_condition(text: str) -> list[Relational]:
    """``"x > 0"`` or a chain ``"0 < p < 1"`` -> relations with real symbols."""
    if not isinstance(text, str):
        raise TypeError(f"`assume` must hold strings (got {type(text).__name__})")
    pieces, rels = _split_relations(text, f"condition {text!r}")
    if not rels:
        raise StatementError(f"condition {text!r} holds no relation (write e.g. 'x > 0')")
    sides = [_parse_expr(p, f"condition {text!r}: a side") for p in pieces]
    return [relation(a, r, b) for a, r, b in zip(sides[:-1], rels, sides[1:])]


def relation(a: sp.Expr, rel: str, b: sp.Expr) -> Relational:
    """The unevaluated sympy relation `a REL b` for REL in <=, <, >=, >, ==."""
    return {"<=": sp.Le, "<": sp.Lt, ">=": sp.Ge, ">": sp.Gt, "==": sp.Eq}[rel](a, b, evaluate=False)


_REL_OF = {sp.LessThan: "<=", sp.StrictLessThan: "<", sp.GreaterThan: ">=",
           sp.StrictGreaterThan: ">", sp.Equality: "=="}


def parse_latex_relation(text: str) -> list[tuple[sp.Expr, str, sp.Expr]]:
    """LaTeX (``\\log(1+x) \\le x``) -> [(lhs, rel, rhs), ...] through sympy's LaTeX parser
    (lark backend).  A bare ``e`` is Euler's number; every other symbol is real."""
    if not isinstance(text, str):
        raise TypeError(f"`text` must be a string (got {type(text).__name__})")
    try:
        import lark  # noqa: F401  (the backend; checked here for a clear message)
        from sympy.parsing.latex import parse_latex
    except ImportError:
        raise StatementError('LaTeX input needs the lark parser: pip install "ganac[latex]" '
                             "(or pip install lark)") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            parsed = parse_latex(text, backend="lark")
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StatementError(f"LaTeX {text!r} cannot be read: {first}") from None
    items = parsed.args if isinstance(parsed, sp.And) else (parsed,)
    out = []
    for rel in items:
        if type(rel) not in _REL_OF:
            raise StatementError(f"LaTeX {text!r} is not a relation (\\le, <, \\ge, >, =); "
                                 f"read as {sp.sstr(rel)}")
        e = sp.Symbol("e")
        lhs, rhs = (_real(side.xreplace({e: sp.E})) for side in (rel.lhs, rel.rhs))
        out.append((lhs, _REL_OF[type(rel)], rhs))
    return out


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one statement (see module docstring).

    ``counterexample`` maps symbol names to exact values (strings); ``lhs_value``/``rhs_value``
    are both sides there at :data:`VERIFY_DIGITS` digits.
    """

    statement: str
    given: str
    verdict: str
    route: str
    counterexample: dict | None = None
    lhs_value: str | None = None
    rhs_value: str | None = None
    found_by: str = ""
    points_tried: int = 0

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    def format(self) -> str:
        lines = [f"statement: {self.statement}", f"given:     {self.given}"]
        if self.verdict == "proved":
            lines.append(f"proved: {self.route}")
        elif self.verdict == "refuted":
            def show(v: str) -> str:
                r = sp.Rational(v)
                return v if r.is_Integer else f"{v} (= {sp.N(r, 12)})"

            where = ", ".join(f"{k} = {show(v)}" for k, v in self.counterexample.items())
            lines += [f"refuted: counterexample {where}" if where else "refuted: the statement is false",
                      f"  lhs = {self.lhs_value}",
                      f"  rhs = {self.rhs_value}",
                      f"  (both sides evaluated at {VERIFY_DIGITS} significant digits at these exact "
                      f"values; found by {self.found_by})"]
            if self.route:
                lines.append(f"  note: {self.route}")
        else:
            lines.append(f"undecided: {self.route}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {**asdict(self), "exit_code": self.exit_code}

    def to_json(self) -> dict:

        """Deprecated alias of :meth:`to_dict` (proofs_check imports only sympy, so no shared helper)."""

        warnings.warn(f"{type(self).__name__}.to_json is deprecated; use to_dict", DeprecationWarning, stacklevel=2)

        return self.to_dict()


# --------------------------------------------------------------------------- verification


def _short(value: sp.Basic, digits: int = 15) -> str:
    if value.is_Integer:
        return str(value)
    if value.is_Rational:
        return f"{value} (= {sp.N(value, 12)})"
    return sp.sstr(sp.N(value, digits))


def _violation(rel: str, lv: sp.Basic, rv: sp.Basic) -> sp.Basic:
    """The amount by which (lv, rv) violates ``rel``: the relation fails iff this is > 0
    (>= 0 for the strict relations, whose failure includes equality)."""
    if rel in ("<=", "<"):
        return lv - rv
    if rel in (">=", ">"):
        return rv - lv
    return abs(lv - rv)


def _verify(point: dict, lhs, rhs, rel: str, domain: Domain):
    """(lhs value, rhs value) at ``point`` if it is admissible and the violation is verified."""
    full = dict(point)
    for x, value in domain.constraints.items():
        full[x] = sp.sympify(value).xreplace(full)
    try:
        if not domain._admissible(full):
            return None
        lv, rv = lhs.xreplace(full).doit(), rhs.xreplace(full).doit()
        gap = _violation(rel, lv, rv)
        if gap.is_Rational:  # exact rational arithmetic decides
            bad = gap > 0 or (rel in ("<", ">") and gap == 0)
            return (lv, rv) if bad else None
        values = []
        for v in (lv, rv):
            n = sp.N(v, VERIFY_DIGITS, strict=True) if not v.is_Rational else v
            if not n.is_number or n.is_real is not True or n.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
                return None
            values.append(n)
        g = sp.N(gap, VERIFY_DIGITS, strict=True)
        if not g.is_real:
            return None
        scale = max(sp.Integer(1), abs(values[0]), abs(values[1]))
        return (lv, rv) if bool(g > VERIFY_MARGIN * scale) else None
    except Exception:  # noqa: BLE001 -- evalf could not reach the accuracy, or sympy failed: unverified
        return None


def _rational_candidates(x: float, lo: float, hi: float):
    """Short rationals near ``x`` first (1, 2, ... significant digits), then ``x`` itself.
    (Decimal numbers in the statement are read as exact rationals: ``1e-8`` is 1/10**8.)"""
    seen = set()
    if np.isfinite(x):
        for digits in range(1, 18):
            r = sp.Rational(Fraction(f"{x:.{digits}g}"))
            if r not in seen:
                seen.add(r)
                yield r
        r = sp.Rational(Fraction(x))
        if r not in seen:
            yield r


# --------------------------------------------------------------------------- numeric search


class _Search:
    """Maximize the relative violation over the domain, in unbounded parameters t."""

    def __init__(self, lhs, rhs, rel: str, domain: Domain, seed: int):
        self.rel, self.domain = rel, domain
        self.free = [s for s in domain.symbols if s not in domain.constraints]
        cons = domain.constraints
        self.lhs, self.rhs = lhs, rhs
        lhs_c, rhs_c = (e.subs(cons) if cons else e for e in (lhs, rhs))
        gaps, self.strict = [], []
        for c in domain.conditions:
            c2 = c.subs(cons) if cons else c
            if c2 is sp.true or c.rel_op == "==":
                continue  # solved into the constraints, or left to the exact check
            if c2 is sp.false:
                continue
            gaps.append(c2.rhs - c2.lhs if c.rel_op in ("<", "<=") else c2.lhs - c2.rhs)
            self.strict.append(c.rel_op in ("<", ">"))
        self.maps = []
        for s in self.free:
            b = domain.bounds[s]
            lo = float(b.lo) if b.lo.is_number and b.lo.is_finite else -np.inf
            hi = float(b.hi) if b.hi.is_number and b.hi.is_finite else np.inf
            self.maps.append((lo, hi))
        self.rng = np.random.default_rng(seed)
        self.evaluated = 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.f = sp.lambdify(self.free, [lhs_c, rhs_c, *gaps], modules="numpy")

    def to_x(self, t: np.ndarray) -> np.ndarray:
        """Parameters (n, d) -> points (n, d) inside each symbol's numeric bounds."""
        x = np.empty_like(t)
        for j, (lo, hi) in enumerate(self.maps):
            tj = t[:, j]
            if np.isfinite(lo) and np.isfinite(hi):
                x[:, j] = lo + (hi - lo) / (1.0 + np.exp(-tj))
            elif np.isfinite(lo):
                x[:, j] = lo + np.exp(tj)
            elif np.isfinite(hi):
                x[:, j] = hi - np.exp(tj)
            else:
                x[:, j] = np.sinh(tj)
        return x

    def score(self, t: np.ndarray) -> np.ndarray:
        """Relative violation in [-1, 1] (> 0: violated numerically); -2 where not admissible
        or not real."""
        n = t.shape[0]
        self.evaluated += n
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            x = self.to_x(t)
            try:
                vals = self.f(*x.T)
            except Exception:  # noqa: BLE001 -- a function numpy cannot vectorize: points one by one
                vals = None
            if vals is None:
                rows = []
                for i in range(n):
                    try:
                        rows.append([complex(v) for v in self.f(*x[i])])
                    except Exception:  # noqa: BLE001
                        rows.append([complex(np.nan)] * (2 + len(self.strict)))
                vals = list(np.array(rows).T)
            arrs = []
            for v in vals:
                a = np.broadcast_to(np.asarray(v), (n,))
                if np.iscomplexobj(a):
                    a = np.where(np.abs(a.imag) <= 1e-12 * (1 + np.abs(a.real)), a.real, np.nan)
                arrs.append(np.asarray(a, dtype=float))
            L, R = arrs[0], arrs[1]
            scale = 1.0 + np.abs(L) + np.abs(R)
            if self.rel in ("<=", "<"):
                v = (L - R) / scale
            elif self.rel in (">=", ">"):
                v = (R - L) / scale
            else:
                v = np.abs(L - R) / scale
            ok = np.isfinite(v)
            for g, strict in zip(arrs[2:], self.strict):
                ok &= (g > 0) if strict else (g >= 0)
            return np.where(ok, v, -2.0)

    def initial(self) -> np.ndarray:
        d = len(self.free)
        per = {1: 4001, 2: 151, 3: 31}.get(d)
        parts = []
        if per is not None:
            axis = np.linspace(-T_MAX, T_MAX, per)
            parts.append(np.stack(np.meshgrid(*[axis] * d, indexing="ij"), -1).reshape(-1, d))
        n_rand = 4000 if per is not None else 30000
        parts.append(self.rng.uniform(-T_MAX, T_MAX, size=(n_rand // 2, d)))
        parts.append(self.rng.normal(0.0, 3.0, size=(n_rand - n_rand // 2, d)))
        return np.concatenate(parts)

    def candidates(self, *, optimize: bool, extra: list | None = None) -> list[np.ndarray]:
        """Points x (not t), most violating first: grid/random, then optimized from the best."""
        if not self.free:
            return []
        t = self.initial()
        s = self.score(t)
        order = np.argsort(-s)
        found = [self.to_x(t[i:i + 1])[0] for i in order[:20] if s[i] >= 0]
        if optimize:
            from scipy.optimize import minimize

            feasible = [i for i in order if s[i] > -2][:8]
            for i in feasible:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    res = minimize(lambda u: -self.score(u[None, :])[0], t[i], method="Nelder-Mead",
                                   options={"maxiter": 300 * len(self.free), "xatol": 1e-12, "fatol": 1e-16})
                if -res.fun >= 0:
                    found.append(self.to_x(res.x[None, :])[0])
        return found


def _find_counterexample(step: Step, domain: Domain, seed: int, *, optimize: bool, core_point=None):
    """(point {Symbol: Rational}, lhs, rhs, found_by, points tried) or (None, ..., tried)."""
    lhs, rhs, rel = step.lhs.doit(), step.rhs.doit(), step.relation
    if core_point is not None and domain.symbols:
        by_name = {s.name: s for s in domain.symbols}
        point = {by_name[k]: sp.Rational(v) for k, v in core_point.items()
                 if k in by_name and by_name[k] not in domain.constraints}
        got = _verify(point, lhs, rhs, rel, domain)
        if got is not None:
            return point, got[0], got[1], "the prover's random rational points", 0
    if not domain.symbols:
        got = _verify({}, lhs, rhs, rel, domain)
        return ({}, got[0], got[1], "exact evaluation", 1) if got else (None, None, None, "", 1)
    search = _Search(lhs, rhs, rel, domain, seed)
    for x in search.candidates(optimize=optimize)[:40]:
        choices = [list(_rational_candidates(float(xi), lo, hi)) for xi, (lo, hi) in zip(x, search.maps)]
        depth = max(len(c) for c in choices)
        for k in range(depth):  # all coordinates at k+1 significant digits, then the float itself
            point = {s: c[min(k, len(c) - 1)] for s, c in zip(search.free, choices)}
            got = _verify(point, lhs, rhs, rel, domain)
            if got is not None:
                how = "a numeric search (grid, random points" + (", Nelder-Mead)" if optimize else ")")
                return point, got[0], got[1], how, search.evaluated
    return None, None, None, "", search.evaluated


# --------------------------------------------------------------------------- entry point


def check_statement(statement: str, assume: Any = (), *, latex: bool = False, seed: int = 0) -> CheckResult:
    """Prove, refute (with a verified counterexample) or leave undecided one statement.

    Parameters
    ----------
    statement : str
        ``"lhs REL rhs"`` with REL one of ``<= < >= > ==`` (``=`` also means ``==``); every symbol
        is real.  Plain text uses sympy syntax (``x**2`` or ``x^2``, ``2x``, ``log``/``ln``,
        ``exp``, ``sqrt``, ``pi``, ``E``).
    assume : iterable of str
        Conditions such as ``"x > 0"`` or the chain ``"0 < p < 1"``.
    latex : bool
        Read ``statement`` and ``assume`` as LaTeX (needs lark: ``pip install "ganac[latex]"``).
    seed : int
        Seed of the random points.

    Raises
    ------
    StatementError
        The statement or a condition cannot be read.
    """
    if isinstance(assume, str):
        assume = [assume]
    if latex:
        rels = parse_latex_relation(statement)
        if len(rels) != 1:
            raise StatementError(f"the statement {statement!r} must hold exactly one relation")
        lhs, rel, rhs = rels[0]
        conds = [relation(a, r, b) for text in assume for a, r, b in parse_latex_relation(text)]
    else:
        lhs, rel, rhs = parse_statement(statement)
        conds = [c for text in assume for c in parse_condition(text)]
    try:
        step = Step("statement", lhs, rhs, rel, assumptions=conds)
    except (TypeError, ValueError) as exc:
        raise StatementError(str(exc)) from None
    symbols = sorted(symbols_of(step), key=lambda s: s.name)
    given = ", ".join(sp.sstr(c) for c in step.assumptions)
    given = (given + "; " if given else "") + (
        f"{', '.join(s.name for s in symbols)} real" if symbols else "no symbols")
    shown = step.statement
    result = check_step(step, 0, {}, seed)
    domain = Domain(symbols_of(step), step.assumptions)
    if result.status == "proved":
        # a proof is the verdict; a light grid search guards against a prover bug
        point, lv, rv, how, tried = _find_counterexample(step, domain, seed, optimize=False)
        if point is None:
            return CheckResult(shown, given, "proved", result.reason.split("; numeric spot check")[0]
                               + f" (sympy; a grid of {tried} points agrees)", points_tried=tried)
        note = "sympy claimed a proof that this counterexample contradicts (a prover bug: please report it)"
    else:
        point, lv, rv, how, tried = _find_counterexample(step, domain, seed, optimize=True,
                                                         core_point=result.counterexample)
        note = ""
    if point is not None:
        ce = {s.name: str(v) for s, v in sorted(point.items(), key=lambda kv: kv[0].name)}
        return CheckResult(shown, given, "refuted", note, ce,
                           f"{sp.sstr(step.lhs)} = {_short(lv)}", f"{sp.sstr(step.rhs)} = {_short(rv)}",
                           how, tried)
    why = result.reason.removeprefix("could not prove: ")
    return CheckResult(shown, given, "undecided",
                       f"no proof ({why}) and no counterexample among {tried} points of the domain "
                       "(grid, random, Nelder-Mead); the statement may still be true or false",
                       points_tried=tried)
