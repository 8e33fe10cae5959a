"""Rendering: golden files for the bundled example, mirroring, determinism, secrets."""

from __future__ import annotations

import ipaddress
import os
import re
import stat
from pathlib import Path

import pytest
import yaml

from greios.app.pipeline import build
from greios.cli import main

GOLDEN = Path(__file__).parent / "golden"
FIXED_PSKS = {
    "GREIOS_PSK_HONGKONG_RTR1__TOKYO_RTR1": "TokyoHongKongFixedTestKey0123456789abcd",
    "GREIOS_PSK_MUMBAI_RTR1__SINGAPORE_RTR1": "MumbaiSingaporeFixedTestKey0123456789ab",
    "GREIOS_PSK_SEOUL_RTR1__SINGAPORE_RTR1": "SeoulSingaporeFixedTestKey0123456789abcd",
    "GREIOS_PSK_SINGAPORE_RTR1__SYDNEY_RTR1": "SingaporeSydneyFixedTestKey0123456789abc",
    "GREIOS_PSK_SEOUL_RTR1__VYOSOSA1": "SeoulOsakaFixedTestKey0123456789abcdefgh",
}


@pytest.mark.parametrize("router", ["tokyo-rtr1", "hongkong-rtr1", "singapore-rtr1",
                                    "sydney-rtr1", "mumbai-rtr1", "seoul-rtr1"])
def test_golden(sites: Path, router: str) -> None:
    b = build(sites, environ=FIXED_PSKS)
    text = b.render(router)
    golden = GOLDEN / f"{router}.cfg"
    if os.environ.get("GREIOS_UPDATE_GOLDEN"):
        golden.write_text(text)
    assert text == golden.read_text()
    revealed = b.render(router, secrets="reveal")
    for key in FIXED_PSKS.values():
        assert key not in text
    # redacted secrets are IOS comments: a pasted render sets no (publicly known) key
    assert "! pre-shared-key <redacted>" in text
    assert not [ln for ln in text.splitlines()
                if "<redacted>" in ln and not ln.lstrip().startswith("! ")]
    assert "<redacted>" not in revealed
    mine = [k for env, k in FIXED_PSKS.items() if router.split("-")[0].upper() in env]
    assert mine and all(f"pre-shared-key {k}" in revealed for k in mine)


def _tunnel(text: str, number: int) -> dict[str, str]:
    block = re.search(rf"^interface Tunnel{number}\n((?: .*\n)+)", text, re.M)
    assert block, f"Tunnel{number} missing"
    out: dict[str, str] = {}
    for line in block.group(1).splitlines():
        words = line.split()
        if words[0] == "tunnel":
            out[" ".join(words[:2])] = " ".join(words[2:])
        else:
            out[" ".join(words[:2])] = " ".join(words[2:])
    return out


def test_seed_tunnel_tokyo_hongkong(sites: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "--site", "tokyo", "--sites", str(sites)]) == 0
    tokyo = capsys.readouterr().out
    assert main(["render", "--site", "hongkong", "--sites", str(sites)]) == 0
    hongkong = capsys.readouterr().out
    t, h = _tunnel(tokyo, 100), _tunnel(hongkong, 100)
    # 192.168.0.16/30: the example's 192.168.0.0/30 is pinned by its VyOS pair
    assert t["ip address"] == "192.168.0.17 255.255.255.252"
    assert h["ip address"] == "192.168.0.18 255.255.255.252"
    assert t["tunnel destination"] == "10.112.147.74"
    assert h["tunnel destination"] == "10.133.75.79"
    assert t["tunnel source"] == "GigabitEthernet0/0/0"
    assert h["tunnel source"] == "GigabitEthernet1"
    assert t["tunnel protection"] == "ipsec profile GREIOS-hongkong-rtr1"
    assert h["tunnel protection"] == "ipsec profile GREIOS-tokyo-rtr1"
    assert t["ip mtu"] == h["ip mtu"] == "1440"  # GCM-256 transport on 1500: max 1442 -> /8
    assert "network 172.16.8.0 0.0.0.255 area 0" in tokyo
    assert "network 172.16.9.0 0.0.0.255 area 0" in hongkong
    assert "ip ospf network point-to-point" in tokyo
    assert "<redacted>" in tokyo


def test_every_pair_mirrors(sites: Path) -> None:
    b = build(sites, environ=FIXED_PSKS)
    inv = b.inventory
    ios = [a for a in b.active if not any(inv.router(r).model.is_vyos for r in (a.a, a.b))]
    assert len(ios) == 4  # the VyOS pairs mirror in tests/vyos/test_render.py
    for alloc in ios:
        ta = _tunnel(b.render(alloc.a), alloc.tunnel)
        tb = _tunnel(b.render(alloc.b), alloc.tunnel)
        ua, ub = inv.router(alloc.a).model.underlay, inv.router(alloc.b).model.underlay
        assert ta["tunnel destination"] == str(ub.ip)
        assert tb["tunnel destination"] == str(ua.ip)
        assert ta["tunnel source"] == ua.interface and tb["tunnel source"] == ub.interface
        ia = ipaddress.ip_interface("/".join(ta["ip address"].split()))
        ib = ipaddress.ip_interface("/".join(tb["ip address"].split()))
        assert ia.network == ib.network and ia.ip != ib.ip
        assert ta["ip mtu"] == tb["ip mtu"]


