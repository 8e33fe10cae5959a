"""Glue between plans and the deploy layer: what ``greios apply`` does.

* Every targeted router is first checked for an unfinished change (a commit-confirm revert
  timer, a killed apply's stale lock): plan and apply refuse (exit 5) and name the
  ``greios recover`` command.
* A saved plan is not trusted: its intended config must be what the inventory renders and
  its commands what greios computes from that and the running config (recomputed under the
  router lock); otherwise it is refused (exit 4).
* A tunnel whose peer is not changed by this apply is verified from the applied end and
  on the peer (read only), or the result says why the pair is not verified.
* Ctrl-C: see :mod:`greios.deploy.interrupt`.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from greios.errors import ExitCode, GreiosError, PlanFileError

if TYPE_CHECKING:
    from greios.app.pipeline import Build
    from greios.app.planfile import SavedPlan
    from greios.app.sources import RunningSource
    from greios.deploy.apply import RouterChange, RouterResult
    from greios.deploy.interrupt import Interrupts
    from greios.deploy.target import DeviceTarget
    from greios.secrets import AppliedKeys

Echo = Callable[..., None]


@dataclass(frozen=True)
class _Item:
    """One router to change: the plan's inputs and its (possibly redacted) commands."""

    router: str
    fingerprint: str
    intended: str
    retired: str
    commands: tuple[str, ...]


def _first_difference(plan: Sequence[str], fresh: Sequence[str]) -> str:
    for i in range(max(len(plan), len(fresh))):
        a = plan[i] if i < len(plan) else None
        b = fresh[i] if i < len(fresh) else None
        if a != b:
            have = f"'{a.strip()}'" if a is not None else "nothing (the plan ends here)"
            want = f"'{b.strip()}'" if b is not None else "no more commands"
            return f"command {i + 1} of the plan is {have}, greios computes {want}"
    return "the commands differ"


