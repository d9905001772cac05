"""`ganac bench --quick` keeps the benchmark code paths alive.  No timing is asserted (speed is
reported as ratios by `ganac bench`, never tested); what is asserted is that ganac and the peer
computed the same number on the same input."""

import json

from experiments import cli
from experiments.bench import all_benchmarks

#: Agreement between ganac and scipy/POT on identical normalized inputs: float64 rounding of
#: sums over up to 1e4 terms.
AGREE_ATOL = 1e-12


def test_divergence_benchmarks_agree_with_peers():
    rows = all_benchmarks()["divergences"](quick=True)
    assert rows
    for row in rows:
        assert row.ours_seconds > 0
        if row.agree is not None:
            assert row.agree <= AGREE_ATOL, (row.name, row.size, row.agree)


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
