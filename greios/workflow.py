"""Plan computation: intended config (with secret references) vs running config, per router.

Pure: texts and models in, models out. Fetching running configs lives in
:mod:`greios.sources`; pushing in :mod:`greios.deploy`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from greios.allocate import Allocation
from greios.intent import build_intents
from greios.inventory.load import Inventory
from greios.pipeline import Build
from greios.plan.remediation import RouterPlan, plan_router
from greios.planfile import SavedPlan, SavedRouter
from greios.render import render_router
from greios.secrets import REF_RE, AppliedKeys, SecretStore, key_digest
from greios.sources import Source


@dataclass(frozen=True)
class TunnelVerify:
    """Post-apply check of one tunnel: line protocol up and a DF ping at the tunnel MTU."""

    interface: str
    peer: str
    peer_address: str
    ping_size: int


@dataclass
class RouterPlanEntry:
    router: str
    site: str
    running_fingerprint: str
    intended: str  # rendered with secret references
    retired: str
    plan: RouterPlan
    tunnels: list[TunnelVerify] = field(default_factory=list)


def secret_equal_for(store: SecretStore, applied: Mapping[str, str] | None = None
                     ) -> Callable[[str, str], bool]:
    """Key-line comparison that resolves ``<secret:psk/..>`` references first.

    A key the router stores encrypted (type 6/7) cannot be compared; it counts as equal
    (write-only) unless ``applied`` (pair -> digest of the key greios last pushed to this
    router) shows that the key was rotated since.
    """
    from greios.plan.ownership import default_secret_equal, parse_key_line

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
    names = {r.name for r in inv.routers}
    gone: list[Allocation] = [
        a for a in b.allocation.retired if router in (a.a, a.b)
    ]
    if not gone:
        return ""
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
                       secret_equal=secret_equal_for(b.store, applied))
    tunnels: list[TunnelVerify] = []
    intent = b.intents[router]
    for t in intent.tunnels:
        alloc = next(a for a in b.active if a.key == t.pair)
        tunnels.append(TunnelVerify(
            interface=f"Tunnel{t.number}", peer=t.peer,
            peer_address=str(alloc.address_of(t.peer)), ping_size=t.ip_mtu,
        ))
    return RouterPlanEntry(router=router, site=info.site,
                           running_fingerprint=fingerprint(running), intended=intended,
                           retired=retired, plan=plan, tunnels=tunnels)


def converged_check(intended: str, retired: str, store: SecretStore) -> Callable[[str], str | None]:
    """After commit: None when the fresh running config holds every intended object."""
    equal = secret_equal_for(store)

    def check(running: str) -> str | None:
        rest = plan_router(running, intended, retired=retired, secret_equal=equal)
        if rest.is_empty:
            return None
        first = rest.objects[0] if rest.objects else None
        what = f"{first.action} {first.header}" if first else rest.commands[0].strip()
        return f"running config still differs from the intended config ({what})"

    return check


def compute_plans(
    sites_dir: Path, site_filter: list[str], source: Source, *,
    note: Callable[[str], None], parallelism: int = 10,
) -> tuple[Build, list[RouterPlanEntry]]:
    """Load, allocate (writing the lock), fetch running configs and plan every router."""
    from greios.pipeline import build
    from greios.sources import ensure_lab, fetch_running

    b = build(sites_dir)
    if b.lock_written:
        note(f"note: new allocations recorded in {b.inventory.lock_path}")
    if b.secrets_written:
        note(f"note: new pre-shared keys stored in {b.inventory.secrets_path} (mode 0600)")
    routers = b.routers(site_filter)
    if source.kind == "lab":
        ensure_lab(b.inventory, source, note)
    running = fetch_running(source, routers, parallelism=parallelism)
    keys = AppliedKeys(source.state_dir)
    return b, [plan_for(b, r.name, running[r.name], applied=keys.for_router(r.name))
               for r in routers]


def to_saved(b: Build, entries: list[RouterPlanEntry], source: Source) -> SavedPlan:
    from dataclasses import asdict

    routers = [
        SavedRouter(
            router=e.router, site=e.site, running_fingerprint=e.running_fingerprint,
            commands=list(e.plan.commands), rollback=list(e.plan.rollback),
            intended=e.intended, retired=e.retired, counts=list(e.plan.counts()),
            objects=[asdict(o) for o in e.plan.objects],
            tunnels=[asdict(t) for t in e.tunnels],
        )
        for e in entries
    ]
    chosen = {e.router for e in entries}
    pairs = [[a.a, a.b] for a in b.active if a.a in chosen or a.b in chosen]
    retired = [a.key for a in b.allocation.retired if a.a in chosen or a.b in chosen]
    return SavedPlan(source=source.kind, sites_dir=str(b.inventory.root.resolve()),
                     routers=routers, pairs=pairs, retired_pairs=retired,
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
    from greios.deploy.fingerprint import fingerprint
    from greios.pipeline import build
    from greios.planfile import load_plan
    from greios.sources import ensure_lab, fetch_running, state_dir_for

    saved = load_plan(plan_path)
    b = build(Path(saved.sites_dir), persist=False)
    source = Source(saved.source, state_dir_for(b.inventory.root),  # type: ignore[arg-type]
                    Path(saved.offline_dir) if saved.offline_dir else None)
    if source.kind == "lab":
        ensure_lab(b.inventory, source, note)
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
        if fingerprint(text) != entry.running_fingerprint:
            note(f"warning: {r.name}: running config changed since the plan was made "
                 "(apply would refuse it as stale)")
        after.append((f"{r.name} (after plan)", future_config(text, entry.commands, b.store)))
    return b.inventory, before, after


def totals(entries: list[RouterPlanEntry]) -> tuple[int, int, int]:
    """(add, change, destroy) over every router."""
    counts = [e.plan.counts() for e in entries]
    return (sum(c[0] for c in counts), sum(c[1] for c in counts), sum(c[2] for c in counts))


def format_entries(entries: list[RouterPlanEntry], *, origin: str, color: bool = False,
                   commands: bool = False) -> str:
    """The Terraform-style plan of several routers, with one total line at the end."""
    from greios.plan.present import format_commands, format_plan

    out: list[str] = []
    for e in entries:
        out.append(f"# {e.router} (site {e.site}) - from {origin}")
        out.append(format_plan(e.router, e.plan, color=color, with_summary=False))
        if commands and not e.plan.is_empty:
            out.append("\n  commands:")
            out.extend(f"    {ln}" for ln in format_commands(e.plan).splitlines())
        out.append("")
    add, change, destroy = totals(entries)
    out.append(f"Plan: {add} to add, {change} to change, {destroy} to destroy.")
    return "\n".join(out)


def future_config(running: str, commands: list[str] | tuple[str, ...], store: SecretStore
                  ) -> str:
    """``running`` with ``commands`` applied the way IOS applies config lines (the lab's
    config engine), secret references resolved in memory only."""
    from greios.lab.configtree import apply_lines, parse_config, render_config
    from greios.secrets import resolve_refs

    tree = parse_config(running)
    apply_lines(tree, [resolve_refs(c, store) for c in commands])
    return render_config(tree)


def intended_configs(sites_dir: Path) -> dict[str, str]:
    """Router name -> its snapshot with greios's planned change applied.

    Used by the pre-change audit (``greios audit --intended``). PSKs are real values here
    (the audit hashes them and never prints them); the lock file and secrets are not written.
    """
    from greios.pipeline import build

    b = build(sites_dir, persist=False)
    out: dict[str, str] = {}
    for r in b.inventory.routers:
        running = r.snapshot.read_text(encoding="utf-8") if r.snapshot else ""
        entry = plan_for(b, r.name, running)
        out[r.name] = future_config(running, entry.plan.commands, b.store)
    return out
