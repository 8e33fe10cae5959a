"""The one-way data flow: sites/ -> inventory -> overlay (pairs, lock, allocation) -> intent
-> config text, with the lock and new pre-shared keys written (``build``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from greios.allocate import Allocation, AllocationResult, write_lock
from greios.errors import UnknownSiteError
from greios.gcpause import no_cyclic_gc
from greios.intent import RouterIntent, build_intents
from greios.inventory.load import Inventory, RouterInfo
from greios.overlay import load_overlay, overlay_of
from greios.render import SecretMode, render_router
from greios.secrets import SecretStore
from greios.topology import Pair


@dataclass
class Build:
    """Everything derived from one inventory."""

    inventory: Inventory
    pairs: list[Pair]
    allocation: AllocationResult
    intents: dict[str, RouterIntent]
    store: SecretStore
    lock_written: bool
    secrets_written: bool

    @property
    def active(self) -> list[Allocation]:
        return self.allocation.active

    @cached_property
    def tunnel_numbers(self) -> dict[str, dict[str, int]]:
        """router -> pair key -> the number of its (first) tunnel of that pair."""
        out: dict[str, dict[str, int]] = {}
        for name, intent in self.intents.items():
            numbers = out[name] = {}
            for t in intent.tunnels:
                numbers.setdefault(t.pair, t.number)
        return out

    def render(self, router: str, *, secrets: SecretMode = "redact") -> str:
        return render_router(self.intents[router], secrets=secrets)

    def routers(self, sites: list[str] | None = None) -> list[RouterInfo]:
        return select_routers(self.inventory, sites)


def select_routers(inv: Inventory, sites: list[str] | None) -> list[RouterInfo]:
    """Routers of the named sites (or site/router), all when ``sites`` is empty."""
    if not sites:
        return list(inv.routers)
    chosen: list[RouterInfo] = []
    for ref in sites:
        site, _, router = ref.partition("/")
        if site not in inv.sites:
            known = ", ".join(sorted(inv.sites))
            raise UnknownSiteError(f"unknown site '{site}' (known sites: {known})")
        for r in inv.site_routers(site):
            if (not router or r.name == router) and r not in chosen:
                chosen.append(r)
        if router and not any(r.name == router for r in chosen):
            raise UnknownSiteError(f"site '{site}' has no router '{router}'")
    return chosen


def build(sites_dir: Path, *, persist: bool = True, environ: dict[str, str] | None = None,
          inventory: Inventory | None = None) -> Build:
    """Load, allocate and build intents. With ``persist`` the lock file and newly generated
    PSKs are written (like ``terraform init`` writing its lock).

    The lock is read and the allocation computed once, by the checks
    (:func:`greios.overlay.load_overlay`); ``inventory``, already loaded and checked from
    ``sites_dir``, is not loaded again.
    """
    with no_cyclic_gc():  # inventory, allocation and intents: many objects, no cycles
        overlay = load_overlay(sites_dir) if inventory is None else overlay_of(inventory)
        inv, result = overlay.inventory, overlay.allocation
        store = SecretStore(inv.secrets_path, environ=environ)
        crypto_of = {p.key: p.crypto for p in overlay.pairs}
        intents = build_intents(inv, result.active, crypto_of, store, isakmp=result.lock.claims)
        lock_written = secrets_written = False
        if persist:
            lock_written = write_lock(inv.lock_path, result.lock)
            secrets_written = store.save()
    return Build(inventory=inv, pairs=overlay.pairs, allocation=result, intents=intents,
                 store=store, lock_written=lock_written, secrets_written=secrets_written)


def with_running(b: Build, running: Mapping[str, str], *, persist: bool = True) -> Build:
    """``b`` with greios's numbered objects moved off the ones the routers' running configs
    hold and greios did not create (tunnels, ISAKMP policies); the numbers chosen are kept
    in the lock (docs/ios-fidelity.md row 7). ``b`` itself when nothing collides."""
    from greios.allocate import avoid_taken, claim_isakmp
    from greios.errors import InventoryError
    from greios.platforms import REGISTRY
    from greios.platforms.ios.ownership import isakmp_policy_lines, numbered_objects

    inv = b.inventory
    ios = {n: numbered_objects(t) for n, t in running.items()
           if REGISTRY.get(inv.router(n).model.platform) == REGISTRY["ios"]}
    tunnels = inv.project.tunnels
    result = avoid_taken(b.allocation, {n: o.foreign_tunnels for n, o in ios.items()},
                         (tunnels.numbers.start, tunnels.numbers.end))
    crypto_of = {p.key: p.crypto for p in b.pairs}
    claims = {r: dict(c) for r, c in result.lock.claims.items()}
    problems = list(result.problems)
    active_of: dict[str, list[Allocation]] = {}  # each router's pairs, in lock order
    for a in result.active:
        for end in dict.fromkeys((a.a, a.b)):
            active_of.setdefault(end, []).append(a)
    for name, objects in ios.items():
        wanted = {crypto_of[a.key]: inv.project.crypto_policies[crypto_of[a.key]]
                  .isakmp_priority for a in active_of.get(name, ())
                  if crypto_of[a.key] in inv.project.crypto_policies
                  and inv.project.crypto_policies[crypto_of[a.key]].ike_version == 1}
        if not wanted:
            continue
        ours = set(isakmp_policy_lines(b.render(name)).values()) if objects.has_greios \
            else set()
        got, bad = claim_isakmp(result.lock, name, wanted, {
            n: lines in ours for n, lines in objects.isakmp_policies.items()})
        problems += bad
        claims[name] = {**claims.get(name, {}), **got}
    if problems:
        raise InventoryError(problems)
    lock = result.lock.with_claims({r: c for r, c in claims.items() if c})
    if lock.entries == b.allocation.lock.entries and lock.claims == b.allocation.lock.claims:
        return b
    result = replace(result, lock=lock)
    intents = build_intents(inv, result.active, crypto_of, b.store, isakmp=lock.claims)
    written = write_lock(inv.lock_path, lock) if persist else False
    return replace(b, allocation=result, intents=intents,
                   lock_written=b.lock_written or written)
