"""Where things live: one paper -> its claims, closed forms, solvers, problems, derivations,
figures and tests, read off the claim registry.

Every registered claim records the dotted names of its closed form, solver and problem and the
id of its derivation (``@claim(..., closed_form=, solver=, problem=, derivation=)``); this
module groups them by paper, at module granularity, and adds the test files that mirror those
modules (``theory/gan.py`` -> ``tests/theory/test_gan.py``). The documentation's "Where things
live" page (``docs/where.rst``) is generated from :func:`paper_map` on every build;
``python -m experiments.where`` prints the same map as a Markdown table.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from experiments.registry import all_claims

__all__ = ["KEYS", "module_of", "mirror_test_files", "paper_map", "where_things_live"]

ROOT = Path(__file__).resolve().parents[1]

#: The columns of the map, in order.
KEYS = ("claims", "closed forms", "solvers", "problems", "derivations", "figures", "tests")


def module_of(dotted: str | None) -> str | None:
    """The module part of a dotted name that points at a function, class or module.

    >>> module_of("theory.gan.optimal_discriminator")
    'theory.gan'
    >>> module_of("solvers.problems.parallel_lines.discretized")
    'solvers.problems.parallel_lines'
    """
    if not dotted:
        return None
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        path = ROOT.joinpath(*parts[:cut])
        if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file():
            return ".".join(parts[:cut])
    return None


def mirror_test_files(module: str) -> list[str]:
    """The test files that mirror ``module`` (``a.b.c`` -> ``tests/a/b/test_c.py``), if present.

    >>> mirror_test_files("theory.divergences")
    ['tests/theory/test_divergences.py']
    """
    parts = module.split(".")
    found = []
    for candidate in (Path("tests", *parts[:-1], f"test_{parts[-1]}.py"),):
        if (ROOT / candidate).is_file():
            found.append(candidate.as_posix())
    return found


def paper_map() -> dict[str, dict[str, list[str]]]:
    """``{paper: {"claims" | "closed forms" | "solvers" | "problems" | "derivations" | "figures" |
    "tests": sorted names}}`` for every registered claim, grouped by the id's paper prefix."""
    table: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for c in all_claims():
        row = table[c.id.split("/", 1)[0]]
        row["claims"].add(c.check.__module__)
        row["tests"].add("tests/experiments/test_claims.py")
        for key, dotted in (("closed forms", c.closed_form), ("solvers", c.solver),
                            ("problems", c.problem)):
            module = module_of(dotted)
            if module:
                row[key].add(module)
                row["tests"].update(mirror_test_files(module))
        if c.derivation:
            row["derivations"].add(c.derivation)
        row["figures"].update(c.figures)
    return {paper: {k: sorted(row.get(k, ())) for k in KEYS} for paper, row in sorted(table.items())}


def where_things_live() -> str:
    """The map as a Markdown table, one row per paper."""
    lines = ["| paper | " + " | ".join(KEYS) + " |", "|---" * (len(KEYS) + 1) + "|"]
    for paper, row in paper_map().items():
        cells = [", ".join(f"`{v}`" for v in row[k]) or "—" for k in KEYS]
        lines.append(f"| {paper} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m experiments.where: print the map
    print(where_things_live())
