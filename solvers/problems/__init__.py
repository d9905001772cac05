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

from solvers import reexport
from theory.deprecation import module_getattr

__all__ = reexport(globals(), __name__, ("categorical", "mixtures", "parallel_lines"))

# Old British spellings of public names, kept as deprecated aliases (theory.deprecation).
__getattr__ = module_getattr(__name__, globals(), {
    'discretised': 'discretized',
})
