"""`ganac verify` on throwaway claims, in this process (-j 1): the output folder is checked before
any work, reports cover every finished claim of the folder, sweeps, and the verdicts
`refuted` / `not reproduced` in the table and the reports."""

import json

import pytest

from experiments import cli, registry
from experiments.parallel import parse_seeds
from experiments.registry import Evidence, claim


def _run(*args):
    return cli.main(["verify", "-j", "1", "--no-progress", *args])


@pytest.fixture
def calls(monkeypatch):
    """The ids of the claims whose check ran."""
    seen = []
    original = registry.Claim.run
    monkeypatch.setattr(registry.Claim, "run", lambda self, ctx: seen.append(self.id) or original(self, ctx))
    return seen


class TestOutputFolder:
    def test_a_file_is_refused_before_any_work(self, fake_registry, calls, tmp_path, capsys):
        target = tmp_path / "a-file"
        target.write_text("x")
        assert _run("--out", str(target)) == 2
        err = capsys.readouterr().err
        assert "is a file" in err and len(err.strip().splitlines()) == 1
        assert calls == []

    def test_an_uncreatable_folder_is_refused_before_any_work(self, fake_registry, calls, tmp_path, capsys):
        (tmp_path / "a-file").write_text("x")
        assert _run("--out", str(tmp_path / "a-file" / "sub")) == 2  # a folder inside a file
        assert "cannot be created" in capsys.readouterr().err
        assert calls == []

    def test_an_empty_name_is_refused(self, fake_registry, calls, tmp_path, capsys, monkeypatch):
        monkeypatch.chdir(tmp_path)
        assert _run("--out", "") == 2
        assert "empty" in capsys.readouterr().err
        assert calls == [] and not list(tmp_path.iterdir())

    def test_figures_and_bench_check_their_folder_too(self, tmp_path, capsys):
        (tmp_path / "f").write_text("x")
        assert cli.main(["figures", "arjovsky2017_fig1", "--out", str(tmp_path / "f")]) == 2
        assert cli.main(["bench", "divergences", "--quick", "--out", ""]) == 2


class TestUsageErrors:
    """Every command refuses a mistake in its words the same way: exit code 2, one stderr line."""

    @pytest.mark.parametrize("argv, says", [
        (["verify", "-j", "0"], "-j/--jobs must be a positive integer"),
        (["verify", "--only", "no-such-claim*"], "no claims match"),
        (["figures", "--format", "gif"], "--format must be a comma-separated list"),
        (["report", "--seed", "-1"], "--seed must be a non-negative integer"),
        (["report", "--out", "missing"], "is not a folder"),
        (["show", "no/such-claim"], "no claim with id"),
        (["bench", "no-such-bench"], "unknown benchmark"),
    ], ids=lambda v: v[0] if isinstance(v, list) else None)
    def test_refused_with_one_line_and_exit_code_2(self, fake_registry, calls, tmp_path, capsys,
                                                     monkeypatch, argv, says):
        monkeypatch.chdir(tmp_path)
        assert cli.main(argv) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and says in err[0]
        assert calls == []


class TestReportsCoverTheFolder:
    def test_two_only_runs_into_one_folder(self, fake_registry, tmp_path, capsys):
        _run("--only", "demo/passes", "--out", str(tmp_path))
        _run("--only", "demo/fails", "--out", str(tmp_path))
        results = json.loads((tmp_path / "results.json").read_text())
        assert [c["id"] for c in results["claims"]] == ["demo/fails", "demo/passes"]
        assert results["counts"]["pass"] == 1 and results["counts"]["fail"] == 1
        for report in ("report.md", "report.html"):
            text = (tmp_path / report).read_text()
            assert "demo/passes" in text and "demo/fails" in text

    def test_claims_of_another_seed_or_tier_are_left_out(self, fake_registry, tmp_path, capsys):
        _run("--only", "demo/passes", "--out", str(tmp_path))
        _run("--only", "demo/fails", "--out", str(tmp_path), "--seed", "1")
        results = json.loads((tmp_path / "results.json").read_text())
        assert results["seed"] == 1 and [c["id"] for c in results["claims"]] == ["demo/fails"]
        _run("--only", "demo/passes", "--out", str(tmp_path), "--tier", "full")
        results = json.loads((tmp_path / "results.json").read_text())
        assert [c["id"] for c in results["claims"]] == ["demo/passes"]

    def test_only_takes_several_patterns(self, fake_registry, calls, tmp_path, capsys):
        assert _run("--only", "demo/passes,demo/fails", "--out", str(tmp_path)) == 1
        assert sorted(calls) == ["demo/fails", "demo/passes"]
        calls.clear()
        assert _run("--only", "demo/passes", "--only", "*fails", "--out", str(tmp_path / "b")) == 1
        assert sorted(calls) == ["demo/fails", "demo/passes"]


