"""Result and option dataclasses that serialize to JSON (DESIGN.md: results are dataclasses
that serialize to JSON).

:func:`jsonable` is the one conversion every ``to_dict`` uses; :class:`ArrayResult` gives a
result dataclass its ``to_dict``, :class:`Config` gives a frozen option dataclass ``to_dict``
and ``replace``; :func:`readonly` and :func:`set_readonly` give frozen dataclasses (problems,
options) read-only copies of their array fields; :func:`last_record` is the ``final_*``
property of a run that records a history along axis 0.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

__all__ = ["jsonable", "ArrayResult", "Config", "last_record", "readonly", "set_readonly"]


def jsonable(value: Any) -> Any:
    """``value`` with arrays as nested lists, ready for ``json.dumps``.

    Arrays become nested lists (complex arrays a trailing [re, im] axis), numpy scalars
    Python numbers, objects with a ``to_dict`` method their dict, other dataclasses the dict
    of their fields, tuples and lists lists, and dicts dicts; everything else is returned
    as it is.

    Parameters
    ----------
    value : Any

    Returns
    -------
    Any

    Examples
    --------
    >>> jsonable({"x": np.array([1.0, 2.0]), "z": np.array([1j]), "n": np.int64(3), "t": (1, 2)})
    {'x': [1.0, 2.0], 'z': [[0.0, 1.0]], 'n': 3, 't': [1, 2]}
    """
    if isinstance(value, np.ndarray):
        if np.iscomplexobj(value):
            value = np.stack([value.real, value.imag], axis=-1)
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, type):
        return value
    if callable(getattr(value, "to_dict", None)):
        return value.to_dict()
    if dataclasses.is_dataclass(value):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


class ArrayResult:
    """Mixin for result dataclasses: ``to_dict`` maps every field through :func:`jsonable`."""

    def to_dict(self) -> dict:
        """JSON-ready dict (arrays as nested lists, nested results and options as dicts)."""
        return {f.name: jsonable(getattr(self, f.name)) for f in dataclasses.fields(self)}


class Config(ArrayResult):
    """Mixin for frozen option dataclasses: ``to_dict`` and a validated ``replace``."""

    def replace(self, **changes: Any):
        """A copy with some fields changed (validated again by ``__post_init__``)."""
        return dataclasses.replace(self, **changes)


def last_record(field: str, doc: str | None = None) -> property:
    """A read-only property: the last record (``[-1]`` on axis 0) of the history ``field``.

    For the ``final_*`` properties of training runs, e.g.
    ``final_q = last_record("q", "q after the last step, shape (K,).")``.

    Examples
    --------
    >>> @dataclasses.dataclass
    ... class Run:
    ...     q: np.ndarray
    ...     final_q = last_record("q")
    >>> Run(np.arange(6.0).reshape(3, 2)).final_q
    array([4., 5.])
    """
    return property(lambda self: getattr(self, field)[-1], doc=doc or f"``{field}[-1]``, the last record.")


def readonly(a: Any, dtype: Any = None) -> np.ndarray:
    """A read-only copy of ``a`` (converted to ``dtype`` when given), never a view of the input.

    Examples
    --------
    >>> x = [1, 2]
    >>> r = readonly(x, np.float64)
    >>> r, r.flags.writeable
    (array([1., 2.]), False)
    """
    out = np.array(a, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


def set_readonly(obj: Any, dtype: Any = None, /, **arrays: Any) -> None:
    """Store :func:`readonly` copies of ``arrays`` as attributes of a frozen dataclass instance.

    For ``__post_init__`` of a frozen dataclass, which cannot assign its fields directly.

    Parameters
    ----------
    obj : dataclass instance
    dtype : numpy dtype, optional
        Converts every array (None: keep each one's dtype).
    **arrays : array_like
        Attribute name -> value.
    """
    for name, value in arrays.items():
        object.__setattr__(obj, name, readonly(value, dtype))
