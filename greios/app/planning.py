"""Plan computation: intended config (with secret references) vs running config, per router.

Pure: texts and models in, models out. Fetching running configs lives in
:mod:`greios.app.sources`; pushing in :mod:`greios.deploy`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from greios.allocate import Allocation
from greios.app.pipeline import Build
from greios.app.planfile import SavedPlan, SavedRouter
from greios.app.sources import RunningSource
from greios.deploy.change import TunnelCheck
from greios.errors import GreiosError, LockHeldError
from greios.gcpause import no_cyclic_gc
from greios.intent import build_intents
from greios.inventory.load import Inventory
from greios.inventory.yamlsrc import display_path
from greios.plan import RouterPlan, plan_router
from greios.plan.model import commands_only
from greios.render import render_router
from greios.secrets import REF_RE, AppliedKeys, SecretStore, key_digest

if TYPE_CHECKING:
    from greios.deploy.recover import Unfinished
    from greios.inventory.load import RouterInfo


@dataclass
class RouterPlanEntry:
    router: str
    site: str
    running_fingerprint: str
    intended: str  # rendered with secret references
    retired: str
    plan: RouterPlan
    tunnels: list[TunnelCheck] = field(default_factory=list)


def secret_equal_for(store: SecretStore, applied: Mapping[str, str] | None = None
                     ) -> Callable[[str, str], bool]:
    """Key-line comparison that resolves ``<secret:psk/..>`` references first.

    A key the router stores encrypted (type 6/7) cannot be compared; it counts as equal
    (write-only) unless ``applied`` (pair -> digest of the key greios last pushed to this
    router) shows that the key was rotated since.
    """
    from greios.platforms.ios.ownership import default_secret_equal, parse_key_line

    def equal(running_line: str, intended_line: str) -> bool:
        m = REF_RE.search(intended_line)
        resolved = REF_RE.sub(lambda m: store.resolve(m.group(1), m.group(2)), intended_line)
        run = parse_key_line(running_line)
        if m and applied and run is not None and run.type in ("6", "7"):
            last = applied.get(m.group(2))
            if last is not None and last != key_digest(store.resolve(m.group(1), m.group(2))):
                return False  # rotated since the last push
        return default_secret_equal(running_line, resolved)

    return equal


def applied_digests(intended: str, store: SecretStore) -> dict[str, str]:
    """pair -> digest of every PSK referenced by an intended config (recorded after apply)."""
    return {m.group(2): key_digest(store.resolve(m.group(1), m.group(2)))
            for m in REF_RE.finditer(intended)}


def retired_text(b: Build, router: str) -> str:
    """What greios rendered for pairs of ``router`` that left the inventory."""
    inv = b.inventory
    gone: list[Allocation] = [
        a for a in b.allocation.retired if router in (a.a, a.b)
    ]
    if not gone:
        return ""
    names = {r.name for r in inv.routers}
    renderable = [a for a in gone if a.a in names and a.b in names]
    text = ""
    if renderable:
        default = inv.project.defaults.crypto
        intents = build_intents(inv, renderable, {a.key: default for a in renderable}, b.store)
        text = render_router(intents[router], secrets="ref")
    # peers that vanished from the inventory: at least their routing lines
    r = inv.router(router)
    if r.routing.protocol == "ospf":
        ospf = r.routing.ospf
        lines = [f" network {a.network.network_address} {a.network.hostmask} area {ospf.area}"
                 for a in gone if a not in renderable]
        if lines:
            text += f"router ospf {ospf.process_id}\n" + "\n".join(lines) + "\n"
    return text


def plan_for(b: Build, router: str, running: str, *,
             applied: Mapping[str, str] | None = None) -> RouterPlanEntry:
    from greios.deploy.fingerprint import fingerprint

    info = b.inventory.router(router)
    intended = b.render(router, secrets="ref")
    retired = retired_text(b, router)
    plan = plan_router(running, intended, retired=retired,
                       secret_equal=secret_equal_for(b.store, applied),
                       platform=info.model.platform)
    return RouterPlanEntry(router=router, site=info.site,
                           running_fingerprint=fingerprint(running), intended=intended,
                           retired=retired, plan=plan, tunnels=tunnel_checks(b, router))


def tunnel_checks(b: Build, router: str) -> list[TunnelCheck]:
    """What to verify after applying ``router``: each tunnel, its peer and DF ping size."""
    tunnels: list[TunnelCheck] = []
    active = b.allocation.active_by_key
    for t in b.intents[router].tunnels:
        alloc = active[t.pair]
        peer_if = tunnel_interface(b, t.peer, t.number)
        if t.peer in b.intents:
            number = b.tunnel_numbers[t.peer].get(t.pair)
            peer_if = peer_if if number is None else tunnel_interface(b, t.peer, number)
        tunnels.append(TunnelCheck(
            interface=tunnel_interface(b, router, t.number), peer=t.peer,
            peer_address=str(alloc.address_of(t.peer)), ping_size=t.ip_mtu,
            peer_interface=peer_if,
        ))
    return tunnels


def tunnel_interface(b: Build, router: str, number: int) -> str:
    """The name of tunnel ``number`` on ``router`` as its platform shows it (``TunnelN``
    on IOS; a platform may name it otherwise: ``tunnel_interface``, VyOS ``tunN``)."""
    from greios.platforms import get

    try:
        platform = get(b.inventory.router(router).model.platform)
    except KeyError:  # a peer outside the inventory: the default platform's name
        platform = get()
    return platform.tunnel_interface(number)


def peers_of(b: Build, routers: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """Routers outside ``routers`` that share a tunnel with one of them:
    peer -> [(router, its tunnel interface)]."""
    chosen = set(routers)
    out: dict[str, list[tuple[str, str]]] = {}
    for r in routers:
        for t in b.intents[r].tunnels:
            if t.peer not in chosen:
                out.setdefault(t.peer, []).append((r, tunnel_interface(b, r, t.number)))
    return out


def converged_check(intended: str, retired: str, store: SecretStore,
                    platform: str | None = None) -> Callable[[str], str | None]:
    """After commit: None when the fresh running config holds every intended object
    (compared by the router's ``platform``'s remediation engine)."""
    equal = secret_equal_for(store)

    def check(running: str) -> str | None:
        rest = plan_router(running, intended, retired=retired, secret_equal=equal,
                           platform=platform)
        if rest.is_empty:
            return None
        first = rest.objects[0] if rest.objects else None
        what = f"{first.action} {first.header}" if first else rest.commands[0].strip()
        return f"running config still differs from the intended config ({what})"

    return check


@dataclass
class Planned:
    """The plans of the selected routers, and of their peers outside the selection."""

    build: Build
    entries: list[RouterPlanEntry]
    peers: dict[str, RouterPlanEntry] = field(default_factory=dict)
    peer_links: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    peer_errors: dict[str, str] = field(default_factory=dict)
    #: secret values seen in the running configs (a saved plan must never hold them)
    running_secrets: set[str] = field(default_factory=set)

    def also_changes(self) -> list[str]:
        """"also changes: PEER (peer of TunnelN on ROUTER; ...)" for each peer outside the
        selection whose own plan is not empty while a selected router changes."""
        changed = {e.router for e in self.entries if not e.plan.is_empty}
        out: list[str] = []
        for peer, links in self.peer_links.items():
            entry = self.peers.get(peer)
            via = [(r, i) for r, i in links if r in changed]
            if entry is None or entry.plan.is_empty or not via:
                continue
            add, change, destroy = entry.plan.counts()
            of = ", ".join(f"{i} on {r}" for r, i in via)
            out.append(f"also changes: {peer} (peer of {of}; {add} to add, {change} to "
                       f"change, {destroy} to destroy) - not in this plan: add --site "
                       f"{entry.site} to change both ends together")
        for peer, error in self.peer_errors.items():
            via = [(r, i) for r, i in self.peer_links.get(peer, []) if r in changed]
            if via:
                of = ", ".join(f"{i} on {r}" for r, i in via)
                out.append(f"may also change: {peer} (peer of {of}): {error}")
        return out

    def unverifiable(self) -> dict[str, str]:
        """peer -> why a pair with it cannot be verified when only the other end changes."""
        out = dict(self.peer_errors)
        for peer, entry in self.peers.items():
            if not entry.plan.is_empty:
                add, change, destroy = entry.plan.counts()
                out[peer] = (f"{peer} is not in this apply and needs its own change "
                             f"({add} to add, {change} to change, {destroy} to destroy): "
                             f"apply --site {entry.site} too")
        return out


class UnfinishedChangeError(LockHeldError):
    """A targeted router carries an unfinished change (revert timer, stale lock)."""

    default_message = "a router has an unfinished change: run greios recover"


def recover_hint(source: RunningSource, inv: Inventory, routers: Sequence[str]) -> str:
    """The exact ``greios recover`` command for ``routers``."""
    args = ["greios", "recover", *source.same_routers_args]
    if Path("sites").resolve() != inv.root.resolve():
        args += ["--sites", display_path(inv.root)]
    sites: list[str] = []
    for name in routers:
        site = inv.router(name).site
        whole = all(r.name in routers for r in inv.site_routers(site))
        ref = site if whole else f"{site}/{name}"
        if ref not in sites:
            sites.append(ref)
    for ref in sites:
        args += ["--site", ref]
    return " ".join(args)


def check_unfinished(found: Sequence[Unfinished], source: RunningSource, inv: Inventory,
                     note: Callable[[str], None]) -> None:
    """Raise (exit 5) when a router has a revert timer running or a killed run's lock;
    a live lock alone (another greios busy on the router) is only a warning."""
    for u in found:
        if u.lock is not None and not u.blocking:
            note(f"warning: {u.describe()}")
    blocking = [u for u in found if u.blocking]
    if not blocking:
        return
    live = all(u.lock is not None and not u.lock.stale for u in blocking)
    lines = [f"{len(blocking)} router(s) have an unfinished change: what they run now is not "
             "what they will keep, so greios stops here"]
    lines += [f"  {u.describe()}" for u in blocking]
    if live:
        lines.append("  another greios run is changing them: wait for it to finish, "
                     "then plan again")
    else:
        lines.append("  resolve with: " + recover_hint(source, inv, [u.router for u in blocking])
                     + "   (rolls back; --confirm keeps a change that reached the intended "
                     "config)")
    raise UnfinishedChangeError("\n".join(lines))


def read_and_check(b: Build, routers: Sequence[RouterInfo], source: RunningSource, *,
                   note: Callable[[str], None], parallelism: int = 10
                   ) -> tuple[dict[str, str], dict[str, str | GreiosError]]:
    """Running configs of ``routers`` (failures raised, unfinished changes refused) and of
    their peers outside the selection (failures kept per peer)."""
    from greios.app.sources import raise_read_errors

    names = [r.name for r in routers]
    links = peers_of(b, names)
    peer_infos = [b.inventory.router(p) for p in links]
    reads = source.read([*routers, *peer_infos], parallelism=parallelism,
                        check=names if source.sees_unfinished else ())
    mine = raise_read_errors({n: reads[n] for n in names})
    check_unfinished([r.unfinished for r in mine.values() if r.unfinished is not None],
                     source, b.inventory, note)
    peers: dict[str, str | GreiosError] = {}
    for p in links:
        got = reads[p]
        peers[p] = got if isinstance(got, GreiosError) else got.running
    return {n: r.running for n, r in mine.items()}, peers


def compute_plans(
    sites_dir: Path, site_filter: list[str], source: RunningSource, *,
    note: Callable[[str], None], parallelism: int = 10,
) -> Planned:
    """Load, allocate (writing the lock), fetch running configs and plan every router.

    Refuses (exit 5) when a selected router has an unfinished change. Peers of the selected
    routers outside the selection are read and planned too (never changed): their plans say
    which other routers a change implies.
    """
    from greios.app.pipeline import build, with_running
    from greios.redact import config_secrets

    b = build(sites_dir)
    if b.lock_written:
        note(f"note: new allocations recorded in {b.inventory.lock_path}")
    if b.secrets_written:
        note(f"note: new pre-shared keys stored in {b.inventory.secrets_path} (mode 0600)")
    routers = b.routers(site_filter)
    source.prepare(b.inventory, note)
    running, peer_running = read_and_check(b, routers, source, note=note,
                                           parallelism=parallelism)
    b = with_running(b, {**running, **{p: t for p, t in peer_running.items()
                                       if isinstance(t, str)}})  # row 7: free numbers
    keys = AppliedKeys(source.state_dir)
    with no_cyclic_gc():
        entries = [plan_for(b, r.name, running[r.name], applied=keys.for_router(r.name))
                   for r in routers]
    planned = Planned(b, entries, peer_links=peers_of(b, [r.name for r in routers]))
    planned.running_secrets = config_secrets(running.values())
    for peer, text in peer_running.items():
        if isinstance(text, str):
            planned.peers[peer] = plan_for(b, peer, text, applied=keys.for_router(peer))
        else:
            planned.peer_errors[peer] = f"{peer}'s running config could not be read ({text})"
    return planned


def recompute_commands(b: Build, router: str, intended: str, retired: str, running: str,
                       applied: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The commands greios computes from a saved plan's inputs and the running config."""
    return plan_router(running, intended, retired=retired,
                       secret_equal=secret_equal_for(b.store, applied),
                       platform=b.inventory.router(router).model.platform).commands


