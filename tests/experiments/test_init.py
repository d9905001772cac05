"""The tutorial "Verify your own paper" (docs/tutorial.rst), run as written in an empty folder, and the
same starting point inside a research folder whose own ``experiments``/``theory`` packages
raise on import (ganac must import its own)."""

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from experiments import cli
from experiments.init_template import CLAIMS, FIX, SLIP, write_template

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.skipif(not (BIN / "ganac").exists() or not (BIN / "pytest").exists(),
                                reason="the ganac and pytest console scripts are not installed")


def _section() -> str:
    """The tutorial's walk-through: from its title to its first subsection."""
    page = (ROOT / "docs" / "tutorial.rst").read_text()
    return page[:page.index("\nWriting claims\n")]


def _literal_blocks(marker: str) -> list[str]:
    """The indented blocks that follow ``marker`` (reStructuredText literal blocks), dedented."""
    blocks = re.findall(rf"{re.escape(marker)}\n\n((?:(?: {{3,}}.*)?\n)+)", _section())
    return [textwrap.dedent(b).strip("\n") + "\n" for b in blocks]


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", MPLBACKEND="Agg", GANAC_NO_PLUGINS="1")
    return env


def _run_block(block: str, cwd: Path) -> list[tuple[str, int, int, str]]:
    """Run a README bash block line by line in one shell; (command, expected, got, output)."""
    commands = [line for line in block.splitlines() if line.strip()]
    script = "\n".join(f"{{ {c.split('#')[0].strip()} ; }} > .out{i} 2>&1; echo \"::$?\""
                       for i, c in enumerate(commands))
    run = subprocess.run(["bash", "-c", script + "\npwd"], cwd=cwd, env=_env(), capture_output=True,
                         text=True, timeout=600)
    codes = [int(x) for x in re.findall(r"^::(\d+)$", run.stdout, flags=re.M)]
    where = Path(run.stdout.strip().splitlines()[-1])
    rows = []
    for i, (c, got) in enumerate(zip(commands, codes)):
        out_file = next(p for p in (where / f".out{i}", cwd / f".out{i}") if p.exists())
        expected = int(re.search(r"#\s*exit (\d+)", c).group(1))
        rows.append((c, expected, got, out_file.read_text()))
    assert len(rows) == len(commands), run.stderr
    return rows


def test_the_tutorial_walk_through_runs_as_written(tmp_path):
    blocks = _literal_blocks(".. code-block:: bash")
    assert len(blocks) == 2
    rows = _run_block(blocks[0], tmp_path)
    for command, expected, got, output in rows:
        assert got == expected, f"{command}\n{output}"
    verify_out, derive_out = rows[1][3], rows[2][3]
    assert re.search(r"mypaper2024/lemma1 .*FAIL", verify_out)
    assert re.search(r"mypaper2024/value-at-equilibrium .*PASS", verify_out)
    shown = next(b for b in _literal_blocks("::") if "1. [FAIL]" in b)
    for line in shown.splitlines():  # the tutorial's excerpt is what derive prints
        assert line.split("...")[0].rstrip() in derive_out
    # the fix the tutorial describes, then the second block
    claims = tmp_path / "mypaper" / "claims.py"
    assert f"``{SLIP}``" in _section() and f"``{FIX}``" in _section()
    claims.write_text(claims.read_text().replace(SLIP, FIX))
    for command, expected, got, output in _run_block(blocks[1], tmp_path / "mypaper"):
        assert got == expected, f"{command}\n{output}"
        if command.startswith("pytest"):
            assert "3 passed" in output  # one test per claim (2) and derivation (1)


SHADOW = "raise ImportError('the research folder\\'s own {} package was imported instead of ganac\\'s')\n"


def test_a_research_folder_with_its_own_experiments_and_theory_packages(tmp_path):
    for name in ("experiments", "theory"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(SHADOW.format(name))
    write_template(tmp_path)
    # the user's claims import ganac's theory: the shadow must not win there either
    (tmp_path / "claims.py").write_text(CLAIMS + "\nfrom theory import js_divergence  # ganac's\n")
    env = _env()
    # two workers (spawn): they load the user's file by path too
    run = subprocess.run(["ganac", "verify", "--claims", "claims.py", "--only", "mypaper2024,lin1991/js-bounds",
                          "-j", "2", "--no-figures", "--no-progress", "--out", "out"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 1, run.stderr  # the deliberate slip, nothing else
    assert "3 claims: 2 passed, 1 failed" in run.stdout and "failing: mypaper2024/lemma1" in run.stdout
    assert "research folder" not in run.stdout + run.stderr
    run = subprocess.run(["pytest", "-q", "-p", "no:cacheprovider", "--import-mode=importlib", "test_claims.py"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 1 and "2 failed, 1 passed" in run.stdout, run.stdout
    # what the README warns about: `python -m` puts this folder first on the import path
    run = subprocess.run([sys.executable, "-m", "experiments", "list"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0 and "research folder's own experiments package" in run.stderr


def test_init_refuses_to_overwrite(tmp_path, capsys):
    assert cli.main(["init", str(tmp_path)]) == 0
    assert cli.main(["init", str(tmp_path)]) == 2
    assert "exists; use --force" in capsys.readouterr().err
    assert cli.main(["init", "--force", str(tmp_path)]) == 0
