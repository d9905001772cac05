"""A user's claims and derivations: files by path, modules by name, installed plugins.

``ganac verify --claims PATH_OR_MODULE`` (and ``list``, ``derive``, ``show``) loads a user's own
claims beside ganac's.  A *path* (``claims.py``, ``papers/mine.py``) is executed as a module under
a private name derived from its resolved path (``_ganac_user_<hash>_<stem>``), with
:func:`importlib.util.spec_from_file_location`: the file's folder is **never** put on
``sys.path``, so a research folder with its own ``experiments/`` or ``theory/`` package cannot
shadow ganac's (the file's ``from experiments import claim`` finds ganac's, already imported).
The same path always gets the same name, so a worker process (``-j N``) that loads it again
finds the claims under the same module.  A *module name* (``mypaper.claims``) is imported
normally and must be importable (installed, or on ``PYTHONPATH``).

Installed packages register claims through the entry-point group ``ganac.claims``
(:data:`ENTRY_POINT_GROUP`): each entry point names a module (importing it registers its
``@claim`` and ``@derivation`` functions) or a function called with no arguments.  They are
loaded by :func:`experiments.registry.load_all`, after ganac's own claims; set the environment
variable ``GANAC_NO_PLUGINS=1`` to skip them.

Ganac's own claims and derivations are always registered first, so an id of a user's claim or
derivation that is already taken is reported as a clash in the user's source
(:class:`ClaimsError`), never as a problem of ganac's module.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ENTRY_POINT_GROUP", "ClaimsError", "Loaded", "load", "load_source", "load_plugins",
           "module_name_for", "pytest_claims"]

#: The entry-point group through which installed packages register claims.
ENTRY_POINT_GROUP = "ganac.claims"

_MODULE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class ClaimsError(Exception):
    """A user's claims source cannot be loaded (a missing file, an id clash, an exception)."""


@dataclass(frozen=True)
class Loaded:
    """What one source registered: ``source`` as given, ``key`` (a resolved path, a module
    name, or ``entry point NAME``), the module name, and the claim and derivation ids."""

    source: str
    key: str
    module: str
    claims: tuple[str, ...]
    derivations: tuple[str, ...]


#: key -> Loaded, for every source loaded in this process.
_LOADED: dict[str, Loaded] = {}
_PLUGINS: list[Loaded] | None = None


def _is_path(source: str) -> bool:
    return source.endswith(".py") or os.sep in source or "/" in source or Path(source).is_file()


def module_name_for(path: "str | os.PathLike") -> str:
    """The private module name of a claims file: stable for one resolved path, unique across."""
    resolved = Path(path).expanduser().resolve()
    digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:12]
    stem = re.sub(r"\W", "_", resolved.stem) or "claims"
    return f"_ganac_user_{digest}_{stem}"


def _registries():
    from experiments import registry
    from proofs_check import core

    return registry, core


def _load_builtins() -> None:
    """Ganac's own claims and derivations, registered before any user source (see module doc)."""
    import proofs_check
    from experiments import registry

    registry.load_all()
    proofs_check.load_all()


def _snapshot() -> tuple[set, set]:
    registry, core = _registries()
    return set(registry.REGISTRY), set(core.registered())


def _rollback(before: tuple[set, set]) -> None:
    """Forget what a failed source registered, so a retry starts clean."""
    registry, core = _registries()
    registry.unregister(set(registry.REGISTRY) - before[0])
    core.unregister(set(core.registered()) - before[1])


def _clash_message(exc: Exception, where: str) -> str:
    from experiments.registry import DuplicateIdError

    kind = "claim" if isinstance(exc, DuplicateIdError) else "derivation"
    owner = exc.existing.rsplit(".", 1)[0]
    if owner.startswith("_ganac_user_"):
        owner = next((f"--claims {v.source}" for v in _LOADED.values() if v.module == owner), owner)
    return (f"{where}: {kind} id {exc.id!r} is already registered by {owner}; "
            "give your " + kind + " another id (e.g. 'yourpaper2024/...')")


