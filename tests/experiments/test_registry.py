"""The claim registry, the report writers and the `ganac` command line, on throwaway claims."""

import json

import numpy as np
import pytest

from experiments import cli, registry
from experiments.registry import Context, Evidence, claim


class TestEvidence:
    def test_close_passes_within_tolerance_and_reports_worst_entry(self):
        ev = Evidence.close([1.0, 2.0], [1.0, 2.0 + 5e-13], atol=1e-12, reason="float error")
        assert ev.passed
        assert ev.error == pytest.approx(5e-13, rel=1e-3)

    def test_close_fails_outside_tolerance(self):
        ev = Evidence.close(1.0, 1.1, atol=0.01, reason="r")
        assert not ev.passed
        assert ev.error == pytest.approx(0.1)

    def test_matching_infinities_pass_and_mismatched_fail(self):
        assert Evidence.close(np.inf, np.inf, atol=0, reason="r").passed
        assert not Evidence.close(np.inf, 1e300, atol=0, reason="r").passed
        assert not Evidence.close(1.0, np.nan, atol=1.0, reason="r").passed

    def test_bound(self):
        assert Evidence.bound([0.1, 0.2], 0.3, relation="<=", reason="r").passed
        bad = Evidence.bound([0.1, 0.5], 0.3, relation="<=", reason="r")
        assert not bad.passed and bad.error == pytest.approx(0.2)
        assert Evidence.bound(1.0, 0.0, relation=">=", reason="r").passed
        with pytest.raises(ValueError, match="relation"):
            Evidence.bound(1.0, 0.0, relation="==", reason="r")

    def test_to_dict_is_serializable(self):
        ev = Evidence.close(np.array([np.inf, 1.0]), np.array([np.inf, 1.0]), atol=0, reason="r")
        json.dumps(ev.to_dict())


class TestClaimDecorator:
    def test_rejects_malformed_ids_kinds_and_tiers(self, fake_registry):
        with pytest.raises(ValueError, match="paper/short-name"):
            claim("noslash", statement="s", source="s", kinds=("exact",))
        with pytest.raises(ValueError, match="kinds"):
            claim("a/b", statement="s", source="s", kinds=("magic",))
        with pytest.raises(ValueError, match="tier"):
            claim("a/b", statement="s", source="s", kinds=("exact",), tier="slow")

    def test_duplicate_id_rejected(self, fake_registry):
        with pytest.raises(ValueError, match="registered twice"):
            claim("demo/passes", statement="s", source="s", kinds=("exact",))(lambda ctx: None)

    def test_select_by_tier_and_pattern(self, fake_registry):
        assert [c.id for c in registry.select(tier="fast")] == ["demo/fails", "demo/passes"]
        assert len(registry.select(tier="full")) == 3
        assert [c.id for c in registry.select(only="*pass*")] == ["demo/passes"]

    def test_context_streams_are_reproducible_and_distinct(self):
        a, b = Context(seed=3), Context(seed=3)
        assert np.array_equal(a.rng(1).random(4), b.rng(1).random(4))
        assert not np.array_equal(a.rng(1).random(4), a.rng(2).random(4))


