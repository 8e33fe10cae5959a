"""The lab's IPv6 underlay tunnels and per-router facts (issue #10 item 15,
docs/ios-fidelity.md row 15)."""

from __future__ import annotations

from greios.lab.network import LabNetwork, interfaces
from greios.platforms.ios.configtree import apply_lines
from greios.platforms.ios.lab.device import Device
from greios.platforms.ios.lab.shows import ping, show_version

BASE = """hostname {name}
version 17.6
license udi pid ISR4331/K9 sn FDO{name}
interface GigabitEthernet1
 ipv6 address {wan}/64
interface Tunnel100
 ip address {tip} 255.255.255.252
 ip mtu 1456
 tunnel source GigabitEthernet1
 tunnel mode gre ipv6
 tunnel destination {peer}
ipv6 route ::/0 {gw}
end
"""
A6, B6 = "2001:DB8:ACAD:A::1", "2001:DB8:ACAD:B::2"


def _dev(name: str, wan: str, peer: str, tip: str, gw: str) -> Device:
    return Device.from_config(BASE.format(name=name, wan=wan, peer=peer, tip=tip, gw=gw))


def _t100(dev: Device) -> tuple[str, str, str]:
    v = next(v for v in interfaces(dev) if v.name == "Tunnel100")
    assert v.tunnel is not None
    return v.status, v.protocol, v.tunnel.reason


def _pair() -> tuple[Device, Device]:
    r1 = _dev("R1", A6, B6, "10.255.0.1", "2001:DB8:ACAD:A::FE")
    r2 = _dev("R2", B6, A6, "10.255.0.2", "2001:DB8:ACAD:B::FE")
    return r1, r2


def test_ipv6_gre_tunnel_comes_up_with_its_mirror() -> None:
    r1, r2 = _pair()
    net = LabNetwork()
    net.add(r1)
    assert _t100(r1) == ("up", "up", "")  # alone: local conditions (default route over v6)
    net.add(r2)
    assert _t100(r1)[:2] == ("up", "up") and _t100(r2)[:2] == ("up", "up")
    # plain GRE over IPv6: 1500 - 40 - 4 = 1456 bytes inner (gre-ipsec-reference §2.4)
    assert "!!!!!" in ping(r1, "10.255.0.2 size 1456 df-bit")
    assert "!!!!!" not in ping(r1, "10.255.0.2 size 1457 df-bit")
    # the mirror must match: another destination takes both down
    apply_lines(r2.running, ["interface Tunnel100", " tunnel destination 2001:DB8:ACAD:A::9"])
    r2.bump()
    assert _t100(r1)[1] == "down" and "mirrored" in _t100(r1)[2]


def test_ipv6_local_conditions() -> None:
    r1, _ = _pair()
    apply_lines(r1.running, ["no ipv6 route ::/0 2001:DB8:ACAD:A::FE"])
    r1.bump()
    assert _t100(r1)[1:] == ("down", "tunnel destination is not routable")
    apply_lines(r1.running, ["ipv6 route 2001:DB8:ACAD:B::/64 Tunnel100"])
    r1.bump()
    assert "recursive" in _t100(r1)[2]
    apply_lines(r1.running, ["interface GigabitEthernet1", " no ipv6 address"])
    r1.bump()
    assert _t100(r1)[2] == "tunnel source interface has no IPv6 address"


def test_show_version_reports_each_routers_own_facts() -> None:
    r1, _ = _pair()
    text = show_version(r1)
    assert "Cisco IOS XE Software, Version 17.06.01\n" in text
    assert "Version 17.6.1, RELEASE SOFTWARE" in text
    assert "cisco ISR4331/K9 (VXE) processor" in text and "Processor board ID FDOR1" in text
    assert "R1 uptime is" in text
    plain = Device.from_config("hostname R9\nend\n")
    assert "Version 17.3.4a," in show_version(plain)  # the lab's default CSR1000V
    assert "cisco CSR1000V (VXE)" in show_version(plain)
