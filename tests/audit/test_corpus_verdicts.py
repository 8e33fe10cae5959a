"""Session verdicts on real topologies.

In-repo tier: tests/fixtures/ios (written for greios; verdicts and their IOS rationale in its
README.md). Extra tier: the [BF-TEST] verdicts of ../shared/corpus/README.md (batfish/batfish
@ cba18733), skipped when the corpus is not next to the checkout.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from greios.audit.engine import audit_texts
from greios.audit.model import AuditReport, SessionStatus

S = SessionStatus


def _audit(paths: list[Path], edit: Callable[[str, str], str] | None = None) -> AuditReport:
    """Audit the files; ``edit(stem, text)`` may rewrite a file's text first."""
    items = []
    for p in paths:
        text = p.read_text(errors="replace")
        items.append((str(p), edit(p.stem, text) if edit is not None else text))
    return audit_texts(items)


def _verdicts(rep: AuditReport) -> dict[tuple[str, str, str | None, str | None], S]:
    return {(s.device, s.interface, s.peer_device, s.peer_interface): s.status
            for s in rep.sessions}


# -- in-repo tier: tests/fixtures/ios -----------------------------------------------------

A0 = ("wan-a", "GigabitEthernet0/0/0")
A1 = ("wan-a", "GigabitEthernet0/0/1")
B0 = ("wan-b", "GigabitEthernet0/0/0")
B1 = ("wan-b", "GigabitEthernet0/0/1")
C0 = ("wan-c", "GigabitEthernet0/0/0")
B21 = ("wan-b", "Tunnel21")
B23 = ("wan-b", "Tunnel23")
C23 = ("wan-c", "Tunnel23")
TRIANGLE = {A0 + B0: S.IPSEC_SESSION_ESTABLISHED, B0 + A0: S.IPSEC_SESSION_ESTABLISHED,
            A1 + C0: S.IPSEC_SESSION_ESTABLISHED, B1 + C0: S.IPSEC_SESSION_ESTABLISHED,
            B23 + C23: S.IPSEC_SESSION_ESTABLISHED, C23 + B23: S.IPSEC_SESSION_ESTABLISHED,
            B21 + A0: S.IPSEC_PHASE2_FAILED}


def _triangle(ios_fixtures: Path) -> list[Path]:
    return sorted((ios_fixtures / "ikev1-triangle").glob("*.cfg"))


def test_ikev1_triangle_verdicts(ios_fixtures: Path) -> None:
    rep = _audit(_triangle(ios_fixtures))
    assert _verdicts(rep) == TRIANGLE
    # the dynamic map never initiates, the shut VTI initiates nothing
    assert not [s for s in rep.sessions if s.device == "wan-c" and s.kind == "crypto-map"]
    assert not [s for s in rep.sessions if s.device == "wan-a" and s.interface == "Tunnel21"]
    by_if = {(s.device, s.interface, s.peer_device): s for s in rep.sessions}
    t23 = by_if[("wan-b", "Tunnel23", "wan-c")]
    assert (t23.local_address, t23.peer_address, t23.ike_version) == ("192.0.2.2", "192.0.2.3", 1)
    assert by_if[("wan-a", "GigabitEthernet0/0/1", "wan-c")].kind == "crypto-map"
    # keys agree, ACLs are mirrors, nothing dangles
    rules = {f.rule for f in rep.findings}
    assert not rules & {"PAIR-004", "REF-007", "REF-010", "REF-001", "REF-002", "REF-003",
                        "GRE-001"}
    assert all(not s.rules for s in rep.sessions if s.status == S.IPSEC_SESSION_ESTABLISHED)


def test_vti_facing_a_crypto_map_fails_phase2(ios_fixtures: Path) -> None:
    """wan-b Tunnel21: wan-a's mirror VTI is shut, its crypto map answers on 198.51.100.1."""
    rep = _audit(_triangle(ios_fixtures))
    (t21,) = [s for s in rep.sessions if s.device == "wan-b" and s.interface == "Tunnel21"]
    assert t21.status == S.IPSEC_PHASE2_FAILED
    assert t21.rules == ["PAIR-006"]
    assert "wan-a Tunnel21 mirrors this tunnel but is shut down" in t21.reasons
    assert any("protection kind differs" in r for r in t21.reasons)
    (f,) = [f for f in rep.findings if f.rule == "PAIR-006"]
    assert (f.device, f.object, f.peer_device) == ("wan-b", "interface Tunnel21", "wan-a")


