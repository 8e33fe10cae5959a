"""``greios validate``: check the whole inventory and report every problem."""

from __future__ import annotations

from pathlib import Path

import typer

from greios.commands._common import SITES_HELP, note


def validate(
    sites: Path = typer.Option(Path("sites"), "--sites", "-s", help=SITES_HELP,
                               envvar="GREIOS_SITES"),
) -> None:
    """Validate sites/*.yaml: schema, addresses, overlaps, topology, allocation.

    Reports every problem (file:line: yaml.path: message) and exits 1 when there is any.
    Nothing is written.
    """
    from greios.allocate import allocate, read_lock
    from greios.inventory import load_inventory
    from greios.topology import expand_topology

    inv = load_inventory(sites)
    pairs, _ = expand_topology(inv)
    project = inv.project
    res = allocate(pairs, read_lock(inv.lock_path), pools=project.tunnels.pools,
                   link_prefix=project.tunnels.link_prefix,
                   numbers=(project.tunnels.numbers.start, project.tunnels.numbers.end))
    for w in res.warnings:
        note(f"warning: {w}")
    new = f", {len(res.new)} new (not in {inv.lock_path.name} yet)" if res.new else ""
    typer.echo(
        f"ok: {len(inv.sites)} sites, {len(inv.routers)} routers, {len(pairs)} tunnels{new}"
    )


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
