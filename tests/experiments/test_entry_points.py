"""Installed packages register claims through the entry-point group ``ganac.claims``.

The fixture package tests/data/ganac_demo_plugin is installed the way pip lays out a wheel --
its package folder plus a ``.dist-info`` holding METADATA and entry_points.txt -- into a
temporary site folder put on PYTHONPATH of a ``ganac`` subprocess.  (It is written by hand, not
by ``pip install``: building needs ``wheel``, which a fresh venv without network lacks; what
ganac reads, importlib.metadata's view of the installed distribution, is the same.)
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "ganac_demo_plugin"
GANAC = Path(sys.executable).with_name("ganac")


def _install(site: Path, entry_point: str = "demo = ganac_demo_plugin.claims") -> None:
    shutil.copytree(DATA / "src" / "ganac_demo_plugin", site / "ganac_demo_plugin")
    info = site / "ganac_demo_plugin-0.0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ganac-demo-plugin\nVersion: 0.0.1\n")
    (info / "entry_points.txt").write_text(f"[ganac.claims]\n{entry_point}\n")
    (info / "RECORD").write_text("")


def _ganac(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GANAC_NO_PLUGINS")}
    env.update(PYTHONPATH=str(site), MPLBACKEND="Agg")
    return subprocess.run([str(GANAC), *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def test_the_fixture_declares_the_entry_point_written_here():
    text = (DATA / "pyproject.toml").read_text()
    assert '[project.entry-points."ganac.claims"]' in text
    assert 'demo = "ganac_demo_plugin.claims"' in text


@pytest.mark.skipif(not GANAC.exists(), reason="the ganac console script is not installed")
def test_an_installed_plugin_is_verified_derived_and_shown(tmp_path):
    site = tmp_path / "site"
    _install(site)
    out = tmp_path / "out"
    run = _ganac(site, "verify", "--only", "demoplugin2024", "-j", "1", "--no-figures", "--no-progress",
                 "--out", str(out), cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "demoplugin2024/harmonic-3" in run.stdout and "1 passed" in run.stdout
    # the claim's recorded derivation, through `ganac derive CLAIM_ID`
    run = _ganac(site, "derive", "demoplugin2024/harmonic-3", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "[demoplugin2024/square]" in run.stdout and "OK: all 1 steps check" in run.stdout
