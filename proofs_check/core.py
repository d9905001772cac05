"""The derivation core: steps, derivations, the checker and the derivation registry.

The inputs (:class:`Step`, :class:`Instance`, :class:`StepResult`) live in
:mod:`proofs_check.steps` and the checker in :mod:`proofs_check.prover`; both are re-exported
here, and this module holds :class:`Derivation`, its report and the registry.

A :class:`Derivation` is a named list of :class:`Step` objects.  Each step states one fact
between sympy expressions -- an equality or an inequality -- under stated assumptions (the
symbols' own sympy assumptions such as ``positive=True``, plus explicit conditions such as
``0 < y``, ``y < 1`` or a constraint ``Eq(p1 + p2 + p3, 1)``).  :meth:`Derivation.check`
checks every step on its own and reports the first one that fails and why.

How a step is checked
---------------------
*Equalities* are proved when ``lhs - rhs`` reduces to 0 under a short list of exact rewrites
(``doit``, log arguments brought to one fraction and expanded using the symbols'
assumptions, ``together``/``factor``, then ``simplify``), tried on the expression as written
and after the domain substitution below.  ``sympy``'s ``Expr.equals`` is not used: for
numbers it may answer from a floating-point evaluation, which is not a proof.

*Inequalities* ``lhs <= rhs`` are proved when sympy's assumption system decides the sign of
``rhs - lhs`` (``is_nonnegative``, ``is_positive`` for strict ones) on one of the same
rewrites.  If that fails and a single variable is left, a calculus argument is tried: the
derivative's zeros are found with ``solveset``, its sign is proved on each piece between
them, and the values at the zeros and the one-sided limits at the ends are shown to respect
the bound.  A step may also cite earlier steps as lemmas (:class:`Instance`): then the
checker verifies ``gap = sum_k factor_k * lemma_gap_k(subs_k) + remainder`` exactly, that
each factor is non-negative, that each substitution lands in the lemma's domain, and that
the remainder is non-negative.

*The domain substitution.*  An equality condition ``Eq(lhs, rhs)`` is solved for one of its
symbols, which is then eliminated.  Interval conditions become positive parameters:
``lo < x < hi`` becomes ``x = (lo + hi*u)/(1 + u)``, ``x > lo`` becomes ``x = lo + u``,
``x < hi`` becomes ``x = hi - u`` with ``u > 0``.  Each map is onto its interval, and dropping
a condition only enlarges the domain, so a proof after substitution is a proof of the step.
Conditions of any other form only restrict the numeric search below.

*Counterexamples.*  Every step is also evaluated at a few random rational points of its
domain (seeded; 30 significant digits).  A step that sympy cannot prove gets either a
concrete counterexample in its reason or "could not prove"; both count as failures.  A step
that sympy proves but a point contradicts also fails (that would be a sympy bug).
"""

from __future__ import annotations

import warnings

import dataclasses
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sympy as sp
from proofs_check.steps import RELATIONS, ID_PATTERN, Instance, Step, StepResult
from proofs_check.prover import Domain, check_step, symbols_of  # Domain, symbols_of re-exported

__all__ = [
    "RELATIONS",
    "Step",
    "Instance",
    "StepResult",
    "Derivation",
    "DerivationReport",
    "derivation",
    "registered",
    "unregister",
    "DuplicateRegistrationError",
    "DuplicateDerivationError",
    "refuse_second_registration",
    "unique_solution",
    "unique_stationary_point",
    "stationary_point_function",
    "LEMMA_T",
    "log_upper_lemma",
    "log_lower_lemma",
]

# --------------------------------------------------------------------------- sympy solves


def unique_solution(equation: Any, var: sp.Symbol, what: str = "solution") -> sp.Expr:
    """The one solution of ``equation`` (an ``sp.Eq`` or an expression = 0) for ``var``, by
    ``sympy.solve``.

    For the closed forms the derivations find rather than type in (an optimal discriminator,
    a controller's fixed point): the symbols' assumptions must leave exactly one root.

    Raises
    ------
    RuntimeError
        If sympy finds no root or several (named ``what`` in the message).

    Examples
    --------
    >>> x = sp.Symbol("x", positive=True)
    >>> unique_solution(sp.Eq(x**2, 4), x)
    2
    """
    roots = sp.solve(equation, var)
    if len(roots) != 1:
        raise RuntimeError(f"expected one {what}, sympy found {roots}")
    return roots[0]


