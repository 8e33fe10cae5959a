"""A VyOS configuration read into the shared device model (:mod:`greios.devmodel`).

Interfaces (``ethernet``, ``loopback``, ``dummy``, ``bonding``, ``bridge``, ``tunnel``)
become :class:`~greios.devmodel.model.Interface`; a GRE ``tunnel`` gets a
:class:`~greios.devmodel.model.Tunnel` (``local-ip``/``remote-ip`` on 1.2,
``source-address``/``remote`` later; MTU 1476 when unset, as VyOS; the MSS clamp from
``ip adjust-mss`` or 1.2/1.3 ``firewall options interface X adjust-mss``). Pure.
"""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Interface, IPv4Network, ip_interface
from typing import TYPE_CHECKING

from greios.devmodel.model import DeviceConfig, Interface, OspfProcess, Tunnel

if TYPE_CHECKING:
    from greios.platforms.vyos.tree import ConfigTree

#: VyOS's default MTU of a GRE tunnel interface (1500 - 24)
GRE_DEFAULT_MTU = 1476
_IFACE_TYPES = ("ethernet", "loopback", "dummy", "bonding", "bridge", "tunnel")
_ENCAPS = {"gre": "gre ip", "ip6gre": "gre ipv6", "gretap": "gretap", "ipip": "ipip",
           "sit": "sit", "ipip6": "ipip6", "ip6ip6": "ip6ip6", "gre-bridge": "gretap"}


def looks_like_vyos(text: str) -> bool:
    """Whether a config text is VyOS's (set-lines, or curly ``name {`` blocks): only the
    first significant line is read, so IOS configs cost nothing."""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "//", "/*", "*")):
            continue
        return line.startswith(("set ", "delete ")) or line.endswith(" {")
    return False


def parse_device_config(text: str, version: str | None = None, *,
                        source: str | None = None) -> DeviceConfig:
    """``show configuration commands`` or ``config.boot`` text -> DeviceConfig."""
    # imported here: asking looks_like_vyos of every IOS file loads no VyOS parser (#13)
    from greios.platforms.vyos.config import load

    tree, ver = load(text, version)
    return to_device_config(tree, ver, lines=len(text.splitlines()), source=source)


def to_device_config(tree: ConfigTree, version: str, *, lines: int = 0,
                     source: str | None = None) -> DeviceConfig:
    # imported here: the crypto reader loads the intent vocabulary (and with it the
    # inventory models), which an audit of IOS files, asking looks_like_vyos, never needs
    from greios.platforms.vyos.devcrypto import read_crypto

    crypto = read_crypto(tree, version)
    interfaces = _interfaces(tree)
    for name, itf in interfaces.items():
        t = itf.tunnel
        if t is not None and t.destination in crypto.protection:
            interfaces[name] = replace(itf, tunnel=replace(
                t, protection=crypto.protection[t.destination]))
    return DeviceConfig(
        hostname=tree.value(("system", "host-name")) or "vyos",
        source=source,
        lines=lines,
        version=f"VyOS {version}",
        interfaces=interfaces,
        static_routes=(),
        routes_known=False,  # the audit's reachability check (greios.audit.reach) skips it
        ospf=_ospf(tree, interfaces),
        warnings=tuple(crypto.warnings),
        **crypto.fields,
    )


def _ospf(tree: ConfigTree, interfaces: dict[str, Interface]) -> tuple[OspfProcess, ...]:
    if not tree.exists(("protocols", "ospf")):
        return ()
    nets: list[tuple[IPv4Network, str]] = []
    for area in tree.children(("protocols", "ospf", "area")):
        for net in tree.values(("protocols", "ospf", "area", area, "network")):
            try:
                nets.append((IPv4Network(net, strict=False), area))
            except ValueError:
                continue
    return (OspfProcess(process=1, line=0,
                        router_id=tree.value(("protocols", "ospf", "parameters", "router-id")),
                        networks=tuple(nets),
                        passive=tuple(tree.values(("protocols", "ospf", "passive-interface")))),)


def _first_v4(values: list[str]) -> tuple[IPv4Interface | None, tuple[IPv4Interface, ...]]:
    v4 = [a for a in (_iface(v) for v in values) if a is not None]
    return (v4[0] if v4 else None), tuple(v4[1:])


def _iface(text: str) -> IPv4Interface | None:
    try:
        got = ip_interface(text)
    except ValueError:
        return None
    return got if isinstance(got, IPv4Interface) else None


def _int(text: str | None) -> int | None:
    return int(text) if text is not None and text.isdigit() else None


def _interfaces(tree: ConfigTree) -> dict[str, Interface]:
    out: dict[str, Interface] = {}
    for kind in _IFACE_TYPES:
        for name in tree.children(("interfaces", kind)):
            out[name] = _interface(tree, kind, name)
            for vif in tree.children(("interfaces", kind, name, "vif")):
                out[f"{name}.{vif}"] = _interface(tree, kind, name, ("vif", vif))
    return out


def _interface(tree: ConfigTree, kind: str, name: str, sub: tuple[str, ...] = ()
               ) -> Interface:
    base = ("interfaces", kind, name, *sub)
    address, secondary = _first_v4(tree.values((*base, "address")))
    ipv6 = tuple(a for a in tree.values((*base, "address")) if ":" in a)
    mtu = _int(tree.value((*base, "mtu")))
    tunnel = None
    mss = _int(tree.value((*base, "ip", "adjust-mss"))) or _int(
        tree.value(("firewall", "options", "interface", name, "adjust-mss")))
    if kind == "tunnel":
        tunnel = _tunnel(tree, base)
        if mtu is None:
            mtu = GRE_DEFAULT_MTU
    return Interface(
        name=name + (f".{sub[1]}" if sub else ""), line=0,
        description=tree.value((*base, "description")),
        address=address, secondary=secondary, ipv6=ipv6,
        vrf=tree.value((*base, "vrf")),
        shutdown=tree.exists((*base, "disable")),
        mtu=mtu, ip_mtu=mtu if kind == "tunnel" else None, tcp_mss=mss,
        tunnel=tunnel,
    )


def _tunnel(tree: ConfigTree, base: tuple[str, ...]) -> Tunnel:
    def first(*names: str) -> str | None:
        for n in names:
            got = tree.value((*base, n))
            if got is not None:
                return got
        return None

    encap = tree.value((*base, "encapsulation")) or "gre"
    return Tunnel(
        source=first("source-address", "local-ip", "source-interface", "dhcp-interface"),
        destination=first("remote", "remote-ip"),
        mode=_ENCAPS.get(encap, encap),
        key=_int(tree.value((*base, "parameters", "ip", "key"))),
    )
