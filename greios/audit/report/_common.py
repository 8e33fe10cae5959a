"""Helpers shared by the report writers: ordering, grouping, the pair matrix, rule look-up.

Everything here is pure: an :class:`~greios.audit.model.AuditReport` in, plain data out.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from greios.audit.model import AuditReport, Finding, Session, SessionStatus, Severity

SEVERITY_ORDER: tuple[Severity, ...] = (Severity.ERROR, Severity.WARNING, Severity.INFO)
FAIL_ON_CHOICES: tuple[str, ...] = ("error", "warning", "never")

# Session status -> "ok" (works, encrypted), "warn" (works, clear text), "fail" (broken).
_STATUS_HEALTH: dict[SessionStatus, str] = {
    SessionStatus.IPSEC_SESSION_ESTABLISHED: "ok",
    SessionStatus.GRE_ONLY: "warn",
    SessionStatus.IKE_PHASE1_FAILED: "fail",
    SessionStatus.IKE_PHASE1_KEY_MISMATCH: "fail",
    SessionStatus.IPSEC_PHASE2_FAILED: "fail",
    SessionStatus.MISSING_END_POINT: "fail",
    SessionStatus.GRE_FAILED: "fail",
}
_HEALTH_RANK = {"ok": 0, "warn": 1, "fail": 2}
NO_PEER = "(no peer)"


def status_health(status: SessionStatus) -> str:
    """``ok``, ``warn`` or ``fail`` for a session status.

    >>> status_health(SessionStatus.GRE_ONLY)
    'warn'
    """
    return _STATUS_HEALTH.get(status, "fail")


def fail_threshold(fail_on: str) -> int | None:
    """Minimum :attr:`Severity.rank` that fails the run; ``None`` for ``never``.

    >>> fail_threshold("warning"), fail_threshold("never")
    (2, None)
    """
    if fail_on == "never":
        return None
    if fail_on not in FAIL_ON_CHOICES:
        raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON_CHOICES)}, not {fail_on!r}")
    return Severity(fail_on).rank


def is_failing(finding: Finding, fail_on: str) -> bool:
    threshold = fail_threshold(fail_on)
    return threshold is not None and finding.severity.rank >= threshold


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Errors first, then by device, rule, object."""
    return sorted(
        findings,
        key=lambda f: (-f.severity.rank, f.device, f.rule, f.object, f.peer_device or ""),
    )


def group_by_severity(findings: Iterable[Finding]) -> list[tuple[Severity, list[Finding]]]:
    """Non-empty groups in severity order (errors first)."""
    ordered = sort_findings(findings)
    groups: list[tuple[Severity, list[Finding]]] = []
    for sev in SEVERITY_ORDER:
        items = [f for f in ordered if f.severity is sev]
        if items:
            groups.append((sev, items))
    return groups


def all_devices(report: AuditReport) -> list[str]:
    """Every device named in the report, in report order then alphabetical for extras."""
    names: list[str] = [d.device for d in report.devices]
    seen = set(names)
    extra: set[str] = set()
    for s in report.sessions:
        for name in (s.device, s.peer_device):
            if name and name not in seen:
                extra.add(name)
    for f in [*report.findings, *report.waived]:
        if f.device not in seen:
            extra.add(f.device)
    return names + sorted(extra)


@dataclass(frozen=True)
class MatrixCell:
    """Worst status of the directed sessions ``row -> column`` and how many there are."""

    status: SessionStatus
    health: str
    count: int
    interfaces: tuple[str, ...]


@dataclass(frozen=True)
class PairMatrix:
    """Devices by devices: the session verdicts of each pair."""

    rows: list[str]
    columns: list[str]  # devices, plus NO_PEER when a session has no peer
    cells: dict[tuple[str, str], MatrixCell]

    def cell(self, row: str, column: str) -> MatrixCell | None:
        return self.cells.get((row, column))


def pair_matrix(sessions: Sequence[Session], devices: Sequence[str]) -> PairMatrix:
    """Initiator (row) x responder (column) matrix of the worst session status.

    >>> s = Session(device="a", interface="Tunnel1", peer_device="b", peer_interface="Tunnel1",
    ...             status=SessionStatus.IPSEC_SESSION_ESTABLISHED)
    >>> m = pair_matrix([s], ["a", "b"])
    >>> m.cell("a", "b").health, m.cell("b", "a")
    ('ok', None)
    """
    grouped: dict[tuple[str, str], list[Session]] = {}
    for s in sessions:
        grouped.setdefault((s.device, s.peer_device or NO_PEER), []).append(s)
    cells: dict[tuple[str, str], MatrixCell] = {}
    for key, items in grouped.items():
        worst = max(items, key=lambda s: _HEALTH_RANK[status_health(s.status)])
        cells[key] = MatrixCell(
            status=worst.status,
            health=status_health(worst.status),
            count=len(items),
            interfaces=tuple(sorted({s.interface for s in items})),
        )
    rows = [d for d in devices if any(k[0] == d for k in cells)]
    rows += sorted({k[0] for k in cells} - set(rows))
    columns = [d for d in devices if any(k[1] == d for k in cells)]
    columns += sorted({k[1] for k in cells} - set(columns) - {NO_PEER})
    if any(k[1] == NO_PEER for k in cells):
        columns.append(NO_PEER)
    return PairMatrix(rows=rows, columns=columns, cells=cells)


