"""Every registered figure renders at the fast tier, writes PDF + PNG + a JSON sidecar, and the
same seed gives the same numbers."""

import json

import pytest

from experiments import figures
from experiments.registry import select

ALL_FIGURES = figures.all_figures()


@pytest.mark.parametrize("fig", ALL_FIGURES, ids=[f.name for f in ALL_FIGURES])
def test_figure_renders_with_sidecar(fig, tmp_path):
    paths = figures.render(fig.name, tmp_path, seed=0, fast=True)
    names = {p.name for p in paths}
    assert {f"{fig.name}.pdf", f"{fig.name}.png", f"{fig.name}.json"} <= names
    meta = json.loads((tmp_path / f"{fig.name}.json").read_text())
    assert meta["seed"] == 0 and meta["claims"] == list(fig.claims) and "version" in meta
    assert not list(tmp_path.glob("*.tmp"))


#: Same seed, same numbers and the same PNG bytes: rendering twice doubles the cost, so the
#: default suite checks two cheap figures (one exact, one neural) and the `full` tier every figure.
DETERMINISM_DEFAULT = {"goodfellow2014_fig1", "yu2017_kl"}


def _renders_identically(fig, tmp_path):
    figures.render(fig.name, tmp_path / "first", seed=0, fast=True)
    figures.render(fig.name, tmp_path / "again", seed=0, fast=True)
    meta = json.loads((tmp_path / "first" / f"{fig.name}.json").read_text())
    meta2 = json.loads((tmp_path / "again" / f"{fig.name}.json").read_text())
    assert meta2["data"] == meta["data"]
    png = f"{fig.name}.png"
    assert (tmp_path / "first" / png).read_bytes() == (tmp_path / "again" / png).read_bytes()


@pytest.mark.parametrize("fig", [f for f in ALL_FIGURES if f.name in DETERMINISM_DEFAULT],
                         ids=lambda f: f.name)
def test_same_seed_same_figure(fig, tmp_path):
    _renders_identically(fig, tmp_path)


@pytest.mark.full
@pytest.mark.parametrize("fig", ALL_FIGURES, ids=[f.name for f in ALL_FIGURES])
def test_same_seed_same_figure_every_figure(fig, tmp_path):
    _renders_identically(fig, tmp_path)


def test_figures_name_existing_claims():
    ids = {c.id for c in select(tier="full")}
    for fig in ALL_FIGURES:
        assert set(fig.claims) <= ids, fig.name
    for c in select(tier="full"):
        for name in c.figures:
            assert name in {f.name for f in ALL_FIGURES}, (c.id, name)


def test_unknown_figure_name():
    with pytest.raises(KeyError, match="no figure named"):
        figures.get("nope")
