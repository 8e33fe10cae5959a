"""Audit report writers: one :class:`~greios.audit.model.AuditReport`, six formats.

>>> from greios.audit.model import AuditReport
>>> render(AuditReport(), "json").startswith("{")
True
"""

from __future__ import annotations

from greios.audit.model import AuditReport
from greios.audit.report._common import (
    FAIL_ON_CHOICES,
    fail_threshold,
    is_failing,
    summary,
    summary_line,
)

FORMATS: tuple[str, ...] = ("table", "md", "html", "json", "junit", "sarif")

__all__ = (
    "FAIL_ON_CHOICES",
    "FORMATS",
    "UnknownFormatError",
    "fail_threshold",
    "is_failing",
    "render",
    "summary",
    "summary_line",
)


class UnknownFormatError(ValueError):
    """``fmt`` is not one of :data:`FORMATS` (the CLI validates choices before calling)."""


def render(report: AuditReport, fmt: str, *, fail_on: str = "error", color: bool = False,
           width: int = 120) -> str:
    """Render ``report`` as ``fmt`` (table, md, html, json, junit, sarif).

    ``fail_on`` decides which findings are JUnit failures; ``color`` and ``width`` only
    affect ``table``. Output never contains secrets as long as the findings do not (the
    engine redacts them); every writer escapes what its format needs escaping.
    """
    fail_threshold(fail_on)  # validates
    if fmt == "table":
        from greios.audit.report.table import render_table

        return render_table(report, color=color, width=width)
    if fmt == "md":
        from greios.audit.report.markdown import render_markdown

        return render_markdown(report)
    if fmt == "html":
        from greios.audit.report.html import render_html

        return render_html(report)
    if fmt == "json":
        from greios.audit.report.json_report import render_json

        return render_json(report)
    if fmt == "junit":
        from greios.audit.report.junit import render_junit

        return render_junit(report, fail_on=fail_on)
    if fmt == "sarif":
        from greios.audit.report.sarif import render_sarif

        return render_sarif(report)
    raise UnknownFormatError(f"unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}")
