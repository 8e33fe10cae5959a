"""[BF-TEST] verdicts of ../shared/corpus/README.md (batfish/batfish @ cba18733)."""

from __future__ import annotations

from pathlib import Path

from greios.audit.engine import audit_texts
from greios.audit.model import SessionStatus

S = SessionStatus


def _audit(paths: list[Path]):  # type: ignore[no-untyped-def]
    return audit_texts([(str(p), p.read_text()) for p in paths])


def test_ios_crypto_ipsec_six_established_edges(corpus_dir: Path) -> None:
    # CiscoGrammarTest.testIpsecTopology: exactly 6 directed established edges
    d = corpus_dir / "batfish-ios-crypto-ipsec/configs"
    rep = _audit([d / "r1", d / "r2", d / "r3"])
    est = {(s.device, s.interface, s.peer_device, s.peer_interface) for s in rep.sessions
           if s.status == S.IPSEC_SESSION_ESTABLISHED}
    assert est == {
        ("r1", "TenGigabitEthernet0/0", "r2", "TenGigabitEthernet0/0"),
        ("r2", "TenGigabitEthernet0/0", "r1", "TenGigabitEthernet0/0"),
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


def test_ios_tunnels_snapshots_pair_as_plain_gre(corpus_dir: Path) -> None:
    d = corpus_dir / "batfish-ios-tunnels/configs"
    for snap in ("no-static-route", "static-route"):
        rep = _audit([d / f"n1-{snap}", d / f"n2-{snap}"])
        pairs = {(s.device, s.peer_device, s.status) for s in rep.sessions}
        assert pairs == {(f"n1-{snap}", f"n2-{snap}", S.GRE_ONLY),
                         (f"n2-{snap}", f"n1-{snap}", S.GRE_ONLY)}
        gre001 = {f.device for f in rep.findings if f.rule == "GRE-001"}
        assert gre001 == {f"n1-{snap}", f"n2-{snap}"}


def test_ios_tunnels_eigrp_pair(corpus_dir: Path) -> None:
    d = corpus_dir / "batfish-ios-tunnels-eigrp/configs"
    rep = _audit([d / "advertiser", d / "receiver"])
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