def _registered_by(module: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Claim and derivation ids whose functions live in ``module`` (or its submodules)."""
    registry, core = _registries()

    def mine(fn) -> bool:
        m = getattr(fn, "__module__", "") or ""
        return m == module or m.startswith(module + ".")

    claims = tuple(sorted(i for i, c in registry.REGISTRY.items() if mine(c.check)))
    ders = tuple(sorted(i for i, e in core.registered().items() if mine(e.source)))
    return claims, ders


def _execute(where: str, run, module_name: str, key: str, source: str) -> Loaded:
    from proofs_check.core import DuplicateRegistrationError

    before = _snapshot()
    try:
        run()
    except DuplicateRegistrationError as exc:
        _rollback(before)
        raise ClaimsError(_clash_message(exc, where)) from None
    except ClaimsError:
        _rollback(before)
        raise
    except Exception as exc:
        _rollback(before)
        raise ClaimsError(f"{where}: {type(exc).__name__}: {exc}") from exc
    after = _snapshot()
    new_claims = tuple(sorted(after[0] - before[0]))
    new_ders = tuple(sorted(after[1] - before[1]))
    if not new_claims and not new_ders:  # imported before (e.g. as a plugin): ask the functions
        new_claims, new_ders = _registered_by(module_name)
    loaded = Loaded(source, key, module_name, new_claims, new_ders)
    _LOADED[key] = loaded
    return loaded


def load_source(source: "str | os.PathLike") -> Loaded:
    """Load one claims file (by path) or module (by dotted name); idempotent.

    Raises
    ------
    ClaimsError
        The file or module does not exist, raises on import, or registers an id that is taken.
    TypeError
        ``source`` is not a string or path.
    """
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"`source` must be a file path or a module name (got {type(source).__name__})")
    text = os.fspath(source)
    if not text.strip():
        raise ClaimsError("--claims needs a file path or a module name (got an empty string)")
    _load_builtins()
    if isinstance(source, os.PathLike) or _is_path(text):
        path = Path(text).expanduser().resolve()
        key = str(path)
        if key in _LOADED:
            return _LOADED[key]
        where = f"--claims {text}"
        if not path.is_file():
            raise ClaimsError(f"{where}: no such file")
        name = module_name_for(path)

        def run() -> None:
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                raise ClaimsError(f"{where}: not a Python file")
            module = importlib.util.module_from_spec(spec)
            # in sys.modules while it runs (dataclasses, pickling and typing look it up there)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(name, None)
                raise

        return _execute(where, run, name, key, text)
    if not _MODULE.match(text):
        raise ClaimsError(f"--claims {text!r}: neither a file nor a module name")
    key = text
    if key in _LOADED:
        return _LOADED[key]
    where = f"--claims {text}"

    def run() -> None:
        try:
            importlib.import_module(text)
        except ModuleNotFoundError as exc:
            if exc.name and (text == exc.name or text.startswith(exc.name + ".")):
                raise ClaimsError(f"{where}: no file or importable module of that name (a file needs "
                                  "its path, e.g. ./claims.py; a module must be installed or on "
                                  "PYTHONPATH)") from None
            raise

    return _execute(where, run, text, key, text)


def load(sources: "Iterable[str | os.PathLike] | None") -> list[Loaded]:
    """:func:`load_source` for each source, in order."""
    return [load_source(s) for s in (sources or ())]


def load_plugins() -> list[Loaded]:
    """Load every entry point of the group ``ganac.claims`` once per process.

    Skipped when the environment variable ``GANAC_NO_PLUGINS`` is set to a non-empty value
    other than ``0``.  A plugin that fails to load raises :class:`ClaimsError` naming it.
    """
    global _PLUGINS
    if _PLUGINS is not None:
        return _PLUGINS
    _PLUGINS = []  # set first: a plugin that asks for the registry while loading finds it done
    if os.environ.get("GANAC_NO_PLUGINS", "") not in ("", "0"):
        return _PLUGINS
    from importlib.metadata import entry_points

    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = getattr(getattr(ep, "dist", None), "name", None) or "?"
        where = (f"plugin {ep.name!r} = {ep.value} (package {dist}, entry point group "
                 f"{ENTRY_POINT_GROUP}; GANAC_NO_PLUGINS=1 skips plugins)")

        def run(ep=ep) -> None:
            obj = ep.load()
            if callable(obj) and not inspect.ismodule(obj):
                obj()

        module = ep.value.split(":", 1)[0].strip()
        _PLUGINS.append(_execute(where, run, module, f"entry point {ep.name}", ep.name))
    return _PLUGINS


def loaded() -> list[Loaded]:
    """Every source loaded in this process (files, modules and plugins), in load order."""
    return list(_LOADED.values())


# --------------------------------------------------------------------------- pytest


def _caller_dir(depth: int) -> Path | None:
    frame = inspect.currentframe()
    try:
        for _ in range(depth + 1):
            frame = frame.f_back if frame is not None else None
        filename = frame.f_globals.get("__file__") if frame is not None else None
        return Path(filename).resolve().parent if filename else None
    finally:
        del frame


def pytest_claims(source: "str | os.PathLike", *, seed: int = 0, tier: str = "fast",
                  only: "str | Iterable[str] | None" = None, derivations: bool = True):
    """One pytest test per claim (and per derivation) of a user's claims file or module.

    Put ``test_claims = pytest_claims("claims.py")`` in a test file: pytest then runs each claim
    the file registers at ``seed`` and ``tier`` (a fast-tier claim at tier ``"fast"``) and fails
    that test when the claim fails, naming the failing parts; a claim whose check raises is a
    test error with the traceback.  Refuted and not-reproduced verdicts pass (they are findings
    the claim declares).  With ``derivations=True`` each derivation the file registers (teaching
    examples registered with ``example=True`` excepted) is a test too, failing at its first
    failing step.  A relative path is taken relative to the calling file's folder, so the test
    runs from any working directory.
    """
    import pytest

    from experiments.registry import TIERS, Context, claim_patterns, combine_outcomes
    from experiments.registry import REGISTRY as claims_registry
    import fnmatch

    if tier not in TIERS:
        raise ValueError(f"`tier` must be one of {TIERS} (got {tier!r})")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"`seed` must be a non-negative integer (got {seed!r})")
    text = os.fspath(source)
    if _is_path(text) and not Path(text).expanduser().is_absolute():
        base = _caller_dir(1)
        if base is not None and (base / text).is_file():
            source = base / text
    got = load_source(source)
    patterns = claim_patterns(only)
    chosen = [i for i in got.claims
              if (tier == "full" or claims_registry[i].tier == "fast")
              and (patterns is None or any(fnmatch.fnmatch(i, p) or p in i for p in patterns))]
    params = [("claim", i) for i in chosen]
    if derivations:
        from proofs_check import core

        params += [("derivation", i) for i in got.derivations if not core.registered()[i].example]
    if not params:
        raise ValueError(f"{text!r} registers no claims or derivations"
                         + (f" matching {only!r}" if only else ""))

    @pytest.mark.parametrize("kind,ident", params, ids=[f"{k}:{i}" for k, i in params])
    def test_claim(kind: str, ident: str) -> None:
        if kind == "derivation":
            import proofs_check

            report = proofs_check.get(ident).check(seed=seed)
            if not report.ok:
                pytest.fail(report.format(), pytrace=False)
            return
        parts = claims_registry[ident].run(Context(seed=seed, tier=tier, claim_id=ident))
        if combine_outcomes(ev.outcome for ev in parts.values()) == "fail":
            lines = [f"claim {ident} fails at seed {seed}:"]
            for name, ev in parts.items():
                if ev.outcome == "fail":
                    lines.append(f"  part {name or '(single)'}: predicted {ev.predicted!r}, measured "
                                 f"{ev.measured!r}, error {ev.error:.3g} > tolerance {ev.tolerance:.3g} "
                                 f"({ev.tolerance_reason})")
            pytest.fail("\n".join(lines), pytrace=False)

    return test_claim
