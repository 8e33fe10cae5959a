"""The overlay of one inventory: its router pairs, the committed lock and the allocation.

This is the layer above the inventory package: it expands the topology
(:mod:`greios.topology`), reads the lock (:mod:`greios.allocate`) and checks what needs both
the inventory and those (a pair's two underlays, lock subnets against LANs and underlays,
allocation feasibility). Pure apart from reading the lock file; nothing is written.

:func:`allocate_overlay` is the one place that computes the allocation of an inventory;
the checks compute it once and keep it with the inventory (``Inventory.derived``), so
``validate`` and ``build`` reuse it instead of reading the lock and allocating again.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from greios.allocate import AllocationResult, Lock, allocate, pin_problems, read_lock
from greios.errors import InventoryError
from greios.inventory.checked import load_checked
from greios.inventory.checks import (
    Lan,
    Net,
    cross_overlaps,
    lan_networks,
    pair_platform_problems,
    underlay_networks,
    where,
)
from greios.inventory.load import Inventory, RouterInfo
from greios.topology import Pair, expand_topology

_KEY = __name__  # this module's entry in Inventory.derived


@dataclass(frozen=True)
class Overlay:
    """A checked inventory with everything derived from it before intent."""

    inventory: Inventory
    pairs: list[Pair]  # in declaration order
    lock: Lock  # as read from sites/greios.lock
    allocation: AllocationResult  # the lock plus new pairs; not written


@dataclass(frozen=True)
class _Checked:
    """What the checks derived, kept in ``Inventory.derived``: the overlay's parts, not an
    :class:`Overlay` (that refers to the inventory: a reference cycle, which would leave
    the whole inventory to the cyclic garbage collector instead of reference counting)."""

    parts: tuple[list[Pair], Lock, AllocationResult] | None  # None when there are problems
    problems: list[str]


def allocate_overlay(inv: Inventory, pairs: list[Pair], lock: Lock) -> AllocationResult:
    """Allocate ``pairs`` with the inventory's pools, link prefix and tunnel numbers (pure;
    the caller writes the lock)."""
    tunnels = inv.project.tunnels
    return allocate(pairs, lock, pools=tunnels.pools, link_prefix=tunnels.link_prefix,
                    numbers=(tunnels.numbers.start, tunnels.numbers.end))


def overlay_problems(inv: Inventory) -> list[str]:
    """Every problem of the topology, the lock and the allocation (located); the result is
    kept with the inventory. Handed to :func:`greios.inventory.checked.load_checked`."""
    return _check(inv).problems


def overlay_of(inv: Inventory) -> Overlay:
    """The overlay of a loaded inventory: computed by its checks or now. Raises
    InventoryError with every problem when it has some."""
    checked = _check(inv)
    if checked.parts is None:
        raise InventoryError(checked.problems)
    pairs, lock, allocation = checked.parts
    return Overlay(inventory=inv, pairs=pairs, lock=lock, allocation=allocation)


def load_overlay(sites_dir: Path) -> Overlay:
    """Load and check ``sites_dir``: the inventory's objects, then the overlay (every problem
    at once, as InventoryError)."""
    inv = load_checked(Path(sites_dir), also=overlay_problems)
    return overlay_of(inv)


def _check(inv: Inventory) -> _Checked:
    cached = inv.derived.get(_KEY)
    if isinstance(cached, _Checked):
        return cached
    checked = _compute(inv)
    inv.derived[_KEY] = checked
    return checked


def _compute(inv: Inventory) -> _Checked:
    """Topology, then each pair's ends, then the lock (its own checks, then against the
    inventory), then allocation feasibility (only with a valid topology)."""
    pairs, topo_problems = expand_topology(inv)
    problems = [*topo_problems, *_platform_problems(inv), *_pair_problems(inv, pairs)]
    try:
        lock = read_lock(inv.lock_path)
    except InventoryError as exc:
        return _Checked(None, [*problems, *exc.problems])
    lans, underlays = lan_networks(inv), underlay_networks(inv)
    problems += _lock_overlaps(inv, lock, lans, underlays)
    if topo_problems:
        return _Checked(None, problems)
    pins = _pin_problems(inv, pairs, lock, lans, underlays)
    if pins:
        return _Checked(None, [*problems, *pins])
    result = allocate_overlay(inv, pairs, lock)
    problems += [f"{inv.project_doc.where(('tunnels',))}: {msg}" for msg in result.problems]
    if problems:
        return _Checked(None, problems)
    return _Checked((pairs, lock, result), [])


def _platform_problems(inv: Inventory) -> list[str]:
    """What each platform used by the inventory cannot do as asked (located)."""
    from greios import platforms

    used = sorted({r.model.platform for r in inv.routers})
    seen: set[int] = set()
    problems: list[str] = []
    for name in used:
        platform = platforms.get(name)
        if id(platform) not in seen:  # ios and ios-xe are one platform
            seen.add(id(platform))
            problems += platform.inventory_problems(inv)
    return problems


def _pair_problems(inv: Inventory, pairs: list[Pair]) -> list[str]:
    """A pair whose ends share an address, mix IPv4 and IPv6 underlays, or use IKEv1 over
    IPv6 (greios renders IPv6 underlays with IKEv2 only)."""
    problems: list[str] = []
    pdoc = inv.project_doc
    known = {r.name for r in inv.routers}
    for p in pairs:
        if p.a not in known or p.b not in known:
            continue
        ua, ub = inv.router(p.a).model.underlay, inv.router(p.b).model.underlay
        if ua.reachable_address == ub.reachable_address:
            problems.append(
                f"{pdoc.where(p.where)}: tunnel source equals destination for {p.a} <-> {p.b} "
                f"(both use {ua.reachable_address})"
            )
        if ua.ipv6 != ub.ipv6:
            problems.append(
                f"{pdoc.where(p.where)}: {p.a} <-> {p.b} mixes an IPv4 and an IPv6 underlay"
            )
        policy = inv.project.crypto_policies.get(p.crypto)
        if policy is not None and policy.ike_version == 1 and (ua.ipv6 or ub.ipv6):
            problems.append(
                f"{pdoc.where(p.where)}: {p.a} <-> {p.b} has an IPv6 underlay; greios renders "
                "IPv6 underlays with IKEv2 only (crypto policy "
                f"'{p.crypto}' is IKEv1)"
            )
        problems += [f"{pdoc.where(p.where)}: {msg}" for msg in pair_platform_problems(
            inv.router(p.a).model, inv.router(p.b).model, p.crypto, policy)]
    return problems


def _pin_problems(inv: Inventory, pairs: list[Pair], lock: Lock,
                  lans: list[tuple[Net, Lan]],
                  underlays: list[tuple[Net, RouterInfo]]) -> list[str]:
    """Pinned tunnel numbers and subnets (``topology[i].tunnel``/``.subnet``) that clash
    with the lock, another pin, a LAN or an underlay, located at the pin."""
    pdoc = inv.project_doc

    def at(p: Pair, name: str) -> str:
        return pdoc.where((*p.where[:-1], name))  # the pair entry's field

    problems = [f"{at(p, name)}: {msg}" for p, name, msg in pin_problems(pairs, lock)]
    probes = [(ipaddress.IPv4Network(p.subnet), p) for p in pairs if p.subnet is not None]
    targets: list[tuple[Net, tuple[RouterInfo, int | None]]] = [
        *((n, (lan.router, lan.index)) for n, lan in lans),
        *((n, (r, None)) for n, r in underlays),
    ]
    for p, net, (r, lan_index) in cross_overlaps(probes, targets):
        what = (f"the underlay subnet {net}" if lan_index is None else f"LAN {net}")
        problems.append(f"{at(p, 'subnet')}: pinned link subnet {p.subnet} of "
                        f"{p.a} <-> {p.b} overlaps {what} of router '{r.name}'")
    return problems


def _lock_overlaps(inv: Inventory, lock: Lock, lans: list[tuple[Net, Lan]],
                   underlays: list[tuple[Net, RouterInfo]]) -> list[str]:
    """Link subnets of the lock that overlap a LAN or an underlay subnet."""
    probes = [(e.network, e) for e in lock.entries.values()]
    targets: list[tuple[Net, tuple[RouterInfo, int | None]]] = [
        *((n, (lan.router, lan.index)) for n, lan in lans),
        *((n, (r, None)) for n, r in underlays),
    ]
    problems: list[str] = []
    for e, net, (r, lan_index) in cross_overlaps(probes, targets):
        if lan_index is None:
            what = f"the underlay subnet {net}"
            here = where(inv, r, "underlay", "address")
        else:
            what = f"LAN {net}"
            here = where(inv, r, "lan", lan_index, "prefix")
        problems.append(f"{lock.where(e.key, 'subnet')}: link subnet {e.subnet} overlaps "
                        f"{what} of router '{r.name}' ({here.rsplit(': ', 1)[0]})")
    return problems


def load_inventory(sites_dir: Path) -> Inventory:
    """The inventory of ``sites_dir`` after every check (objects and overlay)."""
    return load_overlay(sites_dir).inventory
