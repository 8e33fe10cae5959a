"""``--format sarif``: SARIF 2.1.0 for code-scanning UIs (GitHub, GitLab, Azure DevOps).

One run; ``tool.driver.rules`` lists the catalog rules in effect; every finding is a result
with ``ruleId``/``ruleIndex``, ``level`` (error/warning/note), the config file and line as a
physical location when known, and the device and config object as logical locations.
Waived findings are results with an external suppression, so scanners show them as dismissed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from greios.audit.model import AuditReport, Finding, Severity
from greios.audit.report._common import RuleInfo, rules_for_report, sort_findings

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://example.invalid/greios/docs/audit.md"
HELP_URI = "https://example.invalid/greios/docs/audit.md#rules"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def file_uri(path: str) -> str:
    """A SARIF ``uri``: relative paths stay relative (POSIX separators), absolute become file:.

    >>> file_uri("configs/r1.cfg"), file_uri("/srv/cfg/r 1.cfg")
    ('configs/r1.cfg', 'file:///srv/cfg/r%201.cfg')
    """
    if "\\" in path and not path.startswith("/"):
        p = PurePosixPath(*PureWindowsPath(path).parts)
    else:
        p = PurePosixPath(path)
    text = str(p)
    if p.is_absolute():
        return "file://" + quote(text)
    return quote(text)


def _rule_name(rule: RuleInfo) -> str:
    if rule.name and rule.name != rule.id:
        return rule.name
    words = [w for w in "".join(c if c.isalnum() else " " for c in rule.title).split() if w]
    camel = "".join(w[:1].upper() + w[1:] for w in words[:8])
    return camel or rule.id.replace("-", "")


def _descriptor(rule: RuleInfo) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": rule.id,
        "name": _rule_name(rule),
        "shortDescription": {"text": rule.title or rule.id},
        "helpUri": f"{HELP_URI}-{rule.id.lower()}",
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"scope": rule.scope, "group": rule.group,
                       "tags": list(dict.fromkeys(["gre", "ipsec", rule.group.lower()]))},
    }
    if rule.description:
        d["fullDescription"] = {"text": rule.description}
    if rule.remediation:
        d["help"] = {"text": rule.remediation}
    return d


def _fingerprint(f: Finding) -> str:
    return hashlib.sha256("\x1f".join(f.key).encode()).hexdigest()[:32]


def _result(f: Finding, index: dict[str, int], device_files: dict[str, str],
            waived: bool) -> dict[str, Any]:
    text = f.message.rstrip(".") + "."
    if f.remediation:
        text += f" Fix: {f.remediation}"
    res: dict[str, Any] = {
        "ruleId": f.rule,
        "ruleIndex": index[f.rule],
        "level": _LEVEL[f.severity],
        "kind": "fail",
        "message": {"text": text},
    }
    location: dict[str, Any] = {}
    path = f.file or device_files.get(f.device)
    if path:
        phys: dict[str, Any] = {"artifactLocation": {"uri": file_uri(path)}}
        if f.file and f.line:
            phys["region"] = {"startLine": f.line}
        location["physicalLocation"] = phys
    logical = [{"name": f.device, "kind": "device"}]
    if f.object:
        logical.append({"name": f.object, "fullyQualifiedName": f"{f.device}/{f.object}",
                        "kind": "object"})
    location["logicalLocations"] = logical
    res["locations"] = [location]
    if f.peer_device:
        peer: dict[str, Any] = {"logicalLocations": [{"name": f.peer_device, "kind": "device"}]}
        if f.peer_object:
            peer["logicalLocations"].append({
                "name": f.peer_object,
                "fullyQualifiedName": f"{f.peer_device}/{f.peer_object}",
                "kind": "object",
            })
        peer_path = device_files.get(f.peer_device)
        if peer_path:
            peer["physicalLocation"] = {"artifactLocation": {"uri": file_uri(peer_path)}}
        peer["message"] = {"text": "peer end"}
        res["relatedLocations"] = [{"id": 1, **peer}]
    res["partialFingerprints"] = {"greiosFindingKey/v1": _fingerprint(f)}
    res["properties"] = {"device": f.device, "scope": f.scope.value, "severity": f.severity.value}
    if waived:
        res["suppressions"] = [{"kind": "external", "status": "accepted",
                                "justification": "waived in the greios project file"}]
    return res


def sarif_dict(report: AuditReport) -> dict[str, Any]:
    rules = rules_for_report(report)
    index = {r.id: i for i, r in enumerate(rules)}
    device_files = {d.device: d.file for d in report.devices if d.file}
    results = [_result(f, index, device_files, False) for f in sort_findings(report.findings)]
    results += [_result(f, index, device_files, True) for f in sort_findings(report.waived)]
    artifacts = [{"location": {"uri": file_uri(p)}, "roles": ["analysisTarget"]}
                 for p in sorted(set(device_files.values()))]
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": report.tool,
            "version": report.version or "0",
            "semanticVersion": report.version or "0.0.0",
            "informationUri": INFORMATION_URI,
            "rules": [_descriptor(r) for r in rules],
        }},
        "automationDetails": {"id": "greios/audit/"},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if artifacts:
        run["artifacts"] = artifacts
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if report.generated_at:
        invocation["endTimeUtc"] = report.generated_at
    if report.ignored_rules:
        invocation["properties"] = {"ignoredRules": sorted(report.ignored_rules)}
    run["invocations"] = [invocation]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render_sarif(report: AuditReport) -> str:
    return json.dumps(sarif_dict(report), indent=2, ensure_ascii=False) + "\n"
