"""Semantic validation of the inventory's objects (routers, pools, LANs, waivers). Every
check returns located messages; nothing stops at the first problem.

Checks that need the topology, the lock file or the allocation live above the inventory,
in :mod:`greios.overlay` (which reuses :func:`cross_overlaps` and the LAN/underlay lists)."""

from __future__ import annotations

import ipaddress
import os
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from greios.inventory.vyos_crypto import peer_name_problem, policy_problems
from greios.inventory.yamlsrc import os_reason

if TYPE_CHECKING:
    from pathlib import Path

    from greios.inventory.load import Inventory, RouterInfo
    from greios.inventory.models import CryptoPolicy, Router

Net = ipaddress.IPv4Network | ipaddress.IPv6Network


def where(inv: Inventory, r: RouterInfo, *path: str | int) -> str:
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
    """Every problem of the inventory's objects, in file order of the kinds of check: routers,
    tunnel pools, LANs against underlays and pools and each other, waivers. (Topology, lock
    and allocation are checked above the inventory, in :mod:`greios.overlay`.)"""
    lans = lan_networks(inv)
    underlays = underlay_networks(inv)
    return [
        *_router_problems(inv),
        *_pool_problems(inv),
        *_lan_underlay_problems(inv, lans),
        *_pool_overlap_problems(inv, lans, underlays),
        *_lan_overlaps(inv, lans),
        *_waiver_problems(inv),
    ]


def _router_problems(inv: Inventory) -> list[str]:
    """Duplicate routers and underlay addresses, NAT without a public address, unreadable
    snapshots, a LAN on the underlay interface."""
    problems: list[str] = []
    seen_router: dict[str, RouterInfo] = {}
    seen_addr: dict[str, RouterInfo] = {}
    for r in inv.routers:
        if r.name in seen_router:
            other = seen_router[r.name]
            problems.append(
                f"{where(inv, r, 'name')}: duplicate router '{r.name}' (also in site "
                f"'{other.site}', {inv.site_docs[other.site].where(('routers', other.index))})"
            )
        else:
            seen_router[r.name] = r
        addr = r.model.underlay.reachable_address
        if addr in seen_addr:
            problems.append(
                f"{where(inv, r, 'underlay', 'address')}: underlay address {addr} is also "
                f"used by router '{seen_addr[addr].name}'"
            )
        else:
            seen_addr[addr] = r
        problems += _router_own_problems(inv, r)
    return problems


def _router_own_problems(inv: Inventory, r: RouterInfo) -> list[str]:
    problems: list[str] = []
    if r.model.underlay.behind_nat and not r.model.underlay.public_address:
        problems.append(
            f"{where(inv, r, 'underlay', 'behind_nat')}: a router behind NAT needs "
            "underlay.public_address (the post-NAT address its peers use as tunnel "
            "destination)"
        )
    if r.snapshot is not None:
        bad = _snapshot_problem(r.snapshot)
        if bad:
            problems.append(f"{where(inv, r, 'snapshot')}: {bad}: {r.model.snapshot}")
    for j, lan in enumerate(r.model.lan):
        if lan.interface and lan.interface == r.model.underlay.interface:
            problems.append(
                f"{where(inv, r, 'lan', j, 'interface')}: LAN interface is the underlay "
                "interface"
            )
    return problems


def _pools(inv: Inventory) -> list[tuple[int, ipaddress.IPv4Network]]:
    return [(i, ipaddress.IPv4Network(p)) for i, p in enumerate(inv.project.tunnels.pools)]


def _pool_problems(inv: Inventory) -> list[str]:
    """Pools smaller than one link; pools that overlap each other."""
    problems: list[str] = []
    pdoc = inv.project_doc
    link_prefix = inv.project.tunnels.link_prefix
    pools = _pools(inv)
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
    return problems


def lan_networks(inv: Inventory) -> list[tuple[Net, Lan]]:
    """Every LAN of the inventory, in declaration order."""
    lans: list[tuple[Net, Lan]] = []
    for r in inv.routers:
        for j, lan in enumerate(r.model.lan):
            lans.append((ipaddress.ip_network(lan.prefix), Lan(r, j, len(lans))))
    return lans


