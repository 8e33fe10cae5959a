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
    from greios.deploy.apply import restore_backup
    from greios.deploy.backup import latest_backup
    from greios.errors import ExitCode, GreiosError
    from greios.inventory import load_inventory
    from greios.pipeline import select_routers
    from greios.sources import Source, ensure_lab, state_dir_for, targets

    inv = load_inventory(sites)
    routers = select_routers(inv, site)
    source = Source("lab" if lab else "device", state_dir_for(sites))
    chosen: list[tuple[str, Path]] = []
    for r in routers:
        path = latest_backup(source.state_dir, r.name)
        if path is None:
            raise GreiosError(f"{r.name}: no backup in {source.state_dir / 'backups' / r.name}")
        chosen.append((r.name, path))
        typer.echo(f"{r.name}: restore {path}")
    if not auto_approve:
        answer = typer.prompt("Only 'yes' restores these backups", default="",
                              show_default=False)
        if answer.strip() != "yes":
            typer.echo("Rollback cancelled.")
            return int(ExitCode.INTERRUPTED)
    if lab:
        ensure_lab(inv, source, note)
    tgts = targets(source, routers)
    worst = 0
    for name, path in chosen:
        result = restore_backup(tgts[name], path.read_text(encoding="utf-8"),
                                source.state_dir)
        if result.status in ("applied", "unchanged"):
            typer.echo(f"{name}: restored ({result.status})")
        else:
            typer.echo(f"{name}: FAILED: {result.message}", err=True)
            worst = max(worst, int(result.exit_code))
    return worst


def register(app: typer.Typer) -> None:
    app.command("rollback")(rollback)
