"""The claim registry: one decorator, one immutable map of stable ids to claims.

A claim (DESIGN.md, "A claim") is a record with a stable id, a one-sentence statement, its
source, its kinds (``symbolic``, ``exact``, ``neural``), its tier (``fast`` or ``full``) and a
check function.  The check takes a :class:`Context` and returns one :class:`Evidence` or a
mapping ``{part name: Evidence}`` (one part per kind, say).  ``ganac list``, ``ganac verify``,
the report and ``tests/experiments/test_claims.py`` all read the same registry.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import importlib
import math
import zlib
import pkgutil
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from proofs_check.core import DuplicateRegistrationError, refuse_second_registration
from theory.deprecation import deprecated_method

__all__ = [
    "KINDS",
    "TIERS",
    "OUTCOMES",
    "combine_outcomes",
    "resolve_dotted",
    "Claim",
    "Context",
    "Evidence",
    "claim",
    "DuplicateIdError",
    "get",
    "all_claims",
    "select",
    "load_all",
    "unregister",
]

KINDS = ("symbolic", "exact", "neural")
TIERS = ("fast", "full")
#: A piece of evidence's outcome.  ``refuted``: the paper's statement, registered as printed, is
#: shown false by a verified counterexample (a finding, not a failure).  ``not reproduced``: a
#: declared non-reproduction at this package's scale, with the measured gap.  Both keep
#: ``passed`` true (the check as registered holds) and ``ganac verify`` exits 0 on them.
OUTCOMES = ("pass", "fail", "refuted", "not reproduced")


def jsonable(value: Any) -> Any:
    """Numbers, arrays and nested containers as plain JSON values (inf/nan as strings)."""
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (np.floating, float)):
        x = float(value)
        return x if math.isfinite(x) else repr(x)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


@dataclass
class Evidence:
    """What one check measured against what the theory predicts.

    ``error`` is on the same scale as ``tolerance``; ``passed`` is the verdict.  Build it with
    :meth:`close` (|measured - predicted| <= atol + rtol |predicted|), :meth:`bound`
    (an inequality) or :meth:`exact_match` (symbolic or boolean checks).
    """

    predicted: Any
    measured: Any
    error: float
    tolerance: float
    tolerance_reason: str
    passed: bool
    details: dict = field(default_factory=dict)
    figures: list = field(default_factory=list)
    outcome: str = ""

    def __post_init__(self) -> None:
        if not self.outcome:
            self.outcome = "pass" if self.passed else "fail"
        if self.outcome not in OUTCOMES:
            raise ValueError(f"`outcome` must be one of {OUTCOMES} (got {self.outcome!r})")
        if (self.outcome == "fail") == bool(self.passed):
            raise ValueError(f"`outcome` {self.outcome!r} contradicts passed={self.passed}")

    @classmethod
    def not_reproduced(cls, evidence: "Evidence", *, why: str) -> "Evidence":
        """Declare that ``evidence`` (the statement checked as printed) is not reproduced here.

        ``evidence`` is the ordinary check with its measured gap.  While it fails, the outcome
        is ``not reproduced`` (reported with the gap and ``why``; not a failure).  The day it
        passes, the outcome is ``pass`` and ``details["declaration"]`` says the declaration is
        stale, so the record can be updated.
        """
        if not why.strip():
            raise ValueError("`why` must say why the statement is not reproduced")
        details = dict(evidence.details)
        if evidence.passed:
            details["declaration"] = f"declared not reproduced, but reproduced now: {why}"
            return dataclasses.replace(evidence, details=details)
        details["not_reproduced"] = why
        return dataclasses.replace(evidence, passed=True, outcome="not reproduced", details=details)

    @classmethod
    def refuted(
        cls,
        *,
        printed: str,
        counterexample: Mapping[str, Any],
        lhs: Any,
        rhs: Any,
        refutes: bool,
        reason: str,
        details: dict | None = None,
    ) -> "Evidence":
        """The statement as the paper prints it (``printed``), shown false at ``counterexample``.

        ``lhs``/``rhs`` are both sides evaluated there and ``refutes`` says whether they violate
        the printed relation (decided by the caller with a stated margin, see ``reason``).  A
        counterexample that stops refuting makes the outcome ``fail``.
        """
        lhs_f = np.asarray(lhs, dtype=float)
        rhs_f = np.asarray(rhs, dtype=float)
        gap = float(np.max(np.abs(lhs_f - rhs_f))) if lhs_f.size else 0.0
        return cls(
            predicted=jsonable(rhs),
            measured=jsonable(lhs),
            error=gap,
            tolerance=0.0,
            tolerance_reason=reason,
            passed=bool(refutes),
            details={"printed": printed, "counterexample": jsonable(dict(counterexample)),
                     **dict(details or {})},
            outcome="refuted" if refutes else "fail",
        )

    @classmethod
    def close(
        cls,
        predicted: Any,
        measured: Any,
        *,
        atol: float,
        rtol: float = 0.0,
        reason: str,
        details: dict | None = None,
    ) -> "Evidence":
        """Pass when every entry satisfies |measured - predicted| <= atol + rtol |predicted|.

        ``error`` is the largest |measured - predicted|; ``tolerance`` the matching allowance.
        Infinite entries must agree exactly (same sign of infinity).
        """
        p = np.asarray(predicted, dtype=float)
        m = np.asarray(measured, dtype=float)
        p, m = np.broadcast_arrays(p, m)
        both_inf = np.isinf(p) & np.isinf(m) & (np.sign(p) == np.sign(m))
        with np.errstate(invalid="ignore"):
            diff = np.where(both_inf, 0.0, np.abs(m - p))
        allow = atol + rtol * np.where(np.isfinite(p), np.abs(p), 0.0)
        finite_ok = np.isfinite(diff)
        ok = bool(np.all(finite_ok & (diff <= allow)))
        diff = np.where(finite_ok, diff, np.inf)
        worst = int(np.argmax(diff - allow)) if diff.size else 0
        return cls(
            predicted=jsonable(predicted),
            measured=jsonable(measured),
            error=float(diff.flat[worst]) if diff.size else 0.0,
            tolerance=float(allow.flat[worst]) if allow.size else float(atol),
            tolerance_reason=reason,
            passed=ok,
            details=dict(details or {}),
        )

    @classmethod
    def bound(
        cls,
        measured: Any,
        limit: Any,
        *,
        relation: str = "<=",
        slack: float = 0.0,
        reason: str,
        details: dict | None = None,
    ) -> "Evidence":
        """Pass when ``measured <relation> limit`` holds entrywise, up to ``slack``.

        ``error`` is the largest violation (0 when the inequality holds everywhere).
        """
        m = np.asarray(measured, dtype=float)
        lim = np.asarray(limit, dtype=float)
        if relation == "<=":
            violation = m - lim
        elif relation == ">=":
            violation = lim - m
        else:
            raise ValueError(f"`relation` must be '<=' or '>=' (got {relation!r})")
        worst = float(np.max(violation)) if violation.size else 0.0
        return cls(
            predicted=f"{relation} {float(lim):.12g}" if lim.ndim == 0 else f"{relation} {jsonable(limit)}",
            measured=jsonable(measured),
            error=max(worst, 0.0),
            tolerance=float(slack),
            tolerance_reason=reason,
            passed=bool(worst <= slack),
            details=dict(details or {}),
        )

    @classmethod
    def exact_match(
        cls, predicted: Any, measured: Any, *, passed: bool, reason: str, details: dict | None = None
    ) -> "Evidence":
        """A check with a yes/no verdict (a symbolic derivation, a sign pattern)."""
        return cls(
            predicted=jsonable(predicted),
            measured=jsonable(measured),
            error=0.0 if passed else 1.0,
            tolerance=0.0,
            tolerance_reason=reason,
            passed=bool(passed),
            details=dict(details or {}),
        )

    @classmethod
    def from_derivation(cls, derivation: Any, *, seed: int = 0) -> "Evidence":
        """Check a symbolic derivation (an id or a ``proofs_check.Derivation``): pass when
        every step is proved; otherwise ``measured`` names the first failing step and why.
        """
        import proofs_check

        if isinstance(derivation, str):
            derivation = proofs_check.get(derivation)
        if not isinstance(derivation, proofs_check.Derivation):
            raise TypeError("`derivation` must be a derivation id or a proofs_check.Derivation "
                            f"(got {type(derivation).__name__})")
        report = derivation.check(seed=seed)
        return cls.exact_match(
            "every step checks", report.summary, passed=report.ok,
            reason="sympy proves each step (simplification / sign decision), no tolerance",
            details={"derivation": derivation.id, "n_steps": len(report.results)})

    def to_dict(self) -> dict:
        return jsonable(dataclasses.asdict(self))

    to_json = deprecated_method("to_dict")


def combine_outcomes(outcomes: Iterable[str]) -> str:
    """A claim's verdict from its parts' outcomes: fail > not reproduced > refuted > pass."""
    outcomes = set(outcomes)
    for verdict in ("fail", "not reproduced", "refuted"):
        if verdict in outcomes:
            return verdict
    return "pass"


@dataclass
class Context:
    """What a check receives: the seed, the tier it runs at, and where figures may go.

    ``fig_dir`` is ``None`` when no figures are wanted (the test suite); checks then skip
    rendering and return numbers only.
    """

    seed: int = 0
    tier: str = "fast"
    fig_dir: Path | None = None
    claim_id: str = ""

    def rng(self, stream: int = 0) -> np.random.Generator:
        """An independent generator for ``stream`` derived from (seed, claim id, stream).

        The claim id enters through its CRC-32 (stable across processes and Python versions,
        unlike ``hash``), so a claim's numbers do not depend on which worker runs it, on ``-j``
        or on the order of the run, and two claims never share a stream by accident.
        """
        return np.random.default_rng(np.random.SeedSequence(
            [self.seed, zlib.crc32(self.claim_id.encode()), stream]))

    @property
    def full(self) -> bool:
        return self.tier == "full"


@dataclass(frozen=True)
class Claim:
    """A registered claim (see module docstring).

    The optional ``derivation``, ``closed_form``, ``solver`` and ``problem`` record how the
    claim is built (``ganac show`` prints them): a derivation id of :mod:`proofs_check`, and
    dotted names such as ``"theory.gan.optimal_discriminator"``.
    """

    id: str
    statement: str
    source: str
    kinds: tuple[str, ...]
    tier: str
    check: Callable[[Context], "Evidence | Mapping[str, Evidence]"]
    figures: tuple[str, ...] = ()
    derivation: str | None = None
    closed_form: str | None = None
    solver: str | None = None
    problem: str | None = None

    @property
    def paper(self) -> str:
        return self.id.split("/", 1)[0]

    def run(self, ctx: Context) -> dict[str, Evidence]:
        """Run the check and normalize its evidence to ``{part: Evidence}``."""
        if ctx.claim_id != self.id:
            ctx = dataclasses.replace(ctx, claim_id=self.id)
        out = self.check(ctx)
        if isinstance(out, Evidence):
            return {"": out}
        if isinstance(out, Mapping) and out and all(isinstance(v, Evidence) for v in out.values()):
            return dict(out)
        raise TypeError(f"check of claim {self.id!r} returned {type(out).__name__}, not Evidence")


_REGISTRY: dict[str, Claim] = {}
REGISTRY: Mapping[str, Claim] = MappingProxyType(_REGISTRY)


class DuplicateIdError(DuplicateRegistrationError):
    """A claim id is registered by two different check functions (``.id``; ``.existing`` is the
    ``module.function`` that registered it first)."""


_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def claim(
    id: str,
    *,
    statement: str,
    source: str,
    kinds: Iterable[str],
    tier: str = "fast",
    figures: Iterable[str] = (),
    derivation: str | None = None,
    closed_form: str | None = None,
    solver: str | None = None,
    problem: str | None = None,
) -> Callable:
    """Register the decorated check function as a claim with a stable, written-out id.

    ``derivation`` (a :mod:`proofs_check` derivation id) and ``closed_form``, ``solver``,
    ``problem`` (dotted names, e.g. ``"theory.gan.optimal_discriminator"``) are optional and
    record the claim's chain for ``ganac show`` and ``ganac derive CLAIM_ID``.
    """
    kinds = tuple(kinds)
    if "/" not in id or id != id.strip() or " " in id:
        raise ValueError(f"claim id must look like 'paper/short-name' (got {id!r})")
    if not kinds or any(k not in KINDS for k in kinds):
        raise ValueError(f"`kinds` of {id!r} must be a non-empty subset of {KINDS} (got {kinds})")
    if tier not in TIERS:
        raise ValueError(f"`tier` of {id!r} must be one of {TIERS} (got {tier!r})")
    if derivation is not None and (not isinstance(derivation, str) or "/" not in derivation):
        raise ValueError(f"`derivation` of {id!r} must be a derivation id 'paper/name' (got {derivation!r})")
    for name, value in (("closed_form", closed_form), ("solver", solver), ("problem", problem)):
        if value is not None and (not isinstance(value, str) or not _DOTTED.match(value)):
            raise ValueError(f"`{name}` of {id!r} must be a dotted name such as "
                             f"'theory.gan.optimal_discriminator' (got {value!r})")

    def register(fn: Callable) -> Callable:
        old = _REGISTRY.get(id)
        refuse_second_registration("claim", id, old.check if old else None, fn, DuplicateIdError)
        _REGISTRY[id] = Claim(id, statement, source, kinds, tier, fn, tuple(figures),
                              derivation, closed_form, solver, problem)
        return fn

    return register


def load_all() -> Mapping[str, Claim]:
    """Import every module under ``experiments.claims`` so that their claims register, then the
    installed plugins (entry-point group ``ganac.claims``, see :mod:`experiments.user`)."""
    from experiments import claims as package
    from experiments import user

    for info in pkgutil.iter_modules(package.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{package.__name__}.{info.name}")
    user.load_plugins()
    return REGISTRY


def unregister(ids: Iterable[str]) -> None:
    """Forget the claims ``ids`` (ids not registered are ignored): how
    :mod:`experiments.user` rolls back a user source that failed half-way through loading."""
    for claim_id in list(ids):
        _REGISTRY.pop(claim_id, None)


def all_claims() -> list[Claim]:
    load_all()
    return sorted(REGISTRY.values(), key=lambda c: c.id)


def get(claim_id: str) -> Claim:
    load_all()
    try:
        return REGISTRY[claim_id]
    except KeyError:
        raise KeyError(f"no claim with id {claim_id!r}; see `ganac list`") from None


def claim_patterns(only: "str | Iterable[str] | None") -> list[str] | None:
    """``--only`` patterns: a string (comma-separated patterns) or an iterable of such strings."""
    if only is None:
        return None
    items = [only] if isinstance(only, str) else list(only)
    pats = [p.strip() for item in items for p in str(item).split(",") if p.strip()]
    return pats or None


def select(
    *,
    only: "str | Iterable[str] | None" = None,
    tier: str = "fast",
    kind: str | None = None,
    paper: str | None = None,
) -> list[Claim]:
    """Claims matching a glob/substring ``only``, runnable at ``tier`` (``full`` includes fast).

    ``only`` may hold several patterns (a list, or commas: ``"lin1991/*,dowson1982"``); a claim
    matching any of them is selected.
    """
    patterns = claim_patterns(only)
    chosen = []
    for c in all_claims():
        if tier == "fast" and c.tier != "fast":
            continue
        if kind is not None and kind not in c.kinds:
            continue
        if paper is not None and c.paper != paper:
            continue
        if patterns is not None and not any(fnmatch.fnmatch(c.id, p) or p in c.id for p in patterns):
            continue
        chosen.append(c)
    return chosen


def resolve_dotted(name: str):
    """The object a dotted name points to, importing the longest importable module prefix."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(f"no importable module in {name!r}")