def underlay_networks(inv: Inventory) -> list[tuple[Net, RouterInfo]]:
    """The underlay subnet of every router."""
    return [(r.model.underlay.iface.network, r) for r in inv.routers]


def _lan_underlay_problems(inv: Inventory, lans: list[tuple[Net, Lan]]) -> list[str]:
    """A LAN that overlaps the underlay subnet of its own router."""
    problems: list[str] = []
    for net, lan in lans:
        underlay_net = lan.router.model.underlay.iface.network
        if net.version == underlay_net.version and net.overlaps(underlay_net):
            problems.append(
                f"{where(inv, lan.router, 'lan', lan.index, 'prefix')}: LAN {net} overlaps "
                f"the underlay subnet {underlay_net}"
            )
    return problems


def _pool_overlap_problems(inv: Inventory, lans: list[tuple[Net, Lan]],
                           underlays: list[tuple[Net, RouterInfo]]) -> list[str]:
    """A tunnel pool that overlaps a LAN or an underlay subnet (sort and sweep)."""
    pdoc = inv.project_doc
    targets: list[tuple[Net, str]] = [
        *((n, f"LAN {n} of router '{lan.router.name}'") for n, lan in lans),
        *((n, f"the underlay subnet {n} of router '{r.name}'") for n, r in underlays)]
    return [f"{pdoc.where(('tunnels', 'pools', pool))}: pool "
            f"{inv.project.tunnels.pools[pool]} overlaps {text}"
            for pool, _, text in cross_overlaps([(net, i) for i, net in _pools(inv)], targets)]


def _waiver_problems(inv: Inventory) -> list[str]:
    """Waivers name known routers."""
    names = {r.name for r in inv.routers}
    return [f"{inv.project_doc.where(('waivers', device))}: waiver for unknown router "
            f"'{device}'" for device in inv.project.waivers if device not in names]


@dataclass(frozen=True)
class Lan:
    router: RouterInfo
    index: int  # position in the router's lan list
    order: int  # declaration order across the inventory


T = TypeVar("T")
U = TypeVar("U")


def _span(net: Net) -> tuple[int, int, int]:
    return net.version, int(net.network_address), int(net.broadcast_address)


def cross_overlaps(probes: Sequence[tuple[Net, T]], targets: Sequence[tuple[Net, U]]
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


def _lan_overlaps(inv: Inventory, lans: list[tuple[Net, Lan]]) -> list[str]:
    """Each LAN that overlaps another one, reported at the later-declared of the two (sort
    and sweep: a LAN is compared with the innermost LAN still open, not with every LAN)."""
    problems: list[str] = []
    order = sorted(lans, key=lambda t: (*_span(t[0])[:2], -_span(t[0])[2], t[1].order))
    stack: list[tuple[Net, Lan]] = []
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
                f"{where(inv, later.router, 'lan', later.index, 'prefix')}: LAN {later_net} "
                f"overlaps LAN {earlier_net} of router '{earlier.router.name}'"
            )
        stack.append((net, lan))
    return problems


def pair_platform_problems(a: Router, b: Router, crypto: str,
                           policy: CryptoPolicy | None) -> list[str]:
    """What the platforms of a pair's two ends cannot render or negotiate with its crypto
    policy (``policy`` None: plain GRE or an unknown policy, reported elsewhere). Messages
    name the router and the reason; the caller locates them."""
    if policy is None:
        return []
    problems: list[str] = []
    for me, peer in ((a, b), (b, a)):
        if not me.is_vyos or me.vyos_version is None:
            continue
        problems += [f"{me.name} (VyOS {me.vyos_version}) cannot use crypto policy "
                     f"'{crypto}': {msg}" for msg in policy_problems(policy, me.vyos_version)]
        bad_name = peer_name_problem(peer.name, me.vyos_version)
        if bad_name:
            problems.append(bad_name)
    return list(dict.fromkeys(problems))
