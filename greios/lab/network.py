"""Interface state, routing and tunnel line protocol of simulated routers.

* :func:`interfaces` turns a device's running-config into :class:`IfView` records with
  the status ``show interfaces`` reports. A GRE tunnel is up/up only under the
  conditions of gre-ipsec-reference.md §3.1 (not shut; source up with an address;
  destination routable in the tunnel's FVRF, default route included; not recursive
  through the tunnel itself; keepalives only with a mirrored unprotected peer).
* :class:`LabNetwork` groups the routers of one lab process. When a device belongs to a
  network of several routers, its tunnel is up only if a peer router holds the mirrored
  tunnel and (with tunnel protection) IPsec negotiates (:mod:`greios.lab.tunnels`).
* Static one-to-one NAT (:meth:`LabNetwork.set_nat`): a router behind NAT holds its private
  underlay address; its peers' ``tunnel destination`` is the public address, which the
  network translates when it looks for the mirrored tunnel. The private address itself is
  not reachable from the other routers (a peer pointing at it finds no mirror).
"""

from __future__ import annotations

import ipaddress
import re
import threading
from dataclasses import dataclass, field, replace
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import TYPE_CHECKING

from greios.lab.views import IfView, Route, TunnelView
from greios.lab.vyosviews import attach, is_vyos, static_routes
from greios.lab.vyosviews import views as vyos_views
from greios.platforms.ios.configtree import Node

if TYPE_CHECKING:
    from greios.platforms.ios.lab.device import Device


_ROUTE = re.compile(r"^ip route(?: vrf (\S+))? (\S+) (\S+) (.+)$")


def _hw(name: str) -> tuple[int, int]:
    low = name.lower()
    if low.startswith("tunnel"):
        return 9976, 100
    if low.startswith("loopback"):
        return 1514, 8000000
    if low.startswith("tengig"):
        return 1500, 10000000
    if low.startswith("fastethernet"):
        return 1500, 100000
    if low.startswith(("serial", "ethernet")):
        return 1500, 10000 if low.startswith("ethernet") else 1544
    return 1500, 1000000


def _parse_if(node: Node) -> IfView:
    name = node.text.split()[1]
    mtu, bw = _hw(name)
    view = IfView(name, node, mtu=mtu, bw_kbit=bw)
    tun = TunnelView() if name.lower().startswith("tunnel") else None
    for child in node.children:
        w = child.text.split()
        t = child.text
        if t == "shutdown":
            view.shutdown = True
        elif t.startswith("description "):
            view.description = t.split(" ", 1)[1]
        elif len(w) >= 4 and w[:2] == ["ip", "address"] and _is_ip(w[2]) and _is_ip(w[3]):
            try:
                addr = IPv4Interface(f"{w[2]}/{w[3]}")
            except ValueError:
                continue
            if len(w) > 4 and w[4] == "secondary":
                view.addresses.append(addr)
            else:
                view.addresses.insert(0, addr)
        elif w[:2] == ["ipv6", "address"] and len(w) >= 3:
            view.ipv6.append(w[2])
        elif w[:2] == ["vrf", "forwarding"] or w[:3] == ["ip", "vrf", "forwarding"]:
            view.vrf = w[-1]
        elif w[:2] == ["ip", "mtu"] and len(w) == 3 and w[2].isdigit():
            view.ip_mtu = int(w[2])
        elif w[0] == "mtu" and len(w) == 2 and w[1].isdigit():
            view.mtu = int(w[1])
        elif w[0] == "bandwidth" and len(w) == 2 and w[1].isdigit():
            view.bw_kbit = int(w[1])
        elif tun is not None and w[0] == "tunnel" and len(w) >= 3:
            _tunnel_line(tun, w)
        elif tun is not None and w[0] == "keepalive":
            tun.keepalive = True
    view.tunnel = tun
    if view.shutdown:
        view.status, view.protocol = "administratively down", "down"
    return view


def _tunnel_line(tun: TunnelView, w: list[str]) -> None:
    if w[1] == "source":
        tun.source = w[2]
    elif w[1] == "destination":
        tun.destination = w[2]
    elif w[1] == "mode":
        tun.mode = " ".join(w[2:])
    elif w[1] == "vrf":
        tun.vrf = w[2]
    elif w[1] == "key" and w[2].isdigit():
        tun.key = int(w[2])
    elif w[1:3] == ["protection", "ipsec"] and len(w) >= 5:
        tun.protection = w[4]