def redacted(commands: Sequence[str]) -> tuple[str, ...]:
    """Commands as a plan file holds them: no key value, current or old, ever."""
    from greios.redact import redact_line

    return tuple(c if REF_RE.search(c) else redact_line(c) for c in commands)


def to_saved(b: Build, entries: list[RouterPlanEntry], source: RunningSource) -> SavedPlan:
    """The plan file's content. Key material from the running config (rollback lines, old
    values, a removed key) is redacted: only ``<secret:psk/..>`` references remain."""
    from greios.app.planfile import SavedLine, SavedObject, SavedTunnel
    from greios.redact import redact_line

    routers = [
        SavedRouter(
            router=e.router, site=e.site, running_fingerprint=e.running_fingerprint,
            commands=redacted(e.plan.commands), rollback=redacted(e.plan.rollback),
            intended=e.intended, retired=e.retired, counts=e.plan.counts(),
            objects=tuple(SavedObject(
                action=o.action, header=redact_line(o.header), kind=o.kind,
                lines=tuple(SavedLine(sign=lc.sign, text=redact_line(lc.text),
                                      old=redact_line(lc.old) if lc.old else None)
                            for lc in o.lines))
                for o in e.plan.objects),
            tunnels=tuple(SavedTunnel(interface=t.interface, peer=t.peer,
                                      peer_address=t.peer_address, ping_size=t.ping_size,
                                      peer_interface=t.peer_interface)
                          for t in e.tunnels),
        )
        for e in entries
    ]
    chosen = {e.router for e in entries}
    pairs = tuple((a.a, a.b) for a in b.active if a.a in chosen or a.b in chosen)
    retired = tuple(a.key for a in b.allocation.retired if a.a in chosen or a.b in chosen)
    return SavedPlan(source=source.name, sites_dir=str(b.inventory.root.resolve()),
                     routers=tuple(routers), pairs=pairs, retired_pairs=retired,
                     offline_dir=str(source.offline_dir.resolve()) if source.offline_dir
                     else None)


