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

from solvers.dynamics.categorical_jacobian import (
    CategoricalJacobian,
    categorical_gan_field,
    categorical_gan_jacobian_fd,
    central_difference_jacobian,
    gauge_basis,
)
from solvers.dynamics.dirac_gan import (
    LOSSES,
    REGULARIZERS,
    WGANGP,
    Consensus,
    FlowResult,
    GradientPenalty,
    InstanceNoise,
    Trajectory,
    Unregularized,
    VectorField,
    WGANClip,
    alternating_gd,
    continuous_flow,
    dirac_gan_field,
    simultaneous_gd,
)
from solvers.dynamics.stabilizers import (
    DiracStabilizers,
    LabelSmoothing,
    StabilizedDiracRun,
    train_stabilized_dirac_gan,
)
from theory.deprecation import module_getattr

__all__ = [
    "DiracStabilizers", "LabelSmoothing", "StabilizedDiracRun", "train_stabilized_dirac_gan",
    "LOSSES", "REGULARIZERS",
    "VectorField", "Unregularized", "GradientPenalty", "InstanceNoise", "Consensus", "WGANGP",
    "WGANClip", "dirac_gan_field",
    "Trajectory", "FlowResult", "simultaneous_gd", "alternating_gd", "continuous_flow",
    "central_difference_jacobian", "categorical_gan_field", "gauge_basis", "CategoricalJacobian",
    "categorical_gan_jacobian_fd",
]

# Old British spellings of public names, kept as deprecated aliases (theory.deprecation).
__getattr__ = module_getattr(__name__, globals(), {
    'DiracStabilisers': 'DiracStabilizers',
    'StabilisedDiracRun': 'StabilizedDiracRun',
    'train_stabilised_dirac_gan': 'train_stabilized_dirac_gan',
    'Unregularised': 'Unregularized',
})
