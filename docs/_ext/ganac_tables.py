"""reStructuredText generated from ganac's registries, for the documentation site.

Pure functions of the claim and figure registries, the command-line parser and the source
tree; no Sphinx import, so the tests can call them without Sphinx installed.
``ganac_docs`` (the Sphinx extension) parses their output into the pages at build time, so a
claim or figure registered today appears in the next build without anyone editing a page.

- :func:`claims_rst` -- every registered claim (id, statement, kinds, tier, source), by paper;
- :func:`where_rst` -- one row per paper: claims, closed forms, solvers, problems,
  derivations, figures, tests (:func:`experiments.where.paper_map`);
- :func:`gallery_rst` -- every registered figure with its title, the claims it checks and the
  command that draws it, and its picture when ``docs/gallery/NAME.png`` exists;
- :func:`cli_rst` -- ``ganac --help`` and every subcommand's help;
- :func:`public_modules` and :func:`write_module_pages` -- the API reference's module pages.
"""

from __future__ import annotations

import argparse
import fnmatch
import importlib
import importlib.util
import inspect
import os
import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1]
#: The folder holding the pillars' packages: where ``theory`` is imported from (so a copy of
#: ``docs/`` built elsewhere still documents the installed or checked-out package).
ROOT = Path(importlib.util.find_spec("theory").origin).resolve().parents[1]
GALLERY = DOCS / "gallery"

#: The API reference: page name -> (title, packages whose modules it lists, recursive?).
PILLARS = {
    "theory": ("theory: closed forms", "theory", True),
    "solvers": ("solvers: shared results and specifications", "solvers", False),
    "solvers_problems": ("solvers.problems: the toy problems", "solvers.problems", True),
    "solvers_tabular": ("solvers.tabular: exact and tabular solvers", "solvers.tabular", True),
    "solvers_neural": ("solvers.neural: small networks and their learners", "solvers.neural", True),
    "solvers_dynamics": ("solvers.dynamics: Dirac-GAN integrators", "solvers.dynamics", True),
    "proofs_check": ("proofs_check: symbolic derivations", "proofs_check", True),
    "experiments": ("experiments: registry, figures, report, command line", "experiments", False),
}

#: experiments' subpackages documented with their modules; ``experiments.figures`` is documented
#: as a package only (its figure scripts are in the gallery, and the claim modules in the claims
#: table, both read from their registries).
EXPERIMENTS_SUBPACKAGES = ("experiments.report", "experiments.bench")

_RST_SPECIAL = re.compile(r"([\\`*_|\[\]<>:])")


def escape(text: str) -> str:
    """``text`` as literal reStructuredText inline content (markup characters escaped)."""
    return _RST_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def literal(text: str) -> str:
    """``text`` as an inline literal (``text``), safe for any characters but backquotes."""
    return "``" + str(text).replace("`", "'") + "``"


# --- modules ---------------------------------------------------------------------------------

def _is_deprecated_shim(path: Path) -> bool:
    """A module left at an old (British-spelling) path that only warns and re-exports."""
    return "warn_module_renamed(__name__" in path.read_text(encoding="utf-8")


def public_modules(package: str, *, recursive: bool = True) -> list[str]:
    """Dotted names of ``package`` and its public modules (no ``_private`` parts, no deprecated
    shims), read from the source tree, sorted; with ``recursive=False`` only its own modules.

    >>> public_modules("solvers.dynamics")[:2]
    ['solvers.dynamics', 'solvers.dynamics.categorical_jacobian']
    """
    base = ROOT.joinpath(*package.split("."))
    names = [package]
    for path in sorted(base.rglob("*.py") if recursive else base.glob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(part.startswith("_") for part in parts) or _is_deprecated_shim(path):
            continue
        name = ".".join(parts)
        if name != package:
            names.append(name)
    return sorted(set(names))


def pillar_modules(page: str) -> list[str]:
    """The modules the API page ``page`` (a key of :data:`PILLARS`) documents."""
    _, package, recursive = PILLARS[page]
    modules = public_modules(package, recursive=recursive)
    if page == "experiments":
        for sub in EXPERIMENTS_SUBPACKAGES:
            modules += public_modules(sub, recursive=True)
        modules.append("experiments.figures")
    return sorted(set(modules))


def public_names(module) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n, v in vars(module).items()
                 if not n.startswith("_") and getattr(v, "__module__", None) == module.__name__
                 and callable(v)]
    return list(names)


