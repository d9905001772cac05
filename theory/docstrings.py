"""Docstring templates: a parameter or section description written once per module.

A module whose functions share the description of a parameter (or a whole ``Raises`` entry)
keeps it in one dict and marks each docstring with ``%(key)s`` placeholders, filled in at
import by :func:`doc_params` (``str % mapping``, as scipy's ``doccer``).  A literal ``%`` in a
decorated docstring is written ``%%``.  The text of each entry starts at the indentation of a
function's docstring (4 spaces) after its first line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

__all__ = ["doc_params"]

F = TypeVar("F", bound=Callable)


def doc_params(params: Mapping[str, str]) -> Callable[[F], F]:
    """Decorator filling the ``%(key)s`` placeholders of a docstring from ``params``.

    Examples
    --------
    >>> DOC = {"x": "x : float\\n        A number."}
    >>> @doc_params(DOC)
    ... def f(x):
    ...     '''Identity.
    ...
    ...     Parameters
    ...     ----------
    ...     %(x)s
    ...     '''
    ...     return x
    >>> print(f.__doc__.splitlines()[4])
        x : float
    """
    def fill(fn: F) -> F:
        if fn.__doc__ is not None:  # None under python -OO
            fn.__doc__ = fn.__doc__ % params
        return fn

    return fill
