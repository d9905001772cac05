"""Deprecated location: this module is now :mod:`solvers.tabular.stabilizers` (American spelling)."""

from theory.deprecation import warn_module_renamed

warn_module_renamed(__name__, "solvers.tabular.stabilizers")

from solvers.tabular.stabilizers import *  # noqa: E402,F401,F403  (the deprecated path re-exports everything)
from solvers.tabular.stabilizers import __all__, __getattr__  # noqa: E402,F401