def _is_ip(text: str) -> bool:
    try:
        IPv4Address(text)
    except ValueError:
        return False
    return True


def interfaces(device: Device) -> list[IfView]:
    """Every interface of ``device`` with its status (tunnels evaluated per §3.1).

    In a cached network (the background lab) the result is computed once per state of
    the network and shared: callers must not modify it.
    """
    network: LabNetwork | None = device.network
    if network is not None and network.cached:
        with device.lock:
            return network.evaluated(device)
    with device.lock:
        views = interfaces_raw(device)
        by_name = {v.name: v for v in views}
        for v in views:
            if v.tunnel is not None and not v.shutdown:
                reason = _tunnel_local_reason(device, v, by_name)
                if not reason:
                    reason = _tunnel_peer_reason(device, v)
                v.tunnel.reason = reason
                v.protocol = "down" if reason else "up"
        return views


def _tunnel_local_reason(device: Device, v: IfView, by_name: dict[str, IfView],
                         table: list[Route] | None = None) -> str:
    tun = v.tunnel
    assert tun is not None
    if tun.source is None:
        return "no tunnel source"
    if tun.mode == "gre ipv6":
        return _tunnel_v6_reason(device, v, by_name)
    if _is_ip(tun.source):
        owner = next((i for i in by_name.values()
                      if any(str(a.ip) == tun.source for a in i.addresses)), None)
        if owner is None or owner.status != "up":
            return "tunnel source address is not on an up interface"
        tun.source_ip, tun.source_if = IPv4Address(tun.source), owner.name
    else:
        src = by_name.get(tun.source)
        if src is None or src is v or src.status != "up" or src.protocol != "up":
            return "tunnel source interface is down or missing"
        if not src.addresses:
            return "tunnel source interface has no IPv4 address"
        tun.source_ip, tun.source_if = src.addresses[0].ip, src.name
    if tun.destination is None or not _is_ip(tun.destination):
        return "no tunnel destination"
    route = lookup(device, tun.vrf, IPv4Address(tun.destination), list(by_name.values()),
                   table=table)
    if route is None:
        return "tunnel destination is not routable" + (f" in vrf {tun.vrf}" if tun.vrf else "")
    if route.interface == v.name:
        return "tunnel destination is routed through the tunnel itself (recursive routing)"
    if tun.keepalive and (tun.protection or tun.vrf):
        return "keepalives do not return on a protected or VRF-aware tunnel"
    return ""


_ROUTE6 = re.compile(r"^ipv6 route(?: vrf (\S+))? (\S+/\d+) (\S+)")


def _v6(text: str) -> ipaddress.IPv6Interface | None:
    try:
        return ipaddress.IPv6Interface(text)
    except ValueError:
        return None


def _tunnel_v6_reason(device: Device, v: IfView, by_name: dict[str, IfView]) -> str:
    """``tunnel mode gre ipv6``: the source's global IPv6 address, the destination routed
    over IPv6 in the tunnel's FVRF (connected prefixes and ``ipv6 route`` statics)."""
    tun = v.tunnel
    assert tun is not None and tun.source is not None
    src = by_name.get(tun.source)
    if src is None and (want := _v6(tun.source)) is not None:  # an address as source
        src = next((i for i in by_name.values()
                    if any((got := _v6(x)) is not None and got.ip == want.ip for x in i.ipv6)),
                   None)
    if src is None or src is v or src.status != "up" or src.protocol != "up":
        return "tunnel source interface is down or missing"
    glob = [a for a in (_v6(x) for x in src.ipv6) if a is not None and not a.is_link_local]
    if not glob:
        return "tunnel source interface has no IPv6 address"
    tun.source_ip, tun.source_if = glob[0].ip, src.name
    dest = _v6(tun.destination or "")
    if dest is None:
        return "no tunnel destination"
    via = _route6(device, tun.vrf, dest.ip, by_name)
    if via is None:
        return "tunnel destination is not routable" + (f" in vrf {tun.vrf}" if tun.vrf else "")
    if via == v.name:
        return "tunnel destination is routed through the tunnel itself (recursive routing)"
    if tun.keepalive and (tun.protection or tun.vrf):
        return "keepalives do not return on a protected or VRF-aware tunnel"
    return ""


