"""Old location of :mod:`experiments.claims.support`, kept only because
``tests/solvers/test_neural_gan.py`` still imports ``sliced_w1`` from here; remove it once that
test imports ``experiments.claims.support``."""

from experiments.claims.support import sliced_w1  # noqa: F401

__all__ = ["sliced_w1"]
