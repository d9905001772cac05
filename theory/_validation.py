"""Former path of :mod:`theory.validation` (kept while imports move)."""

from theory.validation import *  # noqa: F401,F403
