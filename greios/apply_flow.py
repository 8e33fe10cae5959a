"""Glue between plans and the deploy layer: what ``greios apply`` does."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from greios.errors import ExitCode, GreiosError, PlanFileError

if TYPE_CHECKING:
    from greios.deploy.apply import RouterChange, RouterResult
    from greios.pipeline import Build
    from greios.planfile import SavedPlan
    from greios.sources import Source

Echo = Callable[..., None]


def _changes(plan: SavedPlan, b: Build) -> list[RouterChange]:
    from greios.deploy.apply import RouterChange, TunnelCheck
    from greios.workflow import converged_check

    applied = {r.router for r in plan.routers if r.commands}
    out: list[RouterChange] = []
    for r in plan.routers:
        if not r.commands:
            continue
        peers_in = [t for t in r.tunnels if t["peer"] in applied]
        out.append(RouterChange(
            router=r.router,
            commands="\n".join(r.commands) + "\nend\n",
            expected_fingerprint=r.running_fingerprint,
            converged=converged_check(r.intended, r.retired, b.store),
            tunnels=tuple(TunnelCheck(t["interface"], t["peer"], t["peer_address"],
                                      int(t["ping_size"])) for t in peers_in),
        ))
    return out


def _confirm(echo: Echo) -> bool:
    echo("\nDo you want to perform these actions?\n  greios will apply the changes above. "
         "Only 'yes' will be accepted to approve.\n")
    try:
        answer = input("  Enter a value: ")
    except EOFError:
        return False
    return answer.strip() == "yes"


def run_apply(*, plan_file: Path | None, site: list[str], sites: Path, lab: bool,
              auto_approve: bool, parallelism: int, revert_in: int, as_json: bool,
              note: Callable[[str], None], echo: Echo, allow_unconfirmed: bool = False) -> int:
    from greios.allocate import mark_cleaned, read_lock, write_lock
    from greios.pipeline import build
    from greios.planfile import load_plan
    from greios.sources import Source, ensure_lab, state_dir_for, targets
    from greios.workflow import compute_plans, format_entries, to_saved

    if plan_file is not None:
        if site or lab:
            raise GreiosError("a saved plan is applied exactly: --site/--lab cannot be "
                              "combined with a plan file")
        saved = load_plan(plan_file)
        sites_dir = Path(saved.sites_dir)
        if saved.source == "offline":
            raise PlanFileError(f"{plan_file}: this plan was made from offline snapshots; "
                                "plan against the routers (or --lab) to apply")
        source = Source(saved.source, state_dir_for(sites_dir))  # type: ignore[arg-type]
        b = build(sites_dir)
        if source.kind == "lab":
            ensure_lab(b.inventory, source, note)
    else:
        sites_dir = sites
        source = Source("lab" if lab else "device", state_dir_for(sites))
        b, entries = compute_plans(sites, site, source, note=note, parallelism=parallelism)
        saved = to_saved(b, entries, source)
        if not as_json:
            color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
            echo(format_entries(entries, origin=source.describe(), color=color))
        if not any(r.commands for r in saved.routers):
            if as_json:
                echo(json.dumps({"results": [], "changes": False}, indent=2))
            else:
                echo("\nNo changes. The routers match the intended configuration.")
            return 0
        if not auto_approve and not _confirm(echo):
            echo("\nApply cancelled.")
            return int(ExitCode.INTERRUPTED)

    inv = b.inventory
    names = {r.router for r in saved.routers}
    unknown = names - {r.name for r in inv.routers}
    if unknown:
        raise PlanFileError(f"the plan names routers that are no longer in the inventory: "
                            f"{', '.join(sorted(unknown))}")
    changes = _changes(saved, b)
    if not changes:
        echo("No changes to apply.")
        return 0
    tgts = targets(source, [inv.router(c.router) for c in changes])
    results = _run(changes, tgts, saved, b, source, parallelism, revert_in, as_json, echo,
                   allow_unconfirmed)

    # remember which key version each router now holds (type-6 routers hide it)
    from greios.secrets import AppliedKeys
    from greios.workflow import applied_digests

    ok = {r.router for r in results if r.status in ("applied", "unchanged")}
    record = AppliedKeys(source.state_dir)
    for saved_router in saved.routers:
        if saved_router.router in ok:
            record.record(saved_router.router, applied_digests(saved_router.intended, b.store))
    # pairs that left the inventory: forgotten once both ends are clean
    if saved.retired_pairs:
        write_lock(inv.lock_path, mark_cleaned(read_lock(inv.lock_path), ok,
                                               known=[r.name for r in inv.routers]))
    from greios.deploy.apply import worst_exit_code

    return int(worst_exit_code(results))


def _run(changes: list[RouterChange], tgts: dict[str, Any], saved: SavedPlan, b: Build,
         source: Source, parallelism: int, revert_in: int, as_json: bool,
         echo: Echo, allow_unconfirmed: bool) -> list[RouterResult]:
    from rich.console import Console
    from rich.table import Table

    from greios.deploy.apply import apply_changes
    from greios.secrets import resolve_refs

    console = Console(stderr=True, highlight=False)
    pairs = [(p[0], p[1]) for p in saved.pairs]

    def progress(router: str, phase: str) -> None:
        if not as_json:
            console.print(f"  {router}: {phase}")

    if not as_json:
        console.print(f"\nApplying to {len(changes)} router(s) via {source.describe()} ...")
    results = apply_changes(
        changes, tgts, state_dir=source.state_dir,
        resolve=lambda text: resolve_refs(text, b.store), parallelism=parallelism,
        revert_in=revert_in, pairs=pairs, progress=progress,
        allow_unconfirmed=allow_unconfirmed,
    )
    if as_json:
        echo(json.dumps({"changes": True, "results": [
            {"router": r.router, "status": r.status, "message": r.message,
             "exit_code": int(r.exit_code), "seconds": round(r.seconds, 2),
             "backup": str(r.backup) if r.backup else None}
            for r in results]}, indent=2))
        return results
    table = Table(title="Apply result")
    for col in ("router", "status", "seconds", "message"):
        table.add_column(col)
    style = {"applied": "green", "unchanged": "green", "rolled-back": "yellow"}
    for r in results:
        table.add_row(r.router, f"[{style.get(r.status, 'red')}]{r.status}[/]",
                      f"{r.seconds:.1f}", r.message)
    Console(highlight=False).print(table)
    failed = [r for r in results if r.status not in ("applied", "unchanged")]
    echo(f"Apply complete: {len(results) - len(failed)} succeeded, {len(failed)} failed.")
    return results