def test_equal_isakmp_lifetimes_are_not_a_mismatch(ios_fixtures: Path) -> None:
    # wan-a has two 28800 s policies, wan-b one: only the policy pair main mode agrees on counts
    rep = _audit(_triangle(ios_fixtures))
    assert [f.message for f in rep.findings if f.rule == "PAIR-010"] == []


def test_isakmp_lifetime_of_the_agreed_policy_differs(ios_fixtures: Path) -> None:
    rep = _audit(_triangle(ios_fixtures), _sub("wan-b", " lifetime 28800\n", " lifetime 3600\n"))
    msgs = {f.message for f in rep.findings if f.rule == "PAIR-010"}
    assert "ISAKMP lifetime 28800 s (policy 10) vs 3600 s (policy 10)" in msgs


def _sub(device: str, old: str, new: str, count: int = 1) -> Callable[[str, str], str]:
    """An edit replacing ``old`` (which must occur ``count`` times) in ``device``'s file."""

    def edit(stem: str, text: str) -> str:
        if stem != device:
            return text
        assert text.count(old) == count, (device, old)
        return text.replace(old, new)

    return edit


BA = " 10 permit ip 10.20.0.0 0.0.255.255 10.10.0.0 0.0.255.255\n"
MUTATIONS = {
    # wan-c's key for the backup circuit differs from wan-b's: MM5 fails both ways
    "psk-differs": (_sub("wan-c", "key Zx4%wan-b-c-vti-Cv8Bn1Mq5We9Rt3",
                         "key Zx4%wan-b-c-vti-TYPO"),
                    {B23 + C23: (S.IKE_PHASE1_KEY_MISMATCH, "PAIR-004"),
                     C23 + B23: (S.IKE_PHASE1_KEY_MISMATCH, "PAIR-004")}),
    # wan-b's crypto map to wan-a only offers GCM, wan-a's map offers two CBC sets
    "no-common-transform-set": (_sub("wan-b", "set transform-set TS-AES128-SHA \n",
                                     "set transform-set TS-GCM256 \n"),
                                {A0 + B0: (S.IPSEC_PHASE2_FAILED, "PAIR-005"),
                                 B0 + A0: (S.IPSEC_PHASE2_FAILED, "PAIR-005")}),
    # the dynamic map demands group 19, the initiators offer group 14
    "pfs-differs": (_sub("wan-c", " set pfs group14\n reverse-route",
                         " set pfs group19\n reverse-route"),
                    {A1 + C0: (S.IPSEC_PHASE2_FAILED, "PAIR-008"),
                     B1 + C0: (S.IPSEC_PHASE2_FAILED, "PAIR-008")}),
    # wan-c only accepts DH group 19 in phase 1: nothing towards or from wan-c comes up
    "no-common-ike-policy": (_sub("wan-c", " group 14\n", " group 19\n"),
                             {A1 + C0: (S.IKE_PHASE1_FAILED, "PAIR-002"),
                              B1 + C0: (S.IKE_PHASE1_FAILED, "PAIR-002"),
                              B23 + C23: (S.IKE_PHASE1_FAILED, "PAIR-002"),
                              C23 + B23: (S.IKE_PHASE1_FAILED, "PAIR-002")}),
    # wan-b copies wan-a's ACL instead of mirroring it: phase 2 proxies refused both ways
    "acl-not-mirrored": (_sub("wan-b", " 10 permit ip 10.20.0.0 0.0.255.255 10.10.0.0",
                              " 10 permit ip 10.10.0.0 0.0.255.255 10.20.0.0"),
                         {A0 + B0: (S.IPSEC_PHASE2_FAILED, "REF-010"),
                          B0 + A0: (S.IPSEC_PHASE2_FAILED, "REF-010")}),
    # wan-b's ACL narrowed to one /24: wan-a's /16 proposal is refused by wan-b, wan-b's
    # /24 proposal fits inside wan-a's entry (reversed)
    "acl-narrower": (_sub("wan-b", " 10 permit ip 10.20.0.0 0.0.255.255 10.10.0.0",
                          " 10 permit ip 10.20.1.0 0.0.0.255 10.10.0.0"),
                     {A0 + B0: (S.IPSEC_PHASE2_FAILED, "REF-010")}),
    # wan-b's ACL has one more entry than wan-a's mirror: both proposals are accepted
    "acl-extra-entry": (_sub("wan-b", BA, BA + " 20 permit ip 10.21.0.0 0.0.255.255 10.10.0.0 "
                             "0.0.255.255\n"), {}),
}


