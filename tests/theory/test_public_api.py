"""The theory package exposes its public names, each documented with its source."""

import importlib
import inspect

import pytest

import theory


def test_all_is_a_list_of_unique_names():
    assert len(theory.__all__) == len(set(theory.__all__))
    assert {"kl_divergence", "js_divergence", "optimal_discriminator"} <= set(theory.__all__)


@pytest.mark.parametrize("name", theory.__all__)
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
