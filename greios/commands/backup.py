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
    from greios.app.restore import backup as run_backup

    saved, latest = run_backup(sites, site, lab=lab, parallelism=parallelism, note=note)
    for s in saved:
        typer.echo(f"{s.router}: {s.path}")
    note(f"latest copies in {latest}")


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
