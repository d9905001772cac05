"""Negative controls for the refuted claims (issue 11, section 3): a refutation is a finding only
while its counterexample refutes.  Each test first checks the claim's verdict is ``refuted``,
then patches the one thing that makes the paper's printed statement true at the counterexample
(labels a = b, a cost that generates the data, the 1/2 in the JS definition) and requires the
refuted parts to turn into ``fail`` and the claim's verdict to be ``fail``.
"""

from __future__ import annotations

import pytest

from experiments.claims import arjovsky2017, finn2016, salimans2016
from experiments.registry import REGISTRY, Context, combine_outcomes


def _outcomes(claim_id: str, seed: int = 0) -> dict:
    return {k: v.outcome for k, v in REGISTRY[claim_id].run(Context(seed=seed)).items()}


def _assert_refutation_collapses(claim_id: str, monkeypatch, patch) -> None:
    before = _outcomes(claim_id)
    assert combine_outcomes(before.values()) == "refuted", before
    refuted_parts = {k for k, o in before.items() if o == "refuted"}
    assert refuted_parts
    patch(monkeypatch)
    after = _outcomes(claim_id)
    assert all(after[k] == "fail" for k in refuted_parts), after
    assert combine_outcomes(after.values()) == "fail"


def test_salimans_equal_labels_leave_no_incentive(monkeypatch):
    # a = b: D* is the constant a, the generator's cost is flat, nothing moves: the printed
    # "no incentive" is then true and the claim must fail
    _assert_refutation_collapses(
        salimans2016.NO_INCENTIVE, monkeypatch,
        lambda mp: mp.setattr(salimans2016, "LABELS", (0.5, 0.5)))


def test_finn_cost_that_generates_the_data_gives_the_partition_function(monkeypatch):
    # with c = c_true (p_data = exp(-c)/Z_c) the minimizing Z is Z_c and the estimator is exact
    original = finn2016._problem

    def well_specified(ctx):
        ts, theta_true, _theta, q, p = original(ctx)
        return ts, theta_true, theta_true.copy(), q, p

    _assert_refutation_collapses(
        finn2016.FIXED_PRINTED, monkeypatch,
        lambda mp: mp.setattr(finn2016, "_problem", well_specified))


def test_arjovsky_js_with_the_half_matches_example1(monkeypatch):
    _assert_refutation_collapses(
        arjovsky2017.JS_PRINTED, monkeypatch,
        lambda mp: mp.setattr(arjovsky2017, "PRINTED_JS_WEIGHT", 0.5))


@pytest.mark.parametrize("claim_id", [salimans2016.NO_INCENTIVE, finn2016.FIXED_PRINTED,
                                      arjovsky2017.JS_PRINTED])
def test_refuted_claims_are_registered_with_their_printed_statement(claim_id):
    for ev in REGISTRY[claim_id].run(Context(seed=1)).values():
        if ev.outcome == "refuted":
            assert ev.details["printed"] and ev.details["counterexample"]
            assert ev.error > 0
