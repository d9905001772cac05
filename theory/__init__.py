"""Closed-form predictions: pure functions of arrays, no randomness, no training."""
