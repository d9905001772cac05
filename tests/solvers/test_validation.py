"""solvers.validation: each shared check accepts what it documents and names the argument it refuses;
solvers.results: readonly / set_readonly / last_record."""

import dataclasses
import inspect
import warnings

import numpy as np
import pytest

from solvers.results import last_record, readonly, set_readonly
from solvers.validation import (
    check_descent_ascent,
    check_distribution,
    check_distribution_pair,
    check_generator_descent,
    check_solve_budget,
    check_vector,
    warn_unconverged,
)
from theory.validation import ConvergenceWarning


@pytest.mark.parametrize("call, match", [
    (lambda: check_distribution([[0.5, 0.5]], "p_data"), "`p_data` must be 1-D"),
    (lambda: check_distribution([0.5, 0.6], "p_data"), "p_data"),
    (lambda: check_distribution_pair([0.5, 0.5], [1.0], ("p", "q")), "`p` and `q` must have the same length"),
    (lambda: check_vector([[0.0]], "theta0"), "`theta0` must be 1-D"),
    (lambda: check_vector([0.0, 1.0], "theta0", 3), r"`theta0` must have shape \(3,\)"),
    (lambda: check_vector([0.0, np.nan], "v0"), "v0"),
    (lambda: check_solve_budget(0.0, 10), "tol"),
    (lambda: check_solve_budget(1e-8, 0), "max_iter"),
    (lambda: check_generator_descent([1.0], [0.0, 0.0], 0.1, 1), "theta0"),
    (lambda: check_generator_descent([1.0], [0.0], -0.1, 1), "lr"),
    (lambda: check_generator_descent([1.0], [0.0], 0.1, -1), "n_steps"),
    (lambda: check_descent_ascent([1.0], [0.0], [0.0, 1.0], 0.1, 0.1, 1, psi_name="v0"), "v0"),
    (lambda: check_descent_ascent([1.0], [0.0], [0.0], 0.1, 0.0, 1), "lr_d"),
])
def test_bad_arguments_are_named(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_descent_arguments_are_fresh_copies():
    theta0, psi0 = np.zeros(2), np.ones(2)
    _, theta, psi, *_ = check_descent_ascent([0.5, 0.5], theta0, psi0, 0.1, 0.2, 3)
    theta += 1.0
    psi += 1.0
    np.testing.assert_array_equal(theta0, [0.0, 0.0])
    np.testing.assert_array_equal(psi0, [1.0, 1.0])


def test_warn_unconverged_points_at_the_public_routines_caller():
    def public_routine():
        warn_unconverged("the solve", 1e-10, 3e-4, stacklevel=2)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        line = inspect.currentframe().f_lineno + 1
        public_routine()  # stacklevel 2 counted from public_routine: this line
    assert len(caught) == 1 and caught[0].category is ConvergenceWarning
    assert (caught[0].filename, caught[0].lineno) == (__file__, line)
    assert "the solve stopped above tol=1e-10 (worst residual 0.0003)" in str(caught[0].message)


def test_readonly_copies_and_freezes():
    x = np.arange(3)
    r = readonly(x, np.float64)
    x[0] = 7  # the copy does not follow the input
    assert r.dtype == np.float64 and r[0] == 0.0 and not r.flags.writeable
    with pytest.raises(ValueError):
        r[0] = 1.0


def test_set_readonly_and_last_record_on_a_frozen_dataclass():
    @dataclasses.dataclass(frozen=True)
    class Problem:
        q: np.ndarray

        final_q = last_record("q", "q after the last step.")

        def __post_init__(self):
            set_readonly(self, np.float64, q=self.q)

    p = Problem([[0, 1], [2, 3]])
    assert p.q.dtype == np.float64 and not p.q.flags.writeable
    np.testing.assert_array_equal(p.final_q, [2.0, 3.0])
    assert Problem.final_q.__doc__ == "q after the last step."
    assert [f.name for f in dataclasses.fields(Problem)] == ["q"]  # the property is not a field
