"""Registered claims, one module per source paper (``goodfellow2014``, ``arjovsky2017``, ...)."""
