"""``greios recover``: find and finish what an interrupted apply left on the routers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from greios.app.sources import RunningSource
    from greios.deploy.interrupt import Interrupts
    from greios.deploy.results import RouterResult
    from greios.errors import GreiosError
    from greios.inventory.load import Inventory

Note = Callable[[str], None]


@dataclass
class Scan:
    """What ``recover`` found: routers to act on (with a line each) and unreadable ones."""

    sites: Path
    inventory: Inventory
    source: RunningSource
    checked: int
    todo: list[tuple[str, str]] = field(default_factory=list)  # (router, what/action)
    unreachable: list[GreiosError] = field(default_factory=list)

    def unreachable_code(self) -> int:
        return max((int(e.exit_code) for e in self.unreachable), default=0)


def scan(sites: Path, site: Sequence[str], *, lab: bool, confirm: bool, parallelism: int,
         note: Note) -> Scan:
    """Read every selected router's revert timer and greios lock."""
    from greios.app.pipeline import select_routers
    from greios.app.sources import source_for
    from greios.errors import GreiosError
    from greios.overlay import load_inventory

    inv = load_inventory(sites)
    routers = select_routers(inv, list(site))
    source = source_for(sites, lab=lab)
    source.prepare(inv, note)
    reads = source.read(routers, parallelism=parallelism, check=[r.name for r in routers])
    found = Scan(sites, inv, source, checked=len(routers))
    for r in routers:
        got = reads[r.name]
        if isinstance(got, GreiosError):
            found.unreachable.append(got)
            continue
        left = got.unfinished
        if left is None or (left.lock is None and left.pending is None):
            continue
        action = "confirm if converged" if confirm else "roll back"
        what = f" -> {action}" if left.pending is not None else " -> clean up"
        found.todo.append((r.name, f"{left.describe()}{what}"))
    return found


def recover(found: Scan, *, confirm: bool, parallelism: int, intr: Interrupts,
            progress: Callable[[str, str], None]) -> list[RouterResult]:
    """Roll back (or confirm) each router of ``found.todo`` and clean up; in parallel."""
    from concurrent.futures import ThreadPoolExecutor

    from greios.deploy.recover import recover_router
    from greios.deploy.results import RouterResult
    from greios.errors import ExitCode

    names = [n for n, _ in found.todo]
    tgts = found.source.targets([found.inventory.router(n) for n in names])
    converged = _converged(found.sites, names) if confirm else {}

    def one(name: str) -> RouterResult:
        if cancel.stopping:
            return RouterResult(name, "interrupted", f"{name}: not started: interrupted "
                                "(Ctrl-C)", ExitCode.INTERRUPTED)
        return recover_router(tgts[name], found.source.state_dir,
                              action="confirm" if confirm else "rollback",
                              converged=converged.get(name), progress=progress)

    with intr.pushing() as cancel, \
            ThreadPoolExecutor(max_workers=min(parallelism, len(names))) as pool:
        return list(pool.map(one, names))


def _converged(sites: Path, names: list[str]) -> dict[str, Callable[[str], str | None]]:
    """Per router: the check that its running config holds the intended config."""
    from greios.app.pipeline import build
    from greios.app.planning import converged_check, retired_text

    b = build(sites, persist=False)
    return {n: converged_check(b.render(n, secrets="ref"), retired_text(b, n), b.store,
                               b.inventory.router(n).model.platform)
            for n in names}
