"""Small helpers the report writers share: how a value is shown, a part's kind and outcome, the
paper a claim belongs to, and the removal of the machine's absolute paths from text."""

from __future__ import annotations

import os
import re
import site
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from experiments.registry import KINDS

__all__ = ["VERDICT_LABELS", "format_value", "part_kind", "part_outcome", "paper_of", "path_roots",
           "scrub_paths"]

#: How each verdict is spelled in tables (the text table and the Markdown one).
VERDICT_LABELS = {"pass": "PASS", "fail": "FAIL", "error": "ERROR", "refuted": "REFUTED",
                  "not reproduced": "NOT REPRODUCED"}


def format_value(value: Any, width: int = 22) -> str:
    """``value`` in at most ``width`` characters: numbers to 6 significant digits, lists as their
    first three entries and their length, text cut with an ellipsis."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = str(value)
    elif isinstance(value, (int, float)):
        text = f"{value:.6g}"
    elif isinstance(value, list):
        flat = np.asarray(value, dtype=object).ravel().tolist() if value else []
        shown = ", ".join(format_value(v, 12) for v in flat[:3])
        text = f"[{shown}{', ...' if len(flat) > 3 else ''}]"
        if len(flat) > 3:
            text += f" (n={len(flat)})"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: {format_value(v, 12)}" for k, v in list(value.items())[:3]) + "}"
    else:
        text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def part_kind(part: str, kinds: list) -> str:
    """The kind an evidence part checks: its name's first word if that is a kind, else the claim's."""
    head = part.split("-", 1)[0]
    return head if head in KINDS else ",".join(kinds)


def part_outcome(ev: dict) -> str:
    """A part's outcome as tables show it (``FAIL`` in capitals so it stands out)."""
    outcome = ev.get("outcome") or ("pass" if ev["passed"] else "fail")
    return "FAIL" if outcome == "fail" else outcome


def paper_of(claim_id: str) -> str:
    """The paper a claim belongs to: its id up to the first ``/`` (as ``Claim.paper``)."""
    return claim_id.split("/", 1)[0]


def path_roots(out_dir: Path | None = None) -> list[tuple[str, str]]:
    """(absolute folder, what to write instead), longest folder first: the output folder, the
    project, the Python installation and site-packages, the temporary folder, the working
    folder and the home folder.  Folders shorter than 4 characters (``/``, ``/a``) are left out:
    replacing them would mangle ordinary text."""
    import experiments

    pairs: list[tuple[str, str]] = []
    if out_dir is not None:
        pairs.append((str(Path(out_dir).resolve()), "."))
        pairs.append((str(Path(out_dir).absolute()), "."))
    project = Path(experiments.__file__).resolve().parents[1]
    pairs.append((str(project), "<ganac>"))
    try:
        sites = list(site.getsitepackages()) + [site.getusersitepackages()]
    except AttributeError:  # some embedded interpreters
        sites = []
    pairs += [(s, "<site-packages>") for s in sites]
    pairs += [(p, "<python>") for p in {sys.prefix, sys.base_prefix, sys.exec_prefix}]
    pairs.append((tempfile.gettempdir(), "<tmp>"))
    try:
        pairs.append((os.getcwd(), "."))
    except OSError:
        pass
    pairs.append((str(Path.home()), "~"))
    out, seen = [], set()
    for root, label in pairs:
        for variant in {root, os.path.realpath(root)}:
            if len(variant) >= 4 and variant not in seen:
                seen.add(variant)
                out.append((variant, label))
    return sorted(out, key=lambda pair: -len(pair[0]))


#: What is left after the known folders are replaced: any ``/a/b...`` (at least two components,
#: not glued to a word, a dot or a placeholder) is an absolute path of this machine or another.
_ABSOLUTE = re.compile(r"(?<![\w.<>~:/…])/(?:[\w.+@-]+/)+[\w.+@-]*")
_WINDOWS = re.compile(r"\b[A-Za-z]:\\(?:[^\\\s\"'<>|]+\\)*[^\\\s\"'<>|]*")


def _last_parts(match: re.Match) -> str:
    parts = [p for p in re.split(r"[\\/]", match.group(0)) if p]
    return "…/" + "/".join(parts[-2:])


def scrub_paths(text: str, roots: list[tuple[str, str]]) -> str:
    """``text`` without absolute paths: each known folder in ``roots`` (see :func:`path_roots`)
    becomes its placeholder (``.``, ``<ganac>``, ``<site-packages>``, ``~``, ...), then any other
    absolute path is cut to ``…/`` and its last two components."""
    for root, label in roots:
        text = text.replace(root, label)
    text = _WINDOWS.sub(_last_parts, text)
    return _ABSOLUTE.sub(_last_parts, text)
