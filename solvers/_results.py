"""Former path of :mod:`solvers.results` (kept for imports that still use it)."""

from solvers.results import ArrayResult, Config, jsonable  # noqa: F401
