"""Negative controls: for each claim, a wrong formula, a perturbed solver or a broken step makes it fail."""
