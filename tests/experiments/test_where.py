"""The README's "Where things live" map is the registry's, and every path it names exists."""

from pathlib import Path

from experiments.where import BEGIN, END, paper_map, where_things_live

ROOT = Path(__file__).resolve().parents[2]


def test_readme_map_is_the_registry_map():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert block == where_things_live(), "run `python -m experiments.where` to refresh the README"


def test_every_module_and_test_file_named_exists():
    for paper, row in paper_map().items():
        for key in ("claims", "closed forms", "solvers", "problems"):
            for module in row[key]:
                path = ROOT.joinpath(*module.split("."))
                assert path.with_suffix(".py").is_file() or (path / "__init__.py").is_file(), (paper, module)
        for test_file in row["tests"]:
            assert (ROOT / test_file).is_file(), (paper, test_file)
        assert row["claims"] and "tests/experiments/test_claims.py" in row["tests"]
