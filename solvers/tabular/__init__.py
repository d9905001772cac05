"""Exact or tabular iterative solvers (vectorised numpy / scipy).

- :mod:`~solvers.tabular.gan` — the categorical GAN with exact expectations: discriminator
  ascent, generator descent against a re-maximised discriminator, and simultaneous /
  alternating gradient descent-ascent.
"""

from solvers.tabular.gan import (
    DiscriminatorRun,
    GANRun,
    GeneratorRun,
    train_discriminator,
    train_gan,
    train_generator_optimal_d,
)

__all__ = [
    "DiscriminatorRun",
    "GeneratorRun",
    "GANRun",
    "train_discriminator",
    "train_generator_optimal_d",
    "train_gan",
]
