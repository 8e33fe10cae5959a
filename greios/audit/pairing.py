"""Find the directed tunnel / crypto-map sessions across a set of parsed configs.

A tunnel's ``tunnel destination`` is matched to an interface address on another device; on
that device the peer is, in order of preference: an active tunnel sourced from that address
whose destination is our source (mirrored), an active tunnel sourced from that address (half
mirrored: GRE-012 will explain), a crypto map on the owning interface with a ``set peer`` to
us or a dynamic map. ``set peer`` of static crypto maps is paired the same way; dynamic maps
never initiate. Multipoint GRE tunnels are never paired, even with a ``tunnel destination``
(IOS ignores or refuses it; GRE-017). Shut-down tunnels are inactive (not initiators, not
peers) - but a link whose only mirror is shut down carries that note. Explicit ``expected``
pairs from an inventory override what the address matching found.

Behind a static one-to-one NAT (``nat``: the inventory's mappings, :class:`NatMap`) a
destination equal to a router's public address arrives at its private one, and the mirror
there must point at the initiator's source as seen from outside (its public address when it
is NATed itself); a NATed router's private address is not reachable from the other routers.
Without ``nat`` (bare config files) addresses are matched as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address

from greios.audit.facts import NatMap
from greios.devmodel.model import DeviceConfig, Interface

Expected = Sequence[tuple[tuple[str, str], tuple[str, str]]]


@dataclass(frozen=True)
class Link:
    device: str
    interface: str
    peer_device: str | None
    peer_interface: str | None
    kind: str  # "tunnel" | "crypto-map"
    local: str | None
    peer: str | None
    notes: tuple[str, ...] = ()


def _owners(configs: Sequence[DeviceConfig]) -> dict[str, list[tuple[DeviceConfig, Interface]]]:
    idx: dict[str, list[tuple[DeviceConfig, Interface]]] = {}
    for cfg in configs:
        for itf in cfg.interfaces.values():
            if itf.tunnel is not None or itf.shutdown:
                continue
            for a in itf.addresses():
                idx.setdefault(str(a.ip), []).append((cfg, itf))
            for a6 in itf.ipv6_addresses():  # tunnel destinations are in canonical_ip form
                idx.setdefault(str(a6.ip), []).append((cfg, itf))
    return idx


class _Owners:
    """:func:`_owners`, made on the first lookup: an audit of configs without a tunnel or a
    crypto map (a fleet of switches) never indexes their addresses."""

    def __init__(self, configs: Sequence[DeviceConfig]) -> None:
        self._configs = configs
        self._index: dict[str, list[tuple[DeviceConfig, Interface]]] | None = None

    def get(self, address: str) -> list[tuple[DeviceConfig, Interface]]:
        if self._index is None:
            self._index = _owners(self._configs)
        return self._index.get(address, [])


def _map_answers(cfg: DeviceConfig, itf: Interface, peer: str | None) -> bool:
    for e in cfg.crypto_maps.get(itf.crypto_map or "", ()):
        if (peer is not None and peer in e.peers) or e.kind == "dynamic-ref":
            return True
    return False


def _responder(owners: _Owners, me: DeviceConfig,
               dst: str | None, src: str | None, prefer_map: bool = False,
               nat: NatMap | None = None
               ) -> tuple[DeviceConfig | None, str | None, str, list[str]]:
    notes: list[str] = []
    if dst is None:
        return None, None, "tunnel", ["no tunnel destination"]
    if nat is not None:  # the packet arrives at the private address behind a public one,
        arrive = nat.arrives(dst)  # and the peer sees our source as it leaves the NAT
        if arrive is None:
            return None, None, "tunnel", [
                f"{dst} is the private address of a router behind NAT (reached at "
                f"{nat.public(dst)}): not reachable from the other routers"]
        dst, src = arrive, nat.outside(src)
    for cfg, owner in owners.get(dst):
        if cfg is me:
            continue
        if prefer_map and _map_answers(cfg, owner, src):
            return cfg, owner.name, "crypto-map", notes
        from_dst = _tunnels_from(cfg).get(dst)
        half: Interface | None = None
        if from_dst is not None:
            # in interface order: the first active mirror wins; shut-down mirrors before it
            # leave a note; else the first active tunnel from dst is the half mirror
            for t in from_dst.mirrors.get(src, ()):
                if t.shutdown:
                    notes.append(f"{cfg.hostname} {t.name} mirrors this tunnel but is shut down")
                    continue
                return cfg, t.name, "tunnel", notes
            half = from_dst.first_active
        if _map_answers(cfg, owner, src):
            return cfg, owner.name, "crypto-map", notes
        if half is not None:
            return cfg, half.name, "tunnel", notes
        notes.append(f"{cfg.hostname} owns {dst} ({owner.name}) but has no tunnel or crypto "
                     f"map for {src}")
        return cfg, None, "tunnel", notes
    return None, None, "tunnel", [*notes, f"no device in the set owns {dst}"]


@dataclass
class _FromSource:
    """The tunnels of one device sourced from one address (in interface order)."""

    mirrors: dict[str | None, list[Interface]]  # by destination
    first_active: Interface | None = None


def _tunnels_from(cfg: DeviceConfig) -> dict[str | None, _FromSource]:
    """Source address -> its tunnels, computed once per config (a hub has thousands of
    tunnels from one address: pairing each spoke must not scan them all)."""

    def make() -> dict[str | None, _FromSource]:
        out: dict[str | None, _FromSource] = {}
        for t in cfg.tunnels:
            if t.tunnel is None or t.tunnel.multipoint:  # mGRE: never a p2p peer
                continue
            entry = out.setdefault(cfg.tunnel_source_address(t), _FromSource({}))
            entry.mirrors.setdefault(t.tunnel.dest_address, []).append(t)
            if not t.shutdown and entry.first_active is None:
                entry.first_active = t
        return out

    return cfg.memo("pairing:tunnels-from", make)


def _gre_over_map(cfg: DeviceConfig, local: str | None, peer: str) -> bool:
    """A crypto map entry that only exists to encrypt one of our GRE tunnels."""
    return any(cfg.tunnel_source_address(t) == local and t.tunnel is not None
               and t.tunnel.protection is None and not t.shutdown
               and t.tunnel.dest_address == peer for t in cfg.tunnels)


def find_links(configs: Sequence[DeviceConfig], expected: Expected = (),
               nat: NatMap | None = None) -> list[Link]:
    owners = _Owners(configs)
    by_name = {c.hostname: c for c in configs}
    links: dict[tuple[str, str, str | None], Link] = {}
    for cfg in configs:
        for t in cfg.tunnels:
            # `tunnel mode gre multipoint` is not point-to-point even with a destination
            # (docs/ios-fidelity.md row 17d, GRE-017): never paired
            if t.shutdown or t.tunnel is None or t.tunnel.multipoint:
                continue
            src = cfg.tunnel_source_address(t)
            peer_cfg, peer_if, kind, notes = _responder(owners, cfg, t.tunnel.dest_address, src,
                                                        nat=nat)
            links[(cfg.hostname, t.name, None)] = Link(
                cfg.hostname, t.name, peer_cfg.hostname if peer_cfg else None, peer_if, kind,
                src, t.tunnel.destination, tuple(notes))
        for itf in cfg.interfaces.values():
            if not itf.crypto_map or itf.shutdown or itf.address is None:
                continue
            local = str(itf.address.ip)
            for e in cfg.crypto_maps.get(itf.crypto_map, ()):
                if e.kind != "ipsec-isakmp":
                    continue
                for p in e.peers:
                    if _gre_over_map(cfg, local, p):
                        continue
                    peer_cfg, peer_if, _kind, notes = _responder(owners, cfg, p, local, True,
                                                                 nat)
                    links[(cfg.hostname, itf.name, p)] = Link(
                        cfg.hostname, itf.name, peer_cfg.hostname if peer_cfg else None,
                        peer_if, "crypto-map", local, p, tuple(notes))
    by_if: dict[tuple[str, str], list[tuple[str, str, str | None]]] = {}
    for k in links:
        by_if.setdefault((k[0], k[1]), []).append(k)
    for (da, ia), (db, ib) in expected:
        for (x, xi), (y, yi) in (((da, ia), (db, ib)), ((db, ib), (da, ia))):
            cx, cy = by_name.get(x), by_name.get(y)
            if cx is None or xi not in cx.interfaces:
                continue
            for key in by_if.pop((x, xi), ()):
                links.pop(key, None)
            by_if[(x, xi)] = [(x, xi, None)]
            itf = cx.interfaces[xi]
            loc = cx.tunnel_source_address(itf) if itf.tunnel else (
                str(itf.address.ip) if itf.address else None)
            peer_addr = itf.tunnel.destination if itf.tunnel else None
            ok = cy is not None and yi in cy.interfaces
            links[(x, xi, None)] = Link(x, xi, y if ok else None, yi if ok else None,
                                        "tunnel" if itf.tunnel else "crypto-map", loc,
                                        peer_addr, () if ok else (f"expected peer {y} {yi} "
                                                                  "is not in the set",))
    return sorted(links.values(), key=lambda k: (k.device, k.interface, k.peer or ""))


def sort_key_addr(text: str | None) -> int:
    try:
        return int(IPv4Address(text or ""))
    except ValueError:
        return 0
