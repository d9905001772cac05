"""Closed-form predictions: pure functions of arrays, no randomness, no training.

Every public name below has a docstring with its formula and a ``Source:`` line citing the
paper and the equation, theorem or figure it implements.
"""

from theory.bellman import discounted_state_action_distribution
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
from theory.dynamics import (
    WGANGPBranches,
    categorical_gan_jacobian,
    dirac_gan_altgd_eigenvalues,
    dirac_gan_eigenvalues,
    dirac_gan_jacobian,
    dirac_gan_simgd_radius,
    f_derivatives,
    gd_spectral_radius,
    gd_update_matrix,
    max_stable_step,
    wgan_gp_branches,
)
from theory.gan import (
    ReplayFixedPoint,
    SmoothedFixedPoint,
    gan_value,
    optimal_discriminator,
    optimal_gan_value,
    replay_generator_fixed_point,
    replay_optimal_discriminator,
    smoothed_escape_rate,
    smoothed_generator_fixed_point,
    smoothed_optimal_discriminator,
)
from theory.irl import (
    discriminator_loss,
    discriminator_loss_gradient,
    finn_discriminator,
    generator_loss,
    importance_sampling_partition,
    irl_cost_loss,
    irl_cost_loss_gradient,
    log_partition,
    maxent_distribution,
    optimal_log_partition,
)
from theory.lqr import (
    LQROptimum,
    LQRPolicyValue,
    lqr_policy_value,
    lqr_q_value,
    lqr_return,
    lqr_discounted_state_moment,
    lqr_dpg_gradient,
    lqr_riccati,
    lqr_optimal,
)
from theory.overestimation import (
    DoubleZeroErrorExample,
    argmax_probabilities,
    double_estimator_bias,
    double_lower_bound,
    double_zero_error_example,
    expected_max_normal,
    expected_max_uniform,
    max_lower_bound,
    single_estimator_bias,
    thrun_schwartz_bound,
    tight_example,
)
from theory.policy_gradient import (
    PolicyGradient,
    PolicyValues,
    discounted_state_distribution,
    exact_policy_gradient,
    policy_evaluation,
)
from theory.seqgan import (
    SeqGANGradient,
    sequence_probabilities,
    exact_action_values,
    exact_objective_gradient,
)
from theory.stateless_mdp import (
    bayes_critic,
    bayes_critic_sensitivity,
    bellman_error,
    critic_actor_gradient,
    expected_reward,
    optimal_bellman_error,
    true_policy_gradient,
)

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
    "smoothed_optimal_discriminator",
    "SmoothedFixedPoint",
    "smoothed_generator_fixed_point",
    "smoothed_escape_rate",
    "replay_optimal_discriminator",
    "ReplayFixedPoint",
    "replay_generator_fixed_point",
    # dynamics
    "f_derivatives",
    "dirac_gan_jacobian",
    "dirac_gan_eigenvalues",
    "WGANGPBranches",
    "wgan_gp_branches",
    "gd_update_matrix",
    "gd_spectral_radius",
    "max_stable_step",
    "dirac_gan_simgd_radius",
    "dirac_gan_altgd_eigenvalues",
    "categorical_gan_jacobian",
    # seqgan
    "SeqGANGradient",
    "sequence_probabilities",
    "exact_action_values",
    "exact_objective_gradient",
    # stateless_mdp
    "expected_reward",
    "bayes_critic",
    "bellman_error",
    "optimal_bellman_error",
    "true_policy_gradient",
    "critic_actor_gradient",
    "bayes_critic_sensitivity",
    # irl
    "maxent_distribution",
    "log_partition",
    "finn_discriminator",
    "discriminator_loss",
    "generator_loss",
    "optimal_log_partition",
    "importance_sampling_partition",
    "irl_cost_loss",
    "discriminator_loss_gradient",
    "irl_cost_loss_gradient",
    # lqr
    "LQROptimum",
    "LQRPolicyValue",
    "lqr_policy_value",
    "lqr_q_value",
    "lqr_return",
    "lqr_discounted_state_moment",
    "lqr_dpg_gradient",
    "lqr_riccati",
    "lqr_optimal",
    # overestimation
    "max_lower_bound",
    "tight_example",
    "double_lower_bound",
    "DoubleZeroErrorExample",
    "double_zero_error_example",
    "expected_max_normal",
    "expected_max_uniform",
    "thrun_schwartz_bound",
    "argmax_probabilities",
    "single_estimator_bias",
    "double_estimator_bias",
    # policy_gradient
    "PolicyValues",
    "PolicyGradient",
    "policy_evaluation",
    "discounted_state_distribution",
    "exact_policy_gradient",
    # bellman (policy_evaluation, PolicyValues and discounted_state_distribution live there)
    "discounted_state_action_distribution",
]
