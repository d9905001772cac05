"""The step checker: domains, exact rewrites, the sign and calculus arguments, lemma
citations, and the numeric search for counterexamples (:func:`check_step`).

The method is stated in :mod:`proofs_check.core` ("How a step is checked"): equalities by exact
rewrites of ``lhs - rhs`` to 0, inequalities by sympy's assumption system or a one-variable
calculus argument, lemma citations by an exact identity with non-negative factors, the domain
substitution of interval and equality conditions, and seeded random rational points at
``DIGITS`` significant digits.
"""

from __future__ import annotations

import dataclasses
import functools
import random
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
import sympy as sp
from sympy.calculus.util import continuous_domain
from sympy.core.relational import Relational
from proofs_check.steps import N_POINTS, MAX_ATTEMPTS, DIGITS, NUMERIC_RTOL, Step, StepResult

# --------------------------------------------------------------------------- domains


@dataclass
class _Bound:
    lo: sp.Expr = sp.S.NegativeInfinity
    lo_strict: bool = True
    hi: sp.Expr = sp.S.Infinity
    hi_strict: bool = True


def _interval_map(lo: sp.Expr, hi: sp.Expr, u: sp.Symbol) -> sp.Expr:
    """A map from u > 0 onto the open interval (lo, hi) (either end may be infinite)."""
    if lo.is_finite and hi.is_finite:
        return (lo + hi * u) / (1 + u)
    if lo.is_finite:
        return lo + u
    if hi.is_finite:
        return hi - u
    raise ValueError("no map needed for the whole real line")


def _tighter(new: sp.Expr, old: sp.Expr, *, lower: bool) -> bool:
    if old.is_infinite:
        return True
    diff = new - old
    if not diff.is_number:
        return False
    return bool(diff > 0) if lower else bool(diff < 0)


