"""Exact tabular / low-dimensional solvers, neural counterparts, and the toy problems they share."""
