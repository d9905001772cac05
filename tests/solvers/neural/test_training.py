"""Tests for solvers.neural.training: the interruptible loop (commit and Ctrl-C semantics), the
shared configuration checks and their named errors, seeds, the replay/anneal field groups and
the JSON form of configurations.  Expected values are counted by hand (a step counter, a
schedule written out), not taken from the implementation."""

import dataclasses
import json

import numpy as np
import pytest

from solvers.neural.ddpg import DDPGConfig
from solvers.neural.dqn import DQNConfig
from solvers.neural.optim import SGD, Adam, tree_equal
from solvers.neural.training import (
    AnnealedAdam,
    ConfigDict,
    LoopRun,
    ReplaySchedule,
    as_seed_sequence,
    check_callback,
    check_config_seed,
    check_init_scale,
    check_network_fields,
    check_optimizer_fields,
    config_dict,
    config_optimizers,
    run_steps,
)
from tests.tolerances import FLOAT_RTOL


# ---------------------------------------------------------------------------------------------
# the loop
# ---------------------------------------------------------------------------------------------


def test_run_steps_commits_each_step_once():
    seen = []
    out = run_steps(lambda t, s: s + [t], [], 5, after=lambda n, s: seen.append((n, len(s))))
    assert out.state == [0, 1, 2, 3, 4] and out.n_steps == 5 and not out.interrupted
    assert seen == [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5)]
    assert out.seconds >= 0.0
    assert run_steps(lambda t, s: s + 1, 0, 0).n_steps == 0


def test_interrupt_inside_a_step_keeps_the_last_committed_state():
    def step(t, s):
        if t == 3:
            raise KeyboardInterrupt
        return s + 1

    out = run_steps(step, 0, 10)
    assert out.interrupted and out.n_steps == 3 and out.state == 3


def test_interrupt_in_the_callback_keeps_the_step_it_follows():
    def after(n, s):
        if n == 4:
            raise KeyboardInterrupt

    out = run_steps(lambda t, s: s + 1, 0, 10, after=after, progress=True, desc="test")
    assert out.interrupted and out.n_steps == 4 and out.state == 4


def test_loop_run_bookkeeping():
    @dataclasses.dataclass
    class Run(LoopRun):
        loss: list

    r = Run([1.0], n_steps=6, n_steps_requested=8, interrupted=True, seconds=2.0)
    assert r.steps_per_second == 3.0
    assert r.loop_fields() == {"n_steps": 6, "n_steps_requested": 8, "interrupted": True, "seconds": 2.0}
    assert np.isnan(Run([]).steps_per_second)


# ---------------------------------------------------------------------------------------------
# configuration checks
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Config(ConfigDict):
    hidden: tuple = (4,)
    activation: str = "tanh"
    init_scale: object = "glorot"
    lr_a: float = 0.1
    lr_b: float = 0.2
    optimizer: str = "adam"
    optimizer_kwargs: object = ()
    seed: object = 0

    def __post_init__(self):
        check_network_fields(self)
        check_optimizer_fields(self, ("lr_a", "lr_b"))


def test_configuration_fields_are_normalized_and_optimizers_built():
    c = _Config(hidden=[3, 2], optimizer_kwargs={"b2": 0.99, "b1": 0.5})
    assert c.hidden == (3, 2) and c.optimizer_kwargs == (("b1", 0.5), ("b2", 0.99))
    a, b = config_optimizers(c, ("lr_a", "lr_b"))
    assert isinstance(a, Adam) and (a.lr, b.lr, a.b1, b.b2) == (0.1, 0.2, 0.5, 0.99)
    assert config_optimizers(c, ("lr_a", "lr_b"))[0] is a  # cached per (config, fields)
    d = c.to_dict()
    assert d == {"hidden": [3, 2], "activation": "tanh", "init_scale": "glorot", "lr_a": 0.1, "lr_b": 0.2,
                 "optimizer": "adam", "optimizer_kwargs": {"b1": 0.5, "b2": 0.99}, "seed": 0}
    json.dumps(d)
    with_seq = dataclasses.replace(c, seed=np.random.SeedSequence(1))
    assert "seed" not in config_dict(with_seq)


@pytest.mark.parametrize("field, value, exc", [
    ("hidden", 4, TypeError),
    ("hidden", (4, 0), ValueError),
    ("activation", "cube", ValueError),
    ("init_scale", "xavier", ValueError),
    ("init_scale", -1.0, ValueError),
    ("lr_b", 0.0, ValueError),
    ("optimizer", "lbfgs", ValueError),
])
def test_configuration_errors_name_the_field(field, value, exc):
    with pytest.raises(exc, match=field):
        _Config(**{field: value})


def test_optimizer_keyword_errors():
    with pytest.raises(TypeError, match="optimizer_kwargs.*not accepted by 'sgd'"):
        _Config(optimizer="sgd", optimizer_kwargs={"b1": 0.5})
    with pytest.raises(ValueError, match="optimizer_kwargs.*rejected by 'adam'.*b1"):
        _Config(optimizer_kwargs={"b1": 1.5})
    assert isinstance(config_optimizers(_Config(optimizer="sgd"), ("lr_a",))[0], SGD)


def test_small_checks():
    assert check_init_scale(0.5) == 0.5 and check_init_scale("he") == "he"
    assert check_init_scale("lillicrap", rules=("lillicrap",)) == "lillicrap"
    assert check_callback(None) is None and check_callback(print) is print
    with pytest.raises(TypeError, match="callback"):
        check_callback(3)
    assert check_config_seed(3) == 3
    with pytest.raises(TypeError, match="seed"):
        check_config_seed(np.random.default_rng(0))
    with pytest.raises(ValueError, match="seed"):
        check_config_seed(-1)


