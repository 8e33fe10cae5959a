"""``--format table`` (default): rich tables rendered to a string for the terminal."""

from __future__ import annotations

import io
from typing import Any

from greios.audit.model import AuditReport
from greios.audit.report._common import NO_PEER, group_by_severity, status_health, summary

_SEV_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_HEALTH_STYLE = {"ok": "green", "warn": "yellow", "fail": "bold red"}


def render_table(report: AuditReport, *, color: bool = False, width: int = 120) -> str:
    """Findings grouped by severity, then the session verdicts and the summary.

    ``color`` emits ANSI styles (the CLI sets it only when stdout is a TTY).
    """
    from rich.console import Console
    from rich.text import Text

    buf = io.StringIO()
    console = Console(
        file=buf,
        width=width,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        emoji=False,
        markup=False,
        soft_wrap=False,
    )
    console.print(Text(report.title, style="bold"))
    _print_findings(console, report)
    if report.sessions:
        console.print(_sessions_table(report))
    _print_change(console, report)
    _print_summary(console, report)
    return buf.getvalue()


def _print_findings(console: Any, report: AuditReport) -> None:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    groups = group_by_severity(report.findings)
    if not groups:
        console.print(Text("No findings.", style="green"))
    for sev, items in groups:
        t = Table(
            title=f"{sev.value.upper()}S ({len(items)})" if sev.value != "info"
            else f"INFO ({len(items)})",
            title_style=_SEV_STYLE[sev.value],
            title_justify="left",
            box=box.SIMPLE_HEAD,
            show_lines=False,
            expand=False,
        )
        t.add_column("rule", style=_SEV_STYLE[sev.value], no_wrap=True)
        t.add_column("device", no_wrap=True)
        t.add_column("object", overflow="fold")
        t.add_column("message", overflow="fold")
        for f in items:
            dev = f.device + (f" <-> {f.peer_device}" if f.peer_device else "")
            t.add_row(f.rule, dev, f.object, f.message)
        console.print(t)


def _sessions_table(report: AuditReport) -> Any:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    st = Table(title="Tunnel sessions", title_justify="left", title_style="bold",
               box=box.SIMPLE_HEAD)
    for col in ("device", "interface", "peer", "peer interface", "IKE", "status"):
        st.add_column(col, no_wrap=col != "peer interface")
    st.add_column("reasons", overflow="fold")
    for s in sorted(report.sessions, key=lambda s: (s.device, s.interface)):
        st.add_row(
            s.device,
            s.interface,
            s.peer_device or NO_PEER,
            s.peer_interface or "",
            f"v{s.ike_version}" if s.ike_version else "-",
            Text(s.status.value, style=_HEALTH_STYLE[status_health(s.status)]),
            "; ".join(s.reasons),
        )
    return st


def _print_change(console: Any, report: AuditReport) -> None:
    from rich.text import Text

    if report.change is not None:
        ch = report.change
        console.print(Text(
            f"Pre-change: introduces {len(ch.introduced)}, resolves {len(ch.resolved)} finding(s)",
            style="bold",
        ))
        for label, items in (("+", ch.introduced), ("-", ch.resolved)):
            for f in items:
                console.print(f"  {label} {f.severity.value:<7} {f.rule} {f.device}: {f.message}")
    if report.ignored_rules:
        console.print("Ignored rules: " + ", ".join(sorted(report.ignored_rules)))
    if report.waived:
        console.print(f"Waived findings: {len(report.waived)} "
                      f"({', '.join(sorted({f.rule for f in report.waived}))})")


def _print_summary(console: Any, report: AuditReport) -> None:
    from rich.text import Text

    n = summary(report)
    console.print(Text.assemble(
        ("Summary: ", "bold"),
        f"{n['devices']} device(s), ",
        (f"{n['errors']} error(s)", _SEV_STYLE["error"] if n["errors"] else ""),
        ", ",
        (f"{n['warnings']} warning(s)", _SEV_STYLE["warning"] if n["warnings"] else ""),
        f", {n['infos']} info, {n['waived']} waived; {n['sessions']} session(s): "
        f"{n['sessions_ok']} established, {n['sessions_unencrypted']} unencrypted, ",
        (f"{n['sessions_failed']} failed", _HEALTH_STYLE["fail"] if n["sessions_failed"] else ""),
    ))
