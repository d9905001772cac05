"""The renamed public names keep working, each with a DeprecationWarning naming its replacement."""

import importlib
import warnings

import pytest

from theory.deprecation import deprecated_method, module_getattr, renamed_keywords

# (module, old name, new name): the American-spelling and naming-convention renames of round 2.
MODULE_RENAMES = [
    ("solvers.dynamics.stabilizers", "DiracStabilisers", "DiracStabilizers"),
    ("solvers.dynamics.stabilizers", "train_stabilised_dirac_gan", "train_stabilized_dirac_gan"),
    ("solvers.dynamics", "Unregularised", "Unregularized"),
    ("solvers.tabular.stabilizers", "GANStabilisers", "GANStabilizers"),
    ("solvers.tabular.stabilizers", "train_stabilised_gan", "train_stabilized_gan"),
    ("solvers.neural.stabilizers", "NeuralStabilisers", "NeuralStabilizers"),
    ("solvers.neural.stabilizers", "batch_normalise", "batch_normalize"),
    ("solvers.stabilizer_spec", "StabiliserSpec", "StabilizerSpec"),
    ("solvers.problems", "discretised", "discretized"),
    ("solvers.neural", "make_optimiser", "make_optimizer"),
    ("solvers.neural.optim", "normalise_optimiser_kwargs", "normalize_optimizer_kwargs"),
    ("solvers.neural.irl", "standardise_features", "standardize_features"),
    ("solvers.neural.gan", "GANTrainResult", "GANTrainRun"),
    ("solvers.neural.dqn", "DQNResult", "DQNRun"),
    ("solvers.neural.ddpg", "DDPGResult", "DDPGRun"),
]


@pytest.mark.parametrize("module, old, new", MODULE_RENAMES)
def test_old_module_attribute_warns_and_is_the_new_object(module, old, new):
    mod = importlib.import_module(module)
    with pytest.warns(DeprecationWarning, match=new):
        got = getattr(mod, old)
    assert got is getattr(mod, new)


def test_unknown_module_attribute_is_still_an_attribute_error():
    mod = importlib.import_module("solvers.neural.optim")
    with pytest.raises(AttributeError, match="no_such_name"):
        mod.no_such_name


@pytest.mark.parametrize("old, new", [
    ("solvers.tabular.stabilisers", "solvers.tabular.stabilizers"),
    ("solvers.dynamics.stabilisers", "solvers.dynamics.stabilizers"),
    ("solvers.neural.stabilisers", "solvers.neural.stabilizers"),
    ("solvers.stabiliser_spec", "solvers.stabilizer_spec"),
])
def test_old_module_path_warns_and_reexports(old, new):
    import sys
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=new):
        shim = importlib.import_module(old)
    assert set(shim.__all__) == set(importlib.import_module(new).__all__)
    for name in shim.__all__:
        assert getattr(shim, name) is getattr(importlib.import_module(new), name)


def test_renamed_config_fields_and_keywords():
    from solvers.neural.ddpg import DDPGConfig
    from solvers.neural.gan import GANConfig
    from solvers.neural.seqgan import OracleConfig

    with pytest.warns(DeprecationWarning, match="optimizer"):
        cfg = GANConfig(optimiser="sgd")
    assert cfg.optimizer == "sgd"
    with pytest.warns(DeprecationWarning, match="lr_actor"):
        assert DDPGConfig(actor_lr=5e-4).lr_actor == 5e-4
    with pytest.warns(DeprecationWarning, match="lr_d"):
        assert OracleConfig(disc_lr=3e-3).lr_d == 3e-3
    with pytest.warns(DeprecationWarning, match="GANConfig.optimizer"):
        assert cfg.optimiser == "sgd"
    with pytest.raises(TypeError, match="optimiser"):
        GANConfig(optimiser="sgd", optimizer="adam")


def test_dirac_penalty_weight_was_gamma():
    from theory.dynamics import dirac_gan_eigenvalues

    with pytest.warns(DeprecationWarning, match="penalty_weight"):
        old = dirac_gan_eigenvalues("gan", "r1", gamma=0.7)
    new = dirac_gan_eigenvalues("gan", "r1", penalty_weight=0.7)
    assert (old == new).all()


def test_to_json_is_a_deprecated_alias_of_to_dict():
    class Record:
        def to_dict(self):
            return {"a": 1}

        to_json = deprecated_method("to_dict")

    with pytest.warns(DeprecationWarning, match="Record.to_dict"):
        assert Record().to_json() == {"a": 1}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Record().to_dict() == {"a": 1}


def test_module_getattr_looks_names_up_lazily():
    namespace = {}
    getter = module_getattr("m", namespace, {"old": "new"})
    namespace["new"] = 42
    with pytest.warns(DeprecationWarning, match="m.new"):
        assert getter("old") == 42


def test_renamed_keywords_without_old_names_is_silent():
    @renamed_keywords(a_old="a")
    def f(a=1):
        return a

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert f(a=3) == 3
