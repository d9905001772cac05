"""Deprecated location: this module is now :mod:`solvers.neural.stabilizers` (American spelling)."""

from theory.deprecation import warn_module_renamed

warn_module_renamed(__name__, "solvers.neural.stabilizers")

from solvers.neural.stabilizers import *  # noqa: E402,F401,F403  (the deprecated path re-exports everything)
from solvers.neural.stabilizers import __all__, __getattr__  # noqa: E402,F401
