"""Neural counterparts: optimizers, MLPs, their fused forward/backward pass, and the learners.

Parameters are plain nested dicts/lists of arrays (DESIGN.md, ``solvers/neural/``); every
learner takes a seed or a ``numpy.random.Generator``.

- :mod:`~solvers.neural.optim` — SGD, momentum, RMSProp, Adam over pytrees, tree helpers;
- :mod:`~solvers.neural.mlp` — MLP initialization and application, the dense layer (one autograd
  primitive with its hand-written VJP, for one network or R stacked ones), stable log-sigmoid;
  :mod:`~solvers.neural.stacked_mlp` — R networks at once, a whole network as one primitive;
- :mod:`~solvers.neural.training` — what the learners share around their update rules:
  configuration checks, optimizers from a configuration, seeds, the interruptible loop;
- :mod:`~solvers.neural.replay` — replay ring buffers (DQN, DDPG);
- :mod:`~solvers.neural.gan` — the GAN's losses, one update on explicit minibatches, training
  loops for the full game and for the discriminator alone; :mod:`~solvers.neural.gan_fused` —
  its default training step, the loss derivatives chained by hand through two fused MLPs;
- :mod:`~solvers.neural.actor_critic`, :mod:`~solvers.neural.stabilizers` — the GAN written as
  an actor-critic (its default fused update rules in :mod:`~solvers.neural.actor_critic_fused`),
  and the stabilizers of Pfau & Vinyals (2016), Table 1;
- :mod:`~solvers.neural.irl`, :mod:`~solvers.neural.ebm` — cost networks and energy networks
  trained through the Finn et al. (2016) discriminator against evaluable-density samplers;
- :mod:`~solvers.neural.dqn` — DQN, Double DQN and dueling heads on finite MDPs;
- :mod:`~solvers.neural.a2c`, :mod:`~solvers.neural.ddpg`, :mod:`~solvers.neural.seqgan` —
  A2C, DDPG and SeqGAN's oracle experiment;
- :mod:`~solvers.neural.gan_objectives`, :mod:`~solvers.neural.ebgan` — LSGAN, WGAN (clipping
  and gradient penalty) and f-GAN critics and generators; EBGAN's autoencoder discriminator and
  BEGAN's k_t controller;
- :mod:`~solvers.neural.vae`, :mod:`~solvers.neural.infogan` — the VAE (reparameterized ELBO,
  linear and MLP decoders) and InfoGAN (code G(z, c), shared D/Q network);
- :mod:`~solvers.neural.fused` — one MLP's forward/backward chained by hand into preallocated
  buffers (float64 or float32), under the default training steps of the GAN
  (:mod:`~solvers.neural.gan_fused`), the actor-critic (:mod:`~solvers.neural.actor_critic_fused`),
  A2C, DQN, DDPG, the EBM (:mod:`~solvers.neural.ebm_fused`), the neural IRL, the VAE,
  InfoGAN, the stabilized GAN, the LSGAN/WGAN/WGAN-GP/f-GAN learners
  (:mod:`~solvers.neural.gan_objectives_fused`) and EBGAN/BEGAN
  (:mod:`~solvers.neural.ebgan_fused`); autograd stays available as ``backend="autograd"`` on
  each config and checks the fused gradients in the tests.
"""

from solvers.neural.gan import (
    DiscriminatorTrainRun,
    GANConfig,
    GANSnapshot,
    GANStreams,
    GANTrainRun,
    discriminator_logit,
    discriminator_loss,
    discriminator_prob,
    gan_streams,
    gan_update,
    generator_apply,
    generator_loss,
    init_gan,
    sample_gan_batch,
    train_discriminator,
    train_gan,
)
from solvers.neural.mlp import init_mlp, log_sigmoid, mlp_apply, sigmoid, softplus
from solvers.neural.optim import (
    SGD,
    Adam,
    Momentum,
    OptState,
    RMSProp,
    make_optimizer,
    tree_add,
    tree_flatten,
    tree_leaves,
    tree_map,
    tree_norm,
    tree_scale,
    tree_sub,
    tree_unflatten,
)
from theory.deprecation import module_getattr

__all__ = [
    "SGD", "Momentum", "RMSProp", "Adam", "OptState", "make_optimizer",
    "tree_map", "tree_add", "tree_sub", "tree_scale", "tree_flatten", "tree_norm", "tree_leaves",
    "tree_unflatten",
    "init_mlp", "mlp_apply", "log_sigmoid", "sigmoid", "softplus",
    "GANConfig", "GANStreams", "GANSnapshot", "GANTrainRun", "DiscriminatorTrainRun",
    "gan_streams", "init_gan", "generator_apply", "discriminator_logit", "discriminator_prob",
    "discriminator_loss", "generator_loss", "sample_gan_batch", "gan_update", "train_gan",
    "train_discriminator",
]

# Old British spellings of public names, kept as deprecated aliases (theory.deprecation).
__getattr__ = module_getattr(__name__, globals(), {
    'make_optimiser': 'make_optimizer',
})
