"""``greios validate``: check the whole inventory and report every problem."""

from __future__ import annotations

from pathlib import Path

import typer

from greios.commands._common import SITES_HELP, note


def validate(
    sites: Path = typer.Option(Path("sites"), "--sites", "-s", help=SITES_HELP,
                               envvar="GREIOS_SITES"),
) -> None:
    """Validate sites/*.yaml: schema, addresses, overlaps, topology, lock file, allocation,
    pre-shared keys (secrets file and GREIOS_PSK_* variables).

    Reports every problem (file:line: yaml.path: message, or the variable's name) and exits
    1 when there is any. Nothing is written.
    """
    from greios.app.validate import validate_sites

    report = validate_sites(sites)
    for w in report.warnings:
        note(f"warning: {w}")
    typer.echo(report.summary())


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
