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
    from greios.allocate import Lock, allocate
    from greios.errors import InventoryError, SecretError, SecretFileError
    from greios.inventory import SECRETS_FILE, load_inventory
    from greios.secrets import SecretStore
    from greios.topology import expand_topology

    problems: list[str] = []
    inv = None
    try:
        inv = load_inventory(sites)
    except InventoryError as exc:
        if not Path(sites).is_dir():
            raise
        problems += exc.problems
    store = None
    try:
        store = SecretStore(Path(sites) / SECRETS_FILE)
    except SecretFileError as exc:
        problems += exc.problems
    except SecretError as exc:
        problems.append(str(exc))
    warnings: list[str] = []
    if inv is not None:
        pairs, _ = expand_topology(inv)
        if store is not None:
            env_problems, warnings = store.check(p.key for p in pairs)
            problems += env_problems
    if problems or inv is None:
        raise InventoryError(problems)
    project = inv.project
    res = allocate(pairs, inv.lock or Lock(), pools=project.tunnels.pools,
                   link_prefix=project.tunnels.link_prefix,
                   numbers=(project.tunnels.numbers.start, project.tunnels.numbers.end))
    for w in [*res.warnings, *warnings]:
        note(f"warning: {w}")
    new = f", {len(res.new)} new (not in {inv.lock_path.name} yet)" if res.new else ""
    typer.echo(
        f"ok: {len(inv.sites)} sites, {len(inv.routers)} routers, {len(pairs)} tunnels{new}"
    )


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
