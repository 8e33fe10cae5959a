"""Issue #10 item 18a: a GRE tunnel with `tunnel protection` on one router and, on the peer, a
plain GRE tunnel encrypted by a crypto map on the underlay whose ACL is host-to-host GRE
between the endpoints. Both propose the same proxies, so IOS brings them up (S-SELECT,
docs/ios-fidelity.md row 18a); Batfish reports MISSING_END_POINT."""

from __future__ import annotations

from greios.audit.engine import audit_texts
from greios.audit.model import SessionStatus as S

COMMON = """\
crypto isakmp policy 10
 encr aes 256
 hash sha256
 authentication pre-share
 group 14
crypto isakmp key MapInteropKey-7f3Qz address {peer}
crypto ipsec transform-set TS esp-aes 256 esp-sha256-hmac
 mode {mode}
"""

PROT = "hostname prot\n" + COMMON + """\
crypto ipsec profile P
 set transform-set TS
interface GigabitEthernet1
 ip address 192.0.2.1 255.255.255.0
interface Tunnel1
 ip address 10.9.9.1 255.255.255.252
 ip mtu 1400
 ip tcp adjust-mss 1360
 tunnel source GigabitEthernet1
 tunnel destination 192.0.2.2
 tunnel protection ipsec profile P
"""

MAP = "hostname map\n" + COMMON + """\
crypto map CM 10 ipsec-isakmp
 set peer 192.0.2.1
 set transform-set TS
 match address GRE-TO-PROT
ip access-list extended GRE-TO-PROT
 permit gre host 192.0.2.2 host 192.0.2.1
interface GigabitEthernet1
 ip address 192.0.2.2 255.255.255.0
 crypto map CM
interface Tunnel1
 ip address 10.9.9.2 255.255.255.252
 ip mtu 1400
 ip tcp adjust-mss 1360
 tunnel source GigabitEthernet1
 tunnel destination 192.0.2.1
"""


def _audit(mode: str = "transport", acl: str | None = None
           ) -> tuple[dict[str, tuple[S, list[str]]], set[str]]:
    m = MAP.format(peer="192.0.2.1", mode=mode)
    if acl is not None:
        m = m.replace(" permit gre host 192.0.2.2 host 192.0.2.1", acl)
    rep = audit_texts([("prot", PROT.format(peer="192.0.2.2", mode=mode)), ("map", m)])
    return {s.device: (s.status, s.rules) for s in rep.sessions}, {f.rule for f in rep.findings}


def test_tunnel_protection_interoperates_with_a_gre_crypto_map() -> None:
    for mode in ("transport", "tunnel"):
        got, rules = _audit(mode)
        assert "GRE-001" not in rules  # the map encrypts the GRE
        assert got == {"prot": (S.IPSEC_SESSION_ESTABLISHED, []),
                       "map": (S.IPSEC_SESSION_ESTABLISHED, [])}, mode


def test_map_acl_not_covering_the_gre_proxies_fails_phase2() -> None:
    got, _ = _audit(acl=" permit gre host 192.0.2.2 host 192.0.2.9")
    assert got["prot"] == (S.IPSEC_PHASE2_FAILED, ["REF-010"])


def test_protected_tunnel_without_ip_mtu_uses_the_ios_derived_mtu() -> None:
    # row 18b: IOS lowers the IP MTU of a protected tunnel by the IPsec overhead itself, so a
    # missing `ip mtu` is not an oversized default (no MTU-001) and MTU-002 is information
    text = PROT.format(peer="192.0.2.2", mode="transport").replace(" ip mtu 1400\n", "")
    rep = audit_texts([("prot", text)], select=["MTU-001", "MTU-002", "MTU-004"])
    (f,) = rep.findings
    assert (f.rule, f.severity.value) == ("MTU-002", "info")
    assert "IP MTU derived by IOS" in f.message
