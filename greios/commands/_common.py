"""Helpers shared by several commands (typer + stdlib only)."""

from __future__ import annotations

import typer

SITES_HELP = "Inventory directory holding greios.yaml and one YAML file per site."


def note(message: str) -> None:
    """A one-line note on stderr (never stdout, which may be piped)."""
    typer.echo(message, err=True)