class Domain:
    """The symbols of a step, their bounds, equality constraints and other conditions."""

    def __init__(self, symbols: Iterable[sp.Symbol], conditions: tuple[sp.Basic, ...]):
        self.symbols = sorted(set(symbols), key=lambda s: s.name)
        self.conditions = conditions
        self.bounds: dict[sp.Symbol, _Bound] = {}
        for s in self.symbols:
            b = _Bound()
            if s.is_positive:
                b.lo, b.lo_strict = sp.S.Zero, True
            elif s.is_nonnegative:
                b.lo, b.lo_strict = sp.S.Zero, False
            if s.is_negative:
                b.hi, b.hi_strict = sp.S.Zero, True
            elif s.is_nonpositive:
                b.hi, b.hi_strict = sp.S.Zero, False
            self.bounds[s] = b
        self.constraints: dict[sp.Symbol, sp.Expr] = {}
        for cond in conditions:
            if cond.rel_op == "==":
                self._add_constraint(cond)
            else:
                self._add_bound(cond)

    def _add_constraint(self, cond: Relational) -> None:
        expr = cond.lhs - cond.rhs
        for s in sorted(expr.free_symbols, key=lambda s: s.name, reverse=True):
            if s in self.constraints:
                continue
            try:
                sols = sp.solve(expr, s, dict=False)
            except NotImplementedError:
                continue
            if len(sols) == 1:
                self.constraints[s] = sp.sympify(sols[0])
                return

    def _add_bound(self, cond: Relational) -> None:
        rel = cond
        if isinstance(rel.rhs, sp.Symbol) and not isinstance(rel.lhs, sp.Symbol):
            rel = rel.reversed
        x, other = rel.lhs, rel.rhs
        if not isinstance(x, sp.Symbol) or x in other.free_symbols or x not in self.bounds:
            return
        b = self.bounds[x]
        strict = rel.rel_op in ("<", ">")
        if rel.rel_op in (">", ">="):
            if _tighter(other, b.lo, lower=True):
                b.lo, b.lo_strict = other, strict
        elif _tighter(other, b.hi, lower=False):
            b.hi, b.hi_strict = other, strict

    @functools.cached_property
    def substitution(self) -> dict[sp.Symbol, sp.Expr]:
        """Eliminate constrained symbols, then map bounded ones onto positive parameters."""
        out: dict[sp.Symbol, sp.Expr] = {}
        for x in self.symbols:
            if x in self.constraints:
                continue
            b = self.bounds[x]
            lo_ok, hi_ok = b.lo.is_finite, b.hi.is_finite
            if not (lo_ok or hi_ok):
                continue
            if lo_ok and hi_ok and not (b.lo_strict and b.hi_strict):
                hi_ok = False  # keep the lower bound only: a larger domain, still sound
            implied_lo = x.is_positive if b.lo_strict else x.is_nonnegative
            implied_hi = x.is_negative if b.hi_strict else x.is_nonpositive
            if lo_ok and not hi_ok and b.lo == 0 and implied_lo:
                continue  # the symbol's assumptions say it already
            if hi_ok and not lo_ok and b.hi == 0 and implied_hi:
                continue
            strict = b.lo_strict if lo_ok else b.hi_strict
            u = sp.Dummy(f"{x.name}_u", positive=True) if strict else sp.Dummy(
                f"{x.name}_u", nonnegative=True
            )
            lo = b.lo if lo_ok else sp.S.NegativeInfinity
            hi = b.hi if hi_ok else sp.S.Infinity
            out[x] = _interval_map(lo, hi, u)
        return out

    def substitute(self, expr: sp.Expr) -> sp.Expr:
        if self.constraints:
            expr = expr.subs(self.constraints)
        if self.substitution:
            expr = expr.subs(self.substitution)
        return expr

    # -- random points ----------------------------------------------------------------

    def _draw(self, x: sp.Symbol, rng: random.Random, known: dict) -> sp.Rational:
        b = self.bounds[x]
        lo = b.lo.xreplace(known) if b.lo.is_finite else b.lo
        hi = b.hi.xreplace(known) if b.hi.is_finite else b.hi
        den = rng.choice((7, 11, 13, 16, 17, 19))
        frac = sp.Rational(rng.randint(1, den - 1), den)  # in (0, 1)
        if rng.random() < 0.6:
            width = frac
        else:
            width = sp.Rational(rng.randint(den + 1, 5 * den), den)  # in (1, 5]
        if lo.is_number and hi.is_number and lo.is_finite and hi.is_finite:
            value = lo + (hi - lo) * frac
        elif lo.is_number and lo.is_finite:
            value = lo + width
        elif hi.is_number and hi.is_finite:
            value = hi - width
        else:
            value = width if rng.random() < 0.5 else -width
        return sp.ceiling(value) if x.is_integer else value

    def points(self, seed: int, n: int = N_POINTS) -> Iterator[dict[sp.Symbol, sp.Rational]]:
        """Random rational points satisfying every assumption and condition (seeded)."""
        if not self.symbols:
            yield {}  # a statement about numbers: one evaluation is enough
            return
        rng = random.Random(seed)
        free = [s for s in self.symbols if s not in self.constraints]
        found = 0
        for _ in range(MAX_ATTEMPTS):
            if found >= n:
                return
            point: dict[sp.Symbol, sp.Expr] = {}
            for x in free:
                point[x] = self._draw(x, rng, point)
            for x, value in self.constraints.items():
                point[x] = sp.sympify(value).xreplace(point)
            if self._admissible(point):
                found += 1
                yield point

    def _admissible(self, point: dict) -> bool:
        for x, v in point.items():
            if not v.is_number or v.is_real is not True:
                return False
            for flag, test in (
                ("positive", lambda t: t > 0),
                ("nonnegative", lambda t: t >= 0),
                ("negative", lambda t: t < 0),
                ("nonpositive", lambda t: t <= 0),
            ):
                if getattr(x, f"is_{flag}") and not bool(test(v)):
                    return False
            if x.is_integer and not v.is_integer:
                return False
        for cond in self.conditions:
            try:
                if not bool(cond.xreplace(point)):
                    return False
            except TypeError:
                return False
        return True


# --------------------------------------------------------------------------- rewriting


