"""Underlay reachability: a static route's next hop is matched to the first tunnel whose
subnet holds it by a network index (``reach._next_hop_tunnel``), with the answer the plain
scan over every tunnel gives."""

from __future__ import annotations

from ipaddress import IPv4Address, ip_address
from pathlib import Path

from greios.audit import reach
from greios.devmodel.model import DeviceConfig
from greios.platforms.ios.config.parser import parse_config

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ios"


def _scan(cfg: DeviceConfig, hop: IPv4Address, vrf: str | None) -> str | None:
    for t in cfg.tunnels:  # the plain scan the index replaces
        if t.vrf != vrf:
            continue
        nets = [a.network for a in t.addresses()] + [a.network for a in t.ipv6_addresses()]
        if any(hop.version == n.version and hop in n for n in nets):
            return t.name
    return None


def _many_tunnels() -> DeviceConfig:
    lines = ["hostname hub", "interface GigabitEthernet1", " ip address 100.64.0.1 255.255.255.0"]
    for i in range(1, 41):
        lines += [f"interface Tunnel{i}",
                  f" ip address 10.{i // 8}.{i % 8 * 4}.1 255.255.255.{252 if i % 3 else 0}",
                  " tunnel source GigabitEthernet1", f" tunnel destination 100.64.{i}.1"]
        if i % 5 == 0:
            lines.append(" tunnel vrf WAN")
        if i % 7 == 0:
            lines.append(f" ipv6 address 2001:db8:{i:x}::1/64")
    return parse_config("\n".join(lines) + "\n")


def test_index_gives_the_scan_answer() -> None:
    cfg = _many_tunnels()
    hops = [ip_address(f"10.{a}.{b}.{c}") for a in range(6) for b in range(0, 32, 3)
            for c in (0, 1, 2, 3, 200)]
    hops += [ip_address("2001:db8:7::9"), ip_address("2001:db8:8::9")]
    found = set()
    for vrf in (None, "WAN", "OTHER"):
        for hop in hops:
            got = reach._next_hop_tunnel(cfg, hop, vrf)
            assert got == _scan(cfg, hop, vrf), (hop, vrf)
            found.add(got)
    assert len(found) > 10  # many tunnels matched, and misses (None) too
    assert None in found


def test_next_hop_in_a_tunnel_subnet_is_recursive() -> None:
    text = (FIXTURES / "gre-routed" / "west1.cfg").read_text()
    cfg = parse_config(text.replace("ip route 100.64.1.1 255.255.255.255 172.31.0.0",
                                    "ip route 100.64.1.1 255.255.255.255 10.255.1.1"))
    why = reach.route_via(cfg, cfg.interfaces["Tunnel1"])
    assert why is not None and why[0] == reach.RECURSIVE
    assert reach.route_via(parse_config(text), parse_config(text).interfaces["Tunnel1"]) is None