def documented_data(module) -> set[str]:
    """Names of ``module``'s variables that carry a ``#:`` doc comment (the comment lines just
    above the assignment, or after it on the same line), which autodoc shows."""
    try:
        src = inspect.getsource(module)
    except (OSError, TypeError):
        return set()
    above = re.finditer(r"(?:^[ ]*#:.*\n)+^(\w+)\s*(?::[^=\n]*)?=", src, flags=re.M)
    inline = re.finditer(r"^(\w+)\s*(?::[^=\n]*)?=.*#:", src, flags=re.M)
    return {m.group(1) for m in above} | {m.group(1) for m in inline}


def _directive(module: str, name: str, obj, documented: set[str]) -> list[str]:
    if inspect.isclass(obj):
        return [f".. autoclass:: {module}.{name}", "   :members:", "   :show-inheritance:", ""]
    if callable(obj):
        return [f".. autofunction:: {module}.{name}", ""]
    if name in documented:
        return [f".. autodata:: {module}.{name}", "   :no-value:", ""]
    # No doc comment: autodoc would show the docstring of the value's type ("Built-in
    # immutable sequence."), so say only what the value is.
    value = repr(obj)
    lines = [f".. py:data:: {name}"]
    if len(value) <= 100 and "\n" not in value:
        lines.append(f"   :value: {value}")
    return lines + [""]


def _summarised(module, name: str, documented: set[str]) -> bool:
    obj = getattr(module, name)
    return inspect.isclass(obj) or callable(obj) or name in documented


def module_page(name: str) -> str:
    """The reStructuredText page of one module: its docstring, a summary table of the public
    names it defines, then each one's documentation.  Names a package only re-exports are
    listed with a link to the module that defines (and documents) them."""
    module = importlib.import_module(name)
    names = [n for n in public_names(module) if hasattr(module, n)]
    own = [n for n in names if getattr(getattr(module, n), "__module__", name) in (name, None)
           or not hasattr(getattr(module, n), "__module__")]
    reexported = [n for n in names if n not in own]
    lines = [name, "=" * len(name), "", f".. automodule:: {name}", "   :no-members:", ""]
    if own:
        documented = documented_data(module)
        lines += [".. currentmodule:: " + name, ""]
        summarised = [n for n in own if _summarised(module, n, documented)]
        if summarised:
            lines += [".. autosummary::", ""] + [f"   {n}" for n in summarised] + [""]
        for n in own:
            lines += _directive(name, n, getattr(module, n), documented)
    if reexported:
        lines += ["Re-exported names", "-----------------", "",
                  "Importable from here, documented in the module that defines them:", ""]
        for n in reexported:
            home = getattr(module, n).__module__
            lines.append(f"- :py:obj:`{n} <{home}.{n}>`")
        lines.append("")
    return "\n".join(lines)


def write_module_pages(out_dir: Path) -> list[str]:
    """Write one page per documented module into ``out_dir`` (``NAME.rst``), rewriting a page
    only when its text changed and removing pages of modules that are gone; returns the names."""
    out_dir.mkdir(parents=True, exist_ok=True)
    names = sorted({m for page in PILLARS for m in pillar_modules(page)})
    for name in names:
        path = out_dir / f"{name}.rst"
        text = module_page(name)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    for stale in set(out_dir.glob("*.rst")) - {out_dir / f"{n}.rst" for n in names}:
        stale.unlink()
    return names


def first_line(name: str) -> str:
    """The first line of module ``name``'s docstring."""
    doc = importlib.import_module(name).__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def modules_rst(page: str) -> str:
    """A pillar page's table of its modules (name linked to its page, first docstring line)
    and the hidden toctree that puts the module pages under it."""
    modules = pillar_modules(page)
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 35 65", "",
             "   * - module", "     - what it holds"]
    for name in modules:
        lines += [f"   * - :doc:`{name} <generated/{name}>`", f"     - {escape(first_line(name))}"]
    lines += ["", ".. toctree::", "   :hidden:", ""]
    lines += [f"   generated/{name}" for name in modules]
    return "\n".join(lines) + "\n"


