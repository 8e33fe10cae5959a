"""Issue #10 renderer defects: what greios renders is what IOS accepts and shows back.

Each test names its row of docs/ios-fidelity.md.
"""

from __future__ import annotations

import re
from pathlib import Path

from greios.app.pipeline import build
from greios.platforms.ios.display import canonical_interface, ip_display

PSKS = {
    "GREIOS_PSK_HONGKONG_RTR1__TOKYO_RTR1": "TokyoHongKongFixedTestKey0123456789abcd",
    "GREIOS_PSK_MUMBAI_RTR1__SINGAPORE_RTR1": "MumbaiSingaporeFixedTestKey0123456789ab",
    "GREIOS_PSK_SEOUL_RTR1__SINGAPORE_RTR1": "SeoulSingaporeFixedTestKey0123456789abcd",
    "GREIOS_PSK_SINGAPORE_RTR1__SYDNEY_RTR1": "SingaporeSydneyFixedTestKey0123456789abc",
}


def _block(text: str, header: str) -> str:
    m = re.search(rf"^{re.escape(header)}\n((?:[ !].*\n)*?)(?=\S|\Z)", text, re.M)
    assert m, f"{header!r} missing in\n{text}"
    return m.group(1)


def test_row3_ikev1_peer_behind_nat_is_matched_by_both_identities(sites: Path, edit) -> None:
    def project(d: dict) -> None:
        d["topology"][0]["hub_and_spoke"]["crypto"] = "legacy-v1"

    def seoul(d: dict) -> None:
        d["routers"][0]["underlay"]["behind_nat"] = True
        d["routers"][0]["underlay"]["public_address"] = "203.0.113.40"

    edit("greios.yaml", project)
    edit("seoul.yaml", seoul)
    b = build(sites, environ=PSKS)
    hub = b.render("singapore-rtr1", secrets="reveal")
    # the key is found by the source address IOS receives (public), the profile by the
    # identity the NATed router sends (its private interface address)
    assert "  pre-shared-key address 203.0.113.40 key SeoulSingapore" in hub
    profile = _block(hub, "crypto isakmp profile GREIOS-seoul-rtr1")
    assert profile.splitlines()[1:3] == [
        "   match identity address 203.0.113.40 255.255.255.255",
        "   match identity address 10.82.4.40 255.255.255.255",
    ]
    # a peer that is not NATed keeps one identity
    sydney = _block(hub, "crypto isakmp profile GREIOS-sydney-rtr1")
    assert sydney.count("match identity") == 1
    # the NATed side matches the hub as usual
    spoke = b.render("seoul-rtr1")
    assert _block(spoke, "crypto isakmp profile GREIOS-singapore-rtr1").count(
        "match identity") == 1


def test_row4_two_crypto_policies_one_ikev2_policy(sites: Path, edit) -> None:
    def project(d: dict) -> None:
        strong = dict(d["crypto_policies"]["nge"])
        strong["ike"] = {"encryption": ["aes-cbc-256"], "integrity": ["sha512"],
                         "prf": ["sha512"], "group": [21]}
        d["crypto_policies"]["strong"] = strong
        d["topology"].append({"pair": ["tokyo", "singapore"], "crypto": "strong"})

    edit("greios.yaml", project)
    b = build(sites, environ=PSKS)
    tk = b.render("tokyo-rtr1")
    assert tk.count("crypto ikev2 policy ") == 1
    assert tk.count("crypto ikev2 proposal ") == 2
    assert _block(tk, "crypto ikev2 policy GREIOS-NGE") == (
        " proposal GREIOS-NGE\n proposal GREIOS-STRONG\n")
    # a router with one crypto policy keeps its policy name and single proposal
    hk = b.render("hongkong-rtr1")
    assert _block(hk, "crypto ikev2 policy GREIOS-NGE") == " proposal GREIOS-NGE\n"


def test_row5_ipv6_underlay_rendered_in_ios_display_case(sites: Path, edit) -> None:
    def tokyo(d: dict) -> None:
        d["routers"][0]["underlay"]["address"] = "2001:db8:acad:a::1/64"

    def hongkong(d: dict) -> None:
        d["routers"][0]["underlay"]["address"] = "2001:db8:acad:b:0:0:0:2/64"

    edit("tokyo.yaml", tokyo)
    edit("hongkong.yaml", hongkong)
    b = build(sites, environ=PSKS)
    tk = b.render("tokyo-rtr1")
    assert " tunnel destination 2001:DB8:ACAD:B::2\n" in tk
    assert " tunnel mode gre ipv6\n" in tk
    assert "  address 2001:DB8:ACAD:B::2/128\n" in tk
    assert " match identity remote address 2001:DB8:ACAD:B::2/128\n" in tk
    assert " identity local address 2001:DB8:ACAD:A::1\n" in tk
    assert not re.search(r"\b2001:db8", tk)


def test_row6_short_interface_names_rendered_in_full(sites: Path, edit) -> None:
    def tokyo(d: dict) -> None:
        d["routers"][0]["underlay"]["interface"] = "gi0/0/0"

    edit("tokyo.yaml", tokyo)
    tk = build(sites, environ=PSKS).render("tokyo-rtr1")
    assert " tunnel source GigabitEthernet0/0/0\n" in tk
    assert "gi0/0/0" not in tk


def test_row8a_ospf_timers_rendered_on_the_tunnel(sites: Path, edit) -> None:
    def project(d: dict) -> None:
        d["routing"]["ospf"]["hello_interval"] = 5

    edit("greios.yaml", project)
    tk = build(sites, environ=PSKS).render("tokyo-rtr1")
    tunnel = _block(tk, "interface Tunnel100")
    assert " ip ospf hello-interval 5\n ip ospf dead-interval 20\n" in tunnel

    def dead_only(d: dict) -> None:
        d["routing"]["ospf"] = {"process_id": 1, "area": 0, "dead_interval": 60}

    edit("greios.yaml", dead_only)
    tunnel = _block(build(sites, environ=PSKS).render("tokyo-rtr1"), "interface Tunnel100")
    assert " ip ospf dead-interval 60\n" in tunnel and "hello-interval" not in tunnel


def test_display_helpers() -> None:
    assert canonical_interface("gi0/0/0") == "GigabitEthernet0/0/0"
    assert canonical_interface("Te1/0/1") == "TenGigabitEthernet1/0/1"
    assert canonical_interface("e0/0") == "Ethernet0/0"
    assert canonical_interface("GigabitEthernet1") == "GigabitEthernet1"
    assert canonical_interface("hundredgige0/1/0") == "HundredGigE0/1/0"
    assert canonical_interface("nonsense1") is None
    assert ip_display("fe80::a%gi1") == "FE80::A"
    assert ip_display("not:an:address") == "not:an:address"
