"""Claim results and the reports made from them.

- :mod:`~experiments.report.results` — :class:`ClaimResult`, :func:`run_claim`, one JSON file per
  finished claim, the verdict counts;
- :mod:`~experiments.report.text` — the table ``ganac verify`` prints and ``report.md``;
- :mod:`~experiments.report.html` — ``report.html``, self-contained, organised by paper;
- :mod:`~experiments.report.latex` — the claims as a booktabs LaTeX table;
- :mod:`~experiments.report.derivation` — derivation steps as MathML, recorded with each result;
- :mod:`~experiments.report.build` — writing a folder's reports, during a run or from its
  finished claims (``ganac report``).
"""

from experiments.report.build import ReportError, finished_runs, rebuild_reports, run_metadata, write_reports
from experiments.report.html import report_html
from experiments.report.latex import latex_escape, latex_table
from experiments.report.results import (STATUSES, ClaimResult, claim_path, collect_results, load_result,
                                        run_claim, summary_counts, summary_line, write_claim)
from experiments.report.text import format_table, report_markdown

__all__ = ["ClaimResult", "run_claim", "claim_path", "load_result", "collect_results", "write_claim",
           "write_reports", "rebuild_reports", "ReportError", "finished_runs", "run_metadata",
           "format_table", "report_markdown", "report_html", "latex_table", "latex_escape",
           "summary_counts", "summary_line", "STATUSES"]
