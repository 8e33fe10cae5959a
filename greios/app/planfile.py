"""Saved plans (``greios plan --out FILE``), applied exactly by ``greios apply FILE``.

A plan file is JSON (mode 0600, written atomically). Per router it holds the fingerprint
of the running config the plan was computed against, the intended (and retired) config
with pre-shared keys as references (``<secret:psk/PAIR>``), the ordered commands and the
rollback - both with every key value, current or old, redacted. It is read back into a
typed, frozen pydantic model (:class:`SavedPlan`): anything malformed or edited into the
wrong shape is refused with ``file:line: field: problem`` (exit 1). ``apply`` does not
trust the commands either: it recomputes them from the recorded inputs and refuses a plan
whose commands differ (:class:`PlanMismatchError`, exit 4).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from greios import __version__
from greios.errors import PlanFileError, StalePlanError
from greios.files import write_private
from greios.inventory.yamlsrc import display_path

FORMAT: Literal["greios-plan"] = "greios-plan"
VERSION: Literal[1] = 1
MAX_BYTES = 64 * 1024 * 1024  # a plan of thousands of routers stays far below this
_MAX_ERRORS = 10


class PlanMismatchError(StalePlanError):
    """The plan's commands are not what its recorded inputs give (hand-edited plan)."""

    default_message = "the saved plan's commands differ from what its inputs give"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


Name = Annotated[str, Field(min_length=1, max_length=128)]
Line = Annotated[str, Field(max_length=4096)]


class SavedLine(_Model):
    sign: Literal["+", "-", "~"]
    text: Line
    old: Line | None = None


class SavedObject(_Model):
    action: Literal["create", "update", "destroy", "replace"]
    header: Line
    kind: Annotated[str, Field(max_length=64)]
    lines: tuple[SavedLine, ...] = ()


class SavedTunnel(_Model):
    interface: Annotated[str, Field(pattern=r"^(?:Tunnel|tun)\d{1,10}$")]
    peer: Name
    peer_address: Annotated[str, Field(max_length=64)]
    ping_size: Annotated[int, Field(ge=68, le=65535)]
    peer_interface: Annotated[str, Field(pattern=r"^((?:Tunnel|tun)\d{1,10})?$")] = ""


class SavedRouter(_Model):
    router: Name
    site: Name
    running_fingerprint: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    commands: tuple[Line, ...]
    rollback: tuple[Line, ...] = ()
    intended: str
    retired: str = ""
    counts: tuple[Annotated[int, Field(ge=0)], Annotated[int, Field(ge=0)],
                  Annotated[int, Field(ge=0)]]
    objects: tuple[SavedObject, ...] = ()
    tunnels: tuple[SavedTunnel, ...] = ()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class SavedPlan(_Model):
    format: Literal["greios-plan"] = FORMAT
    version: Literal[1] = VERSION
    source: Literal["device", "lab", "offline"]
    sites_dir: Annotated[str, Field(min_length=1, max_length=4096)]
    routers: tuple[SavedRouter, ...]
    pairs: tuple[tuple[Name, Name], ...] = ()
    retired_pairs: tuple[Name, ...] = ()
    offline_dir: Annotated[str, Field(max_length=4096)] | None = None
    created: Annotated[str, Field(max_length=64)] = Field(default_factory=_now)
    greios_version: Annotated[str, Field(max_length=64)] = __version__

    @model_validator(mode="after")
    def _one_entry_per_router(self) -> SavedPlan:
        seen: set[str] = set()
        for r in self.routers:
            if r.router in seen:
                raise ValueError(f"router {r.router} appears twice")
            seen.add(r.router)
        return self

    def router(self, name: str) -> SavedRouter:
        return next(r for r in self.routers if r.router == name)

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2) + "\n"


def save_plan(path: Path, plan: SavedPlan, *, forbidden: Iterable[str]) -> None:
    """Write ``plan`` atomically with mode 0600; refuse if a known secret value (a key of
    the store, a key seen in a running config) would end up in the file."""
    text = plan.to_json()
    for value in forbidden:
        if value and len(value) >= 3 and value in text:
            raise PlanFileError("refusing to save a plan that contains a secret value "
                                "(this is a bug in greios)")
    try:
        write_private(path, text)
    except OSError as exc:
        raise PlanFileError(f"{display_path(path)}: cannot write the plan "
                            f"({exc.strerror or type(exc).__name__})") from None


