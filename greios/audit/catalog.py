"""The audit rule catalog: rules as data (ID, severity, scope, texts) plus a check function.

Rule IDs, severities and scopes are exactly those of ``gre-ipsec-reference.md`` §4. Check
functions live in :mod:`greios.audit.rules` and register themselves with :func:`rule`.
Pair rules whose verdict comes from the negotiation (PAIR-001..009, REF-006/007 across a
pair) have ``check=None`` on the pair side: the engine turns session reasons into findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from greios.audit.model import Scope, Severity


@dataclass(frozen=True)
class Hit:
    """One rule hit, before it becomes a :class:`~greios.audit.model.Finding`."""

    object: str
    line: int | None
    detail: str
    severity: Severity | None = None  # overrides the rule's default (e.g. PAIR-010)
    peer_device: str | None = None
    peer_object: str | None = None


Check = Callable[[Any], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    """One audit rule: its ID, severity, scope, texts and check."""

    id: str
    severity: Severity
    scope: Scope
    title: str
    message: str  # template: {detail}, {object}, {device}
    remediation: str
    check: Check | None = field(default=None, compare=False)
    needs_facts: bool = False

    @property
    def group(self) -> str:
        return self.id.split("-")[0]

    def render(self, hit: Hit, device: str) -> str:
        return self.message.format(detail=hit.detail, object=hit.object, device=device)


RULES: dict[str, Rule] = {}


def rule(rule_id: str, severity: str, scope: str, title: str, remediation: str,
         message: str = "{detail}", *, needs_facts: bool = False
         ) -> Callable[[Check], Check]:
    """Register a check function under ``rule_id``."""

    def deco(fn: Check) -> Check:
        RULES[rule_id] = Rule(rule_id, Severity(severity), Scope(scope), title, message,
                              remediation, fn, needs_facts)
        return fn

    return deco


def declare(rule_id: str, severity: str, scope: str, title: str, remediation: str) -> None:
    """A rule whose hits come from the negotiation (no own check function)."""
    RULES[rule_id] = Rule(rule_id, Severity(severity), Scope(scope), title, "{detail}",
                          remediation)


def load() -> dict[str, Rule]:
    """Import every rule module (idempotent) and return the catalog sorted by ID."""
    from greios.audit.rules import crypto, gre, mtu, pair, platform, ref, routing  # noqa: F401

    return dict(sorted(RULES.items(), key=lambda kv: _id_key(kv[0])))


_GROUP_ORDER = ("GRE", "REF", "SEC", "MTU", "RTG", "NAT", "VRF", "VTI", "PAIR", "OPS")


def _id_key(rule_id: str) -> tuple[int, int]:
    g, _, n = rule_id.partition("-")
    return (_GROUP_ORDER.index(g) if g in _GROUP_ORDER else 99, int(n) if n.isdigit() else 0)


def matches(rule_id: str, patterns: Iterable[str]) -> bool:
    """``SEC`` / ``SEC-*`` / ``SEC-001`` style selection."""
    for p in patterns:
        p = p.strip().upper()
        if p.endswith("*"):
            p = p[:-1].rstrip("-")
        if rule_id == p or rule_id.split("-")[0] == p:
            return True
    return False


def iter_rules(scope: Scope | None = None) -> Iterator[Rule]:
    for r in load().values():
        if scope is None or r.scope == scope:
            yield r