def plan_audit_items(
    plan_path: Path, *, note: Callable[[str], None]
) -> tuple[Inventory, list[tuple[str, str]], list[tuple[str, str]]]:
    """(inventory, before, after) config items for the pre-change audit of a saved plan.

    Every inventory router's running config is read from the plan's source; the plan's
    commands (keys resolved in memory only) are applied to its routers with the lab's IOS
    config semantics. A router whose running config changed since the plan is reported.
    """
    from greios.app.pipeline import build
    from greios.app.planfile import load_plan
    from greios.app.sources import fetch_running, source_named
    from greios.deploy.fingerprint import fingerprint
    from greios.files import state_dir_for

    saved = load_plan(plan_path)
    b = build(Path(saved.sites_dir), persist=False)
    source = source_named(saved.source, state_dir_for(b.inventory.root),
                          Path(saved.offline_dir) if saved.offline_dir else None)
    source.prepare(b.inventory, note)
    running = fetch_running(source, b.inventory.routers)
    by_router = {r.router: r for r in saved.routers}
    before: list[tuple[str, str]] = []
    after: list[tuple[str, str]] = []
    for r in b.inventory.routers:
        text = running[r.name]
        before.append((r.name, text))
        entry = by_router.get(r.name)
        if entry is None or not entry.commands:
            after.append((f"{r.name} (after plan)", text))
            continue
        commands: Sequence[str] = entry.commands
        if fingerprint(text) != entry.running_fingerprint:
            note(f"warning: {r.name}: running config changed since the plan was made "
                 "(apply would refuse it as stale)")
        else:  # what apply would push: recomputed from the plan's inputs, keys resolvable
            fresh = recompute_commands(b, r.name, entry.intended, entry.retired, text,
                                       AppliedKeys(source.state_dir).for_router(r.name))
            if redacted(fresh) != tuple(entry.commands):
                note(f"warning: {r.name}: the plan's commands differ from what its inputs "
                     "give (edited plan file?); apply would refuse it")
            else:
                commands = fresh
        after.append((f"{r.name} (after plan)", future_config(text, commands, b.store,
                                                                  r.model.platform)))
    return b.inventory, before, after


