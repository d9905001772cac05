"""Symbolic derivations (sympy): a derivation is a named chain of checked steps."""