# --- registries ------------------------------------------------------------------------------

def _claims():
    os.environ.setdefault("GANAC_NO_PLUGINS", "1")  # ganac's own claims, not a user's plugins
    from experiments.registry import all_claims

    return all_claims()


def _claims_table(claims) -> list[str]:
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 50 14 8 28", "",
             "   * - claim", "     - kinds", "     - tier", "     - source"]
    for c in claims:
        lines += [f"   * - {literal(c.id)}", "",
                  f"       {escape(c.statement)}",
                  f"     - {escape(', '.join(c.kinds))}", f"     - {c.tier}",
                  f"     - {escape(c.source)}"]
    return lines + [""]


def claims_rst(pattern: str | None = None) -> str:
    """Every registered claim, one section and table per paper (the id's prefix); with a glob
    ``pattern``, only the claims whose id matches it, in one table without sections."""
    claims = [c for c in _claims() if pattern is None or fnmatch.fnmatchcase(c.id, pattern)]
    if pattern is not None:
        if not claims:
            return f"No registered claim matches {literal(pattern)} yet.\n"
        return "\n".join(_claims_table(claims))
    by_paper: dict[str, list] = {}
    for c in claims:
        by_paper.setdefault(c.paper, []).append(c)
    lines = [f"{len(claims)} claims from {len(by_paper)} papers "
             "(read from the registry when this page was built).", ""]
    for paper, group in by_paper.items():
        lines += [paper, "-" * max(len(paper), 4), ""] + _claims_table(group)
    return "\n".join(lines)


def where_rst() -> str:
    """The map from each paper to the modules, derivations, figures and tests of its claims."""
    from experiments.where import KEYS, paper_map

    lines = [".. list-table::", "   :header-rows: 1", "", "   * - paper"]
    lines += [f"     - {key}" for key in KEYS]
    for paper, row in paper_map().items():
        lines.append(f"   * - {escape(paper)}")
        for key in KEYS:
            lines.append("     - " + (", ".join(literal(v) for v in row[key]) or "—"))
    return "\n".join(lines) + "\n"


def gallery_rst() -> str:
    """Every registered figure: title, the claims it checks, the command, the picture."""
    from experiments.figures import all_figures

    claims = {c.id: c for c in _claims()}
    lines = []
    for fig in all_figures():
        lines += [fig.name, "-" * len(fig.name), "", f"*{escape(fig.title)}*", ""]
        if (GALLERY / f"{fig.name}.png").is_file():
            alt = " ".join(fig.title.split())  # an option value: plain text, not markup
            lines += [f".. image:: /gallery/{fig.name}.png", f"   :alt: {alt}",
                      "   :width: 640px", ""]
        lines += ["Made by::", "", f"    ganac figures {fig.name}", ""]
        if fig.claims:
            lines += ["Checks:", ""]
            for cid in fig.claims:
                c = claims.get(cid)
                text = f" -- {escape(c.statement)}" if c else ""
                lines.append(f"- {literal(cid)}{text}")
            lines.append("")
    return "\n".join(lines)


def _subparsers(parser: argparse.ArgumentParser):
    for action in parser._actions:  # argparse keeps subparsers only here
        if isinstance(action, argparse._SubParsersAction):
            return action.choices
    return {}


def cli_rst() -> str:
    """``ganac --help`` and each subcommand's ``--help``, as literal blocks."""
    from experiments.cli import build_parser

    os.environ.setdefault("COLUMNS", "100")
    parser = build_parser()
    lines = ["``ganac --help``::", ""]
    lines += ["    " + line for line in parser.format_help().splitlines()] + [""]
    for name, sub in _subparsers(parser).items():
        title = f"ganac {name}"
        lines += [title, "-" * len(title), "", "::", ""]
        lines += ["    " + line for line in sub.format_help().splitlines()] + [""]
    return "\n".join(lines)
