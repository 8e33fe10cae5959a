"""GRE / tunnel structure rules (reference §4.1, dev scope)."""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network

from greios.audit.catalog import Hit, rule
from greios.audit.reach import NO_ROUTE, route_via
from greios.audit.rules.ctx import DevCtx, obj_if
from greios.devmodel.addr import NetIndex, in_net, ip_int, is_ipv4
from greios.devmodel.model import DeviceConfig, Interface, StaticRoute


def _active_tunnels(c: DevCtx) -> Iterator[Interface]:
    for t in c.cfg.tunnels:
        if not t.shutdown and t.tunnel is not None:
            yield t


def map_protects(cfg: DeviceConfig, itf: Interface) -> bool:
    """A crypto map on the tunnel source interface whose ACL permits GRE src->dst."""
    t = itf.tunnel
    assert t is not None
    src_if = cfg.interfaces.get(t.source or "")
    if src_if is None:
        src_if = next((i for i in cfg.interfaces.values() if i.address and t.source
                       and str(i.address.ip) == t.source), None)
    src = cfg.tunnel_source_address(itf)
    if src_if is None or not src_if.crypto_map or src is None or not is_ipv4(t.destination or ""):
        return False
    for e in cfg.crypto_maps.get(src_if.crypto_map, ()):
        acl = cfg.acls.get(e.acl or "")
        if acl is not None and acl.permits("gre", IPv4Address(src), IPv4Address(t.destination)):
            return True
    return False


@rule("GRE-001", "error", "dev", "GRE tunnel without IPsec",
      "Add `tunnel protection ipsec profile <P>` (or a crypto map whose ACL permits GRE).")
def gre_001(c: DevCtx) -> Iterator[Hit]:
    for t in _active_tunnels(c):
        tt = t.tunnel
        assert tt is not None
        if tt.is_gre and tt.source and tt.destination and tt.protection is None \
                and not map_protects(c.cfg, t):
            yield Hit(obj_if(t), t.line, f"{t.name} carries GRE to {tt.destination} in clear text "
                                         "(no tunnel protection, no crypto map)")


@rule("GRE-002", "error", "dev", "Tunnel destination is a local address",
      "Point `tunnel destination` at the peer's underlay address.")
def gre_002(c: DevCtx) -> Iterator[Hit]:
    for t in _active_tunnels(c):
        tt = t.tunnel
        assert tt is not None
        if tt.dest_address and tt.dest_address in c.cfg.local_addresses(tt.vrf):
            yield Hit(obj_if(t), t.line, f"{t.name} destination {tt.destination} is configured "
                                         "on this device")


@rule("GRE-003", "error", "dev", "Tunnel source missing, down or without address",
      "Use an up interface with an address of the transport family as `tunnel source`.")
def gre_003(c: DevCtx) -> Iterator[Hit]:
    for t in _active_tunnels(c):
        tt = t.tunnel
        assert tt is not None
        if tt.source is None:
            if tt.destination:
                yield Hit(obj_if(t), t.line, f"{t.name} has no tunnel source")
            continue
        if is_ipv4(tt.source):
            if tt.source not in c.cfg.local_addresses(tt.vrf) and not any(
                    tt.source in c.cfg.local_addresses(i.vrf) for i in c.cfg.interfaces.values()):
                yield Hit(obj_if(t), t.line, f"{t.name} source {tt.source} is not a local address")
            continue
        src = c.cfg.interfaces.get(tt.source)
        if src is None:
            yield Hit(obj_if(t), t.line, f"{t.name} source interface {tt.source} does not exist")
        elif src.shutdown:
            yield Hit(obj_if(t), t.line, f"{t.name} source interface {tt.source} is shut down")
        elif tt.ipv6_transport and not src.ipv6:
            yield Hit(obj_if(t), t.line, f"{t.name} source {tt.source} has no IPv6 address")
        elif not tt.ipv6_transport and src.address is None:
            yield Hit(obj_if(t), t.line, f"{t.name} source {tt.source} has no IPv4 address")


