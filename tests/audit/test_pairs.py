"""Healthy GRE/IPsec pairs (IKEv2 and IKEv1, reference §1.2/§1.3) and one-fault variants."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from greios.audit.engine import audit_texts
from greios.audit.model import AuditReport, SessionStatus

FIX = Path(__file__).parent / "fixtures"
S = SessionStatus


def _load(prefix: str) -> tuple[str, str]:
    return ((FIX / f"{prefix}-site-a.cfg").read_text(), (FIX / f"{prefix}-site-b.cfg").read_text())


def _audit(a: str, b: str) -> AuditReport:
    return audit_texts([("a.cfg", a), ("b.cfg", b)])


def _status(rep: AuditReport, device_suffix: str) -> SessionStatus:
    (s,) = [s for s in rep.sessions if s.device.endswith(device_suffix)]
    return s.status


ALL_PSKS = set()
for _f in FIX.glob("*.cfg"):
    ALL_PSKS.update(re.findall(r"(?:pre-shared-key|isakmp key) (\S+)", _f.read_text()))
WRONG_PSK = "Wr0ngKeyWr0ngKeyWr0ngKey"
ALL_PSKS.add(WRONG_PSK)


@pytest.mark.parametrize("prefix", ["v2", "v1"])
def test_healthy_pair_establishes_without_errors(prefix: str) -> None:
    rep = _audit(*_load(prefix))
    assert [s.status for s in rep.sessions] == [S.IPSEC_SESSION_ESTABLISHED] * 2
    assert all(s.ike_version == int(prefix[1]) for s in rep.sessions)
    errors = [f for f in rep.findings if f.severity.value == "error"]
    assert errors == []
    assert {s.peer_interface for s in rep.sessions} == {"Tunnel100"}


# (id, ike, side, old, new, rule, direction-suffix, status)
CASES = [
    ("psk", "v2", "b", "pre-shared-key Xk3v9QpL2mZr7TbW4yNc8HdA", f"pre-shared-key {WRONG_PSK}",
     "PAIR-004", "a", S.IKE_PHASE1_KEY_MISMATCH),
    ("ike-proposal", "v2", "b", "encryption aes-gcm-256",
     "encryption aes-cbc-128\n integrity sha256", "PAIR-003", "a", S.IKE_PHASE1_FAILED),
    ("transform-set", "v2", "b", "esp-gcm 256", "esp-aes 256 esp-sha256-hmac", "PAIR-005", "a",
     S.IPSEC_PHASE2_FAILED),
    ("pfs-v2", "v2", "b", "set pfs group20", "set pfs group19", "PAIR-008", "a",
     S.IPSEC_SESSION_ESTABLISHED),
    ("mirror", "v2", "b", "tunnel destination 198.51.100.1", "tunnel destination 198.51.100.9",
     "GRE-012", "a", S.GRE_FAILED),
    ("subnet", "v2", "b", "10.255.0.2 255.255.255.252", "10.255.1.2 255.255.255.252", "GRE-015",
     "a", S.GRE_FAILED),
    ("mtu", "v2", "a", "ip mtu 1400", "ip mtu 1480", "MTU-001", "a",
     S.IPSEC_SESSION_ESTABLISHED),
    ("no-protection", "v2", "b", " tunnel protection ipsec profile IPSEC-V2-TO-A\n", "",
     "GRE-001", "a", S.MISSING_END_POINT),
    ("keepalive", "v2", "a", " ip mtu 1400\n", " ip mtu 1400\n keepalive 10 3\n", "GRE-008", "a",
     S.IPSEC_SESSION_ESTABLISHED),
    ("undefined-profile", "v2", "a", "tunnel protection ipsec profile IPSEC-V2-TO-B",
     "tunnel protection ipsec profile IPSEC-V2-TO-X", "REF-001", "a", S.IKE_PHASE1_FAILED),
    ("weak-crypto", "v2", "a", "group 20 19", "group 20 19 2", "SEC-005", "a",
     S.IPSEC_SESSION_ESTABLISHED),
    ("mode-require", "v2", "b", "mode transport", "mode tunnel", "PAIR-007", "a",
     S.IPSEC_SESSION_ESTABLISHED),
    ("identity", "v2", "b", "match identity remote address 198.51.100.1",
     "match identity remote address 198.51.100.7", "PAIR-009", "a", S.IKE_PHASE1_FAILED),
    ("v1-psk", "v1", "b", "isakmp key Rq8zT1wY6pVn3MxK0bLs5GfJ", f"isakmp key {WRONG_PSK}",
     "PAIR-004", "a", S.IKE_PHASE1_KEY_MISMATCH),
    ("v1-policy", "v1", "b", "group 14\n lifetime", "group 15\n lifetime", "PAIR-002", "a",
     S.IKE_PHASE1_FAILED),
    ("v1-pfs", "v1", "b", "set pfs group14", "set pfs group19", "PAIR-008", "a",
     S.IPSEC_PHASE2_FAILED),
    ("v1-pfs-one-side", "v1", "a", " set pfs group14\n", "", "PAIR-008", "a",
     S.IPSEC_PHASE2_FAILED),
    ("v1-version", "v1", "b", " set pfs group14\n", " set pfs group14\n set ikev2-profile P\n",
     "PAIR-001", "a", S.IKE_PHASE1_FAILED),
    ("v1-weak", "v1", "a", "esp-aes 256 esp-sha256-hmac", "esp-des esp-md5-hmac", "SEC-001", "a",
     S.IPSEC_PHASE2_FAILED),
]


@pytest.mark.parametrize(("ike", "side", "old", "new", "rule_id", "direction", "status"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_one_fault_is_caught(ike: str, side: str, old: str, new: str, rule_id: str,
                             direction: str, status: SessionStatus) -> None:
    a, b = _load(ike)
    if side == "a":
        assert old in a
        a = a.replace(old, new)
    else:
        assert old in b
        b = b.replace(old, new)
    rep = _audit(a, b)
    rules = {f.rule for f in rep.findings}
    assert rule_id in rules, sorted(rules)
    assert _status(rep, f"site-{direction}") == status
    dumped = rep.model_dump_json()
    for psk in ALL_PSKS:
        assert psk not in dumped


def test_ikev1_one_sided_pfs_depends_on_initiator() -> None:
    a, b = _load("v1")
    rep = _audit(a.replace(" set pfs group14\n", ""), b)
    # site-a (no PFS) initiating to site-b (requires PFS) fails; the reverse works
    assert _status(rep, "site-a") == S.IPSEC_PHASE2_FAILED
    assert _status(rep, "site-b") == S.IPSEC_SESSION_ESTABLISHED


def test_neither_side_pfs_establishes() -> None:
    a, b = _load("v1")
    rep = _audit(a.replace(" set pfs group14\n", ""), b.replace(" set pfs group14\n", ""))
    assert {s.status for s in rep.sessions} == {S.IPSEC_SESSION_ESTABLISHED}
    assert "PAIR-008" not in {f.rule for f in rep.findings}


def test_no_psk_in_any_report_text() -> None:
    for ike in ("v1", "v2"):
        rep = _audit(*_load(ike))
        text = rep.model_dump_json()
        for psk in ALL_PSKS:
            assert psk not in text
    assert len(ALL_PSKS) >= 3
