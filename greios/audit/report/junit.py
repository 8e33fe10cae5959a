"""``--format junit``: JUnit XML (Jenkins/ant ``junit-10.xsd``, see ``greios/data/junit.xsd``).

Layout: one ``<testsuite>`` per device with one ``<testcase>`` per rule in effect
(``classname`` = device, ``name`` = rule ID and title). A rule with findings at or above
``fail_on`` fails (one ``<failure>`` per finding); findings below it are listed in
``<system-out>``; a rule whose only findings were waived is ``<skipped>``. A last suite
``tunnel-sessions`` has a testcase per directed session, failed when the session cannot work
(unless ``fail_on`` is ``never``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from greios.audit.model import AuditReport, Finding
from greios.audit.report._common import (
    NO_PEER,
    all_devices,
    is_failing,
    rules_for_report,
    sort_findings,
    status_health,
)

_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """Replace characters XML 1.0 cannot carry (control characters) with U+FFFD.

    >>> xml_safe("a" + chr(3) + "b") == "a" + chr(0xFFFD) + "b"
    True
    """
    return _XML_INVALID.sub("\ufffd", text)


def _sanitize(elem: ET.Element) -> None:
    for node in elem.iter():
        if node.text:
            node.text = xml_safe(node.text)
        for k, v in node.attrib.items():
            node.attrib[k] = xml_safe(v)


def _finding_text(f: Finding) -> str:
    lines = [f"{f.severity.value} {f.rule} {f.device}: {f.object}", f.message]
    if f.peer_device:
        lines.append(f"peer: {f.peer_device}" + (f" {f.peer_object}" if f.peer_object else ""))
    if f.remediation:
        lines.append(f"remediation: {f.remediation}")
    if f.file:
        lines.append(f"at: {f.file}" + (f":{f.line}" if f.line else ""))
    return "\n".join(lines)


def _suite(parent: ET.Element, name: str, timestamp: str) -> ET.Element:
    attrs = {"name": name, "tests": "0", "failures": "0", "errors": "0", "skipped": "0",
             "time": "0"}
    if timestamp:
        attrs["timestamp"] = timestamp
    return ET.SubElement(parent, "testsuite", attrs)


def _close(suite: ET.Element, tests: int, failures: int, skipped: int) -> None:
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("skipped", str(skipped))


def render_junit(report: AuditReport, *, fail_on: str = "error") -> str:
    root = ET.Element("testsuites", {"name": report.title, "time": "0"})
    total_tests = total_failures = 0
    by_key = _by_device_rule(report.findings)
    waived = _by_device_rule(report.waived)
    rules = rules_for_report(report)
    for device in all_devices(report):
        tests, failures = _device_suite(root, report, device, rules, by_key, waived, fail_on)
        total_tests += tests
        total_failures += failures
    if report.sessions:
        tests, failures = _sessions_suite(root, report, fail_on)
        total_tests += tests
        total_failures += failures
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    _sanitize(root)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _by_device_rule(findings: Iterable[Finding]) -> dict[tuple[str, str], list[Finding]]:
    out: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        out[(f.device, f.rule)].append(f)
    return out


def _device_suite(root: ET.Element, report: AuditReport, device: str, rules: Sequence[Any],
                  by_key: Mapping[tuple[str, str], list[Finding]],
                  waived: Mapping[tuple[str, str], list[Finding]],
                  fail_on: str) -> tuple[int, int]:
    """One test suite per device, one test case per rule: (tests, failures)."""
    suite = _suite(root, device, report.generated_at)
    tests = failures = skipped = 0
    for rule in rules:
        tests += 1
        case = ET.SubElement(suite, "testcase", {
            "name": f"{rule.id} {rule.title}" if rule.title != rule.id else rule.id,
            "classname": f"greios.audit.{device}",
            "time": "0",
        })
        hits = sort_findings(by_key.get((device, rule.id), []))
        failing = [f for f in hits if is_failing(f, fail_on)]
        passing = [f for f in hits if not is_failing(f, fail_on)]
        w = waived.get((device, rule.id), [])
        if failing:
            failures += 1
            for f in failing:
                fail = ET.SubElement(case, "failure", {
                    "type": f.severity.value, "message": f"{f.object}: {f.message}"})
                fail.text = _finding_text(f)
        elif w and not passing:
            skipped += 1
            ET.SubElement(case, "skipped", {
                "message": f"waived in the project file ({len(w)} finding(s))"})
        notes = passing + (w if failing or passing else [])
        if notes:
            out = ET.SubElement(case, "system-out")
            out.text = "\n\n".join(
                ("[waived] " if f in w else "") + _finding_text(f) for f in notes)
    _close(suite, tests, failures, skipped)
    return tests, failures


def _sessions_suite(root: ET.Element, report: AuditReport, fail_on: str) -> tuple[int, int]:
    suite = _suite(root, "tunnel-sessions", report.generated_at)
    tests = failures = 0
    for s in sorted(report.sessions, key=lambda s: (s.device, s.interface)):
        tests += 1
        case = ET.SubElement(suite, "testcase", {
            "name": f"{s.device} {s.interface} -> {s.peer_device or NO_PEER}"
                    + (f" {s.peer_interface}" if s.peer_interface else ""),
            "classname": "greios.audit.sessions",
            "time": "0",
        })
        detail = "\n".join([s.status.value, *s.reasons])
        if status_health(s.status) == "fail" and fail_on != "never":
            failures += 1
            fail = ET.SubElement(case, "failure", {
                "type": s.status.value,
                "message": "; ".join(s.reasons) or s.status.value})
            fail.text = detail
        else:
            out = ET.SubElement(case, "system-out")
            out.text = detail
    _close(suite, tests, failures, 0)
    return tests, failures
