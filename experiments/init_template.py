"""``ganac init FOLDER``: a starting point for verifying your own paper.

Writes ``claims.py`` (one exact claim, one derivation with a deliberate slip and the claim that
checks it, all commented) and ``test_claims.py`` (one pytest test per claim and derivation).
The README section "Verify your own paper" walks through them.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["CLAIMS", "TESTS", "SLIP", "FIX", "write_template"]

#: The deliberate slip in the derivation, and its correction (the README walk-through and the
#: tests replace one with the other).
SLIP = "a - sp.sqrt(a * b) + b"
FIX = "a - 2 * sp.sqrt(a * b) + b"

CLAIMS = '''"""My paper's claims, checked by ganac.  (Written by `ganac init`; edit freely.)

    ganac list   --claims claims.py --paper mypaper2024
    ganac verify --claims claims.py --only mypaper2024 -j 1     # run this file's claims
    ganac derive --claims claims.py mypaper2024/lemma1-am-gm    # a derivation, step by step
    ganac show   --claims claims.py mypaper2024/lemma1           # a claim's whole chain
    pytest test_claims.py                                        # the same claims as tests

ganac loads this file by its path and never puts this folder on the import path, so
`experiments`, `proofs_check` and `theory` below are ganac's even if your project has
packages of the same names.  Import your own code from an installed package
(`pip install -e .`) or give its module name to --claims instead of a path.
Claim and derivation ids are "paper/short-name" and must not clash with ganac's.
"""

import numpy as np
import sympy as sp

from experiments import Evidence, claim
from proofs_check import Derivation, Instance, Step, derivation

# ---------------------------------------------------------------------------------------
# 1. An exact claim: a value your paper states, recomputed by your implementation and
#    compared with an independently known number, with a tolerance whose reason you state.


def my_value_function(p_data, p_g, d):
    """V(D, G) = E_data[log D] + E_g[log(1 - D)] on a finite space (your code goes here)."""
    return float(np.sum(p_data * np.log(d)) + np.sum(p_g * np.log1p(-d)))


K = 8  # atoms of the categorical distribution


@claim("mypaper2024/value-at-equilibrium",
       statement="When p_g = p_data, the optimal discriminator is 1/2 everywhere and "
                 "V(D*, G) = -log 4.",
       source="My paper (2024), eq. (3) (after Goodfellow et al. 2014, Theorem 1)",
       kinds=("exact",))
def value_at_equilibrium(ctx):
    rng = ctx.rng(0)  # randomness only from ctx: derived from (seed, claim id)
    p = rng.dirichlet(np.ones(K))
    d_star = p / (p + p)  # D* = p_data / (p_data + p_g)
    measured = my_value_function(p, p, d_star)
    # each of the 2K terms p_i log(1/2) is rounded once (relative eps), the sum adds at most
    # 2K roundings of partial sums below log 4 in magnitude: |error| <= 4 K eps log 4.
    tol = 4 * K * np.finfo(float).eps * np.log(4.0)
    return Evidence.close(-np.log(4.0), measured, atol=tol,
                          reason=f"float64 rounding of 2K = {2 * K} terms: 4 K eps log 4")


# ---------------------------------------------------------------------------------------
# 2. A derivation: a chain of steps, each an equality or inequality that sympy checks on its
#    own.  The first step has a deliberate slip: `ganac derive` shows it and a counterexample.
#    Fix it (the middle term of the square is 2 sqrt(ab)) and every step checks.

a, b = sp.symbols("a b", positive=True)  # sympy assumptions are part of each step's domain


@derivation("mypaper2024/lemma1-am-gm")
def lemma1_am_gm():
    return Derivation(
        "mypaper2024/lemma1-am-gm",
        "sqrt(a b) <= (a + b)/2 for a, b > 0",
        "My paper (2024), Lemma 1",
        [
            Step("expand", (sp.sqrt(a) - sp.sqrt(b)) ** 2, a - sp.sqrt(a * b) + b,
                 justification="expand the square"),
            Step("square", (sp.sqrt(a) - sp.sqrt(b)) ** 2, 0, ">=",
                 justification="a square is non-negative"),
            # the last step follows from the one before: its gap (a + b)/2 - sqrt(ab) equals
            # 1/2 times the gap of "square"; the checker verifies that identity
            Step("am-gm", sp.sqrt(a * b), (a + b) / 2, "<=",
                 justification="half of 'square', rearranged",
                 by=[Instance("square", factor=sp.Rational(1, 2))]),
        ],
    )


@claim("mypaper2024/lemma1",
       statement="The geometric mean is at most the arithmetic mean: sqrt(ab) <= (a + b)/2.",
       source="My paper (2024), Lemma 1",
       kinds=("symbolic",),
       derivation="mypaper2024/lemma1-am-gm")
def lemma1(ctx):
    return Evidence.from_derivation("mypaper2024/lemma1-am-gm")
'''

TESTS = '''"""My claims as pytest tests: one test per claim and per derivation of claims.py, so CI
fails the day the implementation drifts from the theory.  (Written by `ganac init`.)

    pytest test_claims.py

In a folder that has its own `experiments/` or `theory/` package, run
`pytest --import-mode=importlib test_claims.py` (pytest otherwise puts this folder first on
the import path, and `from experiments import ...` would find yours).
"""

from experiments import pytest_claims

# a relative path is read from this file's folder; seed=, tier= and only= are optional
test_claims = pytest_claims("claims.py")
'''


def write_template(folder: Path, *, force: bool = False) -> list[Path]:
    """Write ``claims.py`` and ``test_claims.py`` into ``folder`` (created if needed).

    Raises
    ------
    FileExistsError
        If either file exists and ``force`` is false (nothing is written then).
    """
    folder = Path(folder)
    files = {folder / "claims.py": CLAIMS, folder / "test_claims.py": TESTS}
    existing = [str(p) for p in files if p.exists()]
    if existing and not force:
        raise FileExistsError(f"{', '.join(existing)} exists; use --force to overwrite")
    folder.mkdir(parents=True, exist_ok=True)
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    return list(files)