def future_config(running: str, commands: Sequence[str], store: SecretStore,
                  platform: str | None = None) -> str:
    """``running`` with ``commands`` applied the way the router's platform applies config
    lines (``platform``: the inventory's name, IOS when None; its config engine, the lab's
    too), secret references resolved in memory only;
    lines the device would reject are left out, as the device leaves them."""
    from greios.platforms import get
    from greios.platforms.base import RejectedLinesError
    from greios.secrets import resolve_refs

    try:
        engine = get(platform) if platform else get()
        return engine.apply_lines(running, [resolve_refs(c, store) if "<secret:" in c else c
                                           for c in commands])
    except RejectedLinesError as exc:
        return exc.config


def intended_configs(sites_dir: Path, *, inventory: Inventory | None = None,
                     workers: int | None = None,
                     each: Callable[[str, str], None] | None = None) -> dict[str, str]:
    """Router name -> its snapshot with greios's planned change applied.

    Used by the pre-change audit (``greios audit --intended``). PSKs are real values here
    (the audit hashes them and never prints them); the lock file and secrets are not written.
    ``inventory``: already loaded (and checked) from ``sites_dir``. Each router's config
    depends on the build alone, so with ``workers`` > 1 (default: one per CPU, up to 4, from
    :data:`FORK_MIN_ROUTERS` routers on) they are made in forked processes, which return
    only text; the result is the same. ``each(name, config)``, when given, is called in
    this process for every router as soon as its config is made (with workers: while the
    workers make the others; the order of the calls is not the routers' order).
    """
    from greios.app.pipeline import build

    b = build(sites_dir, persist=False, inventory=inventory)
    names = [r.name for r in b.inventory.routers]
    n = _intended_workers(len(names)) if workers is None else workers
    if n > 1:
        return _intended_forked(b, names, n, each)
    got = _intended_of(b, names)
    if each is not None:
        for name, text in got.items():
            each(name, text)
    return got