def test_overlapping_acls_are_a_warning_not_an_error(ios_fixtures: Path) -> None:
    edit = MUTATIONS["acl-extra-entry"][0]
    rep = _audit(_triangle(ios_fixtures), edit)
    ref010 = [f for f in rep.findings if f.rule == "REF-010"]
    assert ref010 and {f.severity.value for f in ref010} == {"warning"}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_ikev1_triangle_verdicts_follow_a_change(ios_fixtures: Path, name: str) -> None:
    edit, changed = MUTATIONS[name]
    rep = _audit(_triangle(ios_fixtures), edit)
    assert _verdicts(rep) == {**TRIANGLE, **{k: v[0] for k, v in changed.items()}}
    for s in rep.sessions:
        key = (s.device, s.interface, s.peer_device, s.peer_interface)
        if key in changed:
            assert changed[key][1] in s.rules, (key, s.rules, s.reasons)


def _pair(ios_fixtures: Path, snapshot: str) -> AuditReport:
    return _audit(sorted((ios_fixtures / snapshot).glob("*.cfg")))


def test_routed_gre_pair_is_plain_gre(ios_fixtures: Path) -> None:
    rep = _pair(ios_fixtures, "gre-routed")
    assert _verdicts(rep) == {("east1", "Tunnel1", "west1", "Tunnel1"): S.GRE_ONLY,
                              ("west1", "Tunnel1", "east1", "Tunnel1"): S.GRE_ONLY}
    assert all(s.rules == ["GRE-001"] for s in rep.sessions)
    assert {(f.device, f.object) for f in rep.findings if f.rule == "GRE-001"} == {
        ("east1", "interface Tunnel1"), ("west1", "interface Tunnel1")}


def test_unrouted_gre_pair_pairs_and_is_unencrypted(ios_fixtures: Path) -> None:
    rep = _pair(ios_fixtures, "gre-unrouted")
    assert {(s.device, s.peer_device, s.peer_interface) for s in rep.sessions} == {
        ("east2", "west2", "Tunnel1"), ("west2", "east2", "Tunnel1")}
    assert {f.device for f in rep.findings if f.rule == "GRE-001"} == {"east2", "west2"}


def test_unrouted_gre_pair_cannot_come_up(ios_fixtures: Path) -> None:
    # no route to the tunnel destination: IOS keeps the tunnel line-protocol down
    rep = _pair(ios_fixtures, "gre-unrouted")
    assert {s.status for s in rep.sessions} == {S.GRE_FAILED}
    assert all("GRE-016" in s.rules for s in rep.sessions)
    assert {(f.device, f.object) for f in rep.findings if f.rule == "GRE-016"} == {
        ("east2", "interface Tunnel1"), ("west2", "interface Tunnel1")}


def test_gre_destination_routed_through_the_tunnel_goes_down(ios_fixtures: Path) -> None:
    # recursive routing: the /32 to the far tunnel source points into Tunnel1 itself
    rep = _audit(sorted((ios_fixtures / "gre-routed").glob("*.cfg")),
                 _sub("west1", "ip route 100.64.1.1 255.255.255.255 172.31.0.0",
                      "ip route 100.64.1.1 255.255.255.255 Tunnel1"))
    v = _verdicts(rep)
    assert v[("west1", "Tunnel1", "east1", "Tunnel1")] == S.GRE_FAILED
    assert v[("east1", "Tunnel1", "west1", "Tunnel1")] == S.GRE_FAILED
    (west,) = [s for s in rep.sessions if s.device == "west1"]
    assert "GRE-004" in west.rules
    assert any("recursive routing" in r for r in west.reasons)


