"""The audit's static NAT model (issue #10, docs/ios-fidelity.md lab limit 16 (d)).

seoul-rtr1 sits behind a static one-to-one NAT: its underlay holds the private 10.82.4.40,
singapore-rtr1 reaches it at the public 203.0.113.40. The configs are greios's own render
(``intended_configs`` of a two-router inventory); each negative test breaks one line the
way an operator could. With the inventory (``audit PATH --sites``) the audit pairs and
negotiates through the NAT; without it (bare files) it matches addresses as written, as
before.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from greios.app.audit import AuditRequest, run_audit
from greios.audit.engine import audit_texts
from greios.audit.facts import DeviceFacts, NatMap, nat_map
from greios.audit.model import AuditReport

PUBLIC, PRIVATE, HUB = "203.0.113.40", "10.82.4.40", "10.40.1.10"
SYDNEY_PUBLIC = "203.0.113.20"
POLICY = {1: "legacy-v1", 2: "nge"}


def _inventory(sites: Path, ike: int, hub: str = "singapore") -> None:
    """``hub`` <-> seoul only (the other sites' files removed), seoul behind NAT (sydney as
    well when it is the hub); the lock and PSKs written."""
    from greios.app.pipeline import build

    for other in sites.glob("*.yaml"):
        if other.name not in ("greios.yaml", f"{hub}.yaml", "seoul.yaml"):
            other.unlink()

    def edit(name: str, fn) -> None:  # type: ignore[no-untyped-def]
        path = sites / name
        data = yaml.safe_load(path.read_text())
        fn(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False))

    edit("greios.yaml", lambda d: d.__setitem__(
        "topology", [{"pair": [hub, "seoul"], "crypto": POLICY[ike]}]))
    edit("seoul.yaml", lambda d: d["routers"][0]["underlay"].update(
        behind_nat=True, public_address=PUBLIC))
    if hub == "sydney":
        edit("sydney.yaml", lambda d: d["routers"][0]["underlay"].update(
            behind_nat=True, public_address=SYDNEY_PUBLIC))
    build(sites, environ={})


@pytest.fixture(params=[1, 2], ids=["ikev1", "ikev2"])
def ike(request: pytest.FixtureRequest) -> int:
    return int(request.param)


@pytest.fixture
def nat_sites(sites: Path, ike: int) -> Path:
    _inventory(sites, ike)
    return sites


def _rendered(sites: Path, hub: str = "singapore-rtr1") -> dict[str, str]:
    from greios.app.planning import intended_configs

    got = intended_configs(sites, workers=1)
    return {name: got[name] for name in (hub, "seoul-rtr1")}


def _audit(tmp_path: Path, configs: dict[str, str], sites: Path | None) -> dict[str, Any]:
    """``greios audit FILES [--sites SITES] -f json`` through the app layer."""
    paths = []
    for name, text in configs.items():
        path = tmp_path / f"{name}.cfg"
        path.write_text(text)
        paths.append(path)
    req = AuditRequest(paths=tuple(paths), sites=sites or tmp_path / "no-inventory")
    out = run_audit(req, fmt="json", fail_on="never", color=False, width=100,
                    note=lambda _m: None)
    body: dict[str, Any] = json.loads(out.text)
    return body


def _pair_sessions(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in body["sessions"] if {s["device"], s["peer_device"]}
            == {"singapore-rtr1", "seoul-rtr1"}]


def _errors(body: dict[str, Any], *rules: str) -> list[dict[str, Any]]:
    return [f for f in body["findings"] if f["severity"] == "error" and f["rule"] in rules]


NAT_RULES = ("GRE-012", "REF-006", "REF-007", "REF-012", "PAIR-004", "PAIR-009")


def test_greios_render_behind_nat_audits_clean(tmp_path: Path, nat_sites: Path,
                                               ike: int) -> None:
    body = _audit(tmp_path, _rendered(nat_sites), nat_sites)
    assert not _errors(body, *NAT_RULES), _errors(body, *NAT_RULES)
    sessions = _pair_sessions(body)
    assert len(sessions) == 2 and {s["device"] for s in sessions} == {
        "singapore-rtr1", "seoul-rtr1"}
    for s in sessions:
        assert s["status"] == "IPSEC_SESSION_ESTABLISHED", s
        assert s["ike_version"] == ike
        assert any("NAT-T (UDP 4500)" in r and f"{PRIVATE} seen as {PUBLIC}" in r
                   for r in s["reasons"]), s["reasons"]


def test_audit_intended_behind_nat_is_clean(nat_sites: Path) -> None:
    out = run_audit(AuditRequest(sites=nat_sites, intended=True), fmt="json",
                    fail_on="never", color=False, width=100, note=lambda _m: None)
    body = json.loads(out.text)
    assert not _errors(body, *NAT_RULES)
    sessions = _pair_sessions(body)
    assert len(sessions) == 2
    assert all(s["status"] == "IPSEC_SESSION_ESTABLISHED" for s in sessions), sessions


def test_pairing_through_the_nat_without_expected_pairs(nat_sites: Path) -> None:
    """No lock, no expected pairs: the public destination is matched to the private source
    by address (greios.audit.pairing), the right tunnel on the hub, not its legacy one."""
    configs = _rendered(nat_sites)
    items = [(name, text) for name, text in configs.items()]
    facts = {"seoul-rtr1": DeviceFacts(behind_nat=True, nat=(PUBLIC, PRIVATE)),
             "singapore-rtr1": DeviceFacts()}
    report = audit_texts(items, facts=facts)
    pair = [s for s in report.sessions if s.peer_device in ("singapore-rtr1", "seoul-rtr1")]
    assert {(s.device, s.interface, s.peer_interface) for s in pair} == {
        ("seoul-rtr1", "Tunnel100", "Tunnel100"), ("singapore-rtr1", "Tunnel100", "Tunnel100")}
    assert all(s.status == "IPSEC_SESSION_ESTABLISHED" for s in pair), pair
    assert not [f for f in report.findings if f.rule in NAT_RULES and f.severity.value == "error"]


def _bare(report: AuditReport) -> tuple[set[str], set[str]]:
    rules = {f.rule for f in report.findings if f.severity.value == "error"}
    states = {str(s.status) for s in report.sessions
              if s.peer_device in ("singapore-rtr1", "seoul-rtr1")
              or s.peer_address in (PUBLIC, PRIVATE)}
    return rules, states


def test_bare_files_keep_matching_addresses_as_written(tmp_path: Path, nat_sites: Path,
                                                       ike: int) -> None:
    """Without inventory nothing says seoul is NATed: the pair's addresses do not mirror
    (GRE-012) and no session between them establishes - exactly as before the NAT model.
    Facts without a NAT mapping give the same report as no facts."""
    configs = _rendered(nat_sites)
    body = _audit(tmp_path, configs, None)
    gre012 = _errors(body, "GRE-012")
    assert gre012 and all("through NAT" not in f["message"] for f in gre012)
    assert not any(s["status"] == "IPSEC_SESSION_ESTABLISHED" for s in _pair_sessions(body))
    assert not any("NAT-T" in r for s in body["sessions"] for r in s["reasons"])
    if ike == 1:  # the profile's private identity has no key of its own
        assert any(f["object"] == "crypto isakmp profile GREIOS-seoul-rtr1"
                   for f in _errors(body, "REF-012"))
    items = list(configs.items())
    plain = audit_texts(items)
    no_nat = audit_texts(items, facts={"seoul-rtr1": DeviceFacts(behind_nat=True),
                                       "singapore-rtr1": DeviceFacts()})
    assert _bare(plain) == _bare(no_nat)
    assert plain.sessions == no_nat.sessions


@pytest.mark.parametrize("destination", ["203.0.113.41", PRIVATE],
                         ids=["wrong-public", "private"])
def test_wrong_destination_on_the_peer_is_gre_012(tmp_path: Path, nat_sites: Path,
                                                  destination: str) -> None:
    configs = _rendered(nat_sites)
    hub = configs["singapore-rtr1"]
    assert f"tunnel destination {PUBLIC}\n" in hub
    configs["singapore-rtr1"] = hub.replace(f"tunnel destination {PUBLIC}\n",
                                            f"tunnel destination {destination}\n")
    body = _audit(tmp_path, configs, nat_sites)
    gre012 = _errors(body, "GRE-012")
    assert gre012, body["findings"]
    assert any(f"seen at {PUBLIC} through NAT" in f["message"] for f in gre012), gre012
    sessions = _pair_sessions(body)
    assert sessions and not any(s["status"] == "IPSEC_SESSION_ESTABLISHED" for s in sessions)


def test_key_for_the_wrong_address(tmp_path: Path, nat_sites: Path, ike: int) -> None:
    """The hub keys seoul's PSK on an address seoul is not seen at: REF-007 (IKEv1) /
    REF-006 (IKEv2) on the hub's tunnel, and the session fails on the key."""
    configs = _rendered(nat_sites)
    hub = configs["singapore-rtr1"]
    line = f"pre-shared-key address {PUBLIC} key " if ike == 1 else f"  address {PUBLIC}\n"
    assert line in hub
    configs["singapore-rtr1"] = hub.replace(line, line.replace(PUBLIC, "203.0.113.41"))
    body = _audit(tmp_path, configs, nat_sites)
    rule = "REF-007" if ike == 1 else "REF-006"
    assert any(f["device"] == "singapore-rtr1" and PUBLIC in f["message"]
               for f in _errors(body, rule)), body["findings"]
    if ike == 1:  # the profile matching seoul has a key for neither of its identities
        ref012 = _errors(body, "REF-012")
        assert any(f["object"] == "crypto isakmp profile GREIOS-seoul-rtr1"
                   and f"nor for {PUBLIC}" in f["message"] for f in ref012), ref012
    sessions = _pair_sessions(body)
    assert len(sessions) == 2
    assert all(s["status"] == "IKE_PHASE1_KEY_MISMATCH" for s in sessions), sessions


