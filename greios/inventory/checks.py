"""Semantic validation across the whole inventory. Every check appends located messages;
nothing stops at the first problem."""

from __future__ import annotations

import ipaddress
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from greios.errors import InventoryError
from greios.inventory.yamlsrc import os_reason

if TYPE_CHECKING:
    from pathlib import Path

    from greios.allocate import Lock
    from greios.inventory.load import Inventory, RouterInfo

Net = ipaddress.IPv4Network | ipaddress.IPv6Network


def _where(inv: Inventory, r: RouterInfo, *path: str | int) -> str:
    return inv.site_docs[r.site].where(("routers", r.index, *path))


def _snapshot_problem(path: Path) -> str | None:
    """Why a snapshot path cannot be read as a config file (None when it can)."""
    try:
        st = path.stat()
    except OSError as exc:
        reason = os_reason(exc)
        return "snapshot file not found" if reason == "no such file" else \
            f"snapshot file unreadable ({reason})"
    if not stat.S_ISREG(st.st_mode):
        return "snapshot is not a regular file"
    if not os.access(path, os.R_OK):
        return "snapshot file unreadable (permission denied)"
    return None


def check_inventory(inv: Inventory) -> list[str]:
    from greios.allocate import allocate, read_lock
    from greios.topology import expand_topology

    problems: list[str] = []
    project = inv.project
    pdoc = inv.project_doc

    # duplicate routers, duplicate underlay addresses
    seen_router: dict[str, RouterInfo] = {}
    seen_addr: dict[str, RouterInfo] = {}
    for r in inv.routers:
        if r.name in seen_router:
            other = seen_router[r.name]
            problems.append(
                f"{_where(inv, r, 'name')}: duplicate router '{r.name}' (also in site "
                f"'{other.site}', {inv.site_docs[other.site].where(('routers', other.index))})"
            )
        else:
            seen_router[r.name] = r
        addr = r.model.underlay.reachable_address
        if addr in seen_addr:
            problems.append(
                f"{_where(inv, r, 'underlay', 'address')}: underlay address {addr} is also "
                f"used by router '{seen_addr[addr].name}'"
            )
        else:
            seen_addr[addr] = r
        if r.model.underlay.behind_nat and not r.model.underlay.public_address:
            problems.append(
                f"{_where(inv, r, 'underlay', 'behind_nat')}: a router behind NAT needs "
                "underlay.public_address (the post-NAT address its peers use as tunnel "
                "destination)"
            )
        if r.snapshot is not None:
            bad = _snapshot_problem(r.snapshot)
            if bad:
                problems.append(f"{_where(inv, r, 'snapshot')}: {bad}: {r.model.snapshot}")
        for j, lan in enumerate(r.model.lan):
            if lan.interface and lan.interface == r.model.underlay.interface:
                problems.append(
                    f"{_where(inv, r, 'lan', j, 'interface')}: LAN interface is the underlay "
                    "interface"
                )

    # pools vs each other, vs LAN and underlay space; LANs vs each other (sort and sweep)
    link_prefix = project.tunnels.link_prefix
    pools = [(i, ipaddress.IPv4Network(p)) for i, p in enumerate(project.tunnels.pools)]
    for x in range(len(pools)):
        if pools[x][1].prefixlen > link_prefix:
            problems.append(
                f"{pdoc.where(('tunnels', 'pools', pools[x][0]))}: pool {pools[x][1]} is "
                f"smaller than one /{link_prefix} link (tunnels.link_prefix)")
        for y in range(x + 1, len(pools)):
            if pools[x][1].overlaps(pools[y][1]):
                problems.append(
                    f"{pdoc.where(('tunnels', 'pools', pools[y][0]))}: pool {pools[y][1]} "
                    f"overlaps pool {pools[x][1]}"
                )
    lans: list[tuple[Net, _Lan]] = []
    underlays: list[tuple[Net, RouterInfo]] = []
    for r in inv.routers:
        underlay_net = r.model.underlay.iface.network
        underlays.append((underlay_net, r))
        for j, lan in enumerate(r.model.lan):
            net = ipaddress.ip_network(lan.prefix)
            if net.version == underlay_net.version and net.overlaps(underlay_net):
                problems.append(
                    f"{_where(inv, r, 'lan', j, 'prefix')}: LAN {net} overlaps the underlay "
                    f"subnet {underlay_net}"
                )
            lans.append((net, _Lan(r, j, len(lans))))
    targets: list[tuple[Net, str]] = [
        *((n, f"LAN {n} of router '{lan.router.name}'") for n, lan in lans),
        *((n, f"the underlay subnet {n} of router '{r.name}'") for n, r in underlays)]
    for pool, _, text in _cross_overlaps([(net, i) for i, net in pools], targets):
        problems.append(f"{pdoc.where(('tunnels', 'pools', pool))}: pool "
                        f"{project.tunnels.pools[pool]} overlaps {text}")
    problems += _lan_overlaps(inv, lans)

    # waivers name known routers
    names = {r.name for r in inv.routers}
    for device in project.waivers:
        if device not in names:
            problems.append(f"{pdoc.where(('waivers', device))}: waiver for unknown router "
                            f"'{device}'")

    # topology
    pairs, topo_problems = expand_topology(inv)
    problems += topo_problems
    for p in pairs:
        if p.a not in seen_router or p.b not in seen_router:
            continue
        ra, rb = seen_router[p.a], seen_router[p.b]
        ua, ub = ra.model.underlay, rb.model.underlay
        if ua.reachable_address == ub.reachable_address:
            problems.append(
                f"{pdoc.where(p.where)}: tunnel source equals destination for {p.a} <-> {p.b} "
                f"(both use {ua.reachable_address})"
            )
        if ua.ipv6 != ub.ipv6:
            problems.append(
                f"{pdoc.where(p.where)}: {p.a} <-> {p.b} mixes an IPv4 and an IPv6 underlay"
            )
        policy = project.crypto_policies.get(p.crypto)
        if policy is not None and policy.ike_version == 1 and (ua.ipv6 or ub.ipv6):
            problems.append(
                f"{pdoc.where(p.where)}: {p.a} <-> {p.b} has an IPv6 underlay; greios renders "
                "IPv6 underlays with IKEv2 only (crypto policy "
                f"'{p.crypto}' is IKEv1)"
            )

    # the committed lock: its own checks (read_lock), then against the inventory
    try:
        lock = read_lock(inv.lock_path)
    except InventoryError as exc:
        problems += exc.problems
        return problems
    inv.lock = lock
    problems += _lock_overlaps(inv, lock, lans, underlays)
    # allocation feasibility (read-only)
    if not topo_problems:
        res = allocate(
            pairs, lock, pools=project.tunnels.pools, link_prefix=link_prefix,
            numbers=(project.tunnels.numbers.start, project.tunnels.numbers.end),
        )
        problems += [f"{pdoc.where(('tunnels',))}: {msg}" for msg in res.problems]
    return problems


