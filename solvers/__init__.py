"""Exact tabular / low-dimensional solvers, neural counterparts, and the toy problems they share."""

from importlib import import_module
from typing import Any, Iterable

__all__ = ["reexport"]


def reexport(namespace: dict[str, Any], package: str, modules: Iterable[str]) -> list[str]:
    """Put the public names (``__all__``) of each ``package.module`` into ``namespace``.

    A package's ``__init__`` calls it so that every name is listed once, in its own module.

    Parameters
    ----------
    namespace : dict
        The package's ``globals()``.
    package : str
        The package's dotted name.
    modules : iterable of str
        Its modules, in the order their names are listed.

    Returns
    -------
    list of str
        The names, in order, without repeats (the package's ``__all__``).

    Raises
    ------
    ImportError
        Two modules export different objects under one name.
    """
    names: list[str] = []
    for module_name in modules:
        module = import_module(f"{package}.{module_name}")
        for name in module.__all__:
            value = getattr(module, name)
            if name in names and namespace[name] is not value:
                raise ImportError(f"{package}: `{name}` is exported by two modules")
            namespace[name] = value
            if name not in names:
                names.append(name)
    return names
