"""Canonical JSON form of a parsed :class:`~greios.devmodel.model.DeviceConfig`.

Used by the golden-model tests (``test_parser_golden.py``). Every compared field of every
model dataclass is kept; ``Mapping`` keys are sorted, tuples and lazy ACL entry sequences become
lists, frozensets sorted lists, addresses strings. A :class:`~greios.devmodel.secrets.Psk`
holds a digest salted per process, so it is written as its metadata plus a label (``k1``,
``k2``, ...) that is equal for equal keys of one config: key equality is pinned, the digest
(and of course the key) is not.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Interface,
    IPv6Network,
)
from typing import Any

from greios.devmodel.model import DeviceConfig
from greios.devmodel.secrets import Psk


class _Labels:
    def __init__(self) -> None:
        self.by_digest: dict[str, str] = {}

    def of(self, psk: Psk) -> str:
        return self.by_digest.setdefault(psk.digest, f"k{len(self.by_digest) + 1}")


def _dump(obj: Any, labels: _Labels) -> Any:
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, Psk):
        return {"psk": labels.of(obj), "kind": obj.kind, "length": obj.length,
                "comparable": obj.comparable}
    if isinstance(obj, (IPv4Address, IPv4Interface, IPv4Network, IPv6Address, IPv6Interface,
                        IPv6Network)):
        return str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _dump(getattr(obj, f.name), labels)
                for f in dataclasses.fields(obj) if f.compare}
    if isinstance(obj, Mapping):
        return {str(k): _dump(obj[k], labels) for k in sorted(obj)}
    if isinstance(obj, (frozenset, set)):
        return sorted(_dump(x, labels) for x in obj)
    if isinstance(obj, Sequence):
        return [_dump(x, labels) for x in obj]
    raise TypeError(f"no canonical form for {type(obj).__name__}")


def dump_model(cfg: DeviceConfig) -> dict[str, Any]:
    """The canonical, JSON-serialisable form of ``cfg``."""
    out = _dump(cfg, _Labels())
    assert isinstance(out, dict)
    return out


def to_json(model: dict[str, Any]) -> str:
    return json.dumps(model, indent=1, sort_keys=True) + "\n"


def without_lines(model: Any) -> Any:
    """``model`` minus everything that depends on line numbers (``line``, ``lines``,
    ``hostname_line``, the text of ``warnings``)."""
    if isinstance(model, dict):
        return {k: (len(v) if k == "warnings" else without_lines(v)) for k, v in model.items()
                if k not in ("line", "lines", "hostname_line")}
    if isinstance(model, list):
        return [without_lines(x) for x in model]
    return model