def _route6(device: Device, vrf: str | None, dest: ipaddress.IPv6Address,
            by_name: dict[str, IfView], depth: int = 0) -> str | None:
    """Egress interface of ``dest`` over IPv6 (longest match; next hops resolved)."""
    found: list[tuple[int, str | None, str | None]] = []  # (length, interface, next hop)
    for i in by_name.values():
        if i.vrf == vrf and not i.shutdown:
            for a in (_v6(x) for x in i.ipv6):
                if a is not None and dest in a.network:
                    found.append((a.network.prefixlen, i.name, None))
    for node in device.running.children:
        m = _ROUTE6.match(node.text)
        net = _v6(m[2]) if m and m[1] == vrf else None
        if m and net is not None and dest in net.network:
            gw = _v6(m[3])
            found.append((net.network.prefixlen, None if gw else m[3],
                          str(gw.ip) if gw else None))
    for _, iface, nh in sorted(found, key=lambda f: -f[0]):
        if iface is not None:
            return None if iface.lower().startswith("null") else iface
        if nh is not None and depth < 8:
            got = _route6(device, vrf, ipaddress.IPv6Address(nh), by_name, depth + 1)
            if got is not None:
                return got
    return None


def _addr(text: object) -> str:
    """An endpoint address as the index compares it (IPv6 spelled one way)."""
    return str(text).upper()


def _tunnel_peer_reason(device: Device, v: IfView) -> str:
    network = device.network
    if network is None or len(network.devices) < 2:
        if v.tunnel is not None and v.tunnel.keepalive:
            return "keepalive replies need a peer router"
        return ""
    return _peer_reason(device, v, network.find_peer(device, v))


def _peer_reason(device: Device, v: IfView, found: tuple[Device, IfView] | None) -> str:
    """Why ``v`` is down given the peer tunnel ``found`` for it ("" = up)."""
    from greios.lab.tunnels import pair_reason

    if found is None:
        return "no peer router holds the mirrored tunnel"
    peer, peer_if = found
    return pair_reason(device, v, peer, peer_if)


def routes(device: Device, views: list[IfView] | None = None) -> list[Route]:
    """Connected routes of admin-up interfaces and every static route."""
    views = interfaces_raw(device) if views is None else views
    out: list[Route] = []
    for v in views:
        if v.shutdown:
            continue
        for a in v.addresses:
            out.append(Route(a.network, v.vrf, v.name, None, "connected"))
    if is_vyos(device):
        return out + static_routes(device)  # type: ignore[arg-type]
    for node in device.running.children:
        m = _ROUTE.match(node.text)
        if not m:
            continue
        vrf, prefix, mask, rest = m.groups()
        try:
            net = IPv4Network(f"{prefix}/{mask}", strict=False)
        except ValueError:
            continue
        words = rest.split()
        nh: IPv4Address | None = None
        iface: str | None = None
        for w in words[:2]:
            if _is_ip(w):
                nh = nh or IPv4Address(w)
            elif not w.isdigit() and w not in ("name", "tag", "permanent", "track", "global"):
                iface = iface or w
        out.append(Route(net, vrf, iface, nh, "static"))
    return out


def interfaces_raw(device: Device) -> list[IfView]:
    """Interfaces with admin state only (no tunnel evaluation)."""
    if is_vyos(device):
        return vyos_views(device)  # type: ignore[arg-type]
    return [_parse_if(n) for n in device.running.children
            if n.text.startswith("interface ") and len(n.text.split()) >= 2]


def lookup(device: Device, vrf: str | None, dest: IPv4Address,
           views: list[IfView] | None = None, depth: int = 0, *,
           table: list[Route] | None = None) -> Route | None:
    """Longest-prefix match in ``vrf``, resolved to an egress interface (recursive).

    ``table`` (the device's :func:`routes`, when the caller has them) saves recomputing
    the routing table for every lookup."""
    if depth > 8:
        return None
    if table is None:
        network = device.network
        table = (network.local(device).routes if network is not None and network.cached
                 else routes(device, views))
    matches = [r for r in table if r.vrf == vrf and dest in r.prefix]
    for r in sorted(matches, key=lambda r: (-r.prefix.prefixlen, r.kind != "connected")):
        if r.interface is not None:
            if r.interface.lower().startswith("null"):
                return None
            return r
        if r.next_hop is not None:
            via = lookup(device, vrf, r.next_hop, views, depth + 1, table=table)
            if via is not None:
                return Route(r.prefix, vrf, via.interface, r.next_hop, r.kind)
    return None


