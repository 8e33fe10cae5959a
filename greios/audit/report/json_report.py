"""``--format json``: the report as JSON, described by ``greios/data/audit.schema.json``.

Field reference: ``docs/audit-json.md``. Bump :data:`SCHEMA_VERSION` on any incompatible
change (renamed/removed field, changed type); adding optional fields is compatible.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from json.encoder import encode_basestring
from typing import Any

from greios.audit.model import AuditReport, Finding, Session
from greios.audit.report._common import sort_findings, summary

SCHEMA_VERSION = "1.0"
SCHEMA_ID = "https://example.invalid/greios/schemas/audit-1.0.schema.json"


class _Dumps:
    """Each finding's and session's dict, made once per report (a pre-change report lists
    the same objects in ``findings``/``introduced`` and ``sessions``/``sessions_after``)."""

    def __init__(self) -> None:
        self._done: dict[int, tuple[Finding | Session, dict[str, Any]]] = {}

    def __call__(self, obj: Finding | Session) -> dict[str, Any]:
        got = self._done.get(id(obj))
        if got is None:
            got = self._done[id(obj)] = (obj, obj.model_dump(mode="json"))  # obj kept alive
        return got[1]

    def sessions(self, sessions: list[Session]) -> list[dict[str, Any]]:
        ordered = sorted(sessions, key=lambda s: (s.device, s.interface, s.peer_device or ""))
        return [self(s) for s in ordered]


def report_dict(report: AuditReport) -> dict[str, Any]:
    """The JSON document as a dict (stable key and list order; an object listed twice is
    one dict, listed twice)."""
    dump = _Dumps()
    change: dict[str, Any] | None = None
    if report.change is not None:
        change = {
            "introduced": [dump(f) for f in sort_findings(report.change.introduced)],
            "resolved": [dump(f) for f in sort_findings(report.change.resolved)],
            "sessions_before": dump.sessions(report.change.sessions_before),
            "sessions_after": dump.sessions(report.change.sessions_after),
        }
    return {
        "$schema": SCHEMA_ID,
        "schema_version": SCHEMA_VERSION,
        "tool": report.tool,
        "version": report.version,
        "generated_at": report.generated_at,
        "title": report.title,
        "summary": summary(report),
        "devices": [d.model_dump(mode="json") for d in report.devices],
        "findings": [dump(f) for f in sort_findings(report.findings)],
        "sessions": dump.sessions(report.sessions),
        "change": change,
        "ignored_rules": sorted(report.ignored_rules),
        "waived": [dump(f) for f in sort_findings(report.waived)],
    }


def render_json(report: AuditReport) -> str:
    return dumps_indented(report_dict(report)) + "\n"


_FLAT = (str, int, float, bool, type(None))
_FLAT_TYPES = frozenset(_FLAT)  # checked for all values at once, in C


@lru_cache(maxsize=64)
def _flat_encoder(level: int) -> Callable[[Any], str]:
    """Encodes a flat container as one line whose items are separated as ``indent=2``
    separates them at ``level``: the C encoder, made once per level (``JSONEncoder.encode``
    makes a new one on every call)."""
    std = json.JSONEncoder(ensure_ascii=False, separators=(",\n" + "  " * level, ": "))
    c_make = getattr(json.encoder, "c_make_encoder", None)
    if c_make is None:  # no C accelerator: the standard encoder
        return std.encode
    # as JSONEncoder.iterencode makes it for ensure_ascii=False (no circular-reference
    # check: a report is a tree)
    make = c_make(None, std.default, encode_basestring, None, std.key_separator,
                  std.item_separator, False, False, True)

    def encode(obj: Any) -> str:
        return "".join(make(obj, 0))

    return encode


def dumps_indented(obj: Any) -> str:
    """``json.dumps(obj, indent=2, ensure_ascii=False)``, text for text, faster: with an
    indent the standard library encodes in Python, value by value (about a second for a
    100-router mesh report); here every container that holds no container is encoded by the
    C encoder with the item separator the indent gives, and only the nesting is walked in
    Python."""
    out: list[str] = []
    _dump(obj, 0, out, {})
    return "".join(out)


#: id of a flat dict -> (the level it was written at, its text there); a dict listed twice
#: (a pre-change report's sessions and sessions_after) is encoded once: its raw newlines are
#: all indentation (a string's own are escaped), so it is re-indented for another level
_Flats = dict[int, tuple[int, str]]


def _dump(obj: Any, level: int, out: list[str], flats: _Flats) -> None:
    if isinstance(obj, dict):
        opener, closer = "{", "}"
    elif isinstance(obj, (list, tuple)):
        opener, closer = "[", "]"
    else:
        out.append(json.dumps(obj, ensure_ascii=False))
        return
    if not obj:
        out.append(opener + closer)
        return
    inner = "\n" + "  " * (level + 1)
    encode = _flat_encoder(level + 1)
    if opener == "{" and (_FLAT_TYPES.issuperset(map(type, obj.values()))
                          or all(isinstance(v, _FLAT) or not v for v in obj.values())):
        # a flat dict (a finding): its items in one C call
        done = flats.get(id(obj))
        if done is None:
            text = opener + inner + encode(obj)[1:-1] + "\n" + "  " * level + closer
            flats[id(obj)] = (level, text)
        elif done[0] == level:
            text = done[1]
        elif done[0] < level:
            text = done[1].replace("\n", "\n" + "  " * (level - done[0]))
        else:
            text = done[1].replace("\n" + "  " * (done[0] - level), "\n")
        out.append(text)
        return
    out.append(opener + inner)
    if opener == "{":
        _dict_items(obj, level, out, encode, flats)
    else:
        _list_items(obj, level, out, encode, flats)
    out.append("\n" + "  " * level + closer)


def _dict_items(obj: dict[Any, Any], level: int, out: list[str], encode: Any,
                flats: _Flats) -> None:
    """The items; each run of items with flat values is encoded in one C call."""
    sep = "," + "\n" + "  " * (level + 1)
    first = True
    run: dict[Any, Any] = {}
    for key, value in obj.items():
        if isinstance(value, _FLAT) or not value:  # an empty container: {} or []
            run[key] = value
            continue
        if run:
            out.append(("" if first else sep) + encode(run)[1:-1])
            first, run = False, {}
        name = key if isinstance(key, str) else _key(key)
        out.append(("" if first else sep) + encode_basestring(name) + ": ")
        first = False
        _dump(value, level + 1, out, flats)
    if run:
        out.append(("" if first else sep) + encode(run)[1:-1])


def _list_items(obj: list[Any] | tuple[Any, ...], level: int, out: list[str],
                encode: Any, flats: _Flats) -> None:
    sep = "," + "\n" + "  " * (level + 1)
    first = True
    run: list[Any] = []
    for value in obj:
        if isinstance(value, _FLAT) or not value:  # an empty container: {} or []
            run.append(value)
            continue
        if run:
            out.append(("" if first else sep) + encode(run)[1:-1])
            first, run = False, []
        if not first:
            out.append(sep)
        first = False
        _dump(value, level + 1, out, flats)
    if run:
        out.append(("" if first else sep) + encode(run)[1:-1])


def _key(key: Any) -> str:
    """A non-string key as the json module writes it (its own rule for each type)."""
    text = json.dumps({key: 0})  # '{"K": 0}'
    decoded: str = json.loads(text[1:text.rindex(":")])
    return decoded
