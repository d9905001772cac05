"""A base for solver result dataclasses that serialize to JSON (DESIGN.md: results are
dataclasses that serialize to JSON)."""

from __future__ import annotations

import dataclasses

import numpy as np


@dataclasses.dataclass
class ArrayResult:
    """Mixin for dataclasses whose fields are arrays and plain values."""

    def to_dict(self) -> dict:
        """JSON-ready dict (arrays as nested lists)."""
        return {f.name: (v.tolist() if isinstance(v, np.ndarray) else v)
                for f in dataclasses.fields(self) for v in [getattr(self, f.name)]}
