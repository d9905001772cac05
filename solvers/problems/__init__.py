"""Toy problems shared by the exact and the neural solvers (DESIGN.md, ``solvers/problems/``).

- :mod:`~solvers.problems.categorical` — pairs of categorical distributions and their edge cases;
- :mod:`~solvers.problems.mixtures` — 1-D / 2-D Gaussian mixtures (ring and grid of Gaussians);
- :mod:`~solvers.problems.parallel_lines` — Arjovsky et al. (2017), Example 1;
- :mod:`~solvers.problems.rl_toys`, :mod:`~solvers.problems.stateless_mdp`,
  :mod:`~solvers.problems.maxbias` — finite MDPs (bandits, Strens's chain, random MDPs), the
  GAN as a one-step MDP, Sutton & Barto's maximization-bias MDP;
- :mod:`~solvers.problems.gridworld`, :mod:`~solvers.problems.trajectories`,
  :mod:`~solvers.problems.ebm_densities` — sparse gridworlds, enumerable trajectory sets, 1-D/2-D
  densities with known log-density;
- :mod:`~solvers.problems.strategies`, :mod:`~solvers.problems.irl_strategies` — public
  Hypothesis strategies (import them explicitly; they need ``hypothesis``).
"""

from solvers.problems.categorical import (
    CategoricalPair,
    disjoint_pair,
    named_pairs,
    random_pair,
    two_atoms,
    uniform_vs_onehot,
    zero_atom_pair,
)
from solvers.problems.mixtures import (
    GaussianMixture,
    gaussian,
    gaussian_1d,
    grid_of_gaussians,
    mixture_1d,
    ring_of_gaussians,
)
from solvers.problems.parallel_lines import DiscreteParallelLines, ParallelLines, discretized
from theory.deprecation import module_getattr

__all__ = [
    "CategoricalPair",
    "random_pair",
    "disjoint_pair",
    "zero_atom_pair",
    "uniform_vs_onehot",
    "two_atoms",
    "named_pairs",
    "GaussianMixture",
    "mixture_1d",
    "gaussian_1d",
    "gaussian",
    "ring_of_gaussians",
    "grid_of_gaussians",
    "ParallelLines",
    "DiscreteParallelLines",
    "discretized",
]

# Old British spellings of public names, kept as deprecated aliases (theory.deprecation).
__getattr__ = module_getattr(__name__, globals(), {
    'discretised': 'discretized',
})