@dataclass
class _Local:
    """What one router's own config decides (cached per ``Device.generation``)."""

    generation: int
    views: list[IfView]  # locally evaluated: tunnels carry their local reason
    routes: list[Route]
    local_reason: dict[str, str]  # tunnel name -> why it is locally down ("" = up)


@dataclass
class LabNetwork:
    """The routers of one lab process (tunnels between them are evaluated pairwise).

    ``cached=True`` (the background lab, where every change goes through a CLI session
    and so through ``Device.changed``) keeps per-router parses, an index of tunnel
    endpoints and the pairwise IPsec verdicts, keyed by ``Device.generation``: a command
    costs O(tunnels of the router asked) instead of O(routers x interfaces). A change of
    one router re-indexes only that router's tunnels and re-evaluates only the tunnels
    whose peer it is (a hub's 200 tunnels are not re-evaluated because one spoke
    changed). Without it (direct in-process use, where tests edit ``device.running`` in
    place) everything is recomputed per call.
    """

    devices: dict[str, Device] = field(default_factory=dict)
    # One lock for every router of the network: tunnel state reads both ends of a pair, so
    # per-device locks taken in opposite orders by two sessions would deadlock. Commands
    # take well under a millisecond, so sharing it costs nothing measurable.
    lock: threading.RLock = field(default_factory=threading.RLock)
    cached: bool = False
    version: int = 0  # bumped by any change of any member's running config
    _local: dict[int, _Local] = field(default_factory=dict, repr=False)
    _evaluated: dict[int, tuple[int, int, list[IfView]]] = field(default_factory=dict,
                                                                 repr=False)
    #: (device id, tunnel name) -> (what its state depends on, the evaluated view)
    _tunnels: dict[tuple[int, str], tuple[tuple[int, int, str, int, int], IfView]] = field(
        default_factory=dict, repr=False)
    _index: dict[tuple[str, str], list[tuple[Device, IfView]]] = field(default_factory=dict,
                                                                        repr=False)
    _indexed: dict[int, list[tuple[str, str]]] = field(default_factory=dict, repr=False)
    _dirty: dict[int, Device] = field(default_factory=dict, repr=False)
    _position: dict[int, int] = field(default_factory=dict, repr=False)
    pair_cache: dict[tuple[int, int, str, int, int, str], str] = field(default_factory=dict,
                                                                        repr=False)
    #: static one-to-one NAT: public address -> private underlay address (``_addr`` form)
    nat: dict[str, str] = field(default_factory=dict)
    _public: dict[str, str] = field(default_factory=dict, repr=False)  # private -> public

    def set_nat(self, public: str, private: str) -> None:
        """A router's private underlay address ``private`` is reached at ``public``."""
        self.nat[_addr(public)] = _addr(private)
        self._public[_addr(private)] = _addr(public)
        self.pair_cache.clear()
        self._tunnels.clear()
        for dev in self.devices.values():
            self.touched(dev)

    def public_of(self, address: object) -> str | None:
        """The public address of a NATed router's private ``address`` (None: not NATed)."""
        return self._public.get(_addr(address))

    def translated(self, destination: object) -> str:
        """Where a packet to ``destination`` arrives: a NAT's public address becomes the
        router's private one; a NATed private address is not reachable from outside."""
        dest = _addr(destination)
        if dest in self.nat:
            return self.nat[dest]
        return f"unreachable:{dest}" if dest in self._public else dest

    def add(self, device: Device) -> None:
        device.network = self
        device.lock = self.lock
        if is_vyos(device):  # its show interfaces and DF ping ask the network
            attach(device, interfaces)  # type: ignore[arg-type]
        self.devices[device.name or device.hostname] = device
        self._position.setdefault(id(device), len(self._position))
        self.touched(device)

    def touched(self, device: Device) -> None:
        """``device``'s running config changed (called by ``Device.bump``)."""
        self.version += 1
        self._dirty[id(device)] = device

    # ------------------------------------------------------------------ cached path
    def local(self, device: Device) -> _Local:
        """The router's own interfaces, routes and tunnel local reasons (cached)."""
        key = id(device)
        hit = self._local.get(key)
        if hit is not None and hit.generation == device.generation:
            return hit
        views = interfaces_raw(device)
        by_name = {v.name: v for v in views}
        table = routes(device, views)
        reasons: dict[str, str] = {}
        for v in views:
            if v.tunnel is not None and not v.shutdown:
                reasons[v.name] = _tunnel_local_reason(device, v, by_name, table)
        hit = _Local(device.generation, views, table, reasons)
        self._local[key] = hit
        return hit

    def _endpoints(self) -> dict[tuple[str, str], list[tuple[Device, IfView]]]:
        """(source ip, destination) -> locally up tunnels, in device order (the routers
        changed since the last call are re-indexed, the others kept)."""
        while self._dirty:
            dirty, self._dirty = self._dirty, {}
            for dev in dirty.values():
                self._reindex(dev)
        return self._index

    def _reindex(self, dev: Device) -> None:
        index = self._index
        for k in self._indexed.pop(id(dev), ()):
            kept = [e for e in index.get(k, ()) if e[0] is not dev]
            if kept:
                index[k] = kept
            else:
                index.pop(k, None)
        if id(dev) not in self._position:
            return  # not part of the network
        loc = self.local(dev)
        keys: list[tuple[str, str]] = []
        for v in loc.views:
            t = v.tunnel
            if t is None or v.shutdown or loc.local_reason.get(v.name, "x"):
                continue
            if t.source_ip is None or t.destination is None:
                continue
            k = (_addr(t.source_ip), self.translated(t.destination))
            entries = index.setdefault(k, [])
            entries.append((dev, v))
            if len(entries) > 1:
                entries.sort(key=lambda e: self._position.get(id(e[0]), 0))
            keys.append(k)
        self._indexed[id(dev)] = keys

    def evaluated(self, device: Device) -> list[IfView]:
        """:func:`interfaces` of ``device`` for the current network state (cached per
        router and, below that, per tunnel: keyed by both ends' generations)."""
        key = id(device)
        hit = self._evaluated.get(key)
        if hit is not None and hit[0] == device.generation and hit[1] == self.version:
            return hit[2]
        loc = self.local(device)
        out = [v if v.tunnel is None or v.shutdown else self._tunnel(device, loc, v)
               for v in loc.views]
        self._evaluated[key] = (device.generation, self.version, out)
        return out

    def _tunnel(self, device: Device, loc: _Local, v: IfView) -> IfView:
        """One tunnel's evaluated view, reused while neither end changed."""
        reason = loc.local_reason.get(v.name, "")
        few = len(self.devices) < 2
        found = None if reason or few else self.find_peer(device, v)
        stamp = (device.generation, len(self.devices), found[1].name if found else "",
                 id(found[0]) if found else 0, found[0].generation if found else -1)
        hit = self._tunnels.get((id(device), v.name))
        if hit is not None and hit[0] == stamp:
            return hit[1]
        assert v.tunnel is not None
        ev = replace(v, tunnel=replace(v.tunnel))
        assert ev.tunnel is not None
        if not reason:
            reason = _tunnel_peer_reason(device, ev) if few else _peer_reason(device, ev, found)
        ev.tunnel.reason = reason
        ev.protocol = "down" if reason else "up"
        self._tunnels[(id(device), v.name)] = (stamp, ev)
        return ev

    # ------------------------------------------------------------------ both paths
    def find_peer(self, device: Device, v: IfView) -> tuple[Device, IfView] | None:
        """The other router's tunnel whose endpoints mirror ``v``'s (locally up)."""
        tun = v.tunnel
        if tun is None or tun.source_ip is None or tun.destination is None:
            return None
        if self.cached:
            for other, pv in self._endpoints().get((self.translated(tun.destination),
                                                    _addr(tun.source_ip)), ()):
                if other is not device:
                    return other, pv
            return None
        for other in self.devices.values():
            if other is device:
                continue
            views = interfaces_raw(other)
            by_name = {x.name: x for x in views}
            for pv in views:
                pt = pv.tunnel
                if pt is None or pv.shutdown:
                    continue
                if _tunnel_local_reason(other, pv, by_name):
                    continue
                if (_addr(pt.source_ip) == self.translated(tun.destination)
                        and self.translated(pt.destination) == _addr(tun.source_ip)):
                    return other, pv
        return None


def parse_address(text: str) -> IPv4Address | None:
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        return None
