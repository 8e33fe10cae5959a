"""``greios locks``: list router locks, remove a stale one."""

from __future__ import annotations

from pathlib import Path

import typer

from greios.commands._common import SITES_HELP


def locks(
    remove: str | None = typer.Option(None, "--remove", help="Remove the lock of this router "
                                      "(or lock id). Only for locks whose process is gone."),
    force: bool = typer.Option(False, "--force", help="With --remove: also remove a lock "
                               "whose process still runs."),
    sites: Path = typer.Option(Path("sites"), "--sites", "-s", help=SITES_HELP,
                               envvar="GREIOS_SITES"),
) -> int:
    """Show which routers are locked by a running (or killed) apply.

    A STALE lock was left by a greios process that is gone: `greios recover` checks the
    router (pending commit-confirm, napalm's `file prompt quiet`) and removes it.
    """
    from greios.deploy.locks import list_locks, remove_lock
    from greios.errors import LockHeldError
    from greios.files import state_dir_for

    state = state_dir_for(sites)
    if remove:
        current = [i for i in list_locks(state) if remove in (i.router, i.id)]
        if current and not current[0].stale and not force:
            raise LockHeldError(f"lock of {current[0].router} belongs to a live process "
                                f"({current[0].describe()}); use --force if you are sure")
        if current and current[0].unfinished and not force:
            raise LockHeldError(
                f"the lock of {current[0].router} records an apply killed while "
                f"{current[0].phase or 'changing it'}: a revert timer may be running and "
                "napalm's 'file prompt quiet' may be left; run greios recover (it checks the "
                "router, then removes the lock), or --force to only delete the file")
        info = remove_lock(state, remove)
        typer.echo(f"removed lock of {info.router} ({info.describe()})")
        return 0
    found = list_locks(state)
    if not found:
        typer.echo("no router locks")
        return 0
    for i in found:
        phase = f" [{i.phase}]" if i.phase else ""
        typer.echo(f"{i.router}: {'STALE ' if i.stale else ''}{i.operation}{phase} by "
                   f"{i.describe()}")
    if any(i.stale for i in found):
        typer.echo("stale locks are left by a killed greios: run greios recover [--lab]")
    return 0


def register(app: typer.Typer) -> None:
    app.command("locks")(locks)