def _normal_logs(expr: sp.Expr) -> sp.Expr:
    """Bring each log's argument to one factored fraction, then expand the logs.

    ``expand_log`` runs without ``force``: it splits a log only where the symbols'
    assumptions make the split valid.
    """
    expr = expr.replace(sp.log, lambda arg: sp.log(sp.factor(sp.together(arg))))
    return sp.expand(sp.expand_log(expr))


def _variants(expr: sp.Expr, domain: Domain) -> Iterator[sp.Expr]:
    """Expressions equal to ``expr`` on the domain, cheap rewrites first."""
    seen: set = set()

    def fresh(e: sp.Expr) -> bool:
        if e in seen:
            return False
        seen.add(e)
        return True

    base = expr.doit()
    bases = [base, _normal_logs(base)]
    for e in bases:
        if fresh(e):
            yield e
    subbed = []
    for e in bases:
        s = domain.substitute(e)
        subbed.append(s)
        if fresh(s):
            yield s
        s2 = _normal_logs(s)
        subbed.append(s2)
        if fresh(s2):
            yield s2
    for e in (bases[1], subbed[-1]):
        t = sp.factor(sp.together(e))
        if fresh(t):
            yield t
    for e in (bases[1], subbed[-1]):
        t = sp.simplify(e)
        if fresh(t):
            yield t


class _Shown:
    """The form of an expression to show in a reason: the simplest one in the step's own
    symbols (forms after the domain substitution use internal parameters)."""

    def __init__(self) -> None:
        self.form: sp.Expr | None = None
        self._ops = None

    def offer(self, v: sp.Expr) -> None:
        if v.has(sp.Dummy) and self.form is not None:
            return
        ops = sp.count_ops(v)
        better = self.form is None or ops < self._ops
        if better or (self.form.has(sp.Dummy) and not v.has(sp.Dummy)):
            self.form, self._ops = v, ops


def _prove_zero(expr: sp.Expr, domain: Domain) -> tuple[bool, sp.Expr]:
    shown = _Shown()
    for v in _variants(expr, domain):
        if v == 0 or v.is_zero is True:
            return True, v
        shown.offer(v)
    return False, shown.form


def _prove_sign(expr: sp.Expr, domain: Domain, *, strict: bool) -> tuple[str, str, sp.Expr]:
    """Decide ``expr >= 0`` (``> 0`` when strict) on the domain: (status, how, last form)."""
    shown = _Shown()
    singles: list[sp.Expr] = []
    for v in _variants(expr, domain):
        shown.offer(v)
        yes = v.is_positive if strict else v.is_nonnegative
        if yes:
            return "proved", "sign decided by sympy's assumptions", shown.form
        no = v.is_nonpositive if strict else v.is_negative
        if no:
            bound = "<= 0" if strict else "< 0"
            return "disproved", f"it is {bound} on the whole domain", shown.form
        if len(v.free_symbols) == 1 and not v.has(sp.Derivative, sp.Limit, sp.Subs):
            singles.append(v)
    # calculus on one variable: after the domain substitution first (the exact domain),
    # then as written (the symbol's own assumptions: a larger domain, still sound)
    tries = [next((v for v in singles if v.has(sp.Dummy)), None),
             next((v for v in singles if not v.has(sp.Dummy)), None)]
    for v in filter(None, tries):
        if _calculus_sign(v, strict=strict):
            return "proved", "by the sign of the derivative (monotone pieces)", shown.form
    return "unproved", "", shown.form


def _constant_sign(value: sp.Expr, *, strict: bool) -> bool:
    if value is sp.S.Infinity:
        return True
    if not value.is_number or value.has(sp.Limit, sp.AccumBounds, sp.S.NaN, sp.zoo):
        return False
    for v in (value, sp.simplify(value)):
        if (v.is_positive if strict else v.is_nonnegative):
            return True
    return False


