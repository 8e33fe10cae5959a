"""Report writers against hand-made AuditReport fixtures (no engine needed)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from greios.audit.model import (
    AuditReport,
    ChangeDelta,
    DeviceSummary,
    Finding,
    Scope,
    Session,
    SessionStatus,
    Severity,
)
from greios.audit.report import FORMATS, UnknownFormatError, render, summary_line
from greios.audit.report._common import pair_matrix, rule_matches

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "greios" / "data"
SARIF_SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"


def _f(rule: str, sev: Severity, device: str, obj: str, msg: str, **kw: object) -> Finding:
    return Finding(rule=rule, severity=sev, device=device, object=obj, message=msg, **kw)  # type: ignore[arg-type]


def _s(dev: str, itf: str, peer: str | None, status: SessionStatus, **kw: object) -> Session:
    return Session(device=dev, interface=itf, peer_device=peer,
                   peer_interface=itf if peer else None, status=status, **kw)  # type: ignore[arg-type]


HOSTILE = "DES <script>alert(1)</script> | a&b \"q\" `tick` *x* ]]> \x03"


def make_report(*, change: bool = True) -> AuditReport:
    E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: N806, E741
    return AuditReport(
        version="0.1.0",
        generated_at="2025-05-01T12:00:00Z",
        title="lab <audit> & co",
        devices=[
            DeviceSummary(device="r1", file="configs/r1.cfg", tunnels=2, lines=120),
            DeviceSummary(device="r2", file="configs/r2.cfg", tunnels=2, lines=90),
            DeviceSummary(device="r3", file="/abs/dir/r 3.cfg", tunnels=2, lines=80),
        ],
        findings=[
            _f("SEC-004", W, "r1", "crypto isakmp policy 10", "SHA-1 hash", file="configs/r1.cfg",
               line=14),
            _f("SEC-001", E, "r1", "crypto isakmp policy 10", HOSTILE, remediation="encr aes 256",
               file="configs/r1.cfg", line=12),
            _f("PAIR-004", E, "r2", "interface Tunnel200", "pre-shared keys differ",
               scope=Scope.PAIR, peer_device="r3", peer_object="interface Tunnel100",
               file="configs/r2.cfg", line=40),
            _f("OPS-002", I, "r3", "interface Tunnel100", "tunnel has no description"),
        ],
        sessions=[
            _s("r1", "Tunnel100", "r2", SessionStatus.IPSEC_SESSION_ESTABLISHED, ike_version=2),
            _s("r2", "Tunnel100", "r1", SessionStatus.IPSEC_SESSION_ESTABLISHED, ike_version=2),
            _s("r2", "Tunnel200", "r3", SessionStatus.IKE_PHASE1_KEY_MISMATCH,
               reasons=["pre-shared keys differ"], rules=["PAIR-004"], ike_version=1),
            _s("r3", "Tunnel100", "r2", SessionStatus.IKE_PHASE1_KEY_MISMATCH,
               reasons=["pre-shared keys differ"], ike_version=1),
            _s("r1", "Tunnel300", None, SessionStatus.MISSING_END_POINT,
               reasons=["no device owns 198.51.100.9"]),
            _s("r3", "Tunnel5", "r1", SessionStatus.GRE_ONLY, kind="gre"),
        ],
        change=ChangeDelta(
            introduced=[_f("SEC-004", W, "r1", "crypto isakmp policy 10", "SHA-1 hash")],
            resolved=[_f("GRE-001", E, "r3", "interface Tunnel5", "GRE without IPsec")],
            sessions_before=[_s("r1", "Tunnel100", "r2", SessionStatus.GRE_ONLY)],
            sessions_after=[_s("r1", "Tunnel100", "r2", SessionStatus.IPSEC_SESSION_ESTABLISHED)],
        ) if change else None,
        ignored_rules=["OPS-003", "MTU"],
        waived=[_f("SEC-015", W, "r2", "crypto map CM 10", "IKEv1 in use")],
    )


@pytest.fixture
def report() -> AuditReport:
    return make_report()


# --- common -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_every_finding(report: AuditReport, fmt: str) -> None:
    out = render(report, fmt)
    for f in report.findings:
        assert f.rule in out, (fmt, f.rule)
    for name in ("r1", "r2", "r3"):
        assert name in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_report_renders(fmt: str) -> None:
    out = render(AuditReport(), fmt)
    assert out.strip()


def test_unknown_format_and_fail_on_are_rejected(report: AuditReport) -> None:
    with pytest.raises(UnknownFormatError, match="csv"):
        render(report, "csv")
    with pytest.raises(ValueError, match="fail_on"):
        render(report, "junit", fail_on="sometimes")


def test_summary_line_counts(report: AuditReport) -> None:
    assert summary_line(report) == (
        "3 devices, 2 errors, 1 warning, 1 info, 1 waived; 6 sessions (3 failed)"
    )


def test_rule_matches_ids_and_groups() -> None:
    assert rule_matches("SEC-001", ["sec"])
    assert rule_matches("SEC-001", ["SEC-001"])
    assert not rule_matches("SEC-0011", ["SEC-001"])
    assert not rule_matches("SECX-001", ["SEC"])


def test_pair_matrix_keeps_worst_status_and_unpaired_column() -> None:
    sessions = [
        _s("a", "Tunnel1", "b", SessionStatus.IPSEC_SESSION_ESTABLISHED),
        _s("a", "Tunnel2", "b", SessionStatus.IPSEC_PHASE2_FAILED),
        _s("a", "Tunnel3", None, SessionStatus.MISSING_END_POINT),
    ]
    m = pair_matrix(sessions, ["a", "b"])
    cell = m.cell("a", "b")
    assert cell is not None
    assert (cell.status, cell.health, cell.count) == (SessionStatus.IPSEC_PHASE2_FAILED, "fail", 2)
    assert m.columns == ["b", "(no peer)"]
    assert m.rows == ["a"]


# --- table --------------------------------------------------------------------------------


def test_table_orders_errors_first_and_has_no_ansi_without_color(report: AuditReport) -> None:
    out = render(report, "table")
    assert "\x1b[" not in out
    assert out.index("SEC-001") < out.index("SEC-004") < out.index("OPS-002")
    assert out.index("ERRORS (2)") < out.index("WARNINGS (1)") < out.index("INFO (1)")
    assert "IKE_PHASE1_KEY_MISMATCH" in out
    assert "Summary: 3 device(s), 2 error(s), 1 warning(s)" in out


def test_table_color_emits_ansi(report: AuditReport) -> None:
    assert "\x1b[" in render(report, "table", color=True)


# --- markdown -----------------------------------------------------------------------------


def test_markdown_sections_and_escaping(report: AuditReport) -> None:
    md = render(report, "md")
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert headings[:3] == ["# lab &lt;audit&gt; &amp; co", "## Summary", "## Pre-change review"]
    assert "## Tunnel session verdicts" in headings
    assert "### Errors (2)" in headings and "### Warnings (1)" in headings
    assert "## Waived and ignored" in headings
    assert "<script>" not in md
    # every table row has the same number of unescaped pipes as its header
    for block in re.split(r"\n\n", md):
        rows = [r for r in block.splitlines() if r.startswith("|")]
        if rows:
            widths = {len(re.findall(r"(?<!\\)\|", r)) for r in rows}
            assert len(widths) == 1, block
    assert "| **r2** | ✅ IPSEC_SESSION_ESTABLISHED |  | ❌ IKE_PHASE1_KEY_MISMATCH |  |" in md
    assert "encr aes 256" in md  # remediation shown
    assert "introduces 1" in md and "resolves 1" in md


def test_markdown_without_change_has_no_prechange_section() -> None:
    md = render(make_report(change=False), "md")
    assert "Pre-change" not in md


# --- html ---------------------------------------------------------------------------------


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_and_escaped(report: AuditReport) -> None:
    page = render(report, "html")
    p = _Collect()
    p.feed(page)
    names = [t for t, _ in p.tags]
    assert "script" not in names
    assert not any(t in names for t in ("link", "img", "iframe"))
    assert not re.search(r"(?:src|href)\s*=", page)
    assert "@import" not in page and "url(" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    text = "".join(p.text)
    assert "<script>alert(1)</script>" in text  # shown to the reader as text
    classes = [a.get("class") for t, a in p.tags if t == "td"]
    assert classes.count("ok") >= 2 and classes.count("fail") >= 3 and "warn" in classes
    assert "Pre-change review" in text and "Waived and ignored" in text


# --- json ---------------------------------------------------------------------------------


def _audit_schema() -> dict[str, object]:
    return json.loads((DATA / "audit.schema.json").read_text())  # type: ignore[no-any-return]


@pytest.mark.parametrize("change", [True, False])
def test_json_validates_against_schema(change: bool) -> None:
    doc = json.loads(render(make_report(change=change), "json"))
    schema = _audit_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(doc)
    assert (doc["change"] is None) is (not change)


def test_json_schema_rejects_a_broken_document(report: AuditReport) -> None:
    doc = json.loads(render(report, "json"))
    doc["findings"][0]["severity"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(_audit_schema()).validate(doc)


def test_json_content(report: AuditReport) -> None:
    doc = json.loads(render(report, "json"))
    assert [f["rule"] for f in doc["findings"]] == ["SEC-001", "PAIR-004", "SEC-004", "OPS-002"]
    first = doc["findings"][0]
    assert first["message"] == HOSTILE and first["line"] == 12
    assert doc["summary"]["errors"] == 2 and doc["summary"]["sessions_failed"] == 3
    assert doc["summary"]["sessions_by_status"]["IKE_PHASE1_KEY_MISMATCH"] == 2
    sess = next(s for s in doc["sessions"] if s["interface"] == "Tunnel200")
    assert sess["peer_device"] == "r3" and sess["reasons"] == ["pre-shared keys differ"]
    assert doc["waived"][0]["rule"] == "SEC-015"
    assert doc["change"]["resolved"][0]["rule"] == "GRE-001"


def test_every_schema_field_is_documented() -> None:
    doc = (REPO / "docs" / "audit-json.md").read_text()
    schema = _audit_schema()
    names: set[str] = set(schema["properties"])  # type: ignore[arg-type]
    for d in schema["$defs"].values():  # type: ignore[attr-defined]
        names |= set(d.get("properties", {}))
    missing = sorted(n for n in names if f"`{n}`" not in doc)
    assert not missing, f"docs/audit-json.md does not document {missing}"


# --- junit --------------------------------------------------------------------------------


def _junit_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(DATA / "junit.xsd"))


@pytest.mark.parametrize("fail_on", ["error", "warning", "never"])
def test_junit_validates_against_xsd(report: AuditReport, fail_on: str) -> None:
    xml = render(report, "junit", fail_on=fail_on)
    _junit_schema().validate(xml)


def test_junit_failures_follow_fail_on(report: AuditReport) -> None:
    def failures(fail_on: str) -> dict[str, list[str]]:
        root = ET.fromstring(render(report, "junit", fail_on=fail_on))
        out: dict[str, list[str]] = {}
        for suite in root.iter("testsuite"):
            out[suite.get("name", "")] = [
                c.get("name", "").split()[0] for c in suite.iter("testcase")
                if c.find("failure") is not None
            ]
        return out

    on_error = failures("error")
    assert on_error["r1"] == ["SEC-001"] and on_error["r2"] == ["PAIR-004"]
    assert on_error["r3"] == []
    assert failures("warning")["r1"] == ["SEC-001", "SEC-004"]
    never = failures("never")
    assert all(not v for v in never.values())


def test_junit_counts_skips_and_control_chars(report: AuditReport) -> None:
    xml = render(report, "junit")
    root = ET.fromstring(xml)  # parses: control characters were replaced
    r2 = next(s for s in root.iter("testsuite") if s.get("name") == "r2")
    waived = [c for c in r2.iter("testcase") if c.find("skipped") is not None]
    assert [c.get("name", "").split()[0] for c in waived] == ["SEC-015"]
    assert r2.get("skipped") == "1"
    for suite in root.iter("testsuite"):
        cases = list(suite.iter("testcase"))
        assert suite.get("tests") == str(len(cases))
        assert suite.get("failures") == str(sum(c.find("failure") is not None for c in cases))
    sessions = next(s for s in root.iter("testsuite") if s.get("name") == "tunnel-sessions")
    assert sessions.get("failures") == "3"
    assert "\x03" not in xml


# --- sarif --------------------------------------------------------------------------------


def _sarif_validator() -> jsonschema.Draft4Validator:
    schema = json.loads(SARIF_SCHEMA.read_text())
    return jsonschema.Draft4Validator(schema)


def test_sarif_validates_against_official_schema(report: AuditReport) -> None:
    doc = json.loads(render(report, "sarif"))
    _sarif_validator().validate(doc)
    assert doc["version"] == "2.1.0"


def test_sarif_schema_rejects_invalid_level(report: AuditReport) -> None:
    doc = json.loads(render(report, "sarif"))
    doc["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        _sarif_validator().validate(doc)


def test_sarif_results_rules_and_locations(report: AuditReport) -> None:
    run = json.loads(render(report, "sarif"))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    sec1 = by_rule["SEC-001"]
    assert sec1["level"] == "error"
    phys = sec1["locations"][0]["physicalLocation"]
    assert phys == {"artifactLocation": {"uri": "configs/r1.cfg"}, "region": {"startLine": 12}}
    logical = sec1["locations"][0]["logicalLocations"]
    assert logical[0] == {"name": "r1", "kind": "device"}
    assert logical[1]["name"] == "crypto isakmp policy 10"
    assert by_rule["OPS-002"]["level"] == "note"
    # no line known: the device's file, no region
    ops_phys = by_rule["OPS-002"]["locations"][0]["physicalLocation"]
    assert ops_phys == {"artifactLocation": {"uri": "file:///abs/dir/r%203.cfg"}}
    assert by_rule["SEC-015"]["suppressions"][0]["kind"] == "external"
    assert "SEC-015" in ids and "OPS-002" in ids
    level = {r["id"]: r["defaultConfiguration"]["level"] for r in rules}
    assert level["PAIR-004"] == "error" and level["OPS-002"] == "note"
    assert by_rule["PAIR-004"]["relatedLocations"][0]["logicalLocations"][0]["name"] == "r3"


def test_docs_example_validates() -> None:
    doc = (REPO / "docs" / "audit-json.md").read_text()
    example = re.search(r"## Example\n\n```json\n(.*?)\n```", doc, re.S)
    assert example is not None
    jsonschema.Draft202012Validator(_audit_schema()).validate(json.loads(example.group(1)))


def test_sarif_rule_tags_are_unique_for_gre_rules() -> None:
    rep = AuditReport(findings=[_f("GRE-001", Severity.ERROR, "r1", "interface Tunnel1",
                                   "GRE without IPsec")])
    doc = json.loads(render(rep, "sarif"))
    _sarif_validator().validate(doc)
    gre = next(r for r in doc["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "GRE-001")
    assert gre["properties"]["tags"] == ["gre", "ipsec"]
