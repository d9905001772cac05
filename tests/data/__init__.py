"""Test fixture data (not tests): see conftest.py."""