def session_counts(sessions: Iterable[Session]) -> dict[str, int]:
    """Sessions per status, only statuses that occur, in enum order."""
    counts = {st.value: 0 for st in SessionStatus}
    for s in sessions:
        counts[s.status.value] += 1
    return {k: v for k, v in counts.items() if v}


def summary(report: AuditReport) -> dict[str, Any]:
    """The numbers every format shows."""
    counts = report.counts()
    health = {"ok": 0, "warn": 0, "fail": 0}
    for s in report.sessions:
        health[status_health(s.status)] += 1
    return {
        "devices": len(report.devices),
        "findings": len(report.findings),
        "errors": counts[Severity.ERROR.value],
        "warnings": counts[Severity.WARNING.value],
        "infos": counts[Severity.INFO.value],
        "waived": len(report.waived),
        "sessions": len(report.sessions),
        "sessions_ok": health["ok"],
        "sessions_unencrypted": health["warn"],
        "sessions_failed": health["fail"],
        "sessions_by_status": session_counts(report.sessions),
    }


def summary_line(report: AuditReport) -> str:
    """One line for stderr/CI logs.

    >>> summary_line(AuditReport())
    '0 devices, 0 errors, 0 warnings, 0 info, 0 waived; 0 sessions (0 failed)'
    """
    s = summary(report)
    return (
        f"{s['devices']} device{'s' if s['devices'] != 1 else ''}, "
        f"{s['errors']} error{'s' if s['errors'] != 1 else ''}, "
        f"{s['warnings']} warning{'s' if s['warnings'] != 1 else ''}, {s['infos']} info, "
        f"{s['waived']} waived; {s['sessions']} session{'s' if s['sessions'] != 1 else ''} "
        f"({s['sessions_failed']} failed)"
    )


# --- rule catalog -----------------------------------------------------------------------


@dataclass(frozen=True)
class RuleInfo:
    """A rule as the report writers describe it."""

    id: str
    title: str  # one-line "what it detects"
    severity: Severity
    scope: str = "dev"
    description: str = ""  # "why it matters"
    remediation: str = ""
    name: str = ""  # PascalCase-ish short name for SARIF ``name``

    @property
    def group(self) -> str:
        return rule_group(self.id)


def rule_group(rule_id: str) -> str:
    """``GRE-001`` -> ``GRE``."""
    return rule_id.split("-", 1)[0]


def _attr(obj: Any, *names: str, default: Any = "") -> Any:
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return default


def _to_rule_info(obj: Any) -> RuleInfo | None:
    rid = _attr(obj, "id", "rule", "rule_id", default=None)
    if not isinstance(rid, str):
        return None
    sev_raw = _attr(obj, "severity", "default_severity", default="warning")
    try:
        sev = Severity(getattr(sev_raw, "value", sev_raw))
    except ValueError:
        sev = Severity.WARNING
    scope_raw = _attr(obj, "scope", default="dev")
    title = str(_attr(obj, "title", "summary", "detects", "short", "description", default=rid))
    return RuleInfo(
        id=rid,
        title=title,
        severity=sev,
        scope=str(getattr(scope_raw, "value", scope_raw)),
        description=str(_attr(obj, "why", "rationale", "description", "help", default="")),
        remediation=str(_attr(obj, "remediation", "fix", default="")),
        name=str(_attr(obj, "name", default="")),
    )


def catalog_rules() -> list[RuleInfo]:
    """Rules of ``greios.audit.catalog`` (empty when the catalog is not importable).

    Accepts a ``load()``/``all_rules()`` function or a ``RULES``/``CATALOG`` mapping or sequence of
    objects or dicts with ``id``, ``severity``, ``scope``, ``title``, ``why``/``description``.
    """
    try:
        mod = importlib.import_module("greios.audit.catalog")
    except ImportError:
        return []
    source: Any = None
    for name in ("load", "all_rules", "RULES", "CATALOG", "rules"):
        candidate = getattr(mod, name, None)
        if callable(candidate):
            try:
                candidate = candidate()
            except ImportError:  # catalog half-built: fall back to what is registered
                continue
        if candidate:
            source = candidate
            break
    if source is None:
        return []
    items = list(source.values()) if isinstance(source, dict) else list(source)
    out = [info for info in (_to_rule_info(i) for i in items) if info is not None]
    return sorted(out, key=lambda r: r.id)


def rules_for_report(report: AuditReport) -> list[RuleInfo]:
    """Catalog rules that were in effect (not ignored), plus any rule a finding names."""
    catalog = {r.id: r for r in catalog_rules()}
    in_effect = {
        rid: r for rid, r in catalog.items() if not rule_matches(rid, report.ignored_rules)
    }
    for f in [*report.findings, *report.waived]:
        if f.rule not in in_effect:
            in_effect[f.rule] = catalog.get(f.rule) or RuleInfo(
                id=f.rule, title=f.rule, severity=f.severity, scope=f.scope.value
            )
    return [in_effect[k] for k in sorted(in_effect)]


def rule_matches(rule_id: str, patterns: Iterable[str]) -> bool:
    """True when ``rule_id`` equals a pattern or starts with it as a group prefix.

    >>> rule_matches("SEC-004", ["SEC"]), rule_matches("SEC-004", ["GRE-001"])
    (True, False)
    """
    rid = rule_id.upper()
    for p in patterns:
        pu = p.upper().rstrip("-*")
        if rid == pu or rid.startswith(pu + "-"):
            return True
    return False