def test_key_on_the_public_address_is_the_right_one(tmp_path: Path, nat_sites: Path,
                                                    ike: int) -> None:
    """The contrary: keyed on the private address (the NAT hides it), the key is not
    found either - the PSK lookup uses the address seoul is seen at."""
    configs = _rendered(nat_sites)
    hub = configs["singapore-rtr1"]
    line = f"pre-shared-key address {PUBLIC} key " if ike == 1 else f"  address {PUBLIC}\n"
    configs["singapore-rtr1"] = hub.replace(line, line.replace(PUBLIC, PRIVATE))
    body = _audit(tmp_path, configs, nat_sites)
    assert _errors(body, "REF-007" if ike == 1 else "REF-006")
    assert all(s["status"] == "IKE_PHASE1_KEY_MISMATCH" for s in _pair_sessions(body))


@pytest.mark.parametrize("identity", [None, "203.0.113.41"], ids=["default", "wrong"])
def test_ikev2_identity_not_matched_is_pair_009(tmp_path: Path, identity: str | None) -> None:
    """IKEv2: without ``identity local address <public>`` seoul sends its private address
    (or a wrong one): the hub's profile matches only the public address - PAIR-009 and
    phase 1 fails when seoul initiates."""
    sites = tmp_path / "sites"
    _copy_sites(sites)
    _inventory(sites, 2)
    configs = _rendered(sites)
    line = f" identity local address {PUBLIC}\n"
    assert line in configs["seoul-rtr1"]
    configs["seoul-rtr1"] = configs["seoul-rtr1"].replace(
        line, "" if identity is None else f" identity local address {identity}\n")
    body = _audit(tmp_path, configs, sites)
    sent = identity or PRIVATE
    assert any(f"matches identity {sent}" in f["message"]
               for f in _errors(body, "PAIR-009")), body["findings"]
    by_dev = {s["device"]: s for s in _pair_sessions(body)}
    assert by_dev["seoul-rtr1"]["status"] == "IKE_PHASE1_FAILED"
    assert "PAIR-009" in by_dev["seoul-rtr1"]["rules"]


