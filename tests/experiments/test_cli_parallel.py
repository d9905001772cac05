"""`ganac verify` in worker processes and on a Dask cluster: the same evidence as in one process
(a claim's randomness comes from (seed, claim id, stream)), and Ctrl-C keeps what finished."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from experiments import cli

ROOT = Path(__file__).resolve().parents[2]
#: Two cheap claims in two modules (so -j 2 really uses two workers), both drawing from ctx.rng.
CHEAP = "lin1991/js-bounds,dowson1982/w2-gaussian"


def _evidence(out: Path) -> dict:
    """Claim id -> evidence parts (the run-dependent seconds left out)."""
    results = json.loads((out / "results.json").read_text())
    return {c["id"]: c["parts"] for c in results["claims"]}


def _verify(out: Path, *extra) -> int:
    return cli.main(["verify", "--only", CHEAP, "--out", str(out), "--no-figures", "--no-progress", *extra])


def test_one_and_two_workers_give_identical_evidence(tmp_path, capsys):
    assert _verify(tmp_path / "j1", "-j", "1") == 0
    assert _verify(tmp_path / "j2", "-j", "2") == 0
    one, two = _evidence(tmp_path / "j1"), _evidence(tmp_path / "j2")
    assert set(one) == {"lin1991/js-bounds", "dowson1982/w2-gaussian"}
    assert one == two


def test_sweep_in_workers_matches_single_seed_runs(tmp_path, capsys):
    assert _verify(tmp_path / "sweep", "-j", "2", "--seeds", "1,2") == 0
    for seed in (1, 2):
        assert _verify(tmp_path / f"s{seed}", "-j", "1", "--seed", str(seed)) == 0
        assert _evidence(tmp_path / "sweep" / f"seed-{seed}") == _evidence(tmp_path / f"s{seed}")


def _processes_with(marker: str) -> list[int]:
    """Processes whose environment carries ``marker`` (Linux /proc)."""
    found = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if marker.encode() in (d / "environ").read_bytes():
                    found.append(int(d.name))
            except OSError:
                continue
    return found


#: Registers two throwaway claims (a quick one, and one that waits two minutes), in two modules,
#: then runs the command line; the workers import the same modules to find them.
DRIVER = ("import sys; import tests.experiments._cli_claims_quick, tests.experiments._cli_claims_slow; "
          "from experiments.cli import main; raise SystemExit(main(sys.argv[1:]))")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc to find leftover workers")
def test_ctrl_c_keeps_finished_claims_and_stops_the_workers(tmp_path):
    marker = f"ganac-test-{uuid.uuid4().hex}"
    env = dict(os.environ, GANAC_TEST_MARKER=marker, MPLBACKEND="Agg")
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-c", DRIVER, "verify", "--only", "clitest/*", "-j", "2", "--out", str(out),
         "--no-progress"],
        cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        finished = out / "claims" / "clitest__quick.json"
        deadline = time.monotonic() + 300  # worker start-up imports numpy/scipy/sympy: slow under load
        while not finished.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the quick claim never finished"
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the whole process group
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr
    assert "interrupted: 1 finished claims kept" in stderr
    results = json.loads((out / "results.json").read_text())
    assert [(c["id"], c["status"]) for c in results["claims"]] == [("clitest/quick", "pass")]
    assert not (out / "claims" / "clitest__slow.json").exists()
    deadline = time.monotonic() + 10
    while _processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _processes_with(marker), "a worker outlived the interrupted run"


def test_dask_scheduler_gives_the_same_evidence(tmp_path, capsys):
    pytest.importorskip("distributed", reason='--scheduler needs dask.distributed: pip install "ganac[dask]"')
    dask = shutil.which("dask", path=os.path.dirname(sys.executable)) or shutil.which("dask")
    if dask is None:
        pytest.skip("the `dask` command (dask.distributed) is not on PATH")
    info = tmp_path / "scheduler.json"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               MPLBACKEND="Agg")
    started = []
    try:
        started.append(subprocess.Popen(
            [dask, "scheduler", "--scheduler-file", str(info), "--port", "0", "--no-dashboard"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 120
        while not info.exists():
            assert started[0].poll() is None, "dask scheduler exited"
            assert time.monotonic() < deadline, "dask scheduler did not start"
            time.sleep(0.2)
        time.sleep(0.5)  # the file is written in one go, but give the writer a moment to close it
        address = json.loads(info.read_text())["address"]
        started.append(subprocess.Popen(
            [dask, "worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        assert _verify(tmp_path / "dask", "--scheduler", address) == 0
    finally:
        for p in reversed(started):
            p.terminate()
        for p in started:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    assert _verify(tmp_path / "j1", "-j", "1") == 0
    assert _evidence(tmp_path / "dask") == _evidence(tmp_path / "j1")


def test_scheduler_without_distributed_is_a_clear_message(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    assert _verify(tmp_path, "--scheduler", "tcp://127.0.0.1:1") == 2
    assert 'pip install "ganac[dask]"' in capsys.readouterr().err