def test_gre_pair_with_unmirrored_endpoints_fails(ios_fixtures: Path) -> None:
    rep = _audit(sorted((ios_fixtures / "gre-routed").glob("*.cfg")),
                 _sub("west1", "tunnel destination 100.64.1.1", "tunnel destination 100.64.1.9"))
    v = _verdicts(rep)
    assert v[("east1", "Tunnel1", "west1", "Tunnel1")] == S.GRE_FAILED
    assert v[("west1", "Tunnel1", None, None)] == S.MISSING_END_POINT
    (east,) = [s for s in rep.sessions if s.device == "east1"]
    assert "GRE-012" in east.rules


def test_gre_eigrp_pair(ios_fixtures: Path) -> None:
    rep = _pair(ios_fixtures, "gre-eigrp")
    assert _verdicts(rep) == {
        ("eigrp-hub", "Tunnel10", "eigrp-branch", "Tunnel10"): S.GRE_ONLY,
        ("eigrp-branch", "Tunnel10", "eigrp-hub", "Tunnel10"): S.GRE_ONLY}
    assert all(s.reasons for s in rep.sessions)
    # the branch's classful `network 10.0.0.0` also covers the underlay and the destination
    assert {(f.rule, f.device) for f in rep.findings if f.rule in ("GRE-005", "RTG-004")} == {
        ("GRE-005", "eigrp-branch"), ("RTG-004", "eigrp-branch")}


def test_single_device_files_audit(ios_fixtures: Path) -> None:
    files = sorted((ios_fixtures / "single-device").glob("*.cfg"))
    rep = _audit(files)
    assert {d.device for d in rep.devices} == {p.stem for p in files}
    hits = {(f.rule, f.device, f.object) for f in rep.findings}
    assert ("REF-001", "dangling-protection", "interface Tunnel30") in hits
    assert ("SEC-012", "dangling-protection", "crypto isakmp key") in hits
    ref003 = [f for f in rep.findings if f.rule == "REF-003" and f.device == "keyrings"]
    assert [(f.object, f.message) for f in ref003] == [
        ("crypto isakmp profile IKE-DANGLING", "keyring KR-DELETED is not defined")]
    ts = "crypto ipsec transform-set"
    assert {(r, o) for r, d, o in hits if d == "transform-sets" and r in (
        "SEC-001", "SEC-003", "SEC-008", "SEC-009")} == {
        ("SEC-001", f"{ts} TS-DES-SHA"), ("SEC-003", f"{ts} TS-3DES-MD5"),
        ("SEC-008", f"{ts} TS-AH-ONLY"), ("SEC-008", f"{ts} TS-GMAC256"),
        ("SEC-008", f"{ts} TS-NULL-SHA"), ("SEC-009", f"{ts} TS-AES-NOAUTH")}
    # the empty isakmp policy relies on hidden (weak) platform defaults
    p20 = {(f.rule, f.message) for f in rep.findings if f.device == "isakmp-defaults"
           and f.object == "crypto isakmp policy 20"}
    assert ("SEC-002", "isakmp policy 20 has no encryption line: platform default (3DES or "
            "DES)") in p20
    assert "SEC-005" in {r for r, _ in p20}
    (t30,) = [s for s in rep.sessions if s.device == "dangling-protection"]
    assert (t30.status, t30.reasons) == (S.MISSING_END_POINT, ["no tunnel destination"])
    assert ("SEC-018", "iosxe-crypto-misc", "crypto engine compliance shield disable") in hits
    # keyword-named objects all resolve; the profile without `match identity` is still bound
    assert not {r for r, d, _ in hits if d in ("keyword-names", "incomplete-profile")
                and r.startswith("REF-00")}
    (vti,) = [s for s in rep.sessions if s.device == "incomplete-profile"]
    assert (vti.status, vti.reasons) == (S.MISSING_END_POINT,
                                         ["no device in the set owns 203.0.113.90"])