def _calculus_sign(expr: sp.Expr, *, strict: bool) -> bool:
    """Prove ``expr(x) >= 0`` (``> 0``) for a single variable x by monotone pieces.

    The domain comes from x's assumptions.  The derivative's zeros c_1 < ... < c_k split the
    open domain into pieces on which the derivative has a strict sign (proved); the infimum
    is then among the values at the c_i and the one-sided limits at the ends next to a piece
    that moves away from them.
    """
    (x,) = expr.free_symbols
    if x.is_positive:
        lo, hi, closed_lo = sp.S.Zero, sp.S.Infinity, False
    elif x.is_nonnegative:
        lo, hi, closed_lo = sp.S.Zero, sp.S.Infinity, True
    elif x.is_real:
        lo, hi, closed_lo = sp.S.NegativeInfinity, sp.S.Infinity, False
    else:
        return False
    try:
        if closed_lo and not _constant_sign(expr.subs(x, lo), strict=strict):
            return False
        whole = sp.Interval.open(lo, hi)
        deriv = sp.diff(expr, x)
        for f in (expr, deriv):
            if continuous_domain(f, x, whole) != whole:
                return False
        zeros = sp.solveset(deriv, x, whole)
        if zeros is sp.S.EmptySet:
            pts = []
        elif isinstance(zeros, sp.FiniteSet):
            pts = list(zeros)
        else:
            return False
        if any(not (p.is_number and p.is_real) for p in pts):
            return False
        pts.sort(key=lambda p: float(sp.N(p)))
        edges = [lo, *pts, hi]
        signs = []
        for left, right in zip(edges[:-1], edges[1:]):
            u = sp.Dummy("u", positive=True)
            d = sp.factor(sp.together(deriv.subs(x, _interval_map(left, right, u))))
            if d.is_positive:
                signs.append(1)
            elif d.is_negative:
                signs.append(-1)
            else:
                return False
        values = [(expr.subs(x, p), strict) for p in pts]
        if signs[0] > 0:
            values.append((sp.limit(expr, x, lo, "+"), False))
        if signs[-1] < 0:
            values.append((sp.limit(expr, x, hi, "-"), False))
        return all(_constant_sign(v, strict=s) for v, s in values)
    except (NotImplementedError, TypeError, ValueError):
        return False


# --------------------------------------------------------------------------- numerics


def _show(value: sp.Expr) -> str:
    if value.is_Rational:
        return str(value)
    return sp.sstr(sp.N(value, 8))


def _evaluate(expr: sp.Basic, point: dict) -> sp.Basic | None:
    if isinstance(expr, sp.FiniteSet):
        vals = [_evaluate(e, point) for e in expr.args]
        if any(v is None for v in vals):
            return None
        return sp.FiniteSet(*vals)
    value = sp.N(expr.xreplace(point), DIGITS)
    if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or not value.is_number or value.has(sp.Limit):
        return None
    return value


def _violates(relation: str, lv: sp.Basic, rv: sp.Basic) -> bool | None:
    """Whether the pair of values violates the relation (None: cannot tell at this point)."""
    if isinstance(lv, sp.FiniteSet):
        lk = sorted((sp.re(v), sp.im(v)) for v in lv.args)
        rk = sorted((sp.re(v), sp.im(v)) for v in rv.args)
        if len(lk) != len(rk):
            return None  # sets may merge at special points; no verdict
        return any(_violates("==", a[0] + sp.I * a[1], b[0] + sp.I * b[1]) for a, b in zip(lk, rk))
    scale = max(sp.Integer(1), abs(lv), abs(rv))
    tol = NUMERIC_RTOL * scale
    if relation == "==":
        return bool(abs(lv - rv) > tol)
    if not (lv.is_real and rv.is_real):
        return None
    if relation == "<=":
        return bool(lv > rv + tol)
    if relation == ">=":
        return bool(lv < rv - tol)
    if relation == "<":
        return bool(lv >= rv - tol)
    return bool(lv <= rv + tol)


def _counterexample(step: Step, lhs: sp.Basic, rhs: sp.Basic, domain: Domain, seed: int):
    checked = 0
    for point in domain.points(seed):
        lv, rv = _evaluate(lhs, point), _evaluate(rhs, point)
        if lv is None or rv is None:
            continue
        bad = _violates(step.relation, lv, rv)
        if bad is None:
            continue
        checked += 1
        if bad:
            items = sorted(point.items(), key=lambda kv: kv[0].name)
            where = ", ".join(f"{k}={_show(v)}" for k, v in items)
            ce = {k.name: str(v) for k, v in point.items()}
            ce.update(lhs=sp.sstr(lv), rhs=sp.sstr(rv))
            at = f" at {where}" if where else ""
            text = f"counterexample{at}: lhs={_show(lv)}, rhs={_show(rv)}"
            return checked, text, ce
    return checked, None, None


