"""``greios recover``: finish what an interrupted apply left on the routers."""

from __future__ import annotations

from collections.abc import Callable
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
    from concurrent.futures import ThreadPoolExecutor

    from greios.deploy.recover import recover_router
    from greios.deploy.results import RouterResult, worst_exit_code
    from greios.errors import ExitCode, GreiosError
    from greios.inventory import load_inventory
    from greios.pipeline import select_routers
    from greios.sources import Source, ensure_lab, read_routers, state_dir_for, targets

    inv = load_inventory(sites)
    routers = select_routers(inv, site)
    source = Source("lab" if lab else "device", state_dir_for(sites))
    if lab:
        ensure_lab(inv, source, note)
    reads = read_routers(source, routers, parallelism=parallelism,
                         check=[r.name for r in routers])
    todo: list[str] = []
    unreachable: list[GreiosError] = []
    for r in routers:
        got = reads[r.name]
        if isinstance(got, GreiosError):
            unreachable.append(got)
            typer.echo(f"{r.name}: cannot check: {got}", err=True)
            continue
        left = got.unfinished
        if left is None or (left.lock is None and left.pending is None):
            continue
        action = "confirm if converged" if confirm else "roll back"
        what = f" -> {action}" if left.pending is not None else " -> clean up"
        typer.echo(f"{left.describe()}{what}")
        todo.append(r.name)
    if not todo:
        typer.echo(f"Nothing to recover: no pending commit-confirm and no greios lock on "
                   f"{len(routers) - len(unreachable)} router(s).")
        return max((int(e.exit_code) for e in unreachable), default=0)
    if not auto_approve:
        answer = typer.prompt("Only 'yes' recovers these routers", default="",
                              show_default=False)
        if answer.strip() != "yes":
            typer.echo("Recover cancelled.")
            return int(ExitCode.INTERRUPTED)
    tgts = targets(source, [inv.router(n) for n in todo])
    converged = _converged(sites, todo) if confirm else {}

    def progress(router: str, text: str) -> None:
        typer.echo(f"  {router}: {text}", err=True)

    def one(name: str) -> RouterResult:
        if cancel.stopping:
            return RouterResult(name, "interrupted", f"{name}: not started: interrupted "
                                "(Ctrl-C)", ExitCode.INTERRUPTED)
        return recover_router(tgts[name], source.state_dir,
                              action="confirm" if confirm else "rollback",
                              converged=converged.get(name), progress=progress)

    with intr.pushing() as cancel, \
            ThreadPoolExecutor(max_workers=min(parallelism, len(todo))) as pool:
        results = list(pool.map(one, todo))
    for res in results:
        typer.echo(f"{res.router}: {res.status}: {res.message}",
                   err=res.status not in ("clean", "rolled-back", "confirmed"))
    if intr.interrupted:
        return int(ExitCode.INTERRUPTED)
    return max(int(worst_exit_code(results)),
               max((int(e.exit_code) for e in unreachable), default=0))


def _converged(sites: Path, names: list[str]) -> dict[str, Callable[[str], str | None]]:
    """Per router: the check that its running config holds the intended config."""
    from greios.pipeline import build
    from greios.workflow import converged_check, retired_text

    b = build(sites, persist=False)
    return {n: converged_check(b.render(n, secrets="ref"), retired_text(b, n), b.store)
            for n in names}


def register(app: typer.Typer) -> None:
    app.command("recover")(recover)
