"""The README's promises: its first screen holds the two set-up commands, CI runs the same
install and test command, and its Python example runs."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _code_blocks(lang):
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_first_screen_has_the_two_setup_commands():
    first_screen = "\n".join(README.splitlines()[:20])
    assert 'pip install -e . && ganac verify' in first_screen
    assert 'pip install -e ".[test]" && python -m pytest' in first_screen


def test_ci_installs_and_tests_as_the_readme_says():
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install -e ".[test]"' in ci
    assert re.search(r"^python -m pytest\s*$", ci, flags=re.M)


def test_property_testing_example_runs():
    example = next(block for block in _code_blocks("python") if "matched_pairs" in block)
    namespace = {}
    exec(example, namespace)  # defines test_my_jsd, which calls the user's my_jsd
    from scipy.special import entr

    def entropy_form_jsd(p, q):
        # JS = H((p + q)/2) - (H(p) + H(q))/2, an independent route to the same number.
        # (scipy's jensenshannon is not used: the strategies draw subnormal atoms, on which it
        # returns log 2 for p ~= q.)
        return entr(0.5 * p + 0.5 * q).sum() - 0.5 * (entr(p).sum() + entr(q).sum())

    namespace["my_jsd"] = entropy_form_jsd
    namespace["test_my_jsd"]()
    namespace["my_jsd"] = lambda p, q: 0.5 * entropy_form_jsd(p, q)  # a wrong one is caught
    with pytest.raises(AssertionError):
        namespace["test_my_jsd"]()


def test_every_registered_claim_is_in_the_claims_table():
    from experiments.registry import all_claims

    table = README[README.index("## What is verified today"):]
    table = table[:table.index("\n## ")]
    missing = [c.id for c in all_claims() if f"`{c.id}`" not in table]
    assert not missing, f"claims missing from the README table: {missing}"


#: Python blocks meant to run; excerpts with "..." placeholders (the worked example) are not.
RUNNABLE = [block for block in _code_blocks("python") if "..." not in block]


@pytest.mark.parametrize("block", RUNNABLE, ids=[f"example{i}" for i in range(len(RUNNABLE))])
def test_every_python_example_runs(block):
    exec(block, {})
