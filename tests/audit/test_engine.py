"""Engine options: select/ignore/waivers, facts, expected pairs, compare_reports, docs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from greios.audit.catalog import load, matches
from greios.audit.docs import render
from greios.audit.engine import audit_configs, audit_texts, compare_reports, parse_texts
from greios.audit.facts import DeviceFacts
from greios.platforms.ios.config import parse_config

FIX = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]


def _pair(prefix: str = "v1") -> list[tuple[str, str]]:
    return [(str(p), p.read_text()) for p in sorted(FIX.glob(f"{prefix}-site-*.cfg"))]


def test_select_ignore_and_group_patterns() -> None:
    assert matches("SEC-014", ["SEC"]) and matches("SEC-014", ["sec-*"])
    assert not matches("SEC-014", ["SEC-01"])
    rep = audit_texts(_pair(), select=["SEC"])
    assert rep.findings and all(f.rule.startswith("SEC-") for f in rep.findings)
    rep2 = audit_texts(_pair(), ignore=["SEC-*", "OPS"])
    assert not [f for f in rep2.findings if f.rule.startswith(("SEC", "OPS"))]
    assert "SEC-014" in rep2.ignored_rules


def test_waivers_move_findings() -> None:
    rep = audit_texts(_pair(), waivers={"v1-site-a": ["SEC-014"]})
    assert not [f for f in rep.findings if f.device == "v1-site-a" and f.rule == "SEC-014"]
    assert [f for f in rep.waived if f.device == "v1-site-a" and f.rule == "SEC-014"]
    assert [f for f in rep.findings if f.device == "v1-site-b" and f.rule == "SEC-014"]


def test_findings_sorted_and_deterministic() -> None:
    a = audit_texts(_pair()).findings
    b = audit_texts(list(reversed(_pair()))).findings
    assert a == b
    assert [(f.device, -f.severity.rank) for f in a] == sorted((f.device, -f.severity.rank)
                                                               for f in a)


def test_facts_drive_inventory_rules() -> None:
    cfgs = [parse_config(t, source=s) for s, t in _pair()]
    plain = audit_configs(cfgs)
    assert not {"NAT-005", "MTU-001"} & {f.rule for f in plain.findings}
    facts = {"v1-site-a": DeviceFacts(underlay_mtu=1400, behind_nat=True,
                                      ios_version="17.12.1")}
    rep = audit_configs(cfgs, facts=facts)
    rules = {(f.rule, f.device) for f in rep.findings}
    assert ("MTU-001", "v1-site-a") in rules
    assert ("NAT-005", "v1-site-a") in rules
    assert ("MTU-001", "v1-site-b") not in rules


def test_expected_pairs_override_address_matching() -> None:
    cfgs = [parse_config(t, source=s) for s, t in _pair()]
    rep = audit_configs(cfgs, expected_pairs=[(("v1-site-a", "Tunnel100"),
                                               ("v1-site-b", "Tunnel100"))])
    assert {(s.device, s.peer_device) for s in rep.sessions} == {
        ("v1-site-a", "v1-site-b"), ("v1-site-b", "v1-site-a")}


def test_compare_reports_introduced_and_resolved() -> None:
    before = audit_texts(_pair())
    src, text = _pair()[0]
    changed = [(src, text.replace("ip mtu 1400", "ip mtu 1480")), _pair()[1]]
    after = audit_texts(changed)
    delta = compare_reports(before, after)
    assert {f.rule for f in delta.introduced} >= {"MTU-001", "MTU-005"}
    assert delta.resolved == []
    back = compare_reports(after, before)
    assert {f.rule for f in back.resolved} >= {"MTU-001"}


def test_parse_pool_matches_serial(monkeypatch: pytest.MonkeyPatch) -> None:
    import greios.audit.engine as engine

    monkeypatch.setattr(engine, "POOL_MIN_FILES", 4)
    items = _pair() * 13  # 26 files -> process pool
    cfgs = parse_texts(items)
    assert len(cfgs) == 26
    a, b = cfgs[0], cfgs[1]
    ka = a.isakmp_keys[0].psk
    kb = b.isakmp_keys[0].psk
    assert ka.same_key(kb)  # workers share the parent's salt
    assert ka.same_key(parse_config(items[0][1]).isakmp_keys[0].psk)


def test_catalog_is_complete_and_documented() -> None:
    rules = load()
    for group, n in (("GRE", 15), ("REF", 10), ("SEC", 19), ("MTU", 8), ("RTG", 5),
                     ("PAIR", 11), ("NAT", 5), ("OPS", 3), ("VRF", 3)):
        for i in range(1, n + 1):
            assert f"{group}-{i:03d}" in rules
    assert all(r.title and r.remediation for r in rules.values())


def test_docs_rules_md_is_fresh() -> None:
    doc = REPO / "docs/rules.md"
    assert doc.read_text() == render(), "regenerate: python -m greios.audit.docs > docs/rules.md"


def test_negotiate_import_has_no_ciscoconfparse_side_effects() -> None:
    code = ("import sys, greios.audit.negotiate, greios.platforms.ios.config; "
            "print('ciscoconfparse' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
