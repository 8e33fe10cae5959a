"""``greios audit``: audit running configs (files, directories or the inventory's snapshots).

Only typer and the standard library are imported at module level; the parser, engine and
report writers are imported inside the command. The body is
:func:`greios.commands._audit_fast.run_audit_command`, which the typer-free fast path
(plain invocations of ``greios audit``) calls with the same values.
"""

from __future__ import annotations

from pathlib import Path

import typer

from greios.commands._audit_fast import FailOn, ReportFormat, run_audit_command
from greios.commands._common import SITES_HELP

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
    run_audit_command(paths=paths, fmt=fmt, output=output, fail_on=fail_on, select=select,
                      ignore=ignore, sites=sites, intended=intended, plan_file=plan_file,
                      live=live, lab=lab, allow_empty=allow_empty)


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
