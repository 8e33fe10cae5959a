"""Tunnel line protocol (gre-ipsec-reference §3.1), peer-dependent state and ping MTU."""

from __future__ import annotations

from greios.lab.network import LabNetwork, interfaces
from greios.platforms.ios.configtree import apply_lines
from greios.platforms.ios.lab.device import Device
from greios.platforms.ios.lab.shows import ping

from .conftest import SEED

CRYPTO = """crypto ikev2 proposal PROP
 encryption aes-gcm-256
 prf sha384
 group 19
crypto ikev2 policy POL
 proposal PROP
crypto ikev2 keyring KR
 peer PEER
  address {peer}
  pre-shared-key {psk}
crypto ikev2 profile PROF
 match identity remote address {peer} 255.255.255.255
 authentication remote pre-share
 authentication local pre-share
 keyring local KR
crypto ipsec transform-set TS esp-gcm 256
 mode transport
crypto ipsec profile IPS
 set transform-set TS
 set ikev2-profile PROF
interface Tunnel100
 ip address {tip} 255.255.255.252
 ip mtu 1400
 tunnel source GigabitEthernet1
 tunnel destination {peer}
 tunnel protection ipsec profile IPS
"""


def _dev(hostname: str, wan: str, peer: str, tip: str, psk: str = "k1") -> Device:
    text = SEED.replace("hostname R1", f"hostname {hostname}").replace("198.51.100.1 ", wan + " ")
    dev = Device.from_config(text)
    errors = apply_lines(dev.running, CRYPTO.format(peer=peer, tip=tip, psk=psk).splitlines())
    assert errors == []
    return dev


def _t100(dev: Device) -> tuple[str, str]:
    v = next(v for v in interfaces(dev) if v.name == "Tunnel100")
    return v.status, v.protocol


def test_single_device_conditions() -> None:
    dev = _dev("R1", "198.51.100.1", "203.0.113.2", "10.255.0.1")
    assert _t100(dev) == ("up", "up")  # default route covers the destination
    apply_lines(dev.running, ["interface Tunnel100", " shutdown"])
    assert _t100(dev) == ("administratively down", "down")
    apply_lines(dev.running, ["interface Tunnel100", " no shutdown",
                              "interface GigabitEthernet1", " shutdown"])
    assert _t100(dev) == ("up", "down")  # source interface down
    apply_lines(dev.running, ["interface GigabitEthernet1", " no shutdown",
                              "no ip route 0.0.0.0 0.0.0.0 198.51.100.254"])
    assert _t100(dev) == ("up", "down")  # destination not routable
    apply_lines(dev.running, ["ip route 203.0.113.0 255.255.255.0 Tunnel100"])
    assert _t100(dev) == ("up", "down")  # recursive routing
    apply_lines(dev.running, ["no ip route 203.0.113.0 255.255.255.0 Tunnel100",
                              "ip route vrf INET 0.0.0.0 0.0.0.0 198.51.100.254",
                              "interface Tunnel100", " tunnel vrf INET"])
    assert _t100(dev) == ("up", "down")  # the route is in the global table, not in INET
    apply_lines(dev.running, ["interface Tunnel100", " no tunnel vrf INET",
                              "ip route 0.0.0.0 0.0.0.0 198.51.100.254",
                              "interface Tunnel100", " keepalive 10 3"])
    assert _t100(dev) == ("up", "down")  # keepalives never return on a protected tunnel


def test_pair_depends_on_peer_and_negotiation() -> None:
    r1 = _dev("R1", "198.51.100.1", "203.0.113.2", "10.255.0.1")
    r2 = _dev("R2", "203.0.113.2", "198.51.100.1", "10.255.0.2")
    apply_lines(r2.running, ["ip route 0.0.0.0 0.0.0.0 203.0.113.254",
                             "interface GigabitEthernet1",
                             " ip address 203.0.113.2 255.255.255.0"])
    net = LabNetwork()
    net.add(r1)
    assert _t100(r1) == ("up", "up")  # alone: only local conditions
    net.add(r2)
    assert _t100(r1) == ("up", "up") and _t100(r2) == ("up", "up")
    assert "!!!!!" in ping(r1, "10.255.0.2")
    # df-bit ping above ip mtu: M; between the real max inner size and ip mtu it passes
    assert "MMMMM" in ping(r1, "10.255.0.2 size 1401 df-bit")
    assert "!!!!!" in ping(r1, "10.255.0.2 size 1400 df-bit")
    # a PSK mismatch: IKE fails, line protocol down on both ends, ping fails
    apply_lines(r2.running, ["crypto ikev2 keyring KR", " peer PEER", "  pre-shared-key other"])
    assert _t100(r1) == ("up", "down") and _t100(r2) == ("up", "down")
    assert "Success rate is 0 percent" in ping(r1, "10.255.0.2")


def test_real_mtu_limits_df_ping() -> None:
    """ip mtu set above what fits the underlay: a DF ping between the two is lost."""
    r1 = _dev("R1", "198.51.100.1", "203.0.113.2", "10.255.0.1")
    apply_lines(r1.running, ["interface Tunnel100", " ip mtu 1476",
                             "interface GigabitEthernet1", " mtu 1500"])
    from greios.lab.tunnels import max_inner_packet

    view = next(v for v in interfaces(r1) if v.name == "Tunnel100")
    limit = max_inner_packet(r1, view, 1500)
    assert limit == 1442  # AES-GCM-256 transport over a 1500-byte IPv4 underlay
    assert "!!!!!" in ping(r1, f"10.255.0.2 size {limit} df-bit")
    assert "....." in ping(r1, f"10.255.0.2 size {limit + 1} df-bit")
    assert "!!!!!" in ping(r1, f"10.255.0.2 size {limit + 1}")  # fragmented before GRE


def test_concurrent_tunnel_state_reads_do_not_deadlock() -> None:
    """Two sessions reading tunnel state on both ends of a pair at once (each end's state
    depends on the other's config) must not deadlock."""
    import threading

    r1 = _dev("R1", "198.51.100.1", "203.0.113.2", "10.255.0.1")
    r2 = _dev("R2", "203.0.113.2", "198.51.100.1", "10.255.0.2")
    apply_lines(r2.running, ["ip route 0.0.0.0 0.0.0.0 203.0.113.254",
                             "interface GigabitEthernet1",
                             " ip address 203.0.113.2 255.255.255.0"])
    net = LabNetwork()
    net.add(r1)
    net.add(r2)
    errors: list[BaseException] = []

    def hammer(dev: Device) -> None:
        try:
            for _ in range(150):
                with dev.lock:  # as a CLI session holds its device during `show`
                    interfaces(dev)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(d,), daemon=True) for d in (r1, r2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "deadlock: tunnel state reads hang"
    assert not errors
