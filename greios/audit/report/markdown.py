"""``--format md``: a change-board readable Markdown report (GitHub-flavoured tables)."""

from __future__ import annotations

from typing import Any

from greios.audit.model import AuditReport, Finding, Session
from greios.audit.report._common import (
    NO_PEER,
    all_devices,
    group_by_severity,
    pair_matrix,
    sort_findings,
    status_health,
    summary,
)

_HEALTH_MARK = {"ok": "✅", "warn": "⚠️", "fail": "❌"}
_SEV_TITLE = {"error": "Errors", "warning": "Warnings", "info": "Info"}


def cell(text: object) -> str:
    """Escape text for a GFM table cell (pipes, newlines, HTML).

    >>> cell("a|b <x>")
    'a\\\\|b &lt;x&gt;'
    """
    s = str(text).replace("\r", " ").replace("\n", " ").replace("&", "&amp;")
    return s.replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def code(text: str) -> str:
    """Inline code span that survives backticks and pipes inside a table.

    >>> code("interface Tunnel1")
    '`interface Tunnel1`'
    """
    if not text:
        return ""
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return f"{fence}{pad}{text.replace('|', chr(92) + '|').replace(chr(10), ' ')}{pad}{fence}"


def _where(f: Finding) -> str:
    if f.file and f.line:
        return cell(f"{f.file}:{f.line}")
    return cell(f.file or "")


def _findings_table(findings: list[Finding], with_severity: bool = False) -> list[str]:
    head = "| rule | device | object | message | remediation | where |"
    sep = "|---|---|---|---|---|---|"
    if with_severity:
        head = "| severity " + head
        sep = "|---" + sep
    lines = [head, sep]
    for f in findings:
        dev = cell(f.device) + (f" ↔ {cell(f.peer_device)}" if f.peer_device else "")
        row = (
            f"| {cell(f.rule)} | {dev} | {code(f.object)} | {cell(f.message)} | "
            f"{cell(f.remediation)} | {_where(f)} |"
        )
        if with_severity:
            row = f"| {f.severity.value} " + row
        lines.append(row)
    return lines


def _matrix(report: AuditReport) -> list[str]:
    m = pair_matrix(report.sessions, all_devices(report))
    if not m.cells:
        return ["_No tunnel sessions were found._"]
    lines = [
        "Rows initiate, columns respond. ✅ established (encrypted) · ⚠️ GRE only (clear text) · "
        "❌ fails · blank: no tunnel.",
        "",
        "| initiator \\ responder | " + " | ".join(cell(c) for c in m.columns) + " |",
        "|---" * (len(m.columns) + 1) + "|",
    ]
    for r in m.rows:
        cells = []
        for c in m.columns:
            mc = m.cell(r, c)
            if mc is None:
                cells.append("")
            else:
                n = f" ×{mc.count}" if mc.count > 1 else ""
                cells.append(f"{_HEALTH_MARK[mc.health]} {mc.status.value}{n}")
        lines.append(f"| **{cell(r)}** | " + " | ".join(cells) + " |")
    return lines


def _sessions_table(sessions: list[Session]) -> list[str]:
    lines = [
        "| device | interface | peer | peer interface | IKE | status | reasons |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in sorted(sessions, key=lambda s: (s.device, s.interface)):
        ike = f"v{s.ike_version}" if s.ike_version else "—"
        lines.append(
            f"| {cell(s.device)} | {cell(s.interface)} | {cell(s.peer_device or NO_PEER)} | "
            f"{cell(s.peer_interface or '')} | {ike} | "
            f"{_HEALTH_MARK[status_health(s.status)]} {s.status.value} | "
            f"{cell('; '.join(s.reasons))} |"
        )
    return lines


def render_markdown(report: AuditReport) -> str:
    out: list[str] = [f"# {cell(report.title)}", ""]
    meta = [x for x in (f"{report.tool} {report.version}".strip(), report.generated_at) if x]
    if meta:
        out += ["_" + cell(" · ".join(meta)) + "_", ""]
    out += _summary_section(report)
    if report.change is not None:
        out += _change_section(report.change)
    out += ["## Tunnel session verdicts", "", *_matrix(report), ""]
    if report.sessions:
        out += [*_sessions_table(report.sessions), ""]
    out += _findings_section(report)
    return "\n".join(out).rstrip("\n") + "\n"


def _summary_section(report: AuditReport) -> list[str]:
    s = summary(report)
    verdict = "❌ **FAIL**" if s["errors"] else ("⚠️ **PASS with warnings**" if s["warnings"]
                                              else "✅ **PASS**")
    out = [
        "## Summary",
        "",
        f"Verdict: {verdict}",
        "",
        "| devices | errors | warnings | info | waived | sessions | failed sessions |",
        "|---|---|---|---|---|---|---|",
        f"| {s['devices']} | {s['errors']} | {s['warnings']} | {s['infos']} | {s['waived']} | "
        f"{s['sessions']} | {s['sessions_failed']} |",
        "",
    ]
    if report.devices:
        out += ["| device | file | tunnels | lines |", "|---|---|---|---|"]
        out += [
            f"| {cell(d.device)} | {cell(d.file or '')} | {d.tunnels} | {d.lines} |"
            for d in report.devices
        ]
        out.append("")
    return out


def _change_section(ch: Any) -> list[str]:
    out = ["## Pre-change review", ""]
    out += [
        f"This change **introduces {len(ch.introduced)}** and **resolves "
        f"{len(ch.resolved)}** finding(s).",
        "",
    ]
    if ch.introduced:
        out += ["### Introduced by the change", ""]
        out += [*_findings_table(sort_findings(ch.introduced), with_severity=True), ""]
    if ch.resolved:
        out += ["### Resolved by the change", ""]
        out += [*_findings_table(sort_findings(ch.resolved), with_severity=True), ""]
    before = {(x.device, x.interface): x.status for x in ch.sessions_before}
    changed = [x for x in ch.sessions_after if before.get((x.device, x.interface)) != x.status]
    if changed:
        out += ["### Session status changes", "", "| device | interface | before | after |",
                "|---|---|---|---|"]
        for x in sorted(changed, key=lambda x: (x.device, x.interface)):
            b = before.get((x.device, x.interface))
            out.append(f"| {cell(x.device)} | {cell(x.interface)} | "
                       f"{b.value if b else '(new)'} | {x.status.value} |")
        out.append("")
    return out


def _findings_section(report: AuditReport) -> list[str]:
    out = ["## Findings", ""]
    groups = group_by_severity(report.findings)
    if not groups:
        out += ["_No findings._", ""]
    for sev, items in groups:
        out += [f"### {_SEV_TITLE[sev.value]} ({len(items)})", ""]
        out += [*_findings_table(items), ""]
    if report.waived or report.ignored_rules:
        out += ["## Waived and ignored", ""]
        if report.ignored_rules:
            out += ["Rules not evaluated (`--select` / `--ignore`): "
                    + ", ".join(code(r) for r in sorted(report.ignored_rules)), ""]
        if report.waived:
            out += [f"Waived in the project file ({len(report.waived)}):", ""]
            out += [*_findings_table(sort_findings(report.waived), with_severity=True), ""]
    return out
