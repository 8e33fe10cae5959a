"""``greios plan``: what would change on each router, Terraform style."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from greios.commands._common import SITES_HELP, note
from greios.commands._source import LAB_HELP, OFFLINE_HELP


def plan(
    site: list[str] = typer.Option([], "--site", help="Only this site (or site/router); "
                                   "repeatable."),
    sites: Path = typer.Option(Path("sites"), "--sites", "-s", help=SITES_HELP,
                               envvar="GREIOS_SITES"),
    lab: bool = typer.Option(False, "--lab", help=LAB_HELP),
    offline: bool = typer.Option(False, "--offline", help=OFFLINE_HELP),
    offline_dir: Path | None = typer.Option(None, "--offline-dir", hidden=True),
    out: Path | None = typer.Option(None, "--out", help="Save the plan for `greios apply "
                                    "FILE` (secrets stored as references only)."),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
    detailed_exitcode: bool = typer.Option(
        False, "--detailed-exitcode",
        help="Exit 0 when there are no changes, 2 when there are, 1 on error."),
    show_commands: bool = typer.Option(False, "--commands", help="Also print the exact IOS "
                                       "lines that would be pushed (keys redacted)."),
    parallelism: int = typer.Option(10, "--parallelism", min=1, max=100,
                                    help="Routers read at once."),
) -> int:
    """Show the ordered change from each router's running config to its intended config.

    Only what greios owns is touched: its tunnels, GREIOS-* crypto objects and the routing
    lines it renders (plus the ones of pairs that left the inventory). Running configs come
    from the routers (napalm; credentials from the env vars named in the inventory), from
    the lab (--lab) or from snapshots (--offline [DIR]). Peers outside --site whose config
    the change implies are named ("also changes: ..."). A router with a pending
    commit-confirm or a killed apply's lock stops the plan (exit 5; see `greios recover`).
    """
    from greios.app.planfile import save_plan
    from greios.app.planning import compute_plans, to_saved
    from greios.app.present import format_entries, plan_json, totals
    from greios.commands._source import make_source
    from greios.deploy.interrupt import Interrupts

    source = make_source(sites, lab, offline, offline_dir)
    # Ctrl-C: one clean line and exit 130 (no thread traceback); routers are only read
    with Interrupts(what="plan", message="interrupted (Ctrl-C); no plan was made or saved"):
        planned = compute_plans(sites, site, source, note=note, parallelism=parallelism)
    b, entries = planned.build, planned.entries
    add, change, destroy = totals(entries)
    if as_json:
        typer.echo(json.dumps(plan_json(planned, source.name), indent=2))
    else:
        typer.echo(format_entries(entries, origin=source.describe(), color=_color(),
                                  commands=show_commands, also=planned.also_changes()))
    if out is not None:
        save_plan(out, to_saved(b, entries, source),
                  forbidden=[*b.store.known_values(), *planned.running_secrets])
        note(f"Saved the plan to {out} (mode 0600). Apply exactly this plan with: "
             f"greios apply {out}")
    if detailed_exitcode and (add or change or destroy):
        return 2
    return 0


def _color() -> bool:
    import os
    import sys

    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
