"""Issue #10 item 16: IPv6 keyrings, profiles, identities and tunnel endpoints are parsed, so
greios's own IPv6 render audits clean (docs/ios-fidelity.md rows 16)."""

from __future__ import annotations

from pathlib import Path

from greios.app.pipeline import build
from greios.app.planning import intended_configs
from greios.audit.engine import audit_texts
from greios.audit.model import SessionStatus, Severity
from greios.platforms.ios.config import parse_config

PSKS = {"GREIOS_PSK_HONGKONG_RTR1__TOKYO_RTR1": "TokyoHongKongFixedTestKey0123456789abcd"}
V6 = {"tokyo-rtr1": ("ip address 10.133.75.79 255.255.255.0", "2001:DB8:ACAD:A::1/64",
                     "2001:DB8:ACAD:A::FFFF"),
      "hongkong-rtr1": ("ip address 10.112.147.74 255.255.255.0", "2001:DB8:ACAD:B::2/64",
                        "2001:DB8:ACAD:B::FFFF")}


def _v6_underlays(sites: Path, edit) -> None:  # type: ignore[no-untyped-def]
    for site, addr in (("tokyo", "2001:db8:acad:a::1/64"), ("hongkong", "2001:db8:acad:b::2/64")):
        edit(f"{site}.yaml", lambda d, a=addr: d["routers"][0]["underlay"].__setitem__("address",
                                                                                       a))
    for router, (old, new, gateway) in V6.items():
        snap = sites / "snapshots" / f"{router}.cfg"
        text = snap.read_text()
        assert old in text
        text = text.replace(old, f"ipv6 address {new}").replace(
            "ip route 0.0.0.0 0.0.0.0", f"ipv6 route ::/0 {gateway}\nip route 0.0.0.0 0.0.0.0")
        snap.write_text(text)


def test_own_ipv6_render_audits_clean(sites: Path, edit) -> None:  # type: ignore[no-untyped-def]
    _v6_underlays(sites, edit)
    build(sites, environ=PSKS)
    configs = intended_configs(sites)
    tokyo = configs["tokyo-rtr1"]
    assert " tunnel mode gre ipv6\n" in tokyo
    assert " match identity remote address 2001:DB8:ACAD:B::2/128\n" in tokyo
    rep = audit_texts([(r, configs[r]) for r in V6])
    assert {(s.device, s.peer_device, s.status) for s in rep.sessions} == {
        ("tokyo-rtr1", "hongkong-rtr1", SessionStatus.IPSEC_SESSION_ESTABLISHED),
        ("hongkong-rtr1", "tokyo-rtr1", SessionStatus.IPSEC_SESSION_ESTABLISHED)}
    assert all(not s.rules for s in rep.sessions)
    assert [f.message for f in rep.findings if f.severity == Severity.ERROR] == []


IKEV1_V6 = """\
hostname v6-ikev1
crypto keyring KR6
  pre-shared-key address ipv6 2001:DB8:1::2/128 key K6-one
crypto isakmp key K6-global address ipv6 2001:db8:9::/48
crypto isakmp profile IP6
   keyring KR6
   match identity address ipv6 2001:DB8:1::2/128
crypto ikev2 keyring KR2
 peer b
  address 2001:DB8:2::2/128
  pre-shared-key K6-two
 !
crypto ikev2 profile P2
 match identity remote address 2001:DB8:2::2/128
 identity local address 2001:DB8:2::1
 keyring local KR2
interface Tunnel1
 tunnel source GigabitEthernet1
 tunnel mode gre ipv6
 tunnel destination 2001:DB8:2::2
interface GigabitEthernet1
 ipv6 address 2001:DB8:2::1/64
ipv6 route 2001:DB8:9::/48 2001:DB8:2::FFFF
"""


def test_ipv6_crypto_lines_are_parsed() -> None:
    cfg = parse_config(IKEV1_V6)
    (key,) = cfg.keyrings["KR6"].keys
    assert str(key.network) == "2001:db8:1::2/128"
    assert [str(n) for n, _ in cfg.isakmp_profiles["IP6"].identities] == ["2001:db8:1::2/128"]
    assert [str(k.network) for k in cfg.isakmp_keys] == ["2001:db8:9::/48"]
    (peer,) = cfg.ikev2_keyrings["KR2"].peers
    assert str(peer.network) == "2001:db8:2::2/128"
    assert [str(n) for n in cfg.ikev2_profiles["P2"].match_remote] == ["2001:db8:2::2/128"]
    (route,) = cfg.static_routes
    assert (str(route.prefix), str(route.next_hop)) == ("2001:db8:9::/48", "2001:db8:2::ffff")
    t1 = cfg.interfaces["Tunnel1"]
    assert cfg.tunnel_source_address(t1) == "2001:db8:2::1"
    assert t1.tunnel is not None and t1.tunnel.dest_address == "2001:db8:2::2"
    assert cfg.local_addresses()["2001:db8:2::1"] == "GigabitEthernet1"
