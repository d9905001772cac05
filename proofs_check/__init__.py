"""Symbolic derivations (sympy): a derivation is a named chain of checked steps.

The core (:mod:`proofs_check.core`) defines :class:`Step`, :class:`Derivation` and the
checker; each per-paper module (``proofs_check.goodfellow2014``, ...) registers its
derivations with the :func:`derivation` decorator.  :func:`get` and :func:`all_derivations`
import every such module first, so the registry is complete whoever asks.

>>> d = get("goodfellow2014/prop1-optimal-discriminator")
>>> d.check().ok
True
"""

from __future__ import annotations

import importlib
import pkgutil

from proofs_check.core import (
    RELATIONS,
    Derivation,
    DerivationReport,
    Instance,
    Step,
    StepResult,
    derivation,
    registered,
)

__all__ = [
    "RELATIONS",
    "Derivation",
    "DerivationReport",
    "Instance",
    "Step",
    "StepResult",
    "derivation",
    "get",
    "ids",
    "all_derivations",
    "load_all",
]


def load_all() -> None:
    """Import every per-paper module of the package (all but ``core`` and private names)."""
    for info in pkgutil.iter_modules(__path__):
        if info.name != "core" and not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


def ids(*, include_examples: bool = False) -> list[str]:
    """The registered derivation ids, sorted; examples (broken on purpose) only on request."""
    load_all()
    return sorted(i for i, e in registered().items() if include_examples or not e.example)


def all_derivations(*, include_examples: bool = False) -> list[Derivation]:
    """Every registered derivation, built (lazily, once each), sorted by id.

    ``include_examples=False`` (the default, what ``ganac verify`` uses) leaves out the
    teaching examples that are wrong on purpose.
    """
    return [get(i) for i in ids(include_examples=include_examples)]


def get(derivation_id: str) -> Derivation:
    """The derivation with this id (examples included).

    Raises
    ------
    TypeError
        If ``derivation_id`` is not a string.
    KeyError
        If no derivation has this id; the message lists the known ids.
    """
    if not isinstance(derivation_id, str):
        raise TypeError(f"`derivation_id` must be a string (got {type(derivation_id).__name__})")
    load_all()
    entries = registered()
    if derivation_id not in entries:
        known = ", ".join(sorted(entries)) or "none"
        raise KeyError(f"no derivation with id {derivation_id!r}; known ids: {known}")
    return entries[derivation_id].build()
