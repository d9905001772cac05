"""What every per-paper derivation test asks of its derivations, in one place.

Each ``test_<paper>.py`` builds its reports once per module with :func:`reports_fixture`, checks
each registered derivation with :func:`assert_every_step_checks` and its registration with
:func:`assert_registered`; the tests specific to a paper (numeric references, broken steps)
stay in its file.
"""

from __future__ import annotations

import pytest

import proofs_check


def reports_fixture(*ids: str):
    """A module-scoped ``reports`` fixture: ``{id: DerivationReport}``, each checked once."""

    @pytest.fixture(scope="module")
    def reports():
        return {i: proofs_check.get(i).check() for i in ids}

    return reports


def assert_every_step_checks(report, source: str = "") -> None:
    """The derivation checks, and its text says so: the header names its id, the source line
    starts with ``source``, every step is listed as ``[ok]`` in order, and the verdict is OK."""
    text = report.format()
    assert report.ok and report.first_failure is None, text
    lines = text.splitlines()
    assert lines[0].endswith(f"[{report.id}]")
    assert lines[1].startswith(f"Source: {source}"), lines[1]
    for k, step in enumerate(proofs_check.get(report.id).steps, start=1):
        assert f"  {k}. [ok]   {step.name}: {step.statement}" in text
    assert f"OK: all {len(report.results)} steps check" in lines


def assert_registered(ids, broken: str | None = None) -> None:
    """``ids`` are registered and run by ``ganac verify``; the teaching example ``broken`` is
    registered too, but only listed on request."""
    assert set(ids) <= set(proofs_check.ids())
    if broken is not None:
        assert broken not in proofs_check.ids()
        assert broken in proofs_check.ids(include_examples=True)


def assert_fails_only_at(report, step: str) -> None:
    """A teaching example's report: the step ``step`` is disproved (a counterexample), it is the
    first failure, and every other step still holds."""
    assert not report.ok
    assert report.first_failure == proofs_check.get(report.id).step_index(step)
    assert report.results[report.first_failure].status == "disproved"
    assert sum(not r.ok for r in report.results) == 1
