"""``greios rollback``: restore each router's last backup through napalm."""

from __future__ import annotations

from pathlib import Path

import typer

from greios.commands._common import SITES_HELP, note
from greios.commands._source import LAB_HELP


def rollback(
    site: list[str] = typer.Option(..., "--site", help="Site (or site/router) to restore; "
                                   "repeatable."),
    sites: Path = typer.Option(Path("sites"), "--sites", "-s", help=SITES_HELP,
                               envvar="GREIOS_SITES"),
    lab: bool = typer.Option(False, "--lab", help=LAB_HELP),
    auto_approve: bool = typer.Option(False, "--auto-approve",
                                      help="Skip the interactive 'yes' confirmation."),
) -> int:
    """Restore each router's newest backup through napalm (configure replace).

    Backups are taken by `greios apply` before each change and by `greios backup`; after
    the replace greios verifies the router matches the backup.
    """
    from greios.app.restore import rollback as run_rollback
    from greios.app.restore import rollback_plan
    from greios.errors import ExitCode

    plan = rollback_plan(sites, site, lab=lab)
    for s in plan.chosen:
        typer.echo(f"{s.router}: restore {s.path}")
    if not auto_approve:
        answer = typer.prompt("Only 'yes' restores these backups", default="",
                              show_default=False)
        if answer.strip() != "yes":
            typer.echo("Rollback cancelled.")
            return int(ExitCode.INTERRUPTED)

    def report(router: str, text: str, ok: bool) -> None:
        typer.echo(f"{router}: {text}", err=not ok)

    return run_rollback(plan, note=note, report=report)


def register(app: typer.Typer) -> None:
    app.command("rollback")(rollback)