def test_ikev1_profile_on_the_public_address_only_is_pair_009(tmp_path: Path) -> None:
    """Issue #10 defect 3: the hub's ISAKMP profile matches seoul's public address only, but
    main mode carries seoul's private address as identity - this cannot work, reported as
    PAIR-009, phase 1 failed in both directions."""
    sites = tmp_path / "sites"
    _copy_sites(sites)
    _inventory(sites, 1)
    configs = _rendered(sites)
    line = f" match identity address {PRIVATE} 255.255.255.255\n"
    hub = configs["singapore-rtr1"]
    assert line in hub and f"match identity address {PUBLIC} 255.255.255.255" in hub
    configs["singapore-rtr1"] = hub.replace(line, "")
    body = _audit(tmp_path, configs, sites)
    pair009 = _errors(body, "PAIR-009")
    assert any("isakmp profile GREIOS-seoul-rtr1" in f["message"]
               and f"identity {PRIVATE}" in f["message"] for f in pair009), body["findings"]
    sessions = _pair_sessions(body)
    assert len(sessions) == 2
    assert all(s["status"] == "IKE_PHASE1_FAILED" and "PAIR-009" in s["rules"]
               for s in sessions), sessions
    assert not _errors(body, "REF-012")  # the key for the public address is there


def test_both_ends_behind_nat(tmp_path: Path, ike: int) -> None:
    """sydney and seoul each behind their own static NAT: each reaches the other's public
    address, both are seen at their public ones; clean and established both ways."""
    sites = tmp_path / "sites"
    _copy_sites(sites)
    _inventory(sites, ike, hub="sydney")
    configs = _rendered(sites, "sydney-rtr1")
    assert f"tunnel destination {SYDNEY_PUBLIC}\n" in configs["seoul-rtr1"]
    body = _audit(tmp_path, configs, sites)
    assert not _errors(body, *NAT_RULES), _errors(body, *NAT_RULES)
    sessions = [s for s in body["sessions"]
                if {s["device"], s["peer_device"]} == {"sydney-rtr1", "seoul-rtr1"}]
    assert len(sessions) == 2
    for s in sessions:
        assert s["status"] == "IPSEC_SESSION_ESTABLISHED", s
        assert sum("NAT-T (UDP 4500)" in r for r in s["reasons"]) == 2, s["reasons"]