def load_plan(path: Path) -> SavedPlan:
    """Read and validate a plan file; every problem is reported as ``file:line: field``."""
    where = display_path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise PlanFileError(f"{where}: plan file not found") from None
    except IsADirectoryError:
        raise PlanFileError(f"{where}: is a directory, not a plan file") from None
    except OSError as exc:
        raise PlanFileError(f"{where}: cannot read plan file "
                            f"({exc.strerror or type(exc).__name__})") from None
    if len(data) > MAX_BYTES:
        raise PlanFileError(f"{where}: larger than {MAX_BYTES // 2**20} MiB: not a greios plan")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise PlanFileError(f"{where}:{line}: not a greios plan file (not UTF-8 text)"
                            ) from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFileError(f"{where}:{exc.lineno}: not a greios plan file (invalid JSON: "
                            f"{exc.msg})") from None
    except (RecursionError, ValueError) as exc:  # absurd nesting, 5000-digit numbers
        raise PlanFileError(f"{where}: not a greios plan file ({_short(exc)})") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise PlanFileError(f"{where}:1: not a greios plan file (no \"format\": \"{FORMAT}\")")
    if raw.get("version") != VERSION:
        raise PlanFileError(f"{where}:{_line_of(text, ('version',))}: plan file version "
                            f"{str(raw.get('version'))[:20]} is not supported (this greios "
                            f"reads version {VERSION})")
    try:
        return SavedPlan.model_validate_json(text)
    except ValidationError as exc:
        problems = [_located(where, text, err) for err in exc.errors()[:_MAX_ERRORS]]
        more = exc.error_count() - len(problems)
        if more > 0:
            problems.append(f"... and {more} more")
        if len(problems) == 1:
            raise PlanFileError(f"malformed plan file: {problems[0]}") from None
        raise PlanFileError(f"malformed plan file ({exc.error_count()} problems):\n"
                            + "\n".join(f"  {p}" for p in problems)) from None
    except RecursionError:
        raise PlanFileError(f"{where}: not a greios plan file (nested too deeply)") from None


def _short(exc: BaseException) -> str:
    text = str(exc).split("\n")[0]
    return text[:120] or type(exc).__name__


def _dotted(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _located(where: str, text: str, err: Any) -> str:
    loc = tuple(p for p in err.get("loc", ()) if not (isinstance(p, str) and
                                                       p.startswith("function-")))
    line = _line_of(text, loc)
    msg = str(err.get("msg", "invalid value"))
    if err.get("type") == "extra_forbidden":
        msg = "unknown field (a greios plan file has no such key)"
    elif err.get("type") == "missing":
        msg = "missing field"
    return f"{where}:{line}: {_dotted(loc)}: {msg}"


def _line_of(text: str, path: tuple[Any, ...]) -> int:
    """Line of the value at ``path`` (keys and list indexes) in valid JSON ``text``;
    the deepest existing ancestor's line when the path does not exist (1 if unknown)."""
    try:
        return _Locator(text).find(path)
    except (RecursionError, ValueError, IndexError):
        return 1


_scanstring: Callable[[str, int], tuple[str, int]] = getattr(json.decoder, "scanstring")  # noqa: B009


class _Locator:
    """Just enough of a JSON scanner to map a value's path to its line."""

    _WS = re.compile(r"[ \t\n\r]*")
    _SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")

    def __init__(self, text: str) -> None:
        self.text = text

    def line(self, pos: int) -> int:
        return self.text.count("\n", 0, pos) + 1

    def ws(self, pos: int) -> int:
        m = self._WS.match(self.text, pos)
        return m.end() if m else pos

    def find(self, path: tuple[Any, ...]) -> int:
        pos = self.ws(0)
        for part in path:
            nxt = self.child(pos, part)
            if nxt is None:
                break
            pos = nxt
        return self.line(pos)

    def child(self, pos: int, part: Any) -> int | None:
        """Position of member ``part`` of the object/array at ``pos`` (None: absent)."""
        ch = self.text[pos]
        if ch == "{" and isinstance(part, str):
            pos = self.ws(pos + 1)
            while self.text[pos] != "}":
                key, pos = _scanstring(self.text, pos + 1)
                pos = self.ws(self.ws(pos) + 1)  # past ':'
                if key == part:
                    return pos
                pos = self.ws(self.skip(pos))
                if self.text[pos] == ",":
                    pos = self.ws(pos + 1)
            return None
        if ch == "[" and isinstance(part, int):
            pos = self.ws(pos + 1)
            index = 0
            while self.text[pos] != "]":
                if index == part:
                    return pos
                pos = self.ws(self.skip(pos))
                if self.text[pos] == ",":
                    pos = self.ws(pos + 1)
                index += 1
        return None

    def skip(self, pos: int) -> int:
        """Position after the value at ``pos``."""
        ch = self.text[pos]
        if ch == '"':
            return _scanstring(self.text, pos + 1)[1]
        if ch in "{[":
            close = "}" if ch == "{" else "]"
            pos = self.ws(pos + 1)
            while self.text[pos] != close:
                if ch == "{":
                    pos = _scanstring(self.text, pos + 1)[1]
                    pos = self.ws(self.ws(pos) + 1)
                pos = self.ws(self.skip(pos))
                if self.text[pos] == ",":
                    pos = self.ws(pos + 1)
            return pos + 1
        m = self._SCALAR.match(self.text, pos)
        if m is None:
            raise ValueError("unexpected JSON")
        return m.end()
