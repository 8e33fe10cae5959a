"""Backups and rollback: ``greios backup`` and ``greios rollback`` use cases."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

Note = Callable[[str], None]


@dataclass(frozen=True)
class Saved:
    router: str
    path: Path


def backup(sites: Path, site: Sequence[str], *, lab: bool, parallelism: int,
           note: Note) -> tuple[list[Saved], Path]:
    """Save each selected router's running config (timestamped, plus ``backups/latest``)."""
    from greios.app.pipeline import select_routers
    from greios.app.sources import fetch_running, source_for
    from greios.deploy.backup import save_backup
    from greios.files import write_private
    from greios.overlay import load_inventory

    inv = load_inventory(sites)
    routers = select_routers(inv, list(site))
    source = source_for(sites, lab=lab)
    source.prepare(inv, note)
    running = fetch_running(source, routers, parallelism=parallelism)
    latest = source.state_dir / "backups" / "latest"
    latest.mkdir(parents=True, exist_ok=True)
    saved: list[Saved] = []
    for r in routers:
        path = save_backup(source.state_dir, r.name, running[r.name], label="manual")
        write_private(latest / f"{r.name}.cfg", running[r.name])
        saved.append(Saved(r.name, path))
    return saved, latest


@dataclass(frozen=True)
class RollbackPlan:
    sites: Path
    lab: bool
    chosen: tuple[Saved, ...]  # the newest backup of each selected router


def rollback_plan(sites: Path, site: Sequence[str], *, lab: bool) -> RollbackPlan:
    """The newest backup of every selected router (refused when one has none)."""
    from greios.app.pipeline import select_routers
    from greios.deploy.backup import latest_backup
    from greios.errors import GreiosError
    from greios.files import state_dir_for
    from greios.overlay import load_inventory

    inv = load_inventory(sites)
    state = state_dir_for(sites)
    chosen: list[Saved] = []
    for r in select_routers(inv, list(site)):
        path = latest_backup(state, r.name)
        if path is None:
            raise GreiosError(f"{r.name}: no backup in {state / 'backups' / r.name}")
        chosen.append(Saved(r.name, path))
    return RollbackPlan(sites, lab, tuple(chosen))


def rollback(plan: RollbackPlan, *, note: Note,
             report: Callable[[str, str, bool], None]) -> int:
    """Restore each backup of ``plan`` (configure replace + verify); the worst exit code.

    ``report(router, text, ok)`` is called once per router."""
    from greios.app.sources import source_for
    from greios.deploy.apply import restore_backup
    from greios.overlay import load_inventory

    inv = load_inventory(plan.sites)
    source = source_for(plan.sites, lab=plan.lab)
    source.prepare(inv, note)
    tgts = source.targets([inv.router(s.router) for s in plan.chosen])
    worst = 0
    for s in plan.chosen:
        result = restore_backup(tgts[s.router], s.path.read_text(encoding="utf-8"),
                                source.state_dir)
        if result.status in ("applied", "unchanged"):
            report(s.router, f"restored ({result.status})", True)
        else:
            report(s.router, f"FAILED: {result.message}", False)
            worst = max(worst, int(result.exit_code))
    return worst