def test_nat_map_translation() -> None:
    nat = nat_map({"a": DeviceFacts(nat=(PUBLIC, PRIVATE)), "b": DeviceFacts()})
    assert isinstance(nat, NatMap)
    assert nat.arrives(PUBLIC) == PRIVATE  # the public address reaches the private one
    assert nat.arrives(PRIVATE) is None  # the private one is not reachable from outside
    assert nat.arrives(HUB) == HUB
    assert nat.outside(PRIVATE) == PUBLIC and nat.outside(HUB) == HUB
    assert nat.public(PRIVATE) == PUBLIC and nat.public(HUB) is None
    assert nat_map({"b": DeviceFacts(behind_nat=True)}) is None and nat_map(None) is None


def _copy_sites(dest: Path) -> None:
    import shutil

    shutil.copytree(Path(__file__).parents[2] / "sites", dest,
                    ignore=shutil.ignore_patterns("greios.lock", ".greios-secrets.yaml"))


def _bump_ip_mtu_towards(config: str, destination: str, by: int) -> tuple[str, int]:
    """``config`` with ``by`` added to the ``ip mtu`` of the tunnel sending to
    ``destination``; returns (config, the new value)."""
    blocks = config.split("\n!")
    for i, block in enumerate(blocks):
        if f"tunnel destination {destination}\n" in block and " ip mtu " in block:
            line = next(x for x in block.splitlines() if x.startswith(" ip mtu "))
            value = int(line.split()[-1]) + by
            blocks[i] = block.replace(line, f" ip mtu {value}")
            return "\n!".join(blocks), value
    raise AssertionError(f"no tunnel with ip mtu towards {destination}")


def test_peer_facing_a_nated_router_pays_nat_t_too(tmp_path: Path, nat_sites: Path) -> None:
    """greios sizes both ends of a NATed pair for NAT-T (UDP 4500 runs both ways once IKE
    detects NAT); the hub, not NATed itself, is held to that too: 8 bytes more is MTU-001."""
    configs = _rendered(nat_sites)
    body = _audit(tmp_path, configs, nat_sites)
    assert not [f for f in body["findings"] if f["rule"] == "MTU-001"], body["findings"]
    configs["singapore-rtr1"], value = _bump_ip_mtu_towards(configs["singapore-rtr1"],
                                                            PUBLIC, 8)
    body = _audit(tmp_path, configs, nat_sites)
    hits = [f for f in body["findings"] if f["rule"] == "MTU-001"
            and f["device"] == "singapore-rtr1"]
    assert hits and f"ip mtu {value} > max" in hits[0]["message"], body["findings"]
    assert "NAT-T" in hits[0]["message"]


def test_nat_004_left_to_the_pair_check_when_the_peer_is_audited(tmp_path: Path,
                                                                  nat_sites: Path,
                                                                  ike: int) -> None:
    """NAT-004 (a NATed router presents its private address as identity) is advice for a
    tunnel whose peer is not in the audit; with the peer audited too, PAIR-009 decides
    exactly (greios's own render matches the private identity: no warning, no error)."""
    configs = _rendered(nat_sites)
    both = _audit(tmp_path, configs, nat_sites)
    assert not [f for f in both["findings"] if f["rule"] in ("NAT-004", "PAIR-009")]
    (tmp_path / "alone").mkdir()
    alone = _audit(tmp_path / "alone", {"seoul-rtr1": configs["seoul-rtr1"]}, nat_sites)
    nat004 = [f for f in alone["findings"] if f["rule"] == "NAT-004"]
    if ike == 1:  # IKEv1 sends its interface (private) address: advice stays
        assert nat004 and nat004[0]["device"] == "seoul-rtr1", alone["findings"]
    else:  # greios renders `identity local address <public>` for IKEv2 behind NAT
        assert not nat004, nat004
