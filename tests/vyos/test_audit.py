"""Audit of VyOS routers and mixed IOS <-> VyOS pairs (#12): VyOS set-lines and config.boot
of every version read into the shared model, the same negotiation verdicts and rule IDs
as IOS, one side broken each way."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from greios.app.pipeline import build
from greios.audit.engine import audit_texts
from greios.platforms import get
from greios.platforms.vyos.config import apply_text
from greios.platforms.vyos.parse import parse_config
from greios.platforms.vyos.render import render_config_boot

#: the bundled inventory (its VyOS pair and its mixed pair osaka <-> seoul)
SITES = Path(__file__).resolve().parents[2] / "sites"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def vsites(tmp_path: Path) -> Path:
    dest = tmp_path / "sites"
    shutil.copytree(SITES, dest, ignore=shutil.ignore_patterns(".greios-secrets.yaml"))
    return dest


def _configs(sites: Path, version: str = "1.4") -> tuple[str, str]:
    """(VyOS running config with greios's intent applied, IOS rendered config)."""
    path = sites / "osaka.yaml"
    data = yaml.safe_load(path.read_text())
    data["routers"][0]["vyos_version"] = version
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    b = build(sites)
    vy = b.render("vyososa1", secrets="reveal")
    base = ("set system host-name 'vyososa1'\n"
            "set interfaces ethernet eth1 address '10.140.10.2/24'\n")
    vyos = apply_text(base, vy.splitlines(), version)
    ios = "hostname seoul-rtr1\n!\ninterface GigabitEthernet1\n ip address 10.82.4.40 " \
          "255.255.255.0\n!\nip route 0.0.0.0 0.0.0.0 10.82.4.1\n!\n" + \
          b.render("seoul-rtr1", secrets="reveal")
    return vyos, ios


def _session(vyos: str, ios: str) -> tuple[str, list[str]]:
    report = audit_texts([("vyososa1.cfg", vyos), ("seoul-rtr1.cfg", ios)])
    # seoul-rtr1's session towards osaka (its singapore tunnel has no peer config here)
    s = next(s for s in report.sessions
             if s.device == "seoul-rtr1" and s.peer_device == "vyososa1")
    return s.status, s.rules


@pytest.mark.parametrize("version", ["1.2", "1.3", "1.4", "1.5"])
def test_mixed_pair_negotiates(vsites: Path, version: str) -> None:
    vyos, ios = _configs(vsites, version)
    status, rules = _session(vyos, ios)
    assert status == "IPSEC_SESSION_ESTABLISHED", rules
    # the same verdict from config.boot
    tree = parse_config(vyos, version).tree
    boot = render_config_boot(tree, version)
    assert _session(boot, ios)[0] == "IPSEC_SESSION_ESTABLISHED"


def test_psk_broken_on_the_vyos_side(vsites: Path) -> None:
    vyos, ios = _configs(vsites)
    line = next(ln for ln in vyos.splitlines() if " secret " in ln)
    vyos = vyos.replace(line, line.rsplit(" ", 1)[0] + " 'not-the-key'")
    status, rules = _session(vyos, ios)
    assert status == "IKE_PHASE1_KEY_MISMATCH" and "PAIR-004" in rules


def test_proposal_broken_on_the_ios_side(vsites: Path) -> None:
    vyos, ios = _configs(vsites)
    assert " group 20 19\n" in ios
    ios = ios.replace(" group 20 19\n", " group 21\n")  # VyOS offers 20 and 19 only
    status, rules = _session(vyos, ios)
    assert status == "IKE_PHASE1_FAILED" and "PAIR-003" in rules


def test_endpoints_not_mirrored(vsites: Path) -> None:
    vyos, ios = _configs(vsites)
    assert "remote '10.82.4.40'" in vyos
    vyos = vyos.replace("remote '10.82.4.40'", "remote '10.82.4.49'")
    status, _ = _session(vyos, ios)
    assert status != "IPSEC_SESSION_ESTABLISHED"


@pytest.mark.parametrize("name", ["vyostok1-1.2.commands", "vyostok1-1.2.config.boot",
                                  "vyostok1-1.3.commands", "vyostok1-1.3.config.boot",
                                  "vyostok1-1.4.commands", "vyostok1-1.4.config.boot",
                                  "vyostok2-1.5.config.boot"])
def test_fixtures_of_every_version_parse(name: str) -> None:
    cfg = get("vyos").parse((FIXTURES / name).read_text())
    assert cfg.hostname.startswith("vyostok")
    (tun,) = cfg.tunnels
    assert tun.tunnel is not None and tun.tunnel.destination == "10.111.147.74"
    assert tun.tunnel.protection and tun.ip_mtu == 1400 and tun.tcp_mss == 1360
    assert cfg.ipsec_profiles[tun.tunnel.protection].transform_sets


def test_tunnel_mode_with_protocol_gre_is_warned(vsites: Path) -> None:
    vyos, _ = _configs(vsites)
    vyos = vyos.replace("mode 'transport'", "mode 'tunnel'")
    cfg = get("vyos").parse(vyos)
    assert any("drops the gre selector" in w for w in cfg.warnings)


def test_ikev1_mixed_pair_negotiates(vsites: Path) -> None:
    path = vsites / "greios.yaml"
    data = yaml.safe_load(path.read_text())
    data["crypto_policies"]["v1"] = {
        "ike_version": 1, "ike": {"encryption": ["aes-cbc-256"], "hash": ["sha256"],
                                  "group": [14]},
        "ipsec": {"encryption": "aes-cbc-256", "integrity": "sha256", "pfs": 14}}
    data["topology"][3]["crypto"] = "v1"  # osaka <-> seoul
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    vyos, ios = _configs(vsites)
    assert "key-exchange 'ikev1'" in vyos
    assert _session(vyos, ios)[0] == "IPSEC_SESSION_ESTABLISHED"


# --------------------------------------------------------------- VyOS-specific rules (#12)

def _findings(text: str, facts: object = None) -> list[tuple[str, str]]:
    from greios.audit.facts import DeviceFacts

    kwargs = {"facts": {"vyososa1": facts}} if isinstance(facts, DeviceFacts) else {}
    report = audit_texts([("vyososa1.cfg", text)], **kwargs)  # type: ignore[arg-type]
    return [(f.rule, f.message) for f in report.findings if f.rule.startswith("VYO-")]


def test_tunnel_mode_esp_with_gre_protection_is_reported(vsites: Path) -> None:
    vyos, _ios = _configs(vsites)
    assert _findings(vyos) == []
    line = next(ln for ln in vyos.splitlines() if " mode 'transport'" in ln)
    broken = vyos.replace(line, line.replace("'transport'", "'tunnel'"))
    found = _findings(broken)
    assert [r for r, _ in found] == ["VYO-001"]
    assert "transport" in found[0][1]


def test_syntax_of_another_version_than_the_inventory_says(vsites: Path) -> None:
    from greios.audit.facts import DeviceFacts

    old, _ios = _configs(vsites, "1.2")  # written with 1.2 keywords
    assert _findings(old, DeviceFacts(vyos_version="1.2")) == []
    found = _findings(old, DeviceFacts(vyos_version="1.4"))
    assert [r for r, _ in found] == ["VYO-002"], found
    assert "VyOS 1.2 syntax" in found[0][1] and "1.4" in found[0][1]
    new, _ios = _configs(vsites, "1.4")
    assert _findings(new, DeviceFacts(vyos_version="1.5")) == []  # same syntax