# --------------------------------------------------------------------------- checking


def symbols_of(step: Step, extra: Iterable[sp.Basic] = ()) -> set[sp.Symbol]:
    """The free symbols of a step's sides, its assumptions and ``extra`` expressions."""
    out: set[sp.Symbol] = set()
    for obj in (step.lhs, step.rhs, *step.assumptions, *extra):
        out |= {s for s in obj.free_symbols if isinstance(s, sp.Symbol)}
    return out


_SIGN_FLAGS = (("positive", ">"), ("nonnegative", ">="), ("negative", "<"), ("nonpositive", "<="))


def _prove_relation(lhs: sp.Expr, rel: str, rhs: sp.Expr, domain: Domain) -> bool:
    if rel == "==":
        return _prove_zero(lhs - rhs, domain)[0]
    gap = rhs - lhs if rel in ("<", "<=") else lhs - rhs
    return _prove_sign(gap, domain, strict=rel in ("<", ">"))[0] == "proved"


def _check_by(step: Step, domain: Domain, lemmas: Mapping[str, tuple[Step, StepResult]]):
    """Verify a step from its cited lemmas; returns (status, reason)."""
    total = sp.S.Zero
    strict_from_lemmas = False
    for inst in step.by:
        lemma, result = lemmas[inst.lemma]
        if not result.ok:
            return "unproved", (
                f"cites step {result.index + 1} ({lemma.name!r}), which did not check"
            )
        if step.relation == "==" and lemma.relation != "==":
            return "unproved", f"an equality cannot follow from the inequality {lemma.name!r}"
        subs = dict(inst.subs)
        if lemma.relation != "==":
            if not _prove_relation(inst.factor, ">=", sp.S.Zero, domain):
                return "unproved", (
                    f"could not prove factor {sp.sstr(inst.factor)} >= 0 for {lemma.name!r}"
                )
            strict_lemma = lemma.relation in ("<", ">")
            if strict_lemma and _prove_relation(inst.factor, ">", sp.S.Zero, domain):
                strict_from_lemmas = True
        # the substituted values must lie in the lemma's domain
        for s in symbols_of(lemma):
            value = subs.get(s, s)
            if value is s:
                continue
            signs = [rel for flag, rel in _SIGN_FLAGS if getattr(s, f"is_{flag}")][:1]
            for rel in signs:  # a proved sign also proves the value real
                if not _prove_relation(value, rel, sp.S.Zero, domain):
                    return "unproved", (
                        f"could not prove {sp.sstr(value)} {rel} 0, "
                        f"needed for {s} in {lemma.name!r}"
                    )
            for flag in ("real", "integer"):
                if flag == "real" and signs:
                    continue
                if getattr(s, f"is_{flag}") and not any(
                    getattr(v, f"is_{flag}") for v in _variants(value, domain)
                ):
                    return "unproved", (
                        f"{sp.sstr(value)} is not known to be {flag} ({s} in {lemma.name!r})"
                    )
        for cond in lemma.assumptions:
            c = cond.xreplace(subs) if subs else cond
            if c is sp.true:
                continue
            if c is sp.false or not _prove_relation(c.lhs, c.rel_op, c.rhs, domain):
                return "unproved", f"could not prove the condition {sp.sstr(c)} of {lemma.name!r}"
        total += inst.factor * lemma.gap().xreplace(subs)
    remainder = step.gap() - total
    names = [i.lemma for i in step.by]
    cited = ", ".join(f"{n!r}" + (f" x{names.count(n)}" if names.count(n) > 1 else "")
                      for n in dict.fromkeys(names))
    if strict_from_lemmas:
        cited += " (strict through a strict lemma with a positive factor)"
    if step.relation == "==":
        ok, form = _prove_zero(remainder, domain)
        if ok:
            return "proved", f"from {cited}: the remainder simplifies to 0"
        return "unproved", f"from {cited}: the remainder simplifies to {sp.sstr(form)}, not to 0"
    strict = step.relation in ("<", ">") and not strict_from_lemmas
    status, how, form = _prove_sign(remainder, domain, strict=strict)
    need = "> 0" if strict else ">= 0"
    if status == "proved":
        return "proved", f"from {cited}: the remainder {sp.sstr(form)} is {need}"
    return "unproved", f"from {cited}: could not prove the remainder {sp.sstr(form)} {need}"


