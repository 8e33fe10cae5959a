"""``greios render``: print every router's intended configuration."""

from __future__ import annotations

from pathlib import Path

import typer

from greios.commands._common import SITES_HELP, note


def render(
    site: list[str] = typer.Option(
        [], "--site", help="Only this site (or site/router); repeatable."
    ),
    sites: Path = typer.Option(Path("sites"), "--sites", "-s", help=SITES_HELP,
                               envvar="GREIOS_SITES"),
    show_secrets: bool = typer.Option(
        False, "--show-secrets", help="Print pre-shared keys instead of <redacted>."
    ),
    output_dir: Path | None = typer.Option(
        None, "--output-dir", "-o", help="Write <router>.cfg files here instead of printing."
    ),
) -> None:
    """Render the intended greios config (tunnels, crypto, routing) of each router.

    Allocates tunnel numbers and subnets for new pairs (recorded in sites/greios.lock) and
    generates missing pre-shared keys into sites/.greios-secrets.yaml (git-ignored).
    """
    from greios.app.render import render_sites

    render_sites(sites, only=site, show_secrets=show_secrets, output_dir=output_dir,
                 note=note, write=lambda text: typer.echo(text, nl=False))


def register(app: typer.Typer) -> None:
    app.command("render")(render)
