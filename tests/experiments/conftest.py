"""Shared fixtures of the experiments tests."""

#: The throwaway claims of the Ctrl-C test register on import; doctest collection must not
#: import them into the test process, or they would join the built-in registry there.
collect_ignore = ["_cli_claims_quick.py", "_cli_claims_slow.py"]

import numpy as np
import pytest

from experiments import registry
from experiments.registry import Evidence, claim


@pytest.fixture
def fake_registry(monkeypatch):
    """A private registry holding three claims: one passing, one failing, one raising."""
    store = {}
    monkeypatch.setattr(registry, "_REGISTRY", store)
    monkeypatch.setattr(registry, "REGISTRY", store)
    monkeypatch.setattr(registry, "load_all", lambda: store)

    @claim("demo/passes", statement="1 + 1 = 2.", source="arithmetic", kinds=("exact",))
    def _passes(ctx):
        return Evidence.close(2.0, 1.0 + 1.0, atol=0.0, reason="exact integer arithmetic")

    @claim("demo/fails", statement="pi = 3.", source="a bad paper, eq. (1)", kinds=("exact",))
    def _fails(ctx):
        return {"exact": Evidence.close(3.0, np.pi, atol=1e-3, reason="float error")}

    @claim("demo/raises", statement="A broken check.", source="nowhere", kinds=("neural",), tier="full")
    def _raises(ctx):
        raise RuntimeError("boom")

    return store
