"""Result model of an audit: findings, IPsec/GRE session verdicts and the report envelope.

This module is the contract between the audit engine (rules, pairing, negotiation) and the
report writers (table, md, html, json, junit, sarif). It holds data only.
"""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, ConfigDict, Field


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is more severe (error=3, warning=2, info=1)."""
        return {"error": 3, "warning": 2, "info": 1}[self.value]


class Scope(str, Enum):
    DEV = "dev"  # one running-config
    PAIR = "pair"  # both ends of a tunnel
    INV = "inv"  # needs inventory facts


class SessionStatus(str, Enum):
    """Batfish ``ipsecSessionStatus`` vocabulary, plus two greios extensions."""

    IPSEC_SESSION_ESTABLISHED = "IPSEC_SESSION_ESTABLISHED"
    IKE_PHASE1_FAILED = "IKE_PHASE1_FAILED"
    IKE_PHASE1_KEY_MISMATCH = "IKE_PHASE1_KEY_MISMATCH"
    IPSEC_PHASE2_FAILED = "IPSEC_PHASE2_FAILED"
    MISSING_END_POINT = "MISSING_END_POINT"
    # greios extensions
    GRE_ONLY = "GRE_ONLY"  # plain GRE, no IPsec on either end (works, unencrypted)
    GRE_FAILED = "GRE_FAILED"  # IPsec would negotiate (or is absent) but the GRE layer cannot work


class Finding(BaseModel):
    """One rule hit on one object of one device (or pair)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str  # catalog ID, e.g. "GRE-001"
    severity: Severity
    device: str  # the config's hostname
    object: str  # e.g. "interface Tunnel100", "crypto isakmp policy 10"
    message: str  # never contains a secret
    remediation: str = ""
    scope: Scope = Scope.DEV
    peer_device: str | None = None
    peer_object: str | None = None
    file: str | None = None  # config file path the device came from
    line: int | None = None  # 1-based line of `object` in that file

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity used to compare findings before and after a change."""
        return (self.rule, self.device, self.object, self.peer_device or "")


class Session(BaseModel):
    """A directed tunnel session verdict: ``device`` initiates towards ``peer_device``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    device: str
    interface: str
    peer_device: str | None
    peer_interface: str | None
    status: SessionStatus
    reasons: list[str] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)  # rule IDs behind the reasons
    local_address: str | None = None
    peer_address: str | None = None
    ike_version: int | None = None  # 1, 2 or None when no IPsec
    kind: str = "tunnel-protection"  # or "crypto-map", "gre"


class DeviceSummary(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    device: str
    file: str | None = None
    tunnels: int = 0
    lines: int = 0


class ChangeDelta(BaseModel):
    """Pre-change audit: what the change introduces and resolves."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    introduced: list[Finding] = Field(default_factory=list)
    resolved: list[Finding] = Field(default_factory=list)
    sessions_before: list[Session] = Field(default_factory=list)
    sessions_after: list[Session] = Field(default_factory=list)


class AuditReport(BaseModel):
    """Everything a report writer needs."""

    model_config = ConfigDict(extra="forbid")

    tool: str = "greios"
    version: str = ""
    generated_at: str = ""  # ISO 8601 UTC
    title: str = "greios audit"
    devices: list[DeviceSummary] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    sessions: list[Session] = Field(default_factory=list)
    change: ChangeDelta | None = None
    ignored_rules: list[str] = Field(default_factory=list)
    waived: list[Finding] = Field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        for f in self.findings:
            out[f.severity.value] += 1
        return out