# -- extra tier: ../shared/corpus ---------------------------------------------------------

def test_ios_crypto_ipsec_established_edges(corpus_dir: Path) -> None:
    # CiscoGrammarTest.testIpsecTopology says 6 directed established edges. greios: 4. r1 and
    # r2 carry the same ACL (permit ip host 1.1.1.1 host 2.2.2.2), not mirrors: the responder
    # finds the initiator's proxies in no entry of its ACL reversed and refuses phase 2
    # (row 17e), so r1 <-> r2 is IPSEC_PHASE2_FAILED with REF-010, never "established"
    d = corpus_dir / "batfish-ios-crypto-ipsec/configs"
    rep = _audit([d / "r1", d / "r2", d / "r3"])
    est = {(s.device, s.interface, s.peer_device, s.peer_interface) for s in rep.sessions
           if s.status == S.IPSEC_SESSION_ESTABLISHED}
    r1r2 = [s for s in rep.sessions if {s.device, s.peer_device} == {"r1", "r2"}
            and s.interface == "TenGigabitEthernet0/0"]
    assert [(s.status, s.rules) for s in r1r2] == [(S.IPSEC_PHASE2_FAILED, ["REF-010"])] * 2
    assert {f.severity.value for f in rep.findings if f.rule == "REF-010"} == {"error"}
    assert est == {
        ("r1", "TenGigabitEthernet0/1", "r3", "TenGigabitEthernet0/0"),
        ("r2", "TenGigabitEthernet0/1", "r3", "TenGigabitEthernet0/0"),
        ("r2", "Tunnel23", "r3", "Tunnel23"),
        ("r3", "Tunnel23", "r2", "Tunnel23"),
    }
    # dynamic peers never initiate
    assert not [s for s in rep.sessions if s.device == "r3" and s.kind == "crypto-map"]
    # r2 Tunnel21: r1's mirror Tunnel21 is shut down; the only answer on 2.3.4.6 is a crypto
    # map. Batfish says MISSING_END_POINT; greios negotiates with the crypto map (IKE works,
    # phase 2 cannot: VTI vs crypto map) and names the GRE-level reason.
    (t21,) = [s for s in rep.sessions if s.device == "r2" and s.interface == "Tunnel21"]
    assert t21.status == S.IPSEC_PHASE2_FAILED
    assert "PAIR-006" in t21.rules
    assert any("Tunnel21 mirrors this tunnel but is shut down" in r for r in t21.reasons)
    assert any("protection kind differs" in r for r in t21.reasons)
    # r1's shut-down Tunnel21 initiates nothing
    assert not [s for s in rep.sessions if s.device == "r1" and s.interface == "Tunnel21"]


def _p2p(text: str) -> str:
    """The corpus tunnels with ``tunnel mode gre multipoint`` made point-to-point."""
    return text.replace("  tunnel mode gre multipoint\n", "")


def test_ios_tunnels_multipoint_with_destination_is_not_paired(corpus_dir: Path) -> None:
    # `tunnel mode gre multipoint` (sic, with a destination): Batfish pairs these as
    # point-to-point, IOS does not (row 17d): no session, GRE-017 on every tunnel
    d = corpus_dir / "batfish-ios-tunnels/configs"
    for snap in ("no-static-route", "static-route"):
        rep = _audit([d / f"n1-{snap}", d / f"n2-{snap}"])
        assert rep.sessions == []
        assert {f.device for f in rep.findings if f.rule == "GRE-017"} == {
            f"n1-{snap}", f"n2-{snap}"}
        assert {f.device for f in rep.findings if f.rule == "GRE-001"} == {
            f"n1-{snap}", f"n2-{snap}"}


