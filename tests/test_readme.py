"""The README's promises: it is one screen long, its first screen holds the two set-up commands,
CI runs the same install and test command, and every link it gives leads to a page that exists.
(The examples and tables that used to live in the README are in docs/, checked by
tests/test_docs.py.)"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_first_screen_has_the_two_setup_commands():
    first_screen = "\n".join(README.splitlines()[:20])
    assert 'pip install -e . && ganac verify' in first_screen
    assert 'pip install -e ".[test]" && python -m pytest' in first_screen


def test_ci_installs_and_tests_as_the_readme_says():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert 'pip install -e ".[test]"' in ci
    assert re.search(r"^python -m pytest\s*$", ci, flags=re.M)


def test_readme_is_one_screen():
    # An introduction, the two commands and links: the manual lives in docs/.  60 lines of at
    # most ~100 characters is a screen and a half of a laptop terminal; the 45,000-character
    # README this replaced was the reason for the limit.
    assert len(README.splitlines()) <= 60
    assert len(README) <= 5000


def test_every_relative_link_exists():
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README)
    local = [link for link in links if not re.match(r"[a-z]+://", link)]
    assert local, "the README links to the documentation pages"
    missing = [link for link in local if not (ROOT / link).is_file()]
    assert not missing, f"README links to missing files: {missing}"


def test_readme_shows_how_to_build_the_docs():
    assert 'pip install -e ".[docs]"' in README
    assert "python -m sphinx -W -b html docs" in README
