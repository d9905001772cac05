"""A throwaway claim for the command-line tests, registered only when this module is imported
(by a test's driver process and by the workers that run it; never by the test collection)."""

from experiments.registry import Evidence, claim


@claim("clitest/quick", statement="A uniform draw lies in [0, 1).", source="test", kinds=("exact",))
def quick(ctx):
    x = float(ctx.rng(0).random())
    return Evidence.bound(x, 1.0, relation="<=", reason="numpy's random() is in [0, 1)")
