"""The "Where things live" map is the registry's, every path it names exists, and the
documentation page shows it (generated on every build, so it cannot go stale)."""

from pathlib import Path

from experiments.registry import all_claims
from experiments.where import KEYS, module_of, paper_map, where_things_live

ROOT = Path(__file__).resolve().parents[2]


def test_every_module_and_test_file_named_exists():
    for paper, row in paper_map().items():
        for key in ("claims", "closed forms", "solvers", "problems"):
            for module in row[key]:
                path = ROOT.joinpath(*module.split("."))
                assert path.with_suffix(".py").is_file() or (path / "__init__.py").is_file(), (paper, module)
        for test_file in row["tests"]:
            assert (ROOT / test_file).is_file(), (paper, test_file)
        assert row["claims"] and "tests/experiments/test_claims.py" in row["tests"]


def test_map_has_every_paper_and_every_claims_module():
    # Independent route: the papers and claim modules read straight off the registry.
    claims = all_claims()
    papers = {c.id.split("/", 1)[0] for c in claims}
    table = paper_map()
    assert set(table) == papers
    for c in claims:
        assert c.check.__module__ in table[c.id.split("/", 1)[0]]["claims"], c.id
    markdown = where_things_live().splitlines()
    assert markdown[0] == "| paper | " + " | ".join(KEYS) + " |"
    assert len(markdown) == 2 + len(papers)


def test_module_of_finds_the_module_part():
    assert module_of("theory.gan.optimal_discriminator") == "theory.gan"
    assert module_of("solvers.problems") == "solvers.problems"
    assert module_of("no_such_package.f") is None
    assert module_of(None) is None


def test_docs_page_generates_the_map():
    page = (ROOT / "docs" / "where.rst").read_text(encoding="utf-8")
    assert ".. ganac-where::" in page
