"""ganac experiments: the claim registry, figures, benchmarks, the report and the CLI."""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("ganac")
except _metadata.PackageNotFoundError:  # running from a source tree without install
    __version__ = "0+unknown"
