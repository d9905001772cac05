"""The plugin's claims and derivation: exact arithmetic, nothing to tune."""

from fractions import Fraction

import sympy as sp

from experiments import Evidence, claim
from proofs_check import Derivation, Step, derivation

x = sp.Symbol("x", real=True)


@derivation("demoplugin2024/square")
def square():
    return Derivation("demoplugin2024/square", "(x + 1)^2 = x^2 + 2x + 1", "Demo plugin (2024), eq. (1)",
                      [Step("expand", (x + 1) ** 2, x ** 2 + 2 * x + 1)])


@claim("demoplugin2024/harmonic-3", statement="1 + 1/2 + 1/3 = 11/6.",
       source="Demo plugin (2024), eq. (2)", kinds=("exact",), derivation="demoplugin2024/square")
def harmonic_3(ctx):
    total = Fraction(1) + Fraction(1, 2) + Fraction(1, 3)
    return Evidence.exact_match("11/6", str(total), passed=total == Fraction(11, 6),
                                reason="exact rational arithmetic")
