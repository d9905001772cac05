"""`ganac bench --quick` keeps the benchmark code paths alive.  No timing is asserted (speed is
reported as ratios by `ganac bench`, never tested); what is asserted is that ganac and the peer
computed the same number on the same input."""

import json

from experiments import cli
from experiments.bench import all_benchmarks

#: Agreement between ganac and scipy on identical normalized inputs: float64 rounding of
#: sums over up to 1e4 terms.
AGREE_ATOL = 1e-12
#: Exact OT against POT's network simplex: our LP route has HiGHS feasibility tolerances
#: 1e-10 on costs rescaled to ~2**13 (theory.optimal_transport), so 1e-9 on O(1) costs.
OT_AGREE_ATOL = 1e-9


def test_divergence_benchmarks_agree_with_peers():
    rows = all_benchmarks()["divergences"](quick=True)
    assert rows
    for row in rows:
        assert row.ours_seconds > 0
        if row.agree is not None:
            atol = OT_AGREE_ATOL if row.name.startswith("wasserstein_discrete") else AGREE_ATOL
            assert row.agree <= atol, (row.name, row.size, row.agree)
    # the np.log and np.log1p floors are measured at each K, and every KL/JS row is reported
    # against the cheaper of the two, times the logarithms it needs per atom
    log = {r.size: r.ours_seconds for r in rows if r.name.startswith("floor: np.log ")}
    log1p = {r.size: r.ours_seconds for r in rows if r.name.startswith("floor: np.log1p ")}
    assert set(log) == set(log1p) == {"K=1e+03", "K=1e+04", "K=1e+04 p~q"}
    for row in rows:
        if row.name in ("kl_divergence", "js_divergence"):
            logs = 1 if row.name == "kl_divergence" else 2  # logarithms per atom
            assert row.extra["floor_logs_per_atom"] == logs
            assert row.extra["floor_seconds"] == logs * min(log[row.size], log1p[row.size])
            assert row.extra["over_floor"] == row.ours_seconds / row.extra["floor_seconds"]
            assert "x floor" in row.note
    routes = {r.extra["method"] for r in rows if r.name.startswith("wasserstein_discrete")}
    assert {"assignment", "lp"} <= routes


def test_ot_benchmark_without_pot(monkeypatch):
    import sys

    # Without POT the routes are still timed, with no peer and a note saying why.
    monkeypatch.setitem(sys.modules, "ot", None)
    rows = all_benchmarks()["divergences"](quick=True)
    ot_rows = [r for r in rows if r.name.startswith("wasserstein_discrete")]
    assert ot_rows and all(r.peer is None and "POT not installed" in r.note for r in ot_rows)
    assert {r.extra["method"] for r in ot_rows} == {"assignment", "lp"}


def test_bench_cli_json(tmp_path, capsys):
    assert cli.main(["bench", "divergences", "--quick", "--json", "--out", str(tmp_path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert "divergences" in printed["results"]
    assert json.loads((tmp_path / "bench.json").read_text()) == printed
    machine = printed["machine"]
    for key in ("cpu", "simd", "blas", "cores", "python", "numpy", "scipy"):
        assert machine[key], key


def test_bench_text_names_the_machine(capsys):
    import numpy as np

    assert cli.main(["bench", "divergences", "--quick"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("machine: ") and "SIMD (numpy): " in out and "BLAS: " in out
    assert f"numpy {np.__version__}" in out


def test_bench_cli_unknown_name(capsys):
    assert cli.main(["bench", "no-such-bench"]) == 2


def test_bench_name_selects_its_family(capsys):
    from experiments.cli import main

    assert main(["bench", "rl", "--quick", "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)["results"]) == {"rl", "rl-seqgan"}


def test_round_robin_turns_and_batches():
    from experiments.bench import round_robin

    calls = {"a": 0, "b": 0}
    order = []

    def make(name):
        def fn():
            calls[name] += 1
            order.append(name)
        return fn

    # batch_time <= 0: one call per turn, no calibration run, the functions taking turns
    best = round_robin({"a": make("a"), "b": make("b")}, rounds=3, batch_time=0.0)
    assert calls == {"a": 3, "b": 3} and order == ["a", "b"] * 3
    assert set(best) == {"a", "b"} and all(0 <= t < float("inf") for t in best.values())
    # batch_time > 0: a calibration doubling 1, 2, 4, ... calls until a batch lasts that long
    # (capped at 2**16 calls: 2**16 no-op calls never last 60 s), then `rounds` batches of that size
    calls.update(a=0)
    round_robin({"a": make("a")}, rounds=2, batch_time=60.0)
    assert calls["a"] == (2**17 - 1) + 2 * 2**16


def test_openblas_threads_round_trip():
    from experiments.bench import openblas_threads

    blas = openblas_threads()
    if blas is None:  # numpy built against another BLAS: nothing to set
        return
    get, set_ = blas
    before = get()
    try:
        set_(1)
        assert get() == 1
    finally:
        set_(before)
    assert get() == before