@dataclass(frozen=True)
class _Lan:
    router: RouterInfo
    index: int  # position in the router's lan list
    order: int  # declaration order across the inventory


T = TypeVar("T")
U = TypeVar("U")


def _span(net: Net) -> tuple[int, int, int]:
    return net.version, int(net.network_address), int(net.broadcast_address)


def _cross_overlaps(probes: Sequence[tuple[Net, T]], targets: Sequence[tuple[Net, U]]
                    ) -> Iterator[tuple[T, Net, U]]:
    """Every (probe, target) pair whose networks overlap, by sort and sweep.

    CIDR blocks are either disjoint or nested, so the blocks that are still open when the
    sweep reaches one are exactly the blocks that contain it. Cost: sorting, plus the
    output, plus for each block the open blocks of the other list.
    """
    items = sorted(
        [(*_span(n), 0, i) for i, (n, _) in enumerate(probes)]
        + [(*_span(n), 1, i) for i, (n, _) in enumerate(targets)],
        key=lambda t: (t[0], t[1], -t[2], t[3]))
    open_probes: list[tuple[int, int, int]] = []  # (version, last address, index)
    open_targets: list[tuple[int, int, int]] = []
    for version, first, last, kind, i in items:
        for stack in (open_probes, open_targets):
            while stack and (stack[-1][0] != version or stack[-1][1] < first):
                stack.pop()
        if kind == 0:
            for _, _, t in open_targets:
                yield probes[i][1], targets[t][0], targets[t][1]
            open_probes.append((version, last, i))
        else:
            for _, _, p in open_probes:
                yield probes[p][1], targets[i][0], targets[i][1]
            open_targets.append((version, last, i))


def _lan_overlaps(inv: Inventory, lans: list[tuple[Net, _Lan]]) -> list[str]:
    """Each LAN that overlaps another one, reported at the later-declared of the two (sort
    and sweep: a LAN is compared with the innermost LAN still open, not with every LAN)."""
    problems: list[str] = []
    order = sorted(lans, key=lambda t: (*_span(t[0])[:2], -_span(t[0])[2], t[1].order))
    stack: list[tuple[Net, _Lan]] = []
    for net, lan in order:
        version, first, _ = _span(net)
        while stack and (stack[-1][0].version != version
                         or int(stack[-1][0].broadcast_address) < first):
            stack.pop()
        if stack:
            other_net, other = stack[-1]
            (later_net, later), (earlier_net, earlier) = sorted(
                ((net, lan), (other_net, other)), key=lambda t: -t[1].order)
            problems.append(
                f"{_where(inv, later.router, 'lan', later.index, 'prefix')}: LAN {later_net} "
                f"overlaps LAN {earlier_net} of router '{earlier.router.name}'"
            )
        stack.append((net, lan))
    return problems


def _lock_overlaps(inv: Inventory, lock: Lock, lans: list[tuple[Net, _Lan]],
                   underlays: list[tuple[Net, RouterInfo]]) -> list[str]:
    """Link subnets of the lock that overlap a LAN or an underlay subnet."""
    probes = [(e.network, e) for e in lock.entries.values()]
    targets: list[tuple[Net, tuple[RouterInfo, int | None]]] = [
        *((n, (lan.router, lan.index)) for n, lan in lans),
        *((n, (r, None)) for n, r in underlays),
    ]
    problems: list[str] = []
    for e, net, (r, lan_index) in _cross_overlaps(probes, targets):
        if lan_index is None:
            what = f"the underlay subnet {net}"
            where = _where(inv, r, "underlay", "address")
        else:
            what = f"LAN {net}"
            where = _where(inv, r, "lan", lan_index, "prefix")
        problems.append(f"{lock.where(e.key, 'subnet')}: link subnet {e.subnet} overlaps "
                        f"{what} of router '{r.name}' ({where.rsplit(': ', 1)[0]})")
    return problems
