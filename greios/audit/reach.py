"""Underlay reachability of a tunnel destination (docs/ios-fidelity.md row 17c).

IOS keeps a point-to-point GRE tunnel line-protocol down while its destination is not
routable in the tunnel's transport VRF (`tunnel vrf`, else global), and a destination whose
best route points into the tunnel itself (recursive routing) takes the tunnel down again
(Cisco TAC 118361; S-RECUR in docs/ios-fidelity.md). The route is looked up the way the
RIB would hold it from the config alone: connected subnets of up, non-tunnel interfaces and
static routes (`ip route` / `ipv6 route`), longest prefix first, a connected route winning
a tie (distance 0). Routes a routing protocol may learn are not known offline: when the
device runs OSPF, EIGRP or BGP and nothing in the config routes the destination, the
destination is taken as routable (no finding; the safe choice). So is every destination of
a model whose parser does not read routes (``DeviceConfig.routes_known``: VyOS today).
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address

from greios.devmodel.addr import Net, NetIndex, ip_key
from greios.devmodel.model import DeviceConfig, Interface, StaticRoute

NO_ROUTE = "no-route"
RECURSIVE = "recursive"


def _routes(cfg: DeviceConfig, vrf: str | None
            ) -> NetIndex[tuple[int, str, StaticRoute | Interface]]:
    """prefix -> (distance, kind, route or connected interface) in ``vrf``."""

    def make() -> NetIndex[tuple[int, str, StaticRoute | Interface]]:
        items: list[tuple[Net, tuple[int, str, StaticRoute | Interface]]] = []
        for itf in cfg.interfaces.values():
            if itf.vrf != vrf or itf.shutdown:
                continue
            for a in itf.addresses():
                items.append((a.network, (0, "connected", itf)))
            for a6 in itf.ipv6_addresses():
                if not a6.ip.is_link_local:
                    items.append((a6.network, (0, "connected", itf)))
        items += [(r.prefix, (r.distance, "static", r)) for r in cfg.static_routes
                  if r.vrf == vrf]
        return NetIndex(items)

    return cfg.memo(f"reach:routes:{vrf!r}", make)


def _dynamic_routing(cfg: DeviceConfig, vrf: str | None) -> bool:
    return bool(any(o.vrf == vrf for o in cfg.ospf) or (vrf is None and (cfg.eigrp or cfg.bgp)))


def _tunnel_nets(cfg: DeviceConfig, vrf: str | None) -> NetIndex[tuple[int, str]]:
    """The tunnels' connected subnets in ``vrf`` -> (position among the tunnels, name)."""

    def make() -> NetIndex[tuple[int, str]]:
        items: list[tuple[Net, tuple[int, str]]] = []
        for i, t in enumerate(cfg.tunnels):
            if t.vrf != vrf:
                continue
            items += [(a.network, (i, t.name)) for a in t.addresses()]
            items += [(a6.network, (i, t.name)) for a6 in t.ipv6_addresses()]
        return NetIndex(items)

    return cfg.memo(f"reach:tunnel-nets:{vrf!r}", make)


def _next_hop_tunnel(cfg: DeviceConfig, hop: IPv4Address | IPv6Address, vrf: str | None
                     ) -> str | None:
    """The (first) tunnel whose connected subnet holds a static route's next hop; looked up
    by network, not by a scan of every tunnel per route (quadratic on a hub whose spokes
    are each reached by a static route)."""
    found = [v for group in _tunnel_nets(cfg, vrf).containing(int(hop), hop.version)
             for v in group]
    return min(found)[1] if found else None


def route_via(cfg: DeviceConfig, itf: Interface) -> tuple[str, str] | None:
    """Why the tunnel ``itf`` stays down for lack of an underlay route, or None (routable,
    unknown, or not a point-to-point tunnel with a destination):
    (``NO_ROUTE``, reason) or (``RECURSIVE``, reason). Once per interface of a config
    (GRE-016 and both sessions of the tunnel's pair ask)."""
    if cfg.interfaces.get(itf.name) is not itf:  # not one of cfg's own: not remembered
        return _route_via(cfg, itf)
    got: tuple[str, str] | None = cfg.memo(f"reach:via:{itf.name}",
                                           lambda: _route_via(cfg, itf))
    return got


def _route_via(cfg: DeviceConfig, itf: Interface) -> tuple[str, str] | None:
    t = itf.tunnel
    if t is None or t.multipoint or not t.dest_address or not cfg.routes_known:
        return None
    key = ip_key(t.dest_address)
    if key is None:
        return None
    found = next(iter(_routes(cfg, t.vrf).containing(key[1], key[0])), None)
    where = f" in VRF {t.vrf}" if t.vrf else ""
    if found is None:
        if _dynamic_routing(cfg, t.vrf):
            return None
        return NO_ROUTE, (f"{cfg.hostname} has no route to tunnel destination {t.destination}"
                          f"{where}: {itf.name} stays down")
    _dist, kind, via = min(found, key=lambda e: e[0])  # one prefix: the lowest distance
    if kind == "connected":
        assert isinstance(via, Interface)
        if via.tunnel is not None:
            return RECURSIVE, (f"{cfg.hostname} reaches tunnel destination {t.destination} "
                               f"through {via.name}: recursive routing, {itf.name} goes down")
        return None
    assert isinstance(via, StaticRoute)
    tunnel = via.interface if via.interface and via.interface.lower().startswith(
        "tunnel") else None
    if tunnel is None and via.next_hop is not None:
        tunnel = _next_hop_tunnel(cfg, via.next_hop, t.vrf)
    if tunnel is not None:
        return RECURSIVE, (f"{cfg.hostname} routes tunnel destination {t.destination} via "
                           f"{tunnel} (static route line {via.line}): recursive routing, "
                           f"{itf.name} goes down")
    return None

