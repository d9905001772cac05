"""Deprecated aliases for renamed public names.

ganac's public names follow one spelling (American, as numpy and scipy: ``optimizer``,
``stabilizer``, ``normalize``) and one set of conventions (``to_dict``, ``lr_<role>``). Names
that were public under another spelling keep working for now: each use emits a
:class:`DeprecationWarning` that names the replacement, so callers can migrate before the old
names are removed.

Three kinds of rename are covered:

- module attributes (functions, classes, constants): :func:`module_getattr`, installed as a
  module's ``__getattr__`` (PEP 562), so ``from module import old_name`` still works;
- keyword arguments of functions and constructors (dataclass fields included):
  :func:`renamed_keywords`, which also gives a class a read-only property for each old field;
- whole modules: :func:`warn_module_renamed`, called from a shim module left at the old path.

Examples
--------
>>> import warnings
>>> @renamed_keywords(optimiser="optimizer")
... def make(optimizer="adam"):
...     return optimizer
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     make(optimiser="sgd")
'sgd'
>>> print(caught[0].message)
make(optimiser=...) is deprecated; use optimizer=... instead
"""

from __future__ import annotations

import functools
import inspect
import warnings
from typing import Any, Callable, Mapping

__all__ = ["module_getattr", "renamed_keywords", "warn_module_renamed", "deprecated_method"]


def _warn(message: str, stacklevel: int) -> None:
    warnings.warn(message, DeprecationWarning, stacklevel=stacklevel + 1)


def module_getattr(module_name: str, namespace: Mapping[str, Any],
                   renames: Mapping[str, str]) -> Callable[[str], Any]:
    """A PEP 562 ``__getattr__`` that resolves old names to new ones with a warning.

    Parameters
    ----------
    module_name : str
        The module's ``__name__`` (for the messages).
    namespace : mapping
        The module's ``globals()``; looked up lazily, so the new names may be defined after
        the call.
    renames : mapping of str to str
        ``{old_name: new_name}``.
    """
    renames = dict(renames)

    def __getattr__(name: str) -> Any:
        if name in renames:
            new = renames[name]
            _warn(f"{module_name}.{name} is deprecated; use {module_name}.{new} instead", 2)
            return namespace[new]
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

    return __getattr__


def renamed_keywords(**renames: str) -> Callable:
    """Accept old keyword names of a function or class constructor, with a warning.

    Decorates a function, or a class (its ``__init__`` is wrapped and a read-only property is
    added for every old name that is a field of the class). Passing both the old and the new
    name is a ``TypeError``.

    Parameters
    ----------
    **renames : str
        ``old_name="new_name"`` pairs.
    """
    def rename(owner: str, kwargs: dict) -> dict:
        for old, new in renames.items():
            if old in kwargs:
                if new in kwargs:
                    raise TypeError(f"{owner}() got both {old!r} (deprecated) and {new!r}; pass {new!r} only")
                _warn(f"{owner}({old}=...) is deprecated; use {new}=... instead", 3)
                kwargs[new] = kwargs.pop(old)
        return kwargs

    def decorate(obj: Any) -> Any:
        if inspect.isclass(obj):
            init = obj.__init__

            @functools.wraps(init)
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                init(self, *args, **rename(obj.__name__, kwargs))

            obj.__init__ = __init__
            for old, new in renames.items():
                setattr(obj, old, _deprecated_attribute(obj.__name__, old, new))
            return obj

        @functools.wraps(obj)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return obj(*args, **rename(obj.__name__, kwargs))

        return wrapper

    return decorate


def _deprecated_attribute(owner: str, old: str, new: str) -> property:
    def get(self: Any) -> Any:
        _warn(f"{owner}.{old} is deprecated; use {owner}.{new} instead", 2)
        return getattr(self, new)

    return property(get, doc=f"Deprecated alias of ``{new}``.")


def deprecated_method(new_name: str) -> Any:
    """A method alias that warns and calls ``new_name`` (for example ``to_json`` -> ``to_dict``)."""
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        _warn(f"{type(self).__name__}.{method.__name__} is deprecated; use "
              f"{type(self).__name__}.{new_name} instead", 2)
        return getattr(self, new_name)(*args, **kwargs)

    class _Alias:
        def __set_name__(self, owner: type, name: str) -> None:
            method.__name__ = name
            method.__doc__ = f"Deprecated alias of :meth:`{new_name}`."
            setattr(owner, name, method)

    return _Alias()


def warn_module_renamed(old: str, new: str) -> None:
    """Warn, from a shim left at a module's old path, that the module moved."""
    _warn(f"module {old} is deprecated; import {new} instead", 3)
