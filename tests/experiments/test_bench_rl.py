"""`ganac bench rl`: the exact policy-evaluation and policy-gradient rows agree with their peers
(iterative evaluation, power series, autograd, scipy.sparse) on the same inputs, and the peers
themselves reproduce closed forms.  No timing is asserted."""

import json

import numpy as np
import pytest
import scipy.sparse as sp

from experiments import cli
from experiments.bench import all_benchmarks
from experiments.bench.rl import (
    TOL,
    iterative_policy_evaluation,
    policy_rows,
    power_series_visitation,
    sparse_policy_evaluation,
)

#: Iterative evaluation and the truncated power series stop with a guaranteed error <= TOL
#: (sup norm); the linear solves add float rounding (|V| <= 10 max|R| ~ 40, condition <= 19).
ITERATIVE_AGREE = TOL + 1e-12
#: Direct solves against direct solves / reverse-mode AD: float rounding only.
DIRECT_AGREE = 1e-11


def test_rl_benchmark_is_registered_and_quick_rows_agree():
    assert "rl" in all_benchmarks()
    rows = policy_rows(quick=True)
    names = {r.name for r in rows}
    assert {"policy_evaluation", "discounted_state_distribution", "exact_policy_gradient"} <= names
    assert {r.size.split()[0] for r in rows} == {"S=10", "S=100"}
    for r in rows:
        assert r.ours_seconds > 0
        if r.peer is None:
            continue
        iterative = "iterative" in r.peer or "power series" in r.peer
        assert r.agree <= (ITERATIVE_AGREE if iterative else DIRECT_AGREE), (r.name, r.size, r.peer, r.agree)
        assert r.extra["peer_max_abs"] > 0


def test_peers_reproduce_closed_forms():
    # one state, one action, reward 1: V = 1 / (1 - γ)
    V = iterative_policy_evaluation(np.ones((1, 1, 1)), np.ones((1, 1)), np.ones((1, 1)), 0.9)
    assert V[0] == pytest.approx(10.0, abs=TOL)
    # two absorbing states, started half-and-half: normalized visitation (1/2, 1/2)
    P = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    d = power_series_visitation(P, np.ones((2, 1)), 0.5, np.array([0.5, 0.5]))
    np.testing.assert_allclose(d, [0.5, 0.5], atol=TOL)
    # a deterministic 2-cycle with rewards (1, 0): V(0) = 1/(1 - γ²), V(1) = γ/(1 - γ²)
    P_rows = sp.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))
    V = sparse_policy_evaluation(P_rows, np.array([[1.0], [0.0]]), np.ones((2, 1)), 0.5)
    np.testing.assert_allclose(V, [1 / 0.75, 0.5 / 0.75], atol=DIRECT_AGREE)


def test_bench_rl_cli_json(tmp_path, capsys):
    assert cli.main(["bench", "rl", "--quick", "--json", "--out", str(tmp_path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert "rl" in printed["results"] and printed["results"]["rl"]
    assert json.loads((tmp_path / "bench.json").read_text()) == printed
