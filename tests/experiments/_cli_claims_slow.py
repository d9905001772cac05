"""A throwaway claim that runs for two minutes unless interrupted (see _cli_claims_quick)."""

import time

from experiments.registry import Evidence, claim


@claim("clitest/slow", statement="Waiting does not change 1.", source="test", kinds=("exact",))
def slow(ctx):
    deadline = time.monotonic() + 120.0
    while time.monotonic() < deadline:
        time.sleep(0.05)
    return Evidence.close(1.0, 1.0, atol=0.0, reason="exact")
