"""Nothing under tests/data is a test module: the fixture packages register claims (or raise)
on import, so pytest's doctest collection must not import them."""

collect_ignore_glob = ["*"]
