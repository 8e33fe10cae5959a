"""Static one-to-one NAT in the lab (#10, docs/ios-fidelity.md lab limit 16).

R2 sits behind NAT: its underlay holds the private 10.40.1.10, the hub R1 reaches it at the
public 203.0.113.40 (``tunnel destination`` and IKEv2 keyring/identity on R1), R2's tunnel
points at R1's real address as usual.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from greios.lab import manager
from greios.lab.network import LabNetwork, interfaces
from greios.lab.tunnels import (
    _parsed_config,
    directed_verdict,
    max_inner_packet,
    negotiation_status,
)
from greios.mtu import MtuInput, compute
from greios.platforms.ios.configtree import apply_lines
from greios.platforms.ios.lab.device import Device
from greios.platforms.ios.lab.shows import ping

from .test_tunnels import _dev, _t100

PUBLIC, PRIVATE = "203.0.113.40", "10.40.1.10"


def _pair(identity: str | None = PUBLIC) -> tuple[Device, Device]:
    r1 = _dev("R1", "198.51.100.1", PUBLIC, "10.255.0.1")
    r2 = _dev("R2", PRIVATE, "198.51.100.1", "10.255.0.2")
    apply_lines(r2.running, ["no ip route 0.0.0.0 0.0.0.0 198.51.100.254",
                             "ip route 0.0.0.0 0.0.0.0 10.40.1.254",
                             "interface GigabitEthernet1",
                             f" ip address {PRIVATE} 255.255.255.0"])
    if identity:  # what greios renders behind NAT: the public address as IKEv2 identity
        apply_lines(r2.running, ["crypto ikev2 profile PROF",
                                 f" identity local address {identity}"])
    return r1, r2


def _network(r1: Device, r2: Device, *, nat: bool = True, cached: bool = False) -> LabNetwork:
    net = LabNetwork(cached=cached)
    net.add(r1)
    net.add(r2)
    if nat:
        net.set_nat(PUBLIC, PRIVATE)
    return net


def _reason(dev: Device) -> str:
    view = next(v for v in interfaces(dev) if v.name == "Tunnel100")
    assert view.tunnel is not None
    return view.tunnel.reason


def test_without_the_mapping_no_router_holds_the_mirror() -> None:
    r1, r2 = _pair()
    _network(r1, r2, nat=False)
    assert _t100(r1) == ("up", "down") and _t100(r2) == ("up", "down")
    assert _reason(r1) == "no peer router holds the mirrored tunnel"


@pytest.mark.parametrize("cached", [False, True])
def test_tunnel_pairs_through_the_static_nat(cached: bool) -> None:
    r1, r2 = _pair()
    _network(r1, r2, cached=cached)
    assert _t100(r1) == ("up", "up") and _t100(r2) == ("up", "up")
    assert "!!!!!" in ping(r1, "10.255.0.2") and "!!!!!" in ping(r2, "10.255.0.1")


def test_the_private_address_is_not_reachable_from_outside() -> None:
    r1, r2 = _pair()
    apply_lines(r1.running, ["interface Tunnel100", f" tunnel destination {PRIVATE}"])
    _network(r1, r2)
    assert _reason(r1) == "no peer router holds the mirrored tunnel"
    assert _t100(r2) == ("up", "down")


def test_peer_keyring_sees_the_public_address() -> None:
    r1, r2 = _pair()
    _network(r1, r2)
    assert negotiation_status(r1, "Tunnel100", r2, "Tunnel100") == "IPSEC_SESSION_ESTABLISHED"
    # a hub keyed to the private address fails: IKE arrives from the public one
    apply_lines(r1.running, ["crypto ikev2 keyring KR", " peer PEER",
                             f"  address {PRIVATE}", "crypto ikev2 profile PROF",
                             f" match identity remote address {PRIVATE} 255.255.255.255"])
    assert negotiation_status(r1, "Tunnel100", r2, "Tunnel100") == "IKE_PHASE1_KEY_MISMATCH"


def test_natted_router_identity_stays_private() -> None:
    """Without ``identity local`` the NATed router sends its own (private) address: when it
    initiates, a hub matching only the public identity selects no profile (PAIR-009)."""
    r1, r2 = _pair(identity=None)
    _network(r1, r2)

    def r2_initiates() -> str:
        verdict = directed_verdict(r2, _parsed_config(r2), "Tunnel100", _parsed_config(r1),
                                   "Tunnel100")
        return str(verdict.status.value)

    assert r2_initiates() == "IKE_PHASE1_FAILED"
    apply_lines(r1.running, ["crypto ikev2 profile PROF",
                             f" match identity remote address {PRIVATE} 255.255.255.255"])
    assert r2_initiates() == "IPSEC_SESSION_ESTABLISHED"


def test_df_ping_through_nat_counts_nat_t() -> None:
    r1, r2 = _pair()
    _network(r1, r2)
    for dev in (r1, r2):
        apply_lines(dev.running, ["interface Tunnel100", " ip mtu 1476"])
    view = next(v for v in interfaces(r1) if v.name == "Tunnel100")
    limit = max_inner_packet(r1, view, 1500)
    plain = compute(MtuInput(underlay_mtu=1500, encryption="aes-gcm-256", mode="transport"))
    natt = compute(MtuInput(underlay_mtu=1500, encryption="aes-gcm-256", mode="transport",
                            nat_t=True))
    assert limit == natt.max_ip_mtu < plain.max_ip_mtu
    assert max_inner_packet(r2, next(v for v in interfaces(r2) if v.name == "Tunnel100"),
                            1500) == limit
    assert "!!!!!" in ping(r1, f"10.255.0.2 size {limit} df-bit")
    assert "....." in ping(r1, f"10.255.0.2 size {limit + 1} df-bit")


def test_specs_and_lab_json_carry_the_mapping() -> None:
    underlay = SimpleNamespace(behind_nat=True, public_address=PUBLIC, ip=PRIVATE)
    router = SimpleNamespace(name="seoul-rtr1", snapshot=None,
                             model=SimpleNamespace(platform="ios-xe", underlay=underlay))
    plain = SimpleNamespace(name="tokyo-rtr1", snapshot=None, model=SimpleNamespace(
        platform="ios-xe", underlay=SimpleNamespace(behind_nat=False, public_address=None,
                                                    ip="198.51.100.1")))
    specs = manager.inventory_specs(SimpleNamespace(routers=[router, plain]))
    assert [s.nat for s in specs] == [(PUBLIC, PRIVATE), None]
    assert specs[0].state() == {"nat": {"public": PUBLIC, "private": PRIVATE}}
    assert specs[1].state() == {}
