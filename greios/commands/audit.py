"""``greios audit``: audit running configs (files, directories or the inventory's snapshots).

Only typer and the standard library are imported at module level; the parser, engine and
report writers are imported inside the command.
"""

from __future__ import annotations

import os
import shutil
import sys
from enum import Enum
from pathlib import Path

import typer

from greios.commands._common import SITES_HELP


class ReportFormat(str, Enum):
    table = "table"
    md = "md"
    html = "html"
    json = "json"
    junit = "junit"
    sarif = "sarif"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    never = "never"

_PATHS = typer.Argument(
    None, metavar="PATH",
    help="Config files and/or directories (recursive: *.cfg *.conf *.ios *.txt and "
         "extension-less files). Default: the inventory routers' snapshots.",
    show_default=False,
    )
_FMT = typer.Option(
    ReportFormat.table, "--format", "-f", help="Report format.", case_sensitive=False)
_OUTPUT = typer.Option(
    None, "--output", "-o",
    help="Write the report to FILE and print a one-line summary to stderr.",
    dir_okay=False)
_FAIL_ON = typer.Option(
    FailOn.error, "--fail-on",
    help="Exit 3 when a finding at or above this severity remains (after --select, "
         "--ignore and waivers); 'never' always exits 0.", case_sensitive=False)
_SELECT = typer.Option(
    [], "--select", help="Only these rules (IDs like SEC-001 or groups like SEC); repeatable.")
_IGNORE = typer.Option(
    [], "--ignore", help="Skip these rules (IDs or groups); repeatable.")
_SITES = typer.Option(
    Path("sites"), "--sites", "-s", help=SITES_HELP, envvar="GREIOS_SITES")
_INTENDED = typer.Option(
    False, "--intended",
    help="Pre-change audit: audit what the routers will run after `greios apply` and "
         "report what the change introduces and resolves.")
_PLAN_FILE = typer.Option(
    None, "--plan", help="Pre-change audit of a saved plan (`greios plan --out FILE`): "
    "findings the plan introduces and resolves, for the change board.", dir_okay=False)
_LIVE = typer.Option(
    False, "--live", help="Without PATH: read the inventory routers' running configs "
    "from the routers (napalm) instead of their snapshots.")
_LAB = typer.Option(
    False, "--lab", help="Without PATH: read the running configs from `greios lab`.")
_ALLOW_EMPTY = typer.Option(
    False, "--allow-empty", help="Audit PATH files even when one holds no IOS "
    "configuration (by default such input is refused with exit 1, so a CI gate pointed "
    "at the wrong file fails).")


def audit(
    paths: list[Path] = _PATHS,
    fmt: ReportFormat = _FMT,
    output: Path | None = _OUTPUT,
    fail_on: FailOn = _FAIL_ON,
    select: list[str] = _SELECT,
    ignore: list[str] = _IGNORE,
    sites: Path = _SITES,
    intended: bool = _INTENDED,
    plan_file: Path | None = _PLAN_FILE,
    live: bool = _LIVE,
    lab: bool = _LAB,
    allow_empty: bool = _ALLOW_EMPTY,
) -> None:
    """Audit GRE/IPsec running configs: rules, both tunnel ends, IPsec session verdicts.

    Exit codes: 0 clean (or --fail-on never), 1 invalid input, 3 findings at or above --fail-on.
    See docs/audit.md.
    """
    from greios.app.audit import AuditRequest, run_audit, write_report
    from greios.audit.report import summary_line
    from greios.commands._common import note
    from greios.errors import AuditFailedError

    req = AuditRequest(paths=tuple(paths or ()), sites=sites, intended=intended,
                       plan_file=plan_file, live=live, lab=lab, allow_empty=allow_empty,
                       select=tuple(select), ignore=tuple(ignore))
    color = output is None and fmt is ReportFormat.table and sys.stdout.isatty() \
        and not os.environ.get("NO_COLOR")
    width = shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty() else 120
    outcome = run_audit(req, fmt=fmt.value, fail_on=fail_on.value, color=color,
                        width=max(width, 80), note=note)
    if output is not None:
        write_report(outcome.text, output)
        note(f"audit: {summary_line(outcome.report)}; {fmt.value} report written to {output}")
    else:
        typer.echo(outcome.text, nl=not outcome.text.endswith("\n"))
    if outcome.failing:
        raise AuditFailedError(
            f"audit: {outcome.failing} finding(s) at or above --fail-on {fail_on.value}")


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