class TestSweep:
    def test_parse_seeds(self):
        assert parse_seeds("0-19") == list(range(20))
        assert parse_seeds("0,3,5-7") == [0, 3, 5, 6, 7]
        assert parse_seeds("4") == [4]
        for bad in ("", "3-1", "-1", "a", "1,,2", "1-b"):
            with pytest.raises(ValueError, match="--seeds"):
                parse_seeds(bad)

    def test_sweep_writes_seed_folders_and_counts(self, fake_registry, calls, tmp_path, capsys):
        assert _run("--seeds", "0-2", "--out", str(tmp_path)) == 1  # demo/fails fails at every seed
        out = capsys.readouterr().out
        assert "demo/fails" in out and "2 claims x 3 seeds" in out
        summary = json.loads((tmp_path / "sweep.json").read_text())
        assert summary["seeds"] == [0, 1, 2]
        assert summary["claims"]["demo/passes"]["pass"] == 3
        assert summary["claims"]["demo/fails"]["failed_seeds"] == [0, 1, 2]
        for seed in range(3):
            results = json.loads((tmp_path / f"seed-{seed}" / "results.json").read_text())
            assert results["seed"] == seed and len(results["claims"]) == 2
        assert sorted(calls) == sorted(["demo/fails", "demo/passes"] * 3)
        assert _run("--seeds", "0,2", "--only", "demo/passes", "--out", str(tmp_path / "ok")) == 0

    def test_bad_seed_lists(self, fake_registry, tmp_path, capsys):
        assert _run("--seeds", "3-1", "--out", str(tmp_path)) == 2
        with pytest.raises(SystemExit):  # --seed and --seeds exclude each other
            _run("--seeds", "0-1", "--seed", "2", "--out", str(tmp_path))
        assert _run("-j", "0", "--out", str(tmp_path)) == 2


@pytest.fixture
def verdict_claims(fake_registry):
    @claim("demo/not-reproduced", statement="A gap.", source="a big paper, Table 1", kinds=("neural",))
    def _nr(ctx):
        gap = Evidence.bound(0.03, 0.0, relation="<=", reason="ordering: difference must be <= 0")
        return {"neural-ordering": Evidence.not_reproduced(gap, why="too small a network here")}

    @claim("demo/refuted", statement="x^2 >= x for all x.", source="a hasty paper, eq. (7)",
           kinds=("exact",))
    def _ref(ctx):
        return Evidence.refuted(printed="x^2 >= x for all real x", counterexample={"x": 0.5}, lhs=0.25,
                                rhs=0.5, refutes=0.25 < 0.5, reason="exact arithmetic at x = 1/2")

    return fake_registry


def test_refuted_and_not_reproduced_in_table_and_reports(verdict_claims, tmp_path, capsys):
    assert _run("--only", "demo/not-reproduced,demo/refuted,demo/passes", "--out", str(tmp_path)) == 0
    table = capsys.readouterr().out
    assert "NOT REPRODUCED" in table and "REFUTED" in table
    assert "3 claims: 1 passed, 0 failed, 1 refuted, 1 not reproduced" in table
    md = (tmp_path / "report.md").read_text()
    assert "3 claims: 1 passed, 0 failed, 1 refuted, 1 not reproduced" in md
    assert "## Not reproduced" in md and "too small a network here" in md and "gap 0.03" in md
    assert "## Where the literature is wrong or imprecise" in md and "x^2 >= x for all real x" in md
    html = (tmp_path / "report.html").read_text()
    assert "<h2>Not reproduced</h2>" in html and "too small a network here" in html
    assert "<h2>Where the literature is wrong or imprecise</h2>" in html
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["counts"] == {"pass": 1, "fail": 0, "refuted": 1, "not reproduced": 1, "error": 0}