def _evaluate_side(side: sp.Basic) -> sp.Basic:
    """``doit``, and solve a ``ConditionSet`` (a set written as the equation it solves)."""
    if isinstance(side, sp.ConditionSet):
        return sp.solveset(side.condition, side.sym, side.base_set)
    return side.doit()


def _check_sets(step: Step, domain: Domain) -> tuple[str, str]:
    left, right = list(step.lhs.args), list(step.rhs.args)
    unmatched = list(right)
    for a in left:
        for b in unmatched:
            if _prove_zero(a - b, domain)[0]:
                unmatched.remove(b)
                break
        else:
            return "unproved", f"no element of the right-hand set provably equals {sp.sstr(a)}"
    if unmatched:
        return "unproved", f"unmatched elements on the right: {sp.sstr(unmatched)}"
    return "proved", "the two sets have provably equal elements"


def check_step(step: Step, index: int, lemmas: Mapping, seed: int) -> StepResult:
    """Check one step (its relation under its assumptions, using proved ``lemmas``) and report why."""
    def result(status: str, reason: str, ce: dict | None = None) -> StepResult:
        return StepResult(index, step.name, step.statement, step.given, step.justification,
                          status, reason, ce, step.note)

    extra: list[sp.Basic] = []
    for inst in step.by:
        extra.append(inst.factor)
        extra.extend(v for _, v in inst.subs)
    try:
        domain = Domain(symbols_of(step, extra), step.assumptions)
        lhs, rhs = _evaluate_side(step.lhs), _evaluate_side(step.rhs)
        if isinstance(lhs, sp.Set) or isinstance(rhs, sp.Set):
            if not (isinstance(lhs, sp.FiniteSet) and isinstance(rhs, sp.FiniteSet)):
                return result("unproved",
                              "could not prove: both sides must evaluate to finite sets")
            status, reason = _check_sets(dataclasses.replace(step, lhs=lhs, rhs=rhs), domain)
        elif step.by:
            status, reason = _check_by(step, domain, lemmas)
        elif step.relation == "==":
            ok, form = _prove_zero(step.gap(), domain)
            if ok:
                status, reason = "proved", "lhs - rhs simplifies to 0"
            else:
                status = "unproved"
                reason = f"lhs - rhs simplifies to {sp.sstr(form)}, not to 0"
                if form.is_number and form.is_zero is False:
                    status = "disproved"
        else:
            strict = step.relation in ("<", ">")
            status, how, form = _prove_sign(step.gap(), domain, strict=strict)
            side = "rhs - lhs" if step.relation in ("<", "<=") else "lhs - rhs"
            need = "> 0" if strict else ">= 0"
            if status == "proved":
                reason = f"{side} {need}: {how}"
            elif status == "disproved":
                reason = f"{side} = {sp.sstr(form)}: {how}"
            else:
                reason = f"sign of {side} = {sp.sstr(form)} undecided"
        checked, counter, ce = _counterexample(step, lhs, rhs, domain, seed)
    except Exception as exc:  # noqa: BLE001 -- a sympy failure is a failed check, reported
        return result("error", f"sympy raised {type(exc).__name__}: {exc}")
    if status == "proved":
        if counter:
            return result("disproved", f"sympy's proof contradicted by a {counter}", ce)
        return result("proved", f"{reason}; numeric spot check agrees at {checked} points")
    if counter:
        return result("disproved", f"{reason}; {counter}", ce)
    if status == "disproved":
        return result("disproved", reason)
    return result("unproved", f"could not prove: {reason} (no counterexample at {checked} points)")
