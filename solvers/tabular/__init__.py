"""Exact or tabular iterative solvers (vectorized numpy / scipy).

- :mod:`~solvers.tabular.gan` — the categorical GAN with exact expectations: discriminator
  ascent, generator descent against a re-maximized discriminator, and simultaneous /
  alternating gradient descent-ascent;
- :mod:`~solvers.tabular.stateless_actor_critic`, :mod:`~solvers.tabular.stabilizers`,
  :mod:`~solvers.tabular.actor_critic` — the GAN as an actor-critic, its stabilizers, and a
  tabular actor-critic on bandits and chains;
- :mod:`~solvers.tabular.maxent_irl`, :mod:`~solvers.tabular.guided_cost` — MaxEnt and maximum
  causal entropy IRL, guided cost learning and its GAN form;
- :mod:`~solvers.tabular.qlearning`, :mod:`~solvers.tabular.overestimation` — Q / Double
  Q-learning (Sutton & Barto Fig. 6.5) and the overestimation experiments of van Hasselt,
  Guez & Silver (AAAI 2016; arXiv:1509.06461);
- :mod:`~solvers.tabular.policy_gradient`, :mod:`~solvers.tabular.a3c`,
  :mod:`~solvers.tabular.seqgan` — REINFORCE / A2C, asynchronous stale gradients, SeqGAN;
- :mod:`~solvers.tabular.gan_objectives`, :mod:`~solvers.tabular.fgan_critics`,
  :mod:`~solvers.tabular.wgan_critics` — best responses and generator descent for LSGAN, EBGAN,
  f-GAN and WGAN / WGAN-GP, found by optimization (LPs, Newton, trust regions).
"""

from solvers import reexport

__all__ = reexport(globals(), __name__, ("gan", "gan_objectives", "fgan_critics", "wgan_critics"))