def unique_stationary_point(expr: Any, var: sp.Symbol) -> sp.Expr:
    """The one root of d expr / d var (:func:`unique_solution` of the first-order condition).

    Examples
    --------
    >>> y = sp.Symbol("y", positive=True)
    >>> unique_stationary_point(3 * sp.log(y) + sp.log(1 - y), y)   # Goodfellow et al. Prop. 1
    3/4
    """
    return unique_solution(sp.diff(expr, var), var, "stationary point")


def stationary_point_function(args: Any, expr: Any, var: sp.Symbol) -> sp.Lambda:
    """``args -> the one root of d expr / d var``, as a ``sympy.Lambda``.

    For the ``symbolic_*`` closed forms the derivations find (an optimal discriminator, an
    optimal critic slope): :func:`unique_stationary_point` of ``expr``, a function of the
    symbols ``args``.

    Raises
    ------
    RuntimeError
        If sympy does not find exactly one stationary point.

    Examples
    --------
    >>> a, y = sp.Symbol("a", positive=True), sp.Symbol("y", positive=True)
    >>> stationary_point_function((a,), a * sp.log(y) + sp.log(1 - y), y)(3)
    3/4
    """
    return sp.Lambda(tuple(args), unique_stationary_point(expr, var))


# --------------------------------------------------------------------------- lemmas

#: The variable of the standard lemmas below (t > 0); a step cites a lemma with
#: ``Instance(name, {LEMMA_T: value}, factor=...)``.
LEMMA_T = sp.Symbol("t", positive=True)


def log_upper_lemma(name: str = "lemma-log") -> Step:
    """The step ``log t <= t - 1`` for t > 0 (in :data:`LEMMA_T`).

    The elementary bound behind Gibbs' inequality (KL >= 0): log t - t + 1 has its maximum 0
    at t = 1.

    Examples
    --------
    >>> from proofs_check.prover import check_step
    >>> check_step(log_upper_lemma(), 0, {}, 0).ok
    True
    """
    return Step(name, sp.log(LEMMA_T), LEMMA_T - 1, "<=",
                justification="log t <= t - 1 for t > 0 (log t - t + 1 has its maximum 0 at t = 1)")


def log_lower_lemma(name: str = "lemma-log", *, strict: bool = False) -> Step:
    """The step ``log t >= 1 - 1/t`` for t > 0 (in :data:`LEMMA_T`); ``strict``: ``>`` on 0 < t < 1.

    :func:`log_upper_lemma` at 1/t.  d/dt [log t - 1 + 1/t] = (t - 1)/t²: the minimum 0 is at
    t = 1, so the inequality is strict away from it.

    Examples
    --------
    >>> from proofs_check.prover import check_step
    >>> check_step(log_lower_lemma(strict=True), 0, {}, 0).ok
    True
    """
    if strict:
        return Step(name, sp.log(LEMMA_T), 1 - 1 / LEMMA_T, ">", assumptions=(LEMMA_T < 1,),
                    justification="strict form on (0, 1): the derivative of the difference is < 0 there")
    return Step(name, sp.log(LEMMA_T), 1 - 1 / LEMMA_T, ">=",
                justification="d/dt [log t - 1 + 1/t] = (t - 1)/t^2: minimum 0 at t = 1")


# --------------------------------------------------------------------------- derivations


