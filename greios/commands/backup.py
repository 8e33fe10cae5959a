"""``greios backup``: save timestamped running configs for offline plan and audit."""

from __future__ import annotations

from pathlib import Path

import typer

from greios.commands._common import SITES_HELP, note
from greios.commands._source import LAB_HELP


def backup(
    site: list[str] = typer.Option([], "--site", help="Only this site (or site/router); "
                                   "repeatable."),
    sites: Path = typer.Option(Path("sites"), "--sites", "-s", help=SITES_HELP,
                               envvar="GREIOS_SITES"),
    lab: bool = typer.Option(False, "--lab", help=LAB_HELP),
    parallelism: int = typer.Option(10, "--parallelism", min=1, max=100),
) -> None:
    """Save each router's running config (timestamped) for offline plan and audit.

    Files: .greios/backups/<router>/<UTC time>-manual.cfg, plus a copy in
    .greios/backups/latest/<router>.cfg for `greios plan --offline .greios/backups/latest`
    and `greios audit .greios/backups/latest`.
    """
    from greios.deploy.backup import save_backup
    from greios.files import write_private
    from greios.inventory import load_inventory
    from greios.pipeline import select_routers
    from greios.sources import Source, ensure_lab, fetch_running, state_dir_for

    inv = load_inventory(sites)
    routers = select_routers(inv, site)
    source = Source("lab" if lab else "device", state_dir_for(sites))
    if lab:
        ensure_lab(inv, source, note)
    running = fetch_running(source, routers, parallelism=parallelism)
    latest = source.state_dir / "backups" / "latest"
    latest.mkdir(parents=True, exist_ok=True)
    for r in routers:
        path = save_backup(source.state_dir, r.name, running[r.name], label="manual")
        write_private(latest / f"{r.name}.cfg", running[r.name])
        typer.echo(f"{r.name}: {path}")
    note(f"latest copies in {latest}")


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
