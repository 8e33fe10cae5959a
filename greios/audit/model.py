"""Result model of an audit: findings, IPsec/GRE session verdicts and the report envelope.

This module is the contract between the audit engine (rules, pairing, negotiation) and the
report writers (table, md, html, json, junit, sarif). It holds data only: keyword-only
dataclasses (an audit process then needs no pydantic: ~0.2 s of its start-up), with the
little of pydantic's model API the writers and the redaction use (``model_dump``,
``model_dump_json``, ``model_validate``). Enum fields accept their values as strings, as
they did under pydantic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from enum import Enum
from operator import attrgetter
from typing import Any, ClassVar, TypeVar

_M = TypeVar("_M", bound="_Model")


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


def _dump(value: Any, json_mode: bool) -> Any:
    if isinstance(value, _Model):
        return value.model_dump(mode="json" if json_mode else "python")
    if isinstance(value, list):
        return [_dump(v, json_mode) for v in value]
    if json_mode and isinstance(value, Enum):
        return value.value
    return value


class _Model:
    """The part of pydantic's ``BaseModel`` API used on the report model."""

    __slots__ = ()
    _names: ClassVar[tuple[str, ...]] = ()  # the fields, in order (set below each class)
    _enums: ClassVar[dict[str, type[Enum]]] = {}  # field -> enum its strings are read as
    _lists: ClassVar[tuple[str, ...]] = ()  # list fields
    _nested: ClassVar[dict[str, type[_Model]]] = {}  # field -> model of (each of) its dicts
    #: the fields' values as a tuple, in ``_names`` order (set below each class; every
    #: model has two fields or more, so attrgetter returns a tuple)
    _values: ClassVar[attrgetter[Any]]

    def __post_init__(self) -> None:
        """Enum fields from their values; lists copied (as pydantic's validation did)."""
        for name, enum in self._enums.items():
            value = getattr(self, name)
            if not isinstance(value, enum):
                object.__setattr__(self, name, enum(value))
        for name in self._lists:
            object.__setattr__(self, name, list(getattr(self, name)))

    def model_dump(self, *, mode: str = "python") -> dict[str, Any]:
        json_mode = mode == "json"
        # the fields in one C call (a report holds tens of thousands of findings/sessions)
        out = dict(zip(self._names, self._values(self), strict=True))
        if json_mode:
            for name in self._enums:
                out[name] = out[name].value
        for name in self._lists:
            # plain strings (a session's reasons and rule IDs) are copied as they are
            out[name] = [v if type(v) is str else _dump(v, json_mode) for v in out[name]]
        for name in self._nested:
            value = out[name]
            if isinstance(value, _Model):
                out[name] = value.model_dump(mode=mode)
        return out

    def model_dump_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), ensure_ascii=False,
                          separators=(",", ":"))

    @classmethod
    def model_validate(cls: type[_M], data: dict[str, Any]) -> _M:
        kw = dict(data)
        for name, model in cls._nested.items():
            value = kw.get(name)
            if isinstance(value, list):
                kw[name] = [model.model_validate(v) if isinstance(v, dict) else v
                            for v in value]
            elif isinstance(value, dict):
                kw[name] = model.model_validate(value)
        return cls(**kw)


@dataclass(frozen=True, kw_only=True)
class Finding(_Model):
    """One rule hit on one object of one device (or pair)."""

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

    _enums: ClassVar[dict[str, type[Enum]]] = {"severity": Severity, "scope": Scope}

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Identity used to compare findings before and after a change."""
        return (self.rule, self.device, self.object, self.peer_device or "")


@dataclass(frozen=True, kw_only=True)
class Session(_Model):
    """A directed tunnel session verdict: ``device`` initiates towards ``peer_device``."""

    device: str
    interface: str
    peer_device: str | None
    peer_interface: str | None
    status: SessionStatus
    reasons: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)  # rule IDs behind the reasons
    local_address: str | None = None
    peer_address: str | None = None
    ike_version: int | None = None  # 1, 2 or None when no IPsec
    kind: str = "tunnel-protection"  # or "crypto-map", "gre"

    _enums: ClassVar[dict[str, type[Enum]]] = {"status": SessionStatus}
    _lists: ClassVar[tuple[str, ...]] = ("reasons", "rules")


@dataclass(frozen=True, kw_only=True)
class DeviceSummary(_Model):
    """One audited device: its file, tunnels and lines."""

    device: str
    file: str | None = None
    tunnels: int = 0
    lines: int = 0


@dataclass(frozen=True, kw_only=True)
class ChangeDelta(_Model):
    """Pre-change audit: what the change introduces and resolves."""

    introduced: list[Finding] = field(default_factory=list)
    resolved: list[Finding] = field(default_factory=list)
    sessions_before: list[Session] = field(default_factory=list)
    sessions_after: list[Session] = field(default_factory=list)

    _nested: ClassVar[dict[str, type[_Model]]] = {
        "introduced": Finding, "resolved": Finding, "sessions_before": Session,
        "sessions_after": Session}
    _lists: ClassVar[tuple[str, ...]] = tuple(_nested)


@dataclass(kw_only=True)
class AuditReport(_Model):
    """Everything a report writer needs."""

    tool: str = "greios"
    version: str = ""
    generated_at: str = ""  # ISO 8601 UTC
    title: str = "greios audit"
    devices: list[DeviceSummary] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    sessions: list[Session] = field(default_factory=list)
    change: ChangeDelta | None = None
    ignored_rules: list[str] = field(default_factory=list)
    waived: list[Finding] = field(default_factory=list)

    _nested: ClassVar[dict[str, type[_Model]]] = {
        "devices": DeviceSummary, "findings": Finding, "sessions": Session,
        "change": ChangeDelta, "waived": Finding}
    _lists: ClassVar[tuple[str, ...]] = ("devices", "findings", "sessions", "ignored_rules",
                                         "waived")

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        for f in self.findings:
            out[f.severity.value] += 1
        return out


for _cls in (Finding, Session, DeviceSummary, ChangeDelta, AuditReport):
    _cls._names = tuple(f.name for f in fields(_cls))
    assert len(_cls._names) > 1
    _cls._values = attrgetter(*_cls._names)