def _changes(items: Sequence[_Item], b: Build, state_dir: Path,
             unverifiable: Mapping[str, str], plan_name: str) -> list[RouterChange]:
    from greios.app.planfile import PlanMismatchError
    from greios.app.planning import converged_check, recompute_commands, redacted, tunnel_checks
    from greios.deploy.apply import RouterChange
    from greios.secrets import AppliedKeys

    applied = {i.router for i in items}
    keys = AppliedKeys(state_dir)
    out: list[RouterChange] = []
    for item in items:
        def recompute(running: str, item: _Item = item) -> str:
            fresh = recompute_commands(b, item.router, item.intended, item.retired, running,
                                       keys.for_router(item.router))
            if redacted(fresh) != redacted(item.commands):
                raise PlanMismatchError(
                    f"{item.router}: refused: {plan_name}'s commands are not what greios "
                    f"computes from the plan's intended config and this running config "
                    f"({_first_difference(redacted(item.commands), redacted(fresh))}); "
                    "was the plan file edited? re-run plan")
            return "\n".join(fresh) + "\nend\n"

        checks = tuple(
            replace(t, peer_in_apply=t.peer in applied,
                    unverified="" if t.peer in applied else unverifiable.get(t.peer, ""))
            for t in tunnel_checks(b, item.router))
        out.append(RouterChange(
            router=item.router,
            commands="\n".join(item.commands) + "\nend\n",
            expected_fingerprint=item.fingerprint,
            converged=converged_check(item.intended, item.retired, b.store,
                                      b.inventory.router(item.router).model.platform),
            tunnels=checks,
            recompute=recompute,
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
    from greios.deploy.interrupt import Interrupts

    with Interrupts(what="apply") as intr:
        return _apply(intr, plan_file=plan_file, site=site, sites=sites, lab=lab,
                      auto_approve=auto_approve, parallelism=parallelism,
                      revert_in=revert_in, as_json=as_json, note=note, echo=echo,
                      allow_unconfirmed=allow_unconfirmed)


def _apply(intr: Interrupts, *, plan_file: Path | None, site: list[str], sites: Path,
           lab: bool, auto_approve: bool, parallelism: int, revert_in: int, as_json: bool,
           note: Callable[[str], None], echo: Echo, allow_unconfirmed: bool) -> int:
    from greios.app.sources import source_for

    if plan_file is not None:
        if site or lab:
            raise GreiosError("a saved plan is applied exactly: --site/--lab cannot be "
                              "combined with a plan file")
        b, source, items, unverifiable = _from_saved(plan_file, note, parallelism)
    else:
        from greios.app.present import format_entries

        source = source_for(sites, lab=lab)
        b, items, unverifiable, planned = _from_inventory(sites, site, source, note,
                                                          parallelism)
        if not as_json:
            color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
            echo(format_entries(planned.entries, origin=source.describe(), color=color,
                                also=planned.also_changes()))
        if not items:
            if as_json:
                echo(json.dumps({"results": [], "changes": False}, indent=2))
            else:
                echo("\nNo changes. The routers match the intended configuration.")
            return 0
        if not auto_approve and not _confirm(echo):
            echo("\nApply cancelled.")
            return int(ExitCode.INTERRUPTED)
    if not items:
        echo("No changes to apply.")
        return 0
    plan_name = str(plan_file) if plan_file is not None else "the plan"
    changes = _changes(items, b, source.state_dir, unverifiable, plan_name)
    results = _run(intr, changes, b, source, parallelism, revert_in, as_json, echo,
                   allow_unconfirmed)
    _record(results, items, b, source)
    if intr.interrupted:
        count = {s: sum(r.status == s for r in results)
                 for s in ("applied", "rolled-back", "interrupted")}
        others = len(results) - sum(count.values())
        echo(f"Interrupted (Ctrl-C): {count['applied']} applied, {count['rolled-back']} "
             f"rolled back, {count['interrupted']} stopped before changing anything"
             + (f", {others} other (see the table)" if others else "")
             + ("; locks released." if any(r.exit_code == ExitCode.ROLLBACK_FAILED
                                          for r in results)
                else "; no router was left with a pending commit; locks released."),
             err=True)
        return int(ExitCode.INTERRUPTED)
    from greios.deploy.apply import worst_exit_code

    return int(worst_exit_code(results))


def _from_inventory(sites: Path, site: list[str], source: RunningSource,
                    note: Callable[[str], None], parallelism: int
                    ) -> tuple[Build, list[_Item], dict[str, str], Any]:
    from greios.app.planning import compute_plans

    planned = compute_plans(sites, site, source, note=note, parallelism=parallelism)
    items = [_Item(e.router, e.running_fingerprint, e.intended, e.retired, e.plan.commands)
             for e in planned.entries if e.plan.commands]
    return planned.build, items, planned.unverifiable(), planned


def _from_saved(plan_file: Path, note: Callable[[str], None], parallelism: int
                ) -> tuple[Build, RunningSource, list[_Item], dict[str, str]]:
    """Load a saved plan and check it against the inventory and the routers, before any
    change: unknown routers (exit 1), intended config or commands that are not what greios
    computes (exit 4), unfinished changes (exit 5)."""
    from greios.app.pipeline import build
    from greios.app.planfile import load_plan
    from greios.app.planning import read_and_check
    from greios.app.sources import source_named
    from greios.files import state_dir_for
    from greios.secrets import AppliedKeys

    saved = load_plan(plan_file)
    sites_dir = Path(saved.sites_dir)
    if saved.source == "offline":
        raise PlanFileError(f"{plan_file}: this plan was made from offline snapshots; "
                            "plan against the routers (or --lab) to apply")
    source = source_named(saved.source, state_dir_for(sites_dir))
    b = build(sites_dir)
    inv = b.inventory
    _check_saved_inputs(plan_file, saved, b)
    source.prepare(inv, note)
    running, peer_running = read_and_check(b, [inv.router(r.router) for r in saved.routers],
                                           source, note=note, parallelism=parallelism)
    keys = AppliedKeys(source.state_dir)
    items = _saved_items(plan_file, saved, b, running, keys)
    changed = {i.router for i in items}
    reads: dict[str, str | GreiosError] = {**running, **peer_running}
    unverifiable = _unverifiable_peers(b, {n: g for n, g in reads.items() if n not in changed},
                                       keys)
    return b, source, items, unverifiable


def _check_saved_inputs(plan_file: Path, saved: SavedPlan, b: Build) -> None:
    """The plan's routers exist and its intended configs are what the inventory renders."""
    from greios.app.planfile import PlanMismatchError
    from greios.app.planning import retired_text

    inv = b.inventory
    unknown = {r.router for r in saved.routers} - {r.name for r in inv.routers}
    if unknown:
        raise PlanFileError(f"{plan_file}: the plan names routers that are not in the "
                            f"inventory {inv.root}: {', '.join(sorted(unknown))}")
    problems = [f"{r.router}: the plan's intended config is not what the inventory renders now"
                for r in saved.routers
                if r.intended != b.render(r.router, secrets="ref")
                or r.retired != retired_text(b, r.router)]
    if problems:
        raise PlanMismatchError(f"{plan_file}: refused: the inventory changed since the plan "
                                "was made, or the plan file was edited; re-run plan:\n"
                                + "\n".join(f"  {p}" for p in problems))


def _saved_items(plan_file: Path, saved: SavedPlan, b: Build, running: Mapping[str, str],
                 keys: AppliedKeys) -> list[_Item]:
    """The plan's changes; refused (exit 4) when its commands are not what greios computes
    from its intended config and a router's (unchanged) running config."""
    from greios.app.planfile import PlanMismatchError
    from greios.app.planning import recompute_commands, redacted
    from greios.deploy.fingerprint import fingerprint

    problems: list[str] = []
    items: list[_Item] = []
    for r in saved.routers:
        text = running[r.router]
        if fingerprint(text) == r.running_fingerprint:  # a stale router is refused later
            fresh = recompute_commands(b, r.router, r.intended, r.retired, text,
                                       keys.for_router(r.router))
            if redacted(fresh) != tuple(r.commands):
                problems.append(f"{r.router}: "
                                f"{_first_difference(r.commands, redacted(fresh))}")
        if r.commands:
            items.append(_Item(r.router, r.running_fingerprint, r.intended, r.retired,
                               r.commands))
    if problems:
        raise PlanMismatchError(f"{plan_file}: refused: its commands are not what greios "
                                "computes from the plan's intended config and the routers' "
                                "running configs (was the plan file edited?); nothing was "
                                "applied; re-run plan:\n" + "\n".join(f"  {p}" for p in problems))
    return items


def _unverifiable_peers(b: Build, reads: Mapping[str, str | GreiosError],
                        keys: AppliedKeys) -> dict[str, str]:
    """Routers outside the apply whose end of a pair cannot be verified now, and why."""
    from greios.app.planning import plan_for

    out: dict[str, str] = {}
    for name, got in reads.items():
        if isinstance(got, GreiosError):
            out[name] = f"{name}'s running config could not be read ({got})"
            continue
        entry = plan_for(b, name, got, applied=keys.for_router(name))
        if not entry.plan.is_empty:
            add, change, destroy = entry.plan.counts()
            out[name] = (f"{name} is not in this apply and needs its own change "
                         f"({add} to add, {change} to change, {destroy} to destroy)"
                         f": plan and apply --site {entry.site} too")
    return out


def _peer_targets(changes: Sequence[RouterChange], b: Build, source: RunningSource
                  ) -> dict[str, DeviceTarget]:
    """Read-only connection details of peers outside the apply (skipped when unknown)."""
    applied = {c.router for c in changes}
    out: dict[str, DeviceTarget] = {}
    for peer in sorted({t.peer for c in changes for t in c.tunnels} - applied):
        try:
            out.update(source.targets([b.inventory.router(peer)]))
        except GreiosError:
            continue  # e.g. its credential variables are not set: reported as not read
    return out


def _record(results: Sequence[RouterResult], items: Sequence[_Item], b: Build,
            source: RunningSource) -> None:
    """Remember the key versions applied (type-6 routers hide them) and retired pairs."""
    from greios.allocate import mark_cleaned, read_lock, write_lock
    from greios.app.planning import applied_digests
    from greios.secrets import AppliedKeys

    inv = b.inventory
    ok = {r.router for r in results if r.status in ("applied", "unchanged")}
    record = AppliedKeys(source.state_dir)
    for item in items:
        if item.router in ok:
            record.record(item.router, applied_digests(item.intended, b.store))
    chosen = {i.router for i in items}
    if any(a.a in chosen or a.b in chosen for a in b.allocation.retired):
        write_lock(inv.lock_path, mark_cleaned(read_lock(inv.lock_path), ok,
                                               known=[r.name for r in inv.routers]))


def _run(intr: Interrupts, changes: list[RouterChange], b: Build, source: RunningSource,
         parallelism: int, revert_in: int, as_json: bool, echo: Echo,
         allow_unconfirmed: bool) -> list[RouterResult]:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from greios.deploy.apply import apply_changes
    from greios.secrets import resolve_refs

    console = Console(stderr=True, highlight=False)
    chosen = {c.router for c in changes}
    pairs = [(a.a, a.b) for a in b.active if a.a in chosen and a.b in chosen]
    tgts = source.targets([b.inventory.router(c.router) for c in changes])
    peer_tgts = _peer_targets(changes, b, source)

    bar = _Bar(console, len(changes)) if not as_json and console.is_terminal else None

    def progress(router: str, phase: str) -> None:
        if bar is not None:
            bar.update(router, phase)
        elif not as_json:
            console.print(f"  {router}: {phase}", markup=False)

    if not as_json:
        console.print(f"\nApplying to {len(changes)} router(s) via {source.describe()} ...")
    with intr.pushing() as cancel:
        if bar is not None:
            bar.start()
        try:
            results = apply_changes(
                changes, tgts, state_dir=source.state_dir,
                resolve=lambda text: resolve_refs(text, b.store), parallelism=parallelism,
                revert_in=revert_in, pairs=pairs, progress=progress,
                allow_unconfirmed=allow_unconfirmed, cancel=cancel, peer_targets=peer_tgts,
            )
        finally:
            if bar is not None:
                bar.stop()
    if as_json:
        echo(json.dumps({"changes": True, "interrupted": intr.interrupted, "results": [
            {"router": r.router, "status": r.status, "message": r.message,
             "notes": r.notes, "exit_code": int(r.exit_code), "seconds": round(r.seconds, 2),
             "backup": str(r.backup) if r.backup else None}
            for r in results]}, indent=2))
        return results
    table = Table(title="Apply result")
    for col in ("router", "status", "seconds", "message"):
        table.add_column(col)
    style = {"applied": "green", "unchanged": "green", "rolled-back": "yellow",
             "interrupted": "yellow"}
    for r in results:
        table.add_row(r.router, f"[{style.get(r.status, 'red')}]{r.status}[/]",
                      f"{r.seconds:.1f}", escape(r.message))
    Console(highlight=False).print(table)
    if not intr.interrupted:
        failed = [r for r in results if r.status not in ("applied", "unchanged")]
        echo(f"Apply complete: {len(results) - len(failed)} succeeded, {len(failed)} failed.")
    return results


_DONE = ("applied", "unchanged", "rolled-back", "failed", "stale", "locked", "unreachable",
         "skipped", "interrupted", "refused", "not started")


class _Bar:
    """A rich progress bar for an apply on a terminal: routers done of all, the last
    phase, and every router that did not apply printed above the bar."""

    def __init__(self, console: Any, total: int) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(TextColumn("[bold]apply"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("{task.description}"),
                                 console=console, transient=False)
        self.task = self.progress.add_task("", total=total)
        self.done: set[str] = set()
        self.bad = 0

    def start(self) -> None:
        self.progress.start()

    def stop(self) -> None:
        self.progress.stop()

    def update(self, router: str, phase: str) -> None:
        word = phase.split(":", 1)[0].split(" (", 1)[0].strip()
        if word in _DONE and router not in self.done:
            self.done.add(router)
            if word not in ("applied", "unchanged"):
                self.bad += 1
                self.progress.console.print(f"  {router}: {phase}", markup=False,
                                            highlight=False)
            self.progress.advance(self.task)
        elif "staged" in phase:
            self.progress.console.print(f"  {router}: {phase}", markup=False, highlight=False)
        note = f"{len(self.done)} done, {self.bad} not applied - {router}: {phase}"
        self.progress.update(self.task, description=note[:70])
