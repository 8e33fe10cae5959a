"""``greios apply``: push the plan with napalm, verify, confirm - or roll back."""

from __future__ import annotations

from pathlib import Path

import typer

from greios.commands._common import SITES_HELP, note
from greios.commands._source import LAB_HELP


def apply(
    plan_file: Path | None = typer.Argument(
        None, help="A plan saved with `greios plan --out FILE`: apply exactly it."),
    site: list[str] = typer.Option([], "--site", help="Only this site (or site/router); "
                                   "repeatable."),
    sites: Path = typer.Option(Path("sites"), "--sites", "-s", help=SITES_HELP,
                               envvar="GREIOS_SITES"),
    lab: bool = typer.Option(False, "--lab", help=LAB_HELP),
    auto_approve: bool = typer.Option(False, "--auto-approve",
                                      help="Skip the interactive 'yes' confirmation."),
    parallelism: int = typer.Option(10, "--parallelism", min=1, max=100,
                                    help="Routers changed at once."),
    revert_in: int = typer.Option(300, "--revert-in", min=60, max=7200,
                                  help="Commit-confirm timer (seconds): IOS reverts by itself "
                                  "unless greios confirms after verification."),
    allow_unconfirmed: bool = typer.Option(
        False, "--allow-unconfirmed",
        help="Commit without a revert timer on routers that lack `archive` (no automatic "
             "revert if greios loses the router mid-change)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> int:
    """Apply the plan to the routers safely (commit-confirm, verify, roll back on failure).

    Per router: lock, backup, preflight, merge, commit with a revert timer, verify (config,
    tunnel up, DF ping at the tunnel MTU), confirm. A router that fails anywhere is rolled
    back to its exact previous config; the others carry on. Never more than --parallelism
    routers at once: routers joined by tunnels run together when they fit, a larger group
    (a hub and its spokes) is staged - hub first, spokes in waves, each tunnel verified
    from both ends (docs/workflow.md, section 8).
    """
    from greios.app.apply import run_apply

    return run_apply(plan_file=plan_file, site=site, sites=sites, lab=lab,
                     auto_approve=auto_approve, parallelism=parallelism, revert_in=revert_in,
                     as_json=as_json, note=note, echo=typer.echo,
                     allow_unconfirmed=allow_unconfirmed)


def register(app: typer.Typer) -> None:
    app.command("apply")(apply)
