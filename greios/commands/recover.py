"""``greios recover``: finish what an interrupted apply left on the routers."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from greios.commands._common import SITES_HELP, note
from greios.commands._source import LAB_HELP

if TYPE_CHECKING:
    from greios.deploy.interrupt import Interrupts


def recover(
    site: list[str] = typer.Option([], "--site", help="Only this site (or site/router); "
                                   "repeatable. Default: every router."),
    sites: Path = typer.Option(Path("sites"), "--sites", "-s", help=SITES_HELP,
                               envvar="GREIOS_SITES"),
    lab: bool = typer.Option(False, "--lab", help=LAB_HELP),
    confirm: bool = typer.Option(
        False, "--confirm/--rollback",
        help="--rollback (default): revert pending commits now, back to the pre-apply "
             "config. --confirm: keep a pending commit whose running config holds the "
             "intended config (others are refused, exit 8)."),
    auto_approve: bool = typer.Option(False, "--auto-approve",
                                      help="Skip the interactive 'yes' confirmation."),
    parallelism: int = typer.Option(10, "--parallelism", min=1, max=100,
                                    help="Routers read and recovered at once."),
) -> int:
    """Resolve unfinished changes: pending commit-confirm timers and stale locks.

    An apply that was killed (kill -9, a lost terminal) can leave a router with a revert
    timer running (it looks converged, then reverts by itself), a stale router lock and
    napalm's `file prompt quiet`. For each router greios checks that the lock's process is
    gone, rolls the pending commit back (or confirms it with --confirm), removes napalm's
    `file prompt quiet` and the stale lock. Locks of a greios run that is still alive are
    left alone (exit 5).
    """
    from greios.deploy.interrupt import Interrupts

    with Interrupts(what="recover") as intr:
        return _run(intr, site=site, sites=sites, lab=lab, confirm=confirm,
                    auto_approve=auto_approve, parallelism=parallelism)


def _run(intr: Interrupts, *, site: list[str], sites: Path, lab: bool, confirm: bool,
         auto_approve: bool, parallelism: int) -> int:
    from greios.app.recover import recover as run_recover
    from greios.app.recover import scan
    from greios.deploy.results import worst_exit_code
    from greios.errors import ExitCode

    found = scan(sites, site, lab=lab, confirm=confirm, parallelism=parallelism, note=note)
    for err in found.unreachable:
        typer.echo(f"cannot check: {err}", err=True)
    for _name, line in found.todo:
        typer.echo(line)
    if not found.todo:
        typer.echo(f"Nothing to recover: no pending commit-confirm and no greios lock on "
                   f"{found.checked - len(found.unreachable)} router(s).")
        return found.unreachable_code()
    if not auto_approve:
        answer = typer.prompt("Only 'yes' recovers these routers", default="",
                              show_default=False)
        if answer.strip() != "yes":
            typer.echo("Recover cancelled.")
            return int(ExitCode.INTERRUPTED)

    def progress(router: str, text: str) -> None:
        typer.echo(f"  {router}: {text}", err=True)

    results = run_recover(found, confirm=confirm, parallelism=parallelism, intr=intr,
                          progress=progress)
    for res in results:
        typer.echo(f"{res.router}: {res.status}: {res.message}",
                   err=res.status not in ("clean", "rolled-back", "confirmed"))
    if intr.interrupted:
        return int(ExitCode.INTERRUPTED)
    return max(int(worst_exit_code(results)), found.unreachable_code())


def register(app: typer.Typer) -> None:
    app.command("recover")(recover)