FORK_MIN_ROUTERS = 40  # below this a fork costs more than it saves


def _intended_workers(routers: int) -> int:
    import multiprocessing
    import os

    if routers < FORK_MIN_ROUTERS or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(cpus or 1, 4)


def _intended_of(b: Build, names: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    with no_cyclic_gc(), commands_only():  # the plans' commands alone are applied
        for name in names:
            r = b.inventory.router(name)
            running = r.snapshot.read_text(encoding="utf-8") if r.snapshot else ""
            # plan_for's plan alone: its tunnel checks and fingerprint are not used here
            plan = plan_router(running, b.render(name, secrets="ref"),
                               retired=retired_text(b, name),
                               secret_equal=secret_equal_for(b.store),
                               platform=r.model.platform)
            out[name] = future_config(running, plan.commands, b.store,
                                      r.model.platform)
    return out


_FORKED: Build | None = None  # the build a forked worker inherits


def _intended_chunk(names: list[str]) -> dict[str, str] | None:
    """In a worker: the configs of ``names``; None on any error (the parent then makes them
    itself, so the error is raised there, as without workers)."""
    assert _FORKED is not None
    try:
        return _intended_of(_FORKED, names)
    except Exception:  # re-raised by the parent's own attempt
        return None


def _intended_forked(b: Build, names: list[str], workers: int,
                     each: Callable[[str, str], None] | None = None) -> dict[str, str]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    global _FORKED
    # keys a retired pair's text would create: made here, once, not in each worker
    for alloc in b.allocation.retired:
        b.store.psk(alloc.key)
    k = workers * 4  # interleaved chunks: the few large routers (hubs) spread out
    chunks = [c for c in (names[i::k] for i in range(k)) if c]
    _FORKED = b
    got: dict[str, str] = {}
    failed: list[list[str]] = []
    try:
        with ProcessPoolExecutor(max_workers=workers,
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            futures = {pool.submit(_intended_chunk, chunk): chunk for chunk in chunks}
            # each chunk's configs handed on as it arrives: the caller's work on them
            # (the audit parses them) overlaps the workers' work on the others
            for future in as_completed(futures):
                result = future.result()
                if result is None:
                    failed.append(futures[future])
                    continue
                got.update(result)
                if each is not None:
                    for name, text in result.items():
                        each(name, text)
    finally:
        _FORKED = None
    for chunk in failed:  # made here: an error is raised here, as without workers
        result = _intended_of(b, chunk)
        got.update(result)
        if each is not None:
            for name, text in result.items():
                each(name, text)
    return {name: got[name] for name in names}

