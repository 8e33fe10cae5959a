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
    from greios.pipeline import build
    from greios.render import SecretMode

    b = build(sites)
    if b.lock_written:
        note(f"note: allocations recorded in {b.inventory.lock_path}")
    if b.secrets_written:
        note(f"note: new pre-shared keys stored in {b.inventory.secrets_path} (mode 0600)")
    mode: SecretMode = "reveal" if show_secrets else "redact"
    routers = b.routers(site)
    if output_dir is not None:
        output_dir.mkdir(parents=True, exist_ok=True)
        for r in routers:
            (output_dir / f"{r.name}.cfg").write_text(b.render(r.name, secrets=mode))
        note(f"wrote {len(routers)} files to {output_dir}")
        return
    for i, r in enumerate(routers):
        if i:
            typer.echo("")
        typer.echo(b.render(r.name, secrets=mode), nl=False)


def register(app: typer.Typer) -> None:
    app.command("render")(render)
