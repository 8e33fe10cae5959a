"""What the plan and apply commands show: the Terraform-style text and the plan JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from greios.app.planning import Planned, RouterPlanEntry


def totals(entries: list[RouterPlanEntry]) -> tuple[int, int, int]:
    """(add, change, destroy) over every router."""
    counts = [e.plan.counts() for e in entries]
    return (sum(c[0] for c in counts), sum(c[1] for c in counts), sum(c[2] for c in counts))


def format_entries(entries: list[RouterPlanEntry], *, origin: str, color: bool = False,
                   commands: bool = False, also: Sequence[str] = ()) -> str:
    """The Terraform-style plan of several routers, the peers outside the selection that
    change too (``also``), and one total line at the end."""
    from greios.plan.present import format_commands, format_plan

    out: list[str] = []
    for e in entries:
        out.append(f"# {e.router} (site {e.site}) - from {origin}")
        out.append(format_plan(e.router, e.plan, color=color, with_summary=False))
        if commands and not e.plan.is_empty:
            out.append("\n  commands:")
            out.extend(f"    {ln}" for ln in format_commands(e.plan).splitlines())
        out.append("")
    out.extend(also)
    if also:
        out.append("")
    add, change, destroy = totals(entries)
    out.append(f"Plan: {add} to add, {change} to change, {destroy} to destroy.")
    return "\n".join(out)


def plan_json(planned: Planned, source_name: str) -> dict[str, Any]:
    """``greios plan --json``: format ``greios-plan-json`` version 1 (keys redacted)."""
    from greios.redact import redact_line

    entries = planned.entries
    add, change, destroy = totals(entries)
    return {
        "format": "greios-plan-json", "version": 1, "source": source_name,
        "routers": [_router_json(e, redact_line) for e in entries],
        "summary": {"add": add, "change": change, "destroy": destroy},
        "also_changes": planned.also_changes(),
    }


def _router_json(e: RouterPlanEntry, redact_line: Any) -> dict[str, Any]:
    return {
        "router": e.router, "site": e.site,
        "running_fingerprint": e.running_fingerprint,
        "changes": not e.plan.is_empty,
        "counts": dict(zip(("add", "change", "destroy"), e.plan.counts(), strict=True)),
        "objects": [
            {"action": o.action, "header": redact_line(o.header), "kind": o.kind,
             "lines": [{"sign": lc.sign, "text": redact_line(lc.text),
                        "old": redact_line(lc.old) if lc.old else None}
                       for lc in o.lines]}
            for o in e.plan.objects
        ],
        "commands": [redact_line(c) for c in e.plan.commands],
    }
