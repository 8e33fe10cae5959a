"""``greios init``: start a project from the Tokyo - Hong Kong example."""

from __future__ import annotations

from pathlib import Path

import typer


def init(
    directory: Path = typer.Argument(
        Path(), help="Project directory (created if missing) [default: the current one]."),
) -> None:
    """Write a starter project: sites/ with the Tokyo - Hong Kong pair, snapshots, .gitignore.

    Creates sites/greios.yaml (commented crypto policy and topology), sites/tokyo.yaml,
    sites/hongkong.yaml, example running configs in sites/snapshots/, a .gitignore that
    keeps the generated pre-shared keys out of git, and a short README. Refuses (exit 1,
    naming the file) if any of these files exists already; nothing is overwritten.
    Then, from DIR: greios validate, greios render, greios plan --offline, greios lab up.
    """
    from greios.starter import write_starter

    written = write_starter(directory)
    for rel in written:
        typer.echo(f"created {directory / rel}")
    where = "" if directory == Path() else f"cd {directory} && "
    typer.echo(f"\nNext: {where}greios validate && greios plan --offline")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
