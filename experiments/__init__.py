"""ganac experiments: the claim registry, figures, benchmarks, the report and the CLI.

The public API for a user's own claims (see README, "Verify your own paper")::

    from experiments import claim, Evidence, Context   # register and check a claim
    from experiments import pytest_claims              # one pytest test per claim of a file

The names are imported on first use (PEP 562), so ``import experiments`` stays light: the
``ganac`` command sets its BLAS thread variables before numpy is imported.
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("ganac")
except _metadata.PackageNotFoundError:  # running from a source tree without install
    __version__ = "0+unknown"

#: public name -> the module that defines it
_LAZY = {
    "claim": "experiments.registry",
    "Evidence": "experiments.registry",
    "Context": "experiments.registry",
    "Claim": "experiments.registry",
    "pytest_claims": "experiments.user",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'experiments' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