def test_deterministic_and_secrets_generated_once(sites: Path) -> None:
    first = build(sites)
    texts = {r.name: first.render(r.name, secrets="reveal") for r in first.inventory.routers}
    secrets_file = sites / ".greios-secrets.yaml"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    keys = yaml.safe_load(secrets_file.read_text())["psk"]
    assert len(keys) == 5 and all(len(k) >= 32 for k in keys.values())
    assert len(set(keys.values())) == 5  # one key per encrypted pair (not the plain GRE one)
    again = build(sites)
    assert {r.name: again.render(r.name, secrets="reveal") for r in again.inventory.routers} \
        == texts
    assert not again.secrets_written and not again.lock_written


def test_show_secrets_flag(sites: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = dict(os.environ)
    try:
        os.environ.update(FIXED_PSKS)
        assert main(["render", "--site", "tokyo", "--sites", str(sites)]) == 0
        assert FIXED_PSKS["GREIOS_PSK_HONGKONG_RTR1__TOKYO_RTR1"] not in capsys.readouterr().out
        assert main(["render", "--site", "tokyo", "--show-secrets", "--sites", str(sites)]) == 0
        out = capsys.readouterr().out
        assert "pre-shared-key TokyoHongKongFixedTestKey0123456789abcd" in out
    finally:
        os.environ.clear()
        os.environ.update(env)


def test_unknown_site(sites: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "--site", "atlantis", "--sites", str(sites)]) == 1
    assert "unknown site 'atlantis'" in capsys.readouterr().err


def test_ikev1_fvrf_static_nat_variants(sites: Path, edit) -> None:
    def project(d: dict) -> None:
        d["topology"][1]["crypto"] = "legacy-v1"  # tokyo <-> hongkong
        d["routing"] = {"protocol": "static"}

    def tokyo(d: dict) -> None:
        d["routers"][0]["underlay"]["vrf"] = "INET"

    def seoul(d: dict) -> None:
        d["routers"][0]["underlay"]["behind_nat"] = True
        d["routers"][0]["underlay"]["public_address"] = "203.0.113.40"

    edit("greios.yaml", project)
    edit("tokyo.yaml", tokyo)
    edit("seoul.yaml", seoul)
    b = build(sites, environ=FIXED_PSKS)
    tk = b.render("tokyo-rtr1")
    assert "crypto isakmp policy 110\n encr aes 256\n hash sha256\n authentication pre-share\n" \
        " group 14\n" in tk
    assert "crypto keyring GREIOS-KR-INET vrf INET\n  ! pre-shared-key address 10.112.147.74 key " \
        "<redacted>\n" in tk
    # the front-door VRF lives on the keyring, the identity and the tunnel; `vrf` inside an
    # ISAKMP profile is the inside VRF and breaks tunnel protection (docs/ios-fidelity.md #2)
    profile = tk[tk.index("crypto isakmp profile"):].split("!\n")[0]
    assert "vrf" not in profile.replace("255.255.255.255 INET", "")
    assert "   match identity address 10.112.147.74 255.255.255.255 INET\n" in tk
    assert " set isakmp-profile GREIOS-hongkong-rtr1\n" in tk
    assert " tunnel vrf INET\n" in tk
    assert "crypto ipsec transform-set GREIOS-AES256-SHA256 esp-aes 256 esp-sha256-hmac\n" in tk
    assert "ip route 172.16.9.0 255.255.255.0 192.168.0.18\n" in tk
    assert "router ospf" not in tk
    sg = b.render("singapore-rtr1")
    # static via the hub: singapore reaches every spoke LAN over the spoke's tunnel
    for lan in ("172.16.3.0", "172.16.4.0", "172.16.5.0"):
        assert f"ip route {lan} 255.255.255.0 192.168.0." in sg
    # seoul is behind NAT: peers use its public address; NAT-T shrinks the MTU (1434 -> 1432)
    assert "tunnel destination 203.0.113.40" in sg
    seoul_tunnel = _tunnel(sg, 102)
    assert seoul_tunnel["ip mtu"] == "1432"
    sy = b.render("sydney-rtr1")
    for lan in ("172.16.2.0", "172.16.4.0", "172.16.5.0"):  # spokes reach each other via hub
        assert f"ip route {lan} 255.255.255.0 192.168.0.5" in sy