def best_route(cfg: DeviceConfig, vrf: str | None, dest: str) -> StaticRoute | None:
    """The static route for ``dest`` in ``vrf``: the first of the longest prefixes."""
    ip = ip_int(dest)
    if ip is None:  # not a canonical address: the plain scan decides as before
        best: StaticRoute | None = None
        for r in cfg.static_routes:
            if r.vrf == vrf and in_net(dest, r.prefix) and (
                    best is None or r.prefix.prefixlen > best.prefix.prefixlen):
                best = r
        return best
    index = cfg.memo(f"routes:{vrf!r}", lambda: NetIndex(
        (r.prefix, r) for r in cfg.static_routes if r.vrf == vrf))
    return next((hit[0] for hit in index.containing(ip)), None)


def _via_tunnel(cfg: DeviceConfig, r: StaticRoute) -> str | None:
    if r.interface and r.interface.lower().startswith("tunnel"):
        return r.interface
    if r.next_hop is not None:
        # the first tunnel (interface order) whose subnet holds the next hop
        index = cfg.memo("tunnel-subnets", lambda: NetIndex(
            (t.address.network, (i, t.name)) for i, t in enumerate(cfg.tunnels) if t.address))
        found = [hit[0] for hit in index.containing(int(r.next_hop))]
        return min(found)[1] if found else None
    return None


@rule("GRE-004", "error", "dev", "Recursive routing: tunnel destination routed via a tunnel",
      "Route the tunnel destination via the underlay (a /32 static route to the WAN next hop).")
def gre_004(c: DevCtx) -> Iterator[Hit]:
    for t in _active_tunnels(c):
        tt = t.tunnel
        assert tt is not None
        if not tt.destination or not is_ipv4(tt.destination):
            continue
        r = best_route(c.cfg, tt.vrf, tt.destination)
        via = _via_tunnel(c.cfg, r) if r else None
        if r is not None and via is not None:
            yield Hit(obj_if(t), t.line, f"{t.name} destination {tt.destination} is routed via "
                                         f"{via} (static route line {r.line})")


@rule("GRE-016", "error", "dev", "Tunnel destination not routable",
      "Add a route to the tunnel destination via the underlay (static /32 or default route).")
def gre_016(c: DevCtx) -> Iterator[Hit]:
    for t in _active_tunnels(c):
        why = route_via(c.cfg, t)
        if why is not None and why[0] == NO_ROUTE:
            yield Hit(obj_if(t), t.line, why[1])


@rule("GRE-017", "warning", "dev", "Multipoint GRE tunnel with a tunnel destination",
      "Remove `tunnel destination` from mGRE tunnels, or use `tunnel mode gre ip` for a "
      "point-to-point tunnel.")
def gre_017(c: DevCtx) -> Iterator[Hit]:
    for t in _active_tunnels(c):
        tt = t.tunnel
        assert tt is not None
        if tt.multipoint and tt.destination:
            yield Hit(obj_if(t), t.line, f"{t.name} is multipoint GRE with destination "
                      f"{tt.destination}: not a point-to-point tunnel (IOS ignores or refuses "
                      "the destination), so it is not paired")


def _igp_networks(cfg: DeviceConfig) -> list[tuple[str, IPv4Network]]:
    out: list[tuple[str, IPv4Network]] = [(f"router ospf {o.process}", n) for o in cfg.ospf
                                          for n, _ in o.networks]
    out += [(f"router eigrp {e.asn}", n) for e in cfg.eigrp for n in e.networks]
    return out


@rule("GRE-005", "warning", "dev", "IGP on the tunnel also covers a tunnel destination",
      "Filter the underlay prefixes out of the overlay IGP (distribute-list / narrower network).")
def gre_005(c: DevCtx) -> Iterator[Hit]:
    # network statement -> (position, process, network), so each tunnel looks up only the
    # statements covering its address (a hub has one per tunnel), reported in config order
    index = c.cfg.memo("igp-networks", lambda: NetIndex(
        (n, (i, proc, n)) for i, (proc, n) in enumerate(_igp_networks(c.cfg))))
    for t in _active_tunnels(c):
        tt = t.tunnel
        assert tt is not None
        if not t.address or not tt.destination or not is_ipv4(tt.destination):
            continue
        covering = sorted(e for hit in index.containing(int(t.address.ip)) for e in hit)
        for _, proc, n in covering:
            if IPv4Address(tt.destination) in n:
                yield Hit(obj_if(t), t.line, f"{proc} runs on {t.name} and its network {n} also "
                                             f"covers the tunnel destination {tt.destination}")


