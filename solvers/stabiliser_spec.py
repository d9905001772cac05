"""Deprecated location: this module is now :mod:`solvers.stabilizer_spec` (American spelling)."""

from theory.deprecation import warn_module_renamed

warn_module_renamed(__name__, "solvers.stabilizer_spec")

from solvers.stabilizer_spec import *  # noqa: E402,F401,F403  (the deprecated path re-exports everything)
from solvers.stabilizer_spec import __all__, __getattr__  # noqa: E402,F401
