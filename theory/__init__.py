"""Closed-form predictions: pure functions of arrays, no randomness, no training.

The package re-exports the public names (the ``__all__``) of each module in
:data:`SUBMODULES`, so every name is listed once, in its own module.  Every public function
and class has a docstring with its formula and a ``Source:`` line citing the paper and the
equation, theorem or figure it implements.
"""

from importlib import import_module

#: The modules whose ``__all__`` make up the package's namespace, in this order.
SUBMODULES = (
    "divergences",
    "wasserstein",
    "gan",
    "dynamics",
    "seqgan",
    "stateless_mdp",
    "irl",
    "lqr",
    "overestimation",
    "max_estimators",
    "policy_gradient",
    "bellman",
    "gan_objectives",
    "wgan",
    "gan_training_theory",
    "concentration",
    "gan_diagnostics",
    "semi_supervised",
    "vae",
    "infogan",
)

__all__: list[str] = []
for _name in SUBMODULES:
    _module = import_module(f"theory.{_name}")
    globals().update((name, getattr(_module, name)) for name in _module.__all__)
    __all__ += [name for name in _module.__all__ if name not in __all__]
del _name, _module
