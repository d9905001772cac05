"""A paper's companion package (test fixture): its claims reach ganac through the entry point
group ``ganac.claims`` declared in pyproject.toml."""
