"""Every fast-tier claim of the registry is part of the regression suite.

A claim's check compares a solver's output with an independent closed form, derivation or
enumeration and states its own tolerance; here we only require that it passes at the default
seed and that its evidence is well formed.
"""

import json

import pytest

from experiments.registry import KINDS, Context, select

FAST_CLAIMS = select(tier="fast")
FULL_ONLY = [c for c in select(tier="full") if c.tier == "full"]

#: Full-tier claims measured NOT to hold at this package's scale.  Each stays registered, so
#: `ganac verify --tier full` reports it as failing, and its test is a strict xfail: the day it
#: passes, the suite says so and the entry must go.
NOT_REPRODUCED = {
    "yu2017/oracle-nll-ordering": "SeqGAN with a learned CNN discriminator ends above continued MLE on "
                                  "oracle NLL at V=32, T=10 (+0.030 nats/token, 95% CI [+0.004, +0.055], "
                                  "5 seeds); the optimal-discriminator variant reproduces the ordering",
}


def test_registry_is_populated():
    papers = {c.paper for c in FAST_CLAIMS}
    assert {"goodfellow2014", "arjovsky2017", "villani2009", "dowson1982", "lin1991", "mescheder2018",
            "pfau2016", "finn2016", "finn2016-gcl", "finn2016-neural", "ziebart2010", "vanhasselt2015",
            "vanhasselt2015-figs", "vanhasselt2015-neural", "sutton-barto2018", "sutton2000", "mnih2016",
            "mnih2016-a3c", "silver2014", "yu2017"} <= papers
    assert set(NOT_REPRODUCED) <= {c.id for c in FULL_ONLY}


@pytest.mark.parametrize("claim", FAST_CLAIMS, ids=[c.id for c in FAST_CLAIMS])
def test_fast_claim_passes(claim):
    parts = claim.run(Context(seed=0, tier="fast", fig_dir=None))
    failing = {name: (ev.predicted, ev.measured, ev.error, ev.tolerance, ev.tolerance_reason)
               for name, ev in parts.items() if not ev.passed}
    assert not failing, f"{claim.id} ({claim.source}) failed: {failing}"
    for ev in parts.values():
        assert ev.tolerance_reason.strip(), "every tolerance states its reason"
        json.dumps(ev.to_json())


@pytest.mark.full
@pytest.mark.parametrize("claim", [
    pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=NOT_REPRODUCED[c.id]))
    if c.id in NOT_REPRODUCED else c for c in FULL_ONLY], ids=[c.id for c in FULL_ONLY])
def test_full_claim_passes(claim):
    parts = claim.run(Context(seed=0, tier="full", fig_dir=None))
    assert all(ev.passed for ev in parts.values()), {k: v.to_json() for k, v in parts.items()}


def test_claim_metadata():
    for c in select(tier="full"):
        assert c.statement.endswith("."), c.id
        assert set(c.kinds) <= set(KINDS)
        assert c.source.strip()
