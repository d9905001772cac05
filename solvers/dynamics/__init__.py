"""Training dynamics of GANs: simulated fields and integrators, numerical Jacobians.

- :mod:`~solvers.dynamics.dirac_gan` — the Dirac-GAN of Mescheder et al. (2018): one
  vector-field object per regularizer (autograd of the objectives, instance noise by
  Gauss-Hermite quadrature), simultaneous / alternating / two-time-scale gradient descent and the
  continuous-time flow;
- :mod:`~solvers.dynamics.categorical_jacobian` — the categorical GAN's gradient field (from
  :mod:`solvers.tabular.gan`'s gradients) and its Jacobian at the equilibrium by central finite
  differences;
- :mod:`~solvers.dynamics.stabilizers` — the stabilizers of Pfau & Vinyals (2016), Table 1, as
  options of a Dirac-GAN training loop.

Nothing here calls ``theory.dynamics`` (the closed forms these are checked against).
"""

from solvers import reexport
from theory.deprecation import module_getattr

__all__ = reexport(globals(), __name__, ("stabilizers", "dirac_gan", "categorical_jacobian"))

# Old British spellings of public names, kept as deprecated aliases (theory.deprecation).
__getattr__ = module_getattr(__name__, globals(), {
    'DiracStabilisers': 'DiracStabilizers',
    'StabilisedDiracRun': 'StabilizedDiracRun',
    'train_stabilised_dirac_gan': 'train_stabilized_dirac_gan',
    'Unregularised': 'Unregularized',
})
