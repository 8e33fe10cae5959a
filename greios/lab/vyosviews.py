"""A simulated VyOS router as the generic lab network sees it.

The lab network (:mod:`greios.lab.network`) evaluates tunnels on :class:`IfView` records
and routes; this module builds them for a :class:`~greios.platforms.vyos.labdevice.
VyosDevice` from the shared device model its config parses into
(:func:`greios.platforms.vyos.devmodel.to_device_config`, the audit's model), so a VyOS
tunnel's state comes from the same rules as an IOS one: endpoints mirrored, GRE mode and
key equal, IPsec negotiated by :func:`greios.audit.negotiate.negotiate` on both parsed
configs (:mod:`greios.lab.tunnels`). :func:`tunnel_up` and :func:`tunnel_mtu` are the VyOS
device's ``tunnel_state`` / ``tunnel_mtu`` hooks (its ``show interfaces`` and DF ping).
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from typing import TYPE_CHECKING, Any

from greios.lab.views import IfView, Route, TunnelView, per_generation
from greios.platforms.ios.configtree import Node

if TYPE_CHECKING:
    from collections.abc import Callable

    from greios.devmodel.model import DeviceConfig
    from greios.platforms.vyos.labdevice import VyosDevice

def is_vyos(device: object) -> bool:
    return getattr(device, "platform", "") == "vyos"


def model(dev: VyosDevice) -> DeviceConfig:
    """The shared device model of ``dev``'s running config (once per generation)."""
    from greios.platforms.vyos.devmodel import to_device_config

    def make() -> DeviceConfig:
        with dev.lock:
            return to_device_config(dev.running, dev.version)

    cfg: DeviceConfig = per_generation(dev, "_vyos_model", make)
    return cfg


def attach(dev: VyosDevice, interfaces: Callable[[Any], list[IfView]]) -> None:
    """Make ``dev``'s tunnel state and tunnel MTU the lab network's (it joined one);
    ``interfaces`` is the network's evaluation (:func:`greios.lab.network.interfaces`)."""
    dev.tunnel_state = lambda d, name: tunnel_up(d, name, interfaces)
    dev.tunnel_mtu = tunnel_mtu


def views(dev: VyosDevice) -> list[IfView]:
    """Every interface of ``dev`` with its admin state (tunnels not evaluated)."""
    out: list[IfView] = []
    for itf in model(dev).interfaces.values():
        tun = None
        if itf.tunnel is not None:
            t = itf.tunnel
            tun = TunnelView(source=t.source, destination=t.destination, mode=t.mode,
                             vrf=t.vrf, protection=t.protection, key=t.key)
        view = IfView(itf.name, Node(f"interface {itf.name}"), shutdown=itf.shutdown,
                      addresses=list(itf.addresses()), ipv6=list(itf.ipv6), vrf=itf.vrf,
                      description=itf.description, ip_mtu=itf.ip_mtu,
                      mtu=itf.mtu or 1500, tunnel=tun)
        if itf.shutdown:
            view.status, view.protocol = "administratively down", "down"
        out.append(view)
    return out


def static_routes(dev: VyosDevice) -> list[Route]:
    """``protocols static route P next-hop N`` / ``interface-route P next-hop-interface I``
    (1.2/1.3) and ``route P interface I`` (1.4+), every version, default VRF."""
    cfg = dev.running
    out: list[Route] = []
    for prefix in cfg.children(("protocols", "static", "route")):
        try:
            net = IPv4Network(prefix, strict=False)
        except ValueError:
            continue
        base = ("protocols", "static", "route", prefix)
        # a tag node without children reads as a leaf's values
        for hop in cfg.children((*base, "next-hop")) or cfg.values((*base, "next-hop")):
            try:
                out.append(Route(net, None, None, IPv4Address(hop), "static"))
            except ValueError:
                continue
        for iface in cfg.children((*base, "interface")) or cfg.values((*base, "interface")):
            out.append(Route(net, None, iface, None, "static"))
        if cfg.exists((*base, "blackhole")):
            out.append(Route(net, None, "Null0", None, "static"))
    for prefix in cfg.children(("protocols", "static", "interface-route")):
        try:
            net = IPv4Network(prefix, strict=False)
        except ValueError:
            continue
        hops = ("protocols", "static", "interface-route", prefix, "next-hop-interface")
        out.extend(Route(net, None, iface, None, "static")
                   for iface in cfg.children(hops) or cfg.values(hops))
    return out


def tunnel_up(dev: VyosDevice, name: str, interfaces: Callable[[Any], list[IfView]]) -> bool:
    """Oper state of tunnel ``name``: the lab network's verdict (``interfaces``), and
    (VyOS's own check on top of IOS's) both ends' tunnel addresses in one subnet."""
    view = next((v for v in interfaces(dev) if v.name == name), None)
    if view is None or not view.up:
        return False
    network = dev.network
    if network is None or len(network.devices) < 2:
        return True
    with dev.lock:
        found = network.find_peer(dev, view)
    if found is None:
        return False
    _, peer_view = found
    mine = {a.network for a in view.addresses}
    return not mine or not peer_view.addresses or any(
        a.network in mine for a in peer_view.addresses)


def tunnel_mtu(dev: VyosDevice, name: str) -> int | None:
    """The largest IP datagram tunnel ``name`` carries unfragmented: greios's overhead
    arithmetic (:func:`greios.mtu.compute`) over the underlay's MTU, the GRE key and the
    protecting ESP transform (plain GRE on 1500: 1476)."""
    from greios.mtu import MtuInput, compute, suite_from_transform

    cfg = model(dev)
    itf = cfg.interfaces.get(name)
    if itf is None or itf.tunnel is None:
        return None
    t = itf.tunnel
    underlay = _underlay_mtu(cfg, t.source)
    if t.protection is None:
        return compute(MtuInput(underlay_mtu=underlay, encryption="none",
                                gre_key=t.key is not None)).max_ip_mtu
    profile = cfg.ipsec_profiles.get(t.protection)
    ts = cfg.transform_sets.get(profile.transform_sets[0]) if (
        profile is not None and profile.transform_sets) else None
    if ts is None:
        return None
    try:
        enc, integ = suite_from_transform(list(ts.transforms))
        return compute(MtuInput(underlay_mtu=underlay, encryption=enc, integrity=integ,
                                mode="transport" if ts.mode == "transport" else "tunnel",
                                gre_key=t.key is not None)).max_ip_mtu
    except Exception:  # a transform greios's arithmetic does not know: the interface MTU
        return None


def _underlay_mtu(cfg: DeviceConfig, source: str | None) -> int:
    for itf in cfg.interfaces.values():
        if itf.tunnel is None and (itf.name == source or any(
                str(a.ip) == source for a in itf.addresses())):
            return itf.mtu or 1500
    return 1500