# ---------------------------------------------------------------------------------------------
# seeds and field groups
# ---------------------------------------------------------------------------------------------


def test_seed_sequences_are_fresh_and_reproducible():
    seq = np.random.SeedSequence(11)
    first = as_seed_sequence(seq).spawn(2)
    again = as_seed_sequence(seq).spawn(2)  # the caller's sequence was not advanced
    assert [s.entropy for s in first] == [s.entropy for s in again] == [11, 11]
    assert [s.spawn_key for s in first] == [(0,), (1,)] == [s.spawn_key for s in again]
    assert as_seed_sequence(5).entropy == 5
    a, b = as_seed_sequence(np.random.default_rng(3)), as_seed_sequence(np.random.default_rng(3))
    assert a.entropy == b.entropy  # one draw from equal generators


@pytest.mark.parametrize("config_class", [DQNConfig, DDPGConfig])
def test_replay_schedule(config_class):
    r = config_class(batch_size=4, buffer_size=10, n_steps=7, n_envs=2, checkpoint_every=3)
    assert isinstance(r, ReplaySchedule)
    assert r.start == 4 and r.checkpoints == {0, 3, 6, 7}
    assert dataclasses.replace(r, learning_starts=9).start == 9
    assert dataclasses.replace(r, n_steps=6).checkpoints == {0, 3, 6}
    with pytest.raises(ValueError, match="buffer_size"):
        dataclasses.replace(r, buffer_size=1)
    with pytest.raises(ValueError, match="checkpoint_every"):
        dataclasses.replace(r, checkpoint_every=0)
    with pytest.raises(TypeError, match="seed"):
        dataclasses.replace(r, seed=1.5)


@dataclasses.dataclass(frozen=True)
class _Anneal(AnnealedAdam):  # anneal_fraction = 0.25 and anneal_factor = 0.1 by default
    LR_FIELDS = ("lr_a", "lr_b")

    lr_a: float = 1e-2
    lr_b: float = 3e-3
    b1: float = 0.5

    def __post_init__(self):
        self.check_annealed_adam()


def test_annealed_adam():
    a = _Anneal()
    assert a.anneal_step(100) == 75 and a.anneal_step(10) == 8  # 10 - round(2.5) = 10 - 2
    assert _Anneal(anneal_fraction=0.0).anneal_step(100) is None
    first, second = a.adam_pair(1e-2, 3e-3, 0.1)
    assert (first.lr, second.lr, first.b1, second.b1) == (1e-2 * 0.1, 3e-3 * 0.1, 0.5, 0.5)
    # the schedule of a 10-step run: full step sizes for t < 8, times 0.1 from t = 8 on
    lrs = [tuple(opt.lr for opt in a.optimizers_at(t, 10)) for t in range(10)]
    assert lrs == [(1e-2, 3e-3)] * 8 + [(1e-2 * 0.1, 3e-3 * 0.1)] * 2
    assert {opt.lr for t in range(10) for opt in _Anneal(anneal_fraction=0.0).optimizers_at(t, 10)} == {1e-2, 3e-3}
    for field, value in (("b1", 1.0), ("anneal_fraction", -0.1), ("anneal_factor", 0.0), ("lr_a", 0.0),
                         ("lr_b", -1.0)):
        with pytest.raises(ValueError, match=field):
            _Anneal(**{field: value})


def test_update_unchecked_is_one_adam_step():
    # Adam's first step (Kingma & Ba 2015, Algorithm 1): m̂ = g, v̂ = g², θ − α g/(|g| + ε)
    params = {"w": np.array([1.0, -2.0]), "b": [np.array(0.5)]}
    grads = {"w": np.array([0.3, 0.1]), "b": [np.array(-1.0)]}
    opt = Adam(0.01)
    new, state = opt.update_unchecked(grads, opt.init(params), params)
    step = lambda g: 0.01 * g / (np.abs(g) + 1e-8)  # noqa: E731
    # the bias corrections round (1 − 0.9 ≠ 0.1 exactly): float rounding, FLOAT_RTOL
    np.testing.assert_allclose(new["w"], params["w"] - step(grads["w"]), rtol=FLOAT_RTOL)
    np.testing.assert_allclose(new["b"][0], params["b"][0] - step(grads["b"][0]), rtol=FLOAT_RTOL)
    assert state.t == 1 and tree_equal(new, opt.update(grads, opt.init(params), params)[0])


def test_moved_scaffolding_still_importable_from_its_first_home():
    # gan_objectives and gan re-export what moved to training and gan_fused (issue 12 split)
    from solvers.neural import gan, gan_fused, gan_objectives, training
    for name in ("AdversarialConfig", "spawn_generators", "clip_weights", "run_game", "FitOutcome", "fit_pytree",
                 "check_init_params", "check_snapshot_steps", "FitRun", "GeneratorRun"):
        assert getattr(gan_objectives, name) is getattr(training, name)
    assert gan_objectives.CRITIC_SOLVERS == training.FIT_SOLVERS == ("optimizer", "lbfgs")
    assert issubclass(gan.GANConfig, training.AdversarialConfig) and issubclass(gan.GANTrainRun, training.GeneratorRun)
    assert gan.stacked_batch_weights is gan_fused.stacked_batch_weights