@dataclass(frozen=True)
class DerivationReport:
    """The outcome of :meth:`Derivation.check`.

    ``first_failure`` is the 0-based index of the first failing step (``None`` when all
    steps check); ``results`` holds one :class:`StepResult` per step, in order.
    """

    id: str
    title: str
    source: str
    results: tuple[StepResult, ...]
    notes: str = ""

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def first_failure(self) -> int | None:
        return next((r.index for r in self.results if not r.ok), None)

    @property
    def summary(self) -> str:
        """One line: all steps check, or which step fails first and why."""
        n = len(self.results)
        if self.ok:
            return f"all {n} steps check"
        r = self.results[self.first_failure]
        bad = sum(not x.ok for x in self.results)
        return (f"step {r.index + 1} ({r.name!r}) fails [{r.status}]: {r.reason} "
                f"-- {bad} of {n} steps fail")

    def format(self, *, verbose: bool = False) -> str:
        """Human-readable text: title, source, the numbered steps, the verdict.

        Failing steps always show their reason; ``verbose`` shows it for every step.
        """
        lines = [f"{self.title}  [{self.id}]", f"Source: {self.source}"]
        for r in self.results:
            mark = "[ok]  " if r.ok else "[FAIL]"
            why = f"   ({r.justification})" if r.justification else ""
            lines.append(f"  {r.index + 1}. {mark} {r.name}: {r.statement}{why}")
            pad = " " * (len(str(r.index + 1)) + 11)
            if r.given:
                lines.append(f"{pad}given {r.given}")
            if r.note:
                lines.append(f"{pad}note: {r.note}")
            if verbose or not r.ok:
                lines.append(f"{pad}{r.status}: {r.reason}")
        lines.append(("OK: " if self.ok else "FAILED: ") + self.summary)
        if self.notes:
            lines.append(f"Notes: {self.notes}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out.update(ok=self.ok, first_failure=self.first_failure, summary=self.summary)
        for r, d in zip(self.results, out["results"]):
            d["ok"] = r.ok
        return out

    def to_json(self) -> dict:

        """Deprecated alias of :meth:`to_dict` (proofs_check imports only sympy, so no shared helper)."""

        warnings.warn(f"{type(self).__name__}.to_json is deprecated; use to_dict", DeprecationWarning, stacklevel=2)

        return self.to_dict()


@dataclass(frozen=True)
class Derivation:
    """A named chain of steps from a paper, checked step by step.

    Parameters
    ----------
    id : str
        Stable id ``"paper/short-name"``, e.g. ``"goodfellow2014/prop1-optimal-discriminator"``.
    title : str
        One line saying what is derived.
    source : str
        The paper and the proposition/theorem/equation numbers.
    steps : iterable of Step
        Names must be unique; a step's ``by`` may only cite earlier steps.
    notes : str
        Edge cases and remarks printed after the steps.

    Examples
    --------
    >>> import sympy as sp
    >>> t = sp.Symbol("t", positive=True)
    >>> d = Derivation("demo/log-bound", "log t <= t - 1", "folklore",
    ...                [Step("bound", sp.log(t), t - 1, "<=")])
    >>> d.check().ok
    True
    """

    id: str
    title: str
    source: str
    steps: Any
    notes: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not ID_PATTERN.match(self.id):
            raise ValueError(f"`id` must look like 'paper/short-name' (got {self.id!r})")
        for name in ("title", "source"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise ValueError(f"`{name}` must be a non-empty string")
        steps = tuple(self.steps)
        if not steps:
            raise ValueError("`steps` must hold at least one Step")
        seen: set[str] = set()
        for step in steps:
            if not isinstance(step, Step):
                raise TypeError(f"`steps` must hold Step objects (got {type(step).__name__})")
            if step.name in seen:
                raise ValueError(f"`steps`: the step name {step.name!r} is used twice")
            for inst in step.by:
                if inst.lemma not in seen:
                    raise ValueError(
                        f"`steps`: step {step.name!r} cites {inst.lemma!r}, which is not an "
                        "earlier step"
                    )
            seen.add(step.name)
        object.__setattr__(self, "steps", steps)

    def step_index(self, name: str) -> int:
        """The 0-based index of the step called ``name``."""
        for i, s in enumerate(self.steps):
            if s.name == name:
                return i
        raise KeyError(f"derivation {self.id!r} has no step {name!r}")

    def replace_step(self, name: str, **changes: Any) -> "Derivation":
        """A copy with one step's fields changed (and ``id``/``title`` kept)."""
        i = self.step_index(name)
        steps = list(self.steps)
        steps[i] = dataclasses.replace(steps[i], **changes)
        return dataclasses.replace(self, steps=tuple(steps))

    def broken_copy(self, id: str, title: str, step: str, *, notes: str,
                    **changes: Any) -> "Derivation":
        """A teaching example: this derivation with the step ``step`` made wrong on purpose.

        The copy has its own ``id``, ``title`` and ``notes`` and this source with
        ``" -- altered"`` appended; ``changes`` are the step's new fields (``rhs=...``,
        ``note=...``).  ``ganac derive`` on it shows where the checker stops.

        Raises
        ------
        RuntimeError
            If a changed ``lhs`` or ``rhs`` equals the original (sympy simplifies the
            difference to 0): the copy would not be broken.

        Examples
        --------
        >>> t = sp.Symbol("t", positive=True)
        >>> good = Derivation("demo/log-bound", "log t <= t - 1", "folklore",
        ...                   [Step("bound", sp.log(t), t - 1, "<=")])
        >>> bad = good.broken_copy("demo/log-bound-broken", "a wrong bound", "bound",
        ...                        rhs=t - 2, notes="t - 2 is wrong at t = 1")
        >>> bad.source, bad.check().first_failure
        ('folklore -- altered', 0)
        """
        old = self.steps[self.step_index(step)]
        for side in ("lhs", "rhs"):
            if side in changes and sp.simplify(changes[side] - getattr(old, side)) == 0:
                raise RuntimeError(f"the broken copy of {self.id!r} leaves the step {step!r} as it was")
        steps = self.replace_step(step, **changes).steps
        return Derivation(id, title, self.source + " -- altered", steps, notes)

    def check(self, *, seed: int = 0) -> DerivationReport:
        """Check every step (each on its own; lemmas by their own results).

        ``seed`` fixes the random points of the numeric counterexample search.
        """
        lemmas: dict[str, tuple[Step, StepResult]] = {}
        results = []
        for i, step in enumerate(self.steps):
            r = check_step(step, i, lemmas, seed + i)
            lemmas[step.name] = (step, r)
            results.append(r)
        return DerivationReport(self.id, self.title, self.source, tuple(results), self.notes)


# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class _Entry:
    id: str
    build: Callable[[], Derivation]
    example: bool
    source: Callable[[], Derivation]


_REGISTRY: dict[str, _Entry] = {}


class DuplicateRegistrationError(ValueError):
    """An id is registered by two different functions (``.id``; ``.existing`` names the first,
    as ``module.function``)."""

    def __init__(self, message: str, *, id: str, existing: str):
        super().__init__(message)
        self.id = id
        self.existing = existing


class DuplicateDerivationError(DuplicateRegistrationError):
    """A derivation id is registered by two different functions (``.id``, ``.existing``)."""


def refuse_second_registration(
    kind: str,
    id: str,
    existing: Callable | None,
    fn: Callable,
    error: type[DuplicateRegistrationError] = DuplicateRegistrationError,
) -> None:
    """Raise ``error`` if ``id`` is already registered by a function other than ``fn``.

    The guard of both registries: the derivations' here and the claims' of
    ``experiments.registry``.  ``existing`` is the function registered under ``id`` so far
    (None if none); the same function again (a module imported twice) is not an error.

    Examples
    --------
    >>> def first(): pass
    >>> def second(): pass
    >>> refuse_second_registration("derivation", "demo/x", first, first)
    >>> try:
    ...     refuse_second_registration("derivation", "demo/x", first, second)
    ... except DuplicateRegistrationError as exc:
    ...     print(exc.id, exc.existing)
    demo/x proofs_check.core.first
    """
    if existing is None or existing is fn:
        return
    first = f"{existing.__module__}.{existing.__qualname__}"
    raise error(f"{kind} id {id!r} is registered twice: by {first} and by "
                f"{fn.__module__}.{fn.__qualname__}", id=id, existing=first)


def derivation(id: str, *, example: bool = False) -> Callable:
    """Register a function that builds (lazily, once) the derivation with this id.

    ``example=True`` marks a teaching example (e.g. a deliberately broken derivation): it
    can be fetched by id but is left out of the default listing that ``ganac verify`` uses.
    """
    if not isinstance(id, str) or not ID_PATTERN.match(id):
        raise ValueError(f"`id` must look like 'paper/short-name' (got {id!r})")

    def register(fn: Callable[[], Derivation]) -> Callable[[], Derivation]:
        old = _REGISTRY.get(id)
        refuse_second_registration("derivation", id, old.source if old else None, fn,
                                   DuplicateDerivationError)
        cached = functools.cache(fn)

        @functools.wraps(fn)
        def build() -> Derivation:
            d = cached()
            if not isinstance(d, Derivation) or d.id != id:
                raise TypeError(f"{fn.__qualname__} must return a Derivation with id {id!r}")
            return d

        _REGISTRY[id] = _Entry(id, build, example, fn)
        return build

    return register


def unregister(ids: Iterable[str]) -> None:
    """Forget the derivations ``ids`` (ids not registered are ignored): how
    :mod:`experiments.user` rolls back a user source that failed half-way through loading."""
    for derivation_id in list(ids):
        _REGISTRY.pop(derivation_id, None)


def registered() -> Mapping[str, _Entry]:
    """The registered entries (read-only view); :mod:`proofs_check` loads the modules."""
    from types import MappingProxyType

    return MappingProxyType(_REGISTRY)