class TestCommandLine:
    def test_verify_writes_reports_and_exits_nonzero_on_failure(self, fake_registry, tmp_path, capsys):
        code = cli.main(["verify", "-j", "1", "--out", str(tmp_path), "--tier", "full", "--no-progress"])
        assert code == 1
        table = capsys.readouterr().out
        assert "demo/passes" in table and "FAIL" in table and "ERROR" in table
        results = json.loads((tmp_path / "results.json").read_text())
        status = {c["id"]: c["status"] for c in results["claims"]}
        assert status == {"demo/fails": "fail", "demo/passes": "pass", "demo/raises": "error"}
        md = (tmp_path / "report.md").read_text()
        # a failing claim shows predicted vs measured and where the claim came from
        assert "a bad paper, eq. (1)" in md and "predicted `3.0`" in md
        assert "RuntimeError: boom" in (tmp_path / "report.html").read_text()
        assert not list(tmp_path.rglob("*.tmp"))

    def test_verify_passes_when_all_pass(self, fake_registry, tmp_path, capsys):
        assert cli.main(["verify", "-j", "1", "--only", "demo/passes", "--out", str(tmp_path)]) == 0

    def test_resume_skips_finished_claims(self, fake_registry, tmp_path, monkeypatch, capsys):
        cli.main(["verify", "-j", "1", "--only", "demo/passes", "--out", str(tmp_path)])
        calls = []
        original = registry.Claim.run
        monkeypatch.setattr(registry.Claim, "run", lambda self, ctx: calls.append(self.id) or original(self, ctx))
        cli.main(["verify", "-j", "1", "--out", str(tmp_path), "--resume"])
        assert calls == ["demo/fails"]
        # a different seed is a different run: nothing is skipped
        calls.clear()
        cli.main(["verify", "-j", "1", "--out", str(tmp_path), "--resume", "--seed", "1"])
        assert calls == ["demo/fails", "demo/passes"]

    def test_interrupt_keeps_finished_claims(self, fake_registry, tmp_path, monkeypatch, capsys):
        def interrupt(self, ctx):
            raise KeyboardInterrupt

        original = registry.Claim.run
        monkeypatch.setattr(registry.Claim, "run",
                            lambda self, ctx: interrupt(self, ctx) if self.id == "demo/passes" else original(self, ctx))
        assert cli.main(["verify", "-j", "1", "--out", str(tmp_path)]) == 130
        results = json.loads((tmp_path / "results.json").read_text())
        assert [c["id"] for c in results["claims"]] == ["demo/fails"]

    def test_interrupt_swallowed_by_the_check_stops_the_run(self, fake_registry, tmp_path, monkeypatch,
                                                            capsys):
        # A neural solver catches Ctrl-C and returns its partial run: the check then finishes
        # (here: passes) after the interrupt.  That result must not be recorded, and the run stops.
        import os
        import signal
        import time

        def swallowing(self, ctx):
            try:
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(5)  # the handler raises KeyboardInterrupt during the sleep
            except KeyboardInterrupt:
                pass
            return {"": Evidence.close(1.0, 1.0, atol=0.0, reason="partial run")}

        monkeypatch.setattr(registry.Claim, "run", swallowing)
        before = signal.getsignal(signal.SIGINT)  # SIG_IGN when pytest runs as a background job
        assert cli.main(["verify", "-j", "1", "--out", str(tmp_path), "--no-progress"]) == 130
        assert json.loads((tmp_path / "results.json").read_text())["claims"] == []
        assert not (tmp_path / "claims").exists() or not list((tmp_path / "claims").iterdir())
        # the process' own SIGINT handler is restored afterwards
        assert signal.getsignal(signal.SIGINT) is before

    def test_resume_reruns_claims_finished_at_another_tier(self, fake_registry, tmp_path, monkeypatch,
                                                           capsys):
        cli.main(["verify", "-j", "1", "--only", "demo/passes", "--out", str(tmp_path)])
        calls = []
        original = registry.Claim.run
        monkeypatch.setattr(registry.Claim, "run", lambda self, ctx: calls.append(self.id) or original(self, ctx))
        cli.main(["verify", "-j", "1", "--only", "demo/passes", "--out", str(tmp_path), "--resume", "--tier", "full"])
        assert calls == ["demo/passes"]  # checks read ctx.full: a fast result is not a full one

    def test_derive(self, capsys):
        assert cli.main(["derive", "goodfellow2014/prop1-optimal-discriminator"]) == 0
        assert "OK: all" in capsys.readouterr().out
        assert cli.main(["derive", "goodfellow2014/thm1-virtual-training-criterion-broken"]) == 1
        assert cli.main(["derive", "nope"]) == 2
        err = capsys.readouterr().err
        assert err.count("goodfellow2014/prop1-optimal-discriminator") == 1  # listed once

    def test_figures_rejects_unknown_format_before_writing(self, tmp_path, capsys):
        assert cli.main(["figures", "arjovsky2017_fig1", "--out", str(tmp_path), "--format", "png,foo"]) == 2
        assert "--format" in capsys.readouterr().err
        assert not list(tmp_path.iterdir())
        assert cli.main(["figures", "--out", str(tmp_path), "--format", ","]) == 2

    def test_json_output(self, fake_registry, tmp_path, capsys):
        cli.main(["verify", "-j", "1", "--only", "demo/passes", "--out", str(tmp_path), "--json"])
        printed = json.loads(capsys.readouterr().out)
        assert printed[0]["id"] == "demo/passes" and printed[0]["status"] == "pass"

    def test_list_and_unknown_pattern(self, fake_registry, tmp_path, capsys):
        assert cli.main(["list"]) == 0
        assert "demo/raises" in capsys.readouterr().out
        assert cli.main(["verify", "-j", "1", "--only", "nothing-matches", "--out", str(tmp_path)]) == 2

    def test_negative_seed_rejected(self, capsys):
        assert cli.main(["verify", "-j", "1", "--seed", "-1"]) == 2


def test_table_figure_markdown_is_written_and_embedded(tmp_path, monkeypatch):
    """A figure whose data carries a Markdown table gets a .md file that both reports embed."""
    from experiments import figures
    from experiments.figure_style import new_figure
    from experiments.report import ClaimResult, write_reports

    def build(*, seed, fast):
        fig, ax = new_figure()
        return fig, {"markdown": "| strategy | effect |\n|---|---|\n| smoothing | 0.5 ± 0.1 |"}

    monkeypatch.setitem(figures._FIGURES, "demo_table", figures.Figure("demo_table", "t", (), build))
    paths = figures.render("demo-table", tmp_path / "figures")  # '-' and '_' are interchangeable
    assert (tmp_path / "figures" / "demo_table.md") in paths
    result = ClaimResult(id="demo/t", statement="s.", source="src", kinds=["exact"], tier="fast",
                         seed=0, status="pass", seconds=0.0, parts={},
                         figures=["figures/demo_table.md", "figures/demo_table.png"])
    write_reports(tmp_path, [result], seed=0, tier="fast")
    assert "| smoothing | 0.5 ± 0.1 |" in (tmp_path / "report.md").read_text()
    assert "<td>0.5 ± 0.1</td>" in (tmp_path / "report.html").read_text()
