"""Hypothesis profiles, the opt-in `full` tier and the `statistical` marker.

Profiles (pick with HYPOTHESIS_PROFILE=name; CI=true selects ``ci``):
- ``ci``: derandomized, no example database, no deadline, modest example counts so the
  default suite stays under 5 minutes on 2 cores;
- ``dev`` (default): Hypothesis's defaults without the deadline (first calls compile BLAS paths);
- ``thorough``: 2,000 examples per property, for a nightly or pre-release run.

Tests marked ``@pytest.mark.full`` (long neural runs) only run with ``--full``.

**The rule for statistical tests.**  A test whose verdict depends on random draws (Monte Carlo
means, sample frequencies, sampled gradients) states its false-alarm probability — the chance
that it fails although the code is right — and gets it from an exact or conservative bound:
an exact binomial or multinomial tail, Hoeffding or Bernstein with a known range, Chebyshev /
median of means or a Gaussian tail with the exact variance (which can be computed: by
enumeration, a closed form, a linear solve).  Never from a sample standard error: it is 0 when a
rare event (n·p ≪ 1) never shows up, and then any deviation fails at z = ∞, and it is itself
noisy, so "4 SE" is not the probability a normal table says.  The bounds live in
``theory/concentration.py`` and ``tests/stats.py`` turns them into assertions; the default false-alarm probability is ``tests.stats.FALSE_ALARM`` = 1e-7
per assertion and Hypothesis example, so the whole suite over 20 seeds stays below ~1e-3 in
total.  Each statistical test also keeps a negative control (a biased estimator or wrong
probabilities that the same check rejects), in the test file or in its docstring/comments.

Such tests carry ``@pytest.mark.statistical``; run them thoroughly (2,000 Hypothesis examples
where the test does not cap them) with

    HYPOTHESIS_PROFILE=thorough python -m pytest -m statistical -n 0
"""

import os

# One BLAS thread: the networks and matrices here are small, so a second thread only adds
# contention (a 10x slow-down was measured on a loaded 2-core machine).  Effective when numpy
# has not been imported yet, as is the case when pytest loads this file.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None)
settings.register_profile(
    "thorough", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
_default = "ci" if os.environ.get("CI") else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default))


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "statistical: the verdict depends on random draws; its false-alarm probability comes from an "
        "exact or conservative bound (tests/stats.py; see tests/conftest.py)")


def pytest_addoption(parser):
    parser.addoption("--full", action="store_true", default=False,
                     help="also run the `full` tier (long neural runs)")
    parser.addoption("--sweep", action="store_true", default=False,
                     help="also run every fast claim at seeds 0-19 (tests marked `sweep`)")


def pytest_collection_modifyitems(config, items):
    skip_full = pytest.mark.skip(reason="full tier: run with --full")
    skip_sweep = pytest.mark.skip(reason="seed sweep: run with --sweep")
    for item in items:
        if "full" in item.keywords and not config.getoption("--full"):
            item.add_marker(skip_full)
        if "sweep" in item.keywords and not config.getoption("--sweep"):
            item.add_marker(skip_sweep)
