"""Closed-form predictions: pure functions of arrays, no randomness, no training.

Every public name below has a docstring with its formula and a ``Source:`` line citing the
paper and the equation, theorem or figure it implements.
"""

from theory.divergences import (
    OTResult,
    f_divergence,
    js_divergence,
    kl_divergence,
    parallel_lines,
    pearson_chi2,
    total_variation,
    w2_gaussian,
    wasserstein_1d,
    wasserstein_discrete,
)
from theory.gan import gan_value, optimal_discriminator, optimal_gan_value

__all__ = [
    # divergences
    "kl_divergence",
    "js_divergence",
    "total_variation",
    "pearson_chi2",
    "f_divergence",
    "wasserstein_1d",
    "wasserstein_discrete",
    "OTResult",
    "w2_gaussian",
    "parallel_lines",
    # gan
    "optimal_discriminator",
    "gan_value",
    "optimal_gan_value",
]
