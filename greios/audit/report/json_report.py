"""``--format json``: the report as JSON, described by ``greios/data/audit.schema.json``.

Field reference: ``docs/audit-json.md``. Bump :data:`SCHEMA_VERSION` on any incompatible
change (renamed/removed field, changed type); adding optional fields is compatible.
"""

from __future__ import annotations

import json
from typing import Any

from greios.audit.model import AuditReport, Finding, Session
from greios.audit.report._common import sort_findings, summary

SCHEMA_VERSION = "1.0"
SCHEMA_ID = "https://example.invalid/greios/schemas/audit-1.0.schema.json"


def _finding(f: Finding) -> dict[str, Any]:
    return f.model_dump(mode="json")


def _session(s: Session) -> dict[str, Any]:
    return s.model_dump(mode="json")


def _sessions(sessions: list[Session]) -> list[dict[str, Any]]:
    ordered = sorted(sessions, key=lambda s: (s.device, s.interface, s.peer_device or ""))
    return [_session(s) for s in ordered]


def report_dict(report: AuditReport) -> dict[str, Any]:
    """The JSON document as a dict (stable key and list order)."""
    change: dict[str, Any] | None = None
    if report.change is not None:
        change = {
            "introduced": [_finding(f) for f in sort_findings(report.change.introduced)],
            "resolved": [_finding(f) for f in sort_findings(report.change.resolved)],
            "sessions_before": _sessions(report.change.sessions_before),
            "sessions_after": _sessions(report.change.sessions_after),
        }
    return {
        "$schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "tool": report.tool,
        "version": report.version,
        "generated_at": report.generated_at,
        "title": report.title,
        "summary": summary(report),
        "devices": [d.model_dump(mode="json") for d in report.devices],
        "findings": [_finding(f) for f in sort_findings(report.findings)],
        "sessions": _sessions(report.sessions),
        "change": change,
        "ignored_rules": sorted(report.ignored_rules),
        "waived": [_finding(f) for f in sort_findings(report.waived)],
    }


def render_json(report: AuditReport) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