def _same_endpoints(c: DevCtx) -> dict[tuple[object, ...], list[Interface]]:
    groups: dict[tuple[object, ...], list[Interface]] = {}
    for t in _active_tunnels(c):
        tt = t.tunnel
        assert tt is not None
        if tt.destination and "multipoint" not in tt.mode:
            key = (c.cfg.tunnel_source_address(t) or tt.source, tt.dest_address, tt.vrf)
            groups.setdefault(key, []).append(t)
    return groups


@rule("GRE-006", "error", "dev", "Tunnels with the same endpoints and no distinct key",
      "Give each tunnel distinct endpoints or distinct `tunnel key` values.")
def gre_006(c: DevCtx) -> Iterator[Hit]:
    for group in _same_endpoints(c).values():
        by_mode: dict[tuple[str, int | None], list[Interface]] = {}
        for t in group:
            assert t.tunnel is not None
            by_mode.setdefault((t.tunnel.mode, t.tunnel.key), []).append(t)
        for ts in by_mode.values():
            for t in ts[1:]:
                yield Hit(obj_if(t), t.line, f"{t.name} and {ts[0].name} share source, "
                                             "destination, FVRF, mode and key")


@rule("GRE-007", "warning", "dev", "Protected tunnels share source and destination",
      "Use distinct tunnel endpoints (extra loopbacks) or `tunnel protection ... shared`.")
def gre_007(c: DevCtx) -> Iterator[Hit]:
    for group in _same_endpoints(c).values():
        prot = [t for t in group if t.tunnel and t.tunnel.protection
                and not t.tunnel.protection_shared]
        for t in prot[1:]:
            yield Hit(obj_if(t), t.line, f"{t.name} and {prot[0].name} produce identical IPsec "
                                         "flows")


@rule("GRE-008", "warning", "dev", "GRE keepalive on a protected tunnel",
      "Remove `keepalive`; use IKE DPD, IGP hellos or BFD.")
def gre_008(c: DevCtx) -> Iterator[Hit]:
    for t in _active_tunnels(c):
        if t.keepalive and t.tunnel and t.tunnel.protection:
            yield Hit(obj_if(t), t.line, f"{t.name} has keepalive with tunnel protection")


@rule("GRE-009", "warning", "dev", "GRE keepalive on a VRF-aware tunnel",
      "Remove `keepalive` from tunnels with `tunnel vrf`.")
def gre_009(c: DevCtx) -> Iterator[Hit]:
    for t in _active_tunnels(c):
        if t.keepalive and t.tunnel and t.tunnel.vrf:
            yield Hit(obj_if(t), t.line, f"{t.name} has keepalive with tunnel vrf {t.tunnel.vrf}")


@rule("GRE-010", "error", "dev", "Tunnel destination family does not match the mode",
      "Use `tunnel mode gre ipv6` for IPv6 destinations, `gre ip` for IPv4.")
def gre_010(c: DevCtx) -> Iterator[Hit]:
    for t in _active_tunnels(c):
        tt = t.tunnel
        assert tt is not None
        if not tt.destination:
            continue
        v6 = ":" in tt.destination
        if v6 != tt.ipv6_transport and (is_ipv4(tt.destination) or v6):
            yield Hit(obj_if(t), t.line, f"{t.name} mode {tt.mode} with destination "
                                         f"{tt.destination}")


@rule("GRE-011", "info", "dev", "Tunnel key configured",
      "Keep `tunnel key` only for tunnels that share endpoints; it is not security.")
def gre_011(c: DevCtx) -> Iterator[Hit]:
    for t in _active_tunnels(c):
        if t.tunnel and t.tunnel.key is not None:
            yield Hit(obj_if(t), t.line, f"{t.name} uses a GRE key (+4 bytes, identifier only)")