def test_ios_tunnels_snapshots_as_point_to_point(corpus_dir: Path) -> None:
    # the same snapshots with the tunnels made point-to-point: Batfish's reachability verdicts
    # (testTunnelTopologyNoReachability / WithReachability) hold
    d = corpus_dir / "batfish-ios-tunnels/configs"
    expected = {"no-static-route": S.GRE_FAILED, "static-route": S.GRE_ONLY}
    for snap, status in expected.items():
        rep = _audit([d / f"n1-{snap}", d / f"n2-{snap}"], lambda _stem, text: _p2p(text))
        pairs = {(s.device, s.peer_device, s.status) for s in rep.sessions}
        assert pairs == {(f"n1-{snap}", f"n2-{snap}", status),
                         (f"n2-{snap}", f"n1-{snap}", status)}
        gre001 = {f.device for f in rep.findings if f.rule == "GRE-001"}
        assert gre001 == {f"n1-{snap}", f"n2-{snap}"}
        assert bool([f for f in rep.findings if f.rule == "GRE-016"]) == (
            status == S.GRE_FAILED)


def test_ios_tunnels_eigrp_pair(corpus_dir: Path) -> None:
    d = corpus_dir / "batfish-ios-tunnels-eigrp/configs"
    rep = _audit([d / "advertiser", d / "receiver"])
    assert rep.sessions == []  # multipoint with a destination: never paired (row 17d)
    rep = _audit([d / "advertiser", d / "receiver"], lambda _stem, text: _p2p(text))
    assert {(s.device, s.peer_device, s.status) for s in rep.sessions} == {
        ("advertiser", "receiver", S.GRE_ONLY), ("receiver", "advertiser", S.GRE_ONLY)}
    assert all(s.reasons for s in rep.sessions)


def test_single_device_files_audit_without_crashing(corpus_dir: Path) -> None:
    d = corpus_dir / "batfish-ios-crypto-single-device"
    rep = _audit(sorted(d.iterdir()))
    rules = {f.rule for f in rep.findings}
    # ios-ipsec-ghe-5274: tunnel protection naming an undefined profile
    assert "REF-001" in rules
    # ios-keyrings: `keyring kundefined`
    assert any(f.rule == "REF-003" and f.device == "ios-keyrings" for f in rep.findings)
    assert "SEC-001" in rules or "SEC-003" in rules


# -- row 17a/17b: keyring traps (in-repo mutations of the triangle, and the corpus) ---------

def test_stale_keyring_with_another_key_for_a_peer_is_reported(ios_fixtures: Path) -> None:
    # wan-b's stale KR-A-OLD now names wan-a's address: the session still uses KR-A
    rep = _audit(_triangle(ios_fixtures), _sub(
        "wan-b", "pre-shared-key address 198.51.100.9 key", "pre-shared-key address "
        "198.51.100.1 key"))
    assert _verdicts(rep) == TRIANGLE
    assert [(f.device, f.object, f.severity.value) for f in rep.findings
            if f.rule == "REF-011"] == [("wan-b", "crypto keyring KR-A-OLD", "warning")]


def test_profile_pointing_at_a_keyring_without_the_peer(ios_fixtures: Path) -> None:
    # wan-b's IKE-A profile (selected for wan-a) points at the keyring of wan-c
    rep = _audit(_triangle(ios_fixtures), _sub("wan-b", "   keyring KR-A\n",
                                               "   keyring KR-C-MAP\n"))
    (f,) = [f for f in rep.findings if f.rule == "REF-012"]
    assert (f.device, f.object, f.severity.value) == ("wan-b", "crypto isakmp profile IKE-A",
                                                      "error")
    assert _verdicts(rep)[A0 + B0] == S.IKE_PHASE1_KEY_MISMATCH


def test_corpus_keyring_traps(corpus_dir: Path) -> None:
    d = corpus_dir / "batfish-ios-crypto-ipsec/configs"
    rep = _audit([d / "r1", d / "r2", d / "r3"])
    got = {(f.rule, f.device, f.object, f.severity.value) for f in rep.findings
           if f.rule in ("REF-011", "REF-012")}
    assert got == {("REF-011", "r2", "crypto keyring KEYRING_FOR_R1", "warning"),
                   ("REF-012", "r2", "crypto isakmp profile ISAKMP-PROFILE-FOR-R1", "warning")}
