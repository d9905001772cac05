"""The theory package exposes its public names, each documented with its source."""

import importlib
import inspect

import pytest

import theory


def test_all_is_a_list_of_unique_names():
    assert len(theory.__all__) == len(set(theory.__all__))
    assert {"kl_divergence", "js_divergence", "optimal_discriminator"} <= set(theory.__all__)


def test_namespace_is_the_union_of_the_submodules_all():
    # every public name of each listed module is exported, and no two modules export
    # different objects under one name (the later one would silently win)
    owners = {}
    for module_name in theory.SUBMODULES:
        module = importlib.import_module(f"theory.{module_name}")
        for name in module.__all__:
            obj = getattr(module, name)
            assert owners.setdefault(name, obj) is obj, f"{name} is exported by two modules"
            assert getattr(theory, name) is obj
    assert set(owners) == set(theory.__all__)


DOCUMENTED = [n for n in theory.__all__
              if inspect.isfunction(getattr(theory, n)) or inspect.isclass(getattr(theory, n))]


def test_only_option_tuples_are_undocumented():
    # the public constants are the tuples of option names (e.g. dynamics.LOSSES), documented
    # by a comment in their module; everything else carries a docstring
    for name in set(theory.__all__) - set(DOCUMENTED):
        value = getattr(theory, name)
        assert isinstance(value, tuple) and all(isinstance(v, str) for v in value), name


@pytest.mark.parametrize("name", DOCUMENTED)
def test_name_imports_and_cites_its_source(name):
    obj = getattr(theory, name)
    doc = inspect.getdoc(obj)
    assert doc, f"{name} has no docstring"
    assert "Source:" in doc, f"{name}'s docstring has no 'Source:' line"
    # the object is defined in a public-or-private theory submodule and re-exported as-is
    module = importlib.import_module(obj.__module__)
    assert module.__name__.startswith("theory.")
    assert getattr(module, name) is obj


FUNCTIONS = [n for n in theory.__all__ if inspect.isfunction(getattr(theory, n))]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_functions_have_numpydoc_sections(name):
    doc = inspect.getdoc(getattr(theory, name))
    for section in ("Parameters", "Returns", "Examples"):
        assert f"\n{section}\n" in doc, f"{name}: missing {section} section"
