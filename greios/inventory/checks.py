"""Semantic validation across the whole inventory. Every check appends located messages;
nothing stops at the first problem."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from greios.errors import InventoryError

if TYPE_CHECKING:
    from greios.inventory.load import Inventory, RouterInfo

Net = ipaddress.IPv4Network | ipaddress.IPv6Network


def _where(inv: Inventory, r: RouterInfo, *path: str | int) -> str:
    return inv.site_docs[r.site].where(("routers", r.index, *path))


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
        if r.snapshot is not None and not r.snapshot.is_file():
            problems.append(f"{_where(inv, r, 'snapshot')}: snapshot file not found: "
                            f"{r.model.snapshot}")
        for j, lan in enumerate(r.model.lan):
            if lan.interface and lan.interface == r.model.underlay.interface:
                problems.append(
                    f"{_where(inv, r, 'lan', j, 'interface')}: LAN interface is the underlay "
                    "interface"
                )

    # pools vs each other, vs LAN and underlay space
    pools = [(i, ipaddress.IPv4Network(p)) for i, p in enumerate(project.tunnels.pools)]
    for x in range(len(pools)):
        for y in range(x + 1, len(pools)):
            if pools[x][1].overlaps(pools[y][1]):
                problems.append(
                    f"{pdoc.where(('tunnels', 'pools', pools[y][0]))}: pool {pools[y][1]} "
                    f"overlaps pool {pools[x][1]}"
                )
    lans: list[tuple[Net, RouterInfo, int]] = []
    for r in inv.routers:
        underlay_net = ipaddress.ip_interface(r.model.underlay.address).network
        for i, pool in pools:
            if pool.version == underlay_net.version and pool.overlaps(underlay_net):
                problems.append(
                    f"{pdoc.where(('tunnels', 'pools', i))}: pool {pool} overlaps the underlay "
                    f"subnet {underlay_net} of router '{r.name}'"
                )
        for j, lan in enumerate(r.model.lan):
            net = ipaddress.ip_network(lan.prefix)
            for i, pool in pools:
                if net.version == pool.version and pool.overlaps(net):
                    problems.append(
                        f"{pdoc.where(('tunnels', 'pools', i))}: pool {pool} overlaps LAN "
                        f"{net} of router '{r.name}'"
                    )
            if net.version == underlay_net.version and net.overlaps(underlay_net):
                problems.append(
                    f"{_where(inv, r, 'lan', j, 'prefix')}: LAN {net} overlaps the underlay "
                    f"subnet {underlay_net}"
                )
            for other_net, other, _ in lans:
                if other_net.version == net.version and other_net.overlaps(net):
                    problems.append(
                        f"{_where(inv, r, 'lan', j, 'prefix')}: LAN {net} overlaps LAN "
                        f"{other_net} of router '{other.name}'"
                    )
            lans.append((net, r, j))

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

    # allocation feasibility (read-only: uses the committed lock)
    if not topo_problems:
        try:
            lock = read_lock(inv.lock_path)
        except InventoryError as exc:
            problems += exc.problems
        else:
            res = allocate(
                pairs, lock, pools=project.tunnels.pools, link_prefix=project.tunnels.link_prefix,
                numbers=(project.tunnels.numbers.start, project.tunnels.numbers.end),
            )
            problems += [f"{pdoc.where(('tunnels',))}: {msg}" for msg in res.problems]
    return problems
