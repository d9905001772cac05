"""Mescheder et al. (2018): the Dirac-GAN derivations check step by step, a wrong step is caught,
and the symbolic helpers agree with numbers computed here by hand."""

import numpy as np
import pytest
import sympy as sp

import proofs_check
from proofs_check import mescheder2018 as m
from tests.proofs_check.derivation_checks import assert_every_step_checks, assert_registered, reports_fixture

IDS = [
    "mescheder2018/dirac-gan-unregularized",
    "mescheder2018/dirac-gan-wgan",
    "mescheder2018/dirac-gan-gradient-penalty",
    "mescheder2018/dirac-gan-instance-noise",
    "mescheder2018/dirac-gan-consensus",
    "mescheder2018/dirac-gan-wgan-gp",
]

#: Symbolic Jacobian at decimal values, converted to float: entries are O(1) products of the
#: substituted numbers, exact up to a final rounding (an ulp or two of 1).
SUBS_ATOL = 1e-15
#: LAPACK eigenvalues of a 2x2 matrix with O(1) entries and distinct eigenvalues vs the
#: symbolic closed form evaluated in float: rounding ~ eps x conditioning, absolute.
EIG_ATOL = 1e-12


reports = reports_fixture(*IDS)


@pytest.mark.parametrize("derivation_id", IDS)
def test_derivation_checks(reports, derivation_id):
    assert_every_step_checks(reports[derivation_id])


def test_registered_by_default():
    assert_registered(IDS)


@pytest.mark.parametrize("derivation_id", IDS)
def test_every_step_has_a_justification(derivation_id):
    for step in proofs_check.get(derivation_id).steps:
        assert step.justification.strip(), (derivation_id, step.name)


def test_paper_statements_are_covered():
    names = {i: [s.name for s in proofs_check.get(i).steps] for i in IDS}
    assert {"gan-eigenvalues", "flow-conserves-norm", "simgd-unstable", "altgd-eigenvalues",
            "altgd-unit-circle", "altgd-outside"} <= set(names[IDS[0]])
    assert {"gp-eigenvalues", "gp-trace-negative", "gp-det-positive"} <= set(names[IDS[2]])
    assert {"noise-eigenvalues", "noise-trace-negative"} <= set(names[IDS[3]])
    assert {"consensus-eigenvalues", "simgd-step-bound"} <= set(names[IDS[4]])
    assert {"limit-right", "limit-left", "jump"} <= set(names[IDS[5]])


@pytest.mark.parametrize("derivation_id,step,wrong", [
    # the paper's eigenvalue with the sign of γ flipped
    ("mescheder2018/dirac-gan-gradient-penalty", "gp-eigenvalues",
     lambda rhs: sp.FiniteSet(*[e.subs(m.gamma, -m.gamma) for e in rhs.args])),
    # the SimGD modulus without the h² term
    ("mescheder2018/dirac-gan-unregularized", "simgd-modulus", lambda rhs: sp.S.One),
    # instance noise with σ instead of σ² in the damping
    ("mescheder2018/dirac-gan-instance-noise", "noise-J-psi-psi", lambda rhs: rhs / m.sigma),
])
def test_a_wrong_step_is_caught(derivation_id, step, wrong):
    d = proofs_check.get(derivation_id)
    broken = d.replace_step(step, rhs=wrong(d.steps[d.step_index(step)].rhs))
    rep = broken.check()
    assert not rep.ok
    assert rep.first_failure == d.step_index(step)


def test_symbolic_f_derivatives():
    assert m.symbolic_f_derivatives("gan") == (sp.Rational(1, 2), -sp.Rational(1, 4))
    assert m.symbolic_f_derivatives("wgan") == (1, 0)
    with pytest.raises(ValueError, match="`loss`"):
        m.symbolic_f_derivatives("hinge")


def test_symbolic_jacobians_evaluate_to_the_hand_values():
    # Hand values: a = f'(0) = 1/2, b = f''(0) = -1/4 for the GAN.
    g, s = sp.Symbol("gamma", positive=True), sp.Symbol("sigma", positive=True)
    vals = {g: 0.4, s: 0.6}
    expected = {
        "none": [[0, -0.5], [0.5, 0]],
        "r1": [[0, -0.5], [0.5, -0.4]],
        "r2": [[0, -0.5], [0.5, -0.4]],
        "instance-noise": [[0, -0.5], [0.5, 2 * -0.25 * 0.36]],
        "consensus": [[-0.4 * 0.25, -0.5], [0.5, -0.4 * 0.25]],
    }
    for reg, exp in expected.items():
        got = np.array(m.symbolic_dirac_jacobian("gan", reg).subs(vals), dtype=float)
        np.testing.assert_allclose(got, exp, atol=SUBS_ATOL)
        key = lambda z: (z.imag, z.real)  # noqa: E731
        eig = sorted((complex(e.subs(vals)) for e in m.symbolic_dirac_eigenvalues("gan", reg)), key=key)
        lapack = sorted((complex(z) for z in np.linalg.eigvals(np.array(exp, float))), key=key)
        np.testing.assert_allclose(lapack, eig, atol=EIG_ATOL)
    with pytest.raises(ValueError, match="no symbolic Jacobian"):
        m.symbolic_dirac_jacobian("wgan", "wgan-gp")
