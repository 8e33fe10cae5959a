"""Rendering VyOS routers (#12): the Tokyo - Hong Kong example line for line (VyOS 1.2,
plain GRE), every dialect, GRE over IPsec towards IOS, OSPF, redaction."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from greios.app.pipeline import build
from greios.cli import main
from greios.platforms.vyos.config import apply_text

#: the bundled inventory: the Tokyo - Hong Kong VyOS example (vyostok, vyoshkg: VyOS 1.2,
#: plain GRE, tun0 192.168.0.0/30 pinned) and osaka (VyOS 1.4) <-> seoul (IOS) over IPsec
SITES = Path(__file__).resolve().parents[2] / "sites"

TOKYO = """\
set interfaces tunnel tun0 address '192.168.0.1/30'
set interfaces tunnel tun0 description 'GRE_TOK_TO_HKG'
set interfaces tunnel tun0 encapsulation 'gre'
set interfaces tunnel tun0 multicast enable
set interfaces tunnel tun0 local-ip '10.132.75.79'
set interfaces tunnel tun0 remote-ip '10.111.147.74'
"""
HONG_KONG = """\
set interfaces tunnel tun0 address '192.168.0.2/30'
set interfaces tunnel tun0 description 'GRE_HKG_TO_TOK'
set interfaces tunnel tun0 encapsulation 'gre'
set interfaces tunnel tun0 multicast enable
set interfaces tunnel tun0 local-ip '10.111.147.74'
set interfaces tunnel tun0 remote-ip '10.132.75.79'
"""


@pytest.fixture
def vsites(tmp_path: Path) -> Path:
    dest = tmp_path / "sites"
    shutil.copytree(SITES, dest, ignore=shutil.ignore_patterns(".greios-secrets.yaml"))
    return dest


def _edit(sites: Path, name: str, fn: Callable[[dict], None]) -> None:
    path = sites / name
    data = yaml.safe_load(path.read_text())
    fn(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _version(sites: Path, file: str, version: str) -> None:
    _edit(sites, file, lambda d: d["routers"][0].__setitem__("vyos_version", version))


def test_the_example_line_for_line(vsites: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "--sites", str(vsites), "--site", "vyostok"]) == 0
    assert capsys.readouterr().out == TOKYO
    assert main(["render", "--sites", str(vsites), "--site", "vyoshkg"]) == 0
    assert capsys.readouterr().out == HONG_KONG


def _render(sites: Path, router: str, secrets: str = "redact") -> str:
    return build(sites).render(router, secrets=secrets)  # type: ignore[arg-type]


def _valid_on(text: str, version: str) -> None:
    """Every rendered line is a valid path of ``version``'s schema (as VyOS would take it)."""
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    out = apply_text("", lines, version)  # raises RejectedLinesError naming the lines
    assert set(out.splitlines()) <= {ln.replace(" multicast enable", " multicast 'enable'")
                                     for ln in lines}


@pytest.mark.parametrize(("version", "expect", "refuse"), [
    ("1.2", ["local-ip '10.132.75.79'", "multicast enable"], ["source-address"]),
    ("1.3", ["source-address '10.132.75.79'", "remote '10.111.147.74'",
             "multicast 'enable'"], ["local-ip", "enable-multicast"]),
    ("1.4", ["source-address '10.132.75.79'", "enable-multicast"], ["multicast 'enable'"]),
    ("1.5", ["enable-multicast"], ["local-ip"]),
])
def test_dialects(vsites: Path, version: str, expect: list[str], refuse: list[str]) -> None:
    _version(vsites, "vyostok.yaml", version)
    text = _render(vsites, "vyostok1")
    for e in expect:
        assert e in text
    for r in refuse:
        assert r not in text
    _valid_on(text, version)


@pytest.mark.parametrize("version", ["1.2", "1.3", "1.4", "1.5"])
def test_gre_over_ipsec_towards_ios(vsites: Path, version: str) -> None:
    _version(vsites, "osaka.yaml", version)
    _edit(vsites, "greios.yaml", lambda d: d.__setitem__(
        "routing", {"protocol": "ospf", "ospf": {"process_id": 1, "area": 0}}))
    text = _render(vsites, "vyososa1")
    _valid_on(text, version)
    mss = ("set firewall options interface tun100 adjust-mss '1400'" if version < "1.4"
           else "set interfaces tunnel tun100 ip adjust-mss '1400'")
    assert "set interfaces tunnel tun100 mtu '1440'\n" in text and mss in text
    # the IOS end renders the same MTU arithmetic
    ios = _render(vsites, "seoul-rtr1")
    assert " ip mtu 1440\n ip tcp adjust-mss 1400\n" in ios
    assert "esp-group GREIOS-GCM256-DH-GROUP20 mode 'transport'" in text
    assert "pfs 'dh-group20'" in text and "set pfs group20" in ios
    assert "proposal 10 encryption 'aes256gcm128'" in text and "encryption aes-gcm-256" in ios
    assert ("prf 'prfsha384'" in text) == (version != "1.2")
    assert "tunnel 1 protocol 'gre'" in text
    assert "key-exchange 'ikev2'" in text  # 1.2 defaults to IKEv1: always explicit
    peer = "10.82.4.40" if version < "1.4" else "seoul-rtr1"
    assert f"site-to-site peer {peer} local-address '10.140.10.2'" in text
    assert "set protocols ospf area 0 network '192.168.0.20/30'" in text
    assert "set protocols ospf area 0 network '172.16.6.0/24'" in text
    if version >= "1.4":
        assert "set protocols ospf interface tun100 network 'point-to-point'" in text
        assert "set vpn ipsec interface 'eth1'" in text
    else:
        assert "set interfaces tunnel tun100 ip ospf network 'point-to-point'" in text
        assert "set vpn ipsec ipsec-interfaces interface 'eth1'" in text


def test_secrets_redacted_as_for_ios(vsites: Path) -> None:
    redacted = _render(vsites, "vyososa1")
    secret_lines = [ln for ln in redacted.splitlines() if " secret " in ln]
    assert secret_lines == ["# set vpn ipsec authentication psk seoul-rtr1 secret "
                            "'<redacted>'"]
    revealed = _render(vsites, "vyososa1", "reveal")
    key = next(ln for ln in revealed.splitlines() if " secret " in ln).split("'")[1]
    assert key and key != "<redacted>" and key not in redacted
    ios = _render(vsites, "seoul-rtr1", "reveal")
    assert f"pre-shared-key {key}" in ios  # one PSK, both vendors


def test_no_pfs_is_explicit_on_vyos(vsites: Path) -> None:
    _edit(vsites, "greios.yaml", lambda d: d["crypto_policies"]["nge"]["ipsec"].__setitem__(
        "pfs", None))
    text = _render(vsites, "vyososa1")
    assert "pfs 'disable'" in text  # VyOS's default is 'enable', IOS's none
