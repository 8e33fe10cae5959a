"""YAML loading that remembers where every value came from, with limits.

Every greios input file (site files, ``greios.yaml``, the lock and the secrets file) goes
through :func:`load_yaml`. It reads the file's parser *events* (libyaml's C parser when
available, PyYAML's pure-Python parser otherwise) and builds plain Python data itself,
without recursion, together with a map ``path -> line`` (1-based). Nothing it can be given
hangs or exhausts memory, and every problem is one located message:

* size: files above :data:`MAX_BYTES` are refused before they are read; only regular files
  are read (never a FIFO or a device);
* nesting deeper than :data:`MAX_DEPTH`, more than :data:`MAX_VALUES` values (counting what
  aliases expand to, so "billion laughs" stops early), more than :data:`MAX_ALIASES`
  aliases, recursive or undefined aliases;
* numbers longer than :data:`MAX_NUMBER_CHARS` characters, tags other than the YAML core
  ones (``!Ref``, ``!!python/...``), values that do not fit their tag (``!!int abc``);
* control characters and invalid UTF-8 (with the line), duplicate keys (PyYAML would
  silently keep the last one), merge keys, non-scalar keys, several documents.

A syntax error stops the file: one message, no data (callers skip checks that would
cascade). PyYAML's wording is rephrased. For the secrets file (``secret=True``) no message
ever quotes a value.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from yaml import events as ev

Path_ = tuple[str | int, ...]

MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64
MAX_VALUES = 500_000
MAX_ALIASES = 1_000
MAX_NUMBER_CHARS = 64

try:  # libyaml's C parser: about 30x faster than the pure-Python one
    from yaml import CSafeLoader as _EventLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _EventLoader  # type: ignore[assignment]

_CORE = "tag:yaml.org,2002:"
_STR, _INT, _FLOAT, _BOOL, _NULL = (f"{_CORE}{t}" for t in ("str", "int", "float", "bool",
                                                           "null"))
_SEQ, _MAP, _MERGE, _TIMESTAMP = (f"{_CORE}{t}" for t in ("seq", "map", "merge", "timestamp"))
_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
# PyYAML's Reader.NON_PRINTABLE: characters YAML does not allow anywhere
_NON_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass
class YamlDoc:
    """A parsed YAML file: the data and the line of every value path.

    ``fatal`` is set when the file could not be read or parsed at all (``data`` is None and
    ``problems`` holds the one reason).
    """

    file: Path
    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    fatal: bool = False
    digest: str = ""  # sha256 of the bytes read (to notice a later change on disk)

    def line_of(self, path: Path_) -> int:
        """Line of ``path``, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), 1)

    def where(self, path: Path_) -> str:
        """``file:line: a.b[0].c`` prefix for a message about ``path``."""
        return f"{display_path(self.file)}:{self.line_of(path)}: {format_path(path)}"


def format_path(path: Path_) -> str:
    """Render a YAML path like ``routers[0].underlay.address``.

    >>> format_path(("routers", 0, "underlay", "address"))
    'routers[0].underlay.address'
    >>> format_path(())
    '(top level)'
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def display_path(path: Path) -> str:
    """Path relative to the working directory when possible (shorter messages).

    Never raises: a symlink loop or an over-long name is shown as given.
    """
    try:
        cwd = str(Path.cwd())
    except OSError:
        return str(path)
    return _display(str(path), cwd)


@lru_cache(maxsize=8192)
def _display(path: str, cwd: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(cwd).resolve()))
    except (ValueError, OSError, RuntimeError):
        return path


def os_reason(exc: OSError) -> str:
    """A short reason for an OS error, e.g. 'symlink loop' (no Python wording)."""
    reasons = {
        errno.ENOENT: "no such file",
        errno.ELOOP: "symlink loop",
        errno.ENAMETOOLONG: "file name too long",
        errno.EACCES: "permission denied",
        errno.EISDIR: "is a directory, not a file",
        errno.ENOTDIR: "a parent is not a directory",
    }
    return reasons.get(exc.errno or 0, exc.strerror or type(exc).__name__)


def read_limited(file: Path, limit: int | None = None) -> bytes:
    """Bytes of a regular file of at most ``limit`` (default :data:`MAX_BYTES`) bytes;
    ``ValueError`` with a short reason otherwise (never blocks on a FIFO or reads a
    device)."""
    if limit is None:
        limit = MAX_BYTES
    try:
        fd = os.open(file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ValueError(f"cannot read: {os_reason(exc)}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise ValueError("is a directory, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise ValueError("not a regular file")
        if st.st_size > limit:
            raise ValueError(f"file is larger than {limit // (1024 * 1024)} MiB")
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise ValueError(f"file is larger than {limit // (1024 * 1024)} MiB")
        return b"".join(chunks)
    except OSError as exc:
        raise ValueError(f"cannot read: {os_reason(exc)}") from None
    finally:
        os.close(fd)


class _StopError(Exception):
    """Abort the file: a limit was hit or the YAML is malformed (message, 1-based line)."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


_SKIP = object()  # key of a mapping entry that is reported and dropped


class _Frame:
    __slots__ = ("anchor", "is_map", "key", "line", "path", "value", "weight")

    def __init__(self, is_map: bool, path: Path_, anchor: str | None) -> None:
        self.is_map = is_map
        self.value: Any = {} if is_map else []
        self.path = path
        self.anchor = anchor
        self.key: Any = None  # map frames: None = next value is a key
        self.weight = 1
        self.line = 1


class _Builder:
    """Plain data from parser events, iteratively, with limits and line numbers."""

    def __init__(self, doc: YamlDoc, secret: bool) -> None:
        self.doc = doc
        self.secret = secret
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.values = 0
        self.aliases = 0

    def problem(self, path: Path_, line: int, message: str) -> None:
        prefix = f"{display_path(self.doc.file)}:{line}"
        self.doc.problems.append(f"{prefix}: {format_path(path)}: {message}" if path
                                 else f"{prefix}: {message}")

    def _shown(self, value: str) -> str:
        if self.secret:
            return "<redacted>"
        return repr(value if len(value) <= 40 else value[:37] + "...")

    # ---------------------------------------------------------------- scalars

    def scalar(self, e: Any, path: Path_) -> Any:
        value = e.value
        tag = e.tag
        line = e.start_mark.line + 1
        if tag is None or tag == "!":
            if not e.implicit[0]:
                return value  # quoted: a string
            tag = _resolve(value)
        elif tag.startswith("!") or not tag.startswith(_CORE):
            self.problem(path, line, f"unsupported YAML tag '{_short_tag(tag)}' (greios "
                         "files use plain YAML values)")
            return None
        if tag in (_STR, _TIMESTAMP):  # dates stay text: no field takes a date
            return value
        if tag == _NULL:
            return None
        if tag == _MERGE:  # '<<' as a value: just text
            return value
        if tag not in (_INT, _FLOAT, _BOOL):
            self.problem(path, line, f"unsupported YAML tag '{_short_tag(tag)}' (greios "
                         "files use plain YAML values)")
            return None
        if len(value) > MAX_NUMBER_CHARS and tag != _BOOL:
            self.problem(path, line, f"number too long ({len(value)} characters; at most "
                         f"{MAX_NUMBER_CHARS})")
            return None
        node = yaml.ScalarNode(tag, value)
        try:
            if tag == _INT:
                return _CONSTRUCTOR.construct_yaml_int(node)
            if tag == _FLOAT:
                return _CONSTRUCTOR.construct_yaml_float(node)
            return _CONSTRUCTOR.construct_yaml_bool(node)
        except (ValueError, KeyError, TypeError, OverflowError, yaml.YAMLError):
            kind = tag[len(_CORE):]
            self.problem(path, line, f"{self._shown(value)} is not a valid {kind}")
            return None

    # ---------------------------------------------------------------- structure

    def build(self, get_event: Any) -> Any:
        """Data of the document whose events ``get_event()`` returns one by one."""
        stack: list[_Frame] = []
        root: Any = None
        have_root = False
        started = False
        # local names: this loop runs once per event of every inventory file
        scalar_event, alias_event, end_event = ev.ScalarEvent, ev.AliasEvent, ev.StreamEndEvent
        lines = self.doc.lines
        nulls = _NULLS
        while True:
            e = get_event()
            t = type(e)
            if e is None or t is end_event:
                break
            if t is scalar_event or t is alias_event:
                top = stack[-1] if stack else None
                if top is not None and top.is_map and top.key is None:
                    if t is scalar_event and e.tag is None and e.anchor is None \
                            and e.value not in nulls and e.value != "<<" \
                            and e.value not in top.value:  # the usual key: fast path
                        key = e.value
                        line = e.start_mark.line + 1
                        child = (*top.path, key)
                        lines[child] = line
                        top.key = key
                        top.weight += 1
                        self.values += 1
                        if self.values > MAX_VALUES:
                            self._count(0, line)
                    else:
                        self._key(top, e, e.start_mark.line + 1)
                    continue
                value = self._leaf(top, e, t is scalar_event)
                if top is None:
                    root, have_root = value, True
            elif t is ev.MappingStartEvent or t is ev.SequenceStartEvent:
                stack.append(self._open(stack, e, t is ev.MappingStartEvent))
            elif t is ev.MappingEndEvent or t is ev.SequenceEndEvent:
                frame = stack.pop()
                if not stack:
                    self._close(frame, None)
                    root, have_root = frame.value, True
                else:
                    self._close(frame, stack[-1])
            elif t is ev.DocumentStartEvent:
                if started:
                    raise _StopError("more than one YAML document in the file (remove the extra "
                                     "'---')", e.start_mark.line + 1)
                started = True
        return root if have_root else None

    def _leaf(self, top: _Frame | None, e: Any, is_scalar: bool) -> Any:
        """A scalar or alias value: its line recorded, counted, added to ``top``."""
        line = e.start_mark.line + 1
        lines = self.doc.lines
        skip = _SKIP
        if top is None:
            path: Path_ = ()
        elif top.is_map:
            path = (*top.path, top.key) if top.key is not skip else top.path
        else:
            path = (*top.path, len(top.value))
        if path not in lines and (top is None or top.key is not skip):
            lines[path] = line
        if is_scalar:
            value = e.value
            if e.tag is not None or (e.implicit[0] and _has_resolvers(value)):
                value = self.scalar(e, path)
            weight = 1
            if e.anchor is not None:
                self.anchors[e.anchor] = (value, 1)
        else:
            value, weight = self._alias(e, line)
        self.values += weight
        if self.values > MAX_VALUES:
            self._count(0, line)
        if top is None:
            return value
        top.weight += weight
        if not top.is_map:
            top.value.append(value)
            return value
        if top.key is not skip:
            top.value[top.key] = value
        top.key = None
        return value

    def _open(self, stack: list[_Frame], e: Any, is_map: bool) -> _Frame:
        """The frame of a mapping or list that starts now."""
        line = e.start_mark.line + 1
        path = self._value_path(stack, line)
        if e.tag not in (None, "!", _MAP if is_map else _SEQ):
            self.problem(path, line, f"unsupported YAML tag '{_short_tag(e.tag)}' "
                         f"for a {'mapping' if is_map else 'list'}")
        if len(stack) >= MAX_DEPTH:
            raise _StopError(f"nested deeper than {MAX_DEPTH} levels", line)
        self._count(1, line)
        frame = _Frame(is_map, path, e.anchor)
        frame.line = line
        if e.anchor is not None:
            self.open_anchors.add(e.anchor)
        return frame

    def _close(self, frame: _Frame, top: _Frame | None) -> None:
        """A mapping or list ended: record its anchor, add it to ``top`` (None: the root)."""
        if frame.anchor is not None:
            self.open_anchors.discard(frame.anchor)
            self.anchors[frame.anchor] = (frame.value, frame.weight)
        if top is None:
            return
        top.weight += frame.weight
        if not top.is_map:
            top.value.append(frame.value)
        elif top.key is None:
            self.problem(top.path, frame.line, "mapping keys must be plain strings")
            top.key = _SKIP
        else:
            if top.key is not _SKIP:
                top.value[top.key] = frame.value
            top.key = None

    def _value_path(self, stack: list[_Frame], line: int) -> Path_:
        """Path of the value that starts now (its line is recorded unless it is a key)."""
        if not stack:
            path: Path_ = ()
        else:
            top = stack[-1]
            if top.is_map:
                if top.key is None or top.key is _SKIP:  # a key, or a dropped entry
                    return top.path
                path = (*top.path, top.key)
            else:
                path = (*top.path, len(top.value))
        self.doc.lines.setdefault(path, line)
        return path

    def _key(self, top: _Frame, e: Any, line: int) -> None:
        """A scalar or alias in key position: keys are names, taken as written."""
        self._count(1, line)
        top.weight += 1
        key: str | None = None
        if type(e) is ev.AliasEvent:
            value, _ = self._alias(e, line)
            if isinstance(value, str) or (isinstance(value, int)
                                          and not isinstance(value, bool)):
                key = str(value)
        else:
            if e.anchor is not None:
                self.anchors[e.anchor] = (e.value, 1)
            plain = e.implicit[0] and e.tag in (None, "!")
            if plain and e.value == "<<":
                self.problem(top.path, line, "YAML merge keys (<<) are not supported")
                top.key = _SKIP
                return
            if e.tag in (None, "!", _STR) and not (plain and e.value in _NULLS):
                key = e.value
        if key is None:
            self.problem(top.path, line, "mapping keys must be plain strings")
            top.key = _SKIP
            return
        child = (*top.path, key)
        self.doc.lines[child] = line
        if key in top.value:
            self.problem(child, line, f"duplicate key '{key}'")
            top.key = _SKIP
        else:
            top.key = key

    def _alias(self, e: Any, line: int) -> tuple[Any, int]:
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise _StopError(f"more than {MAX_ALIASES} aliases (*name) in the file", line)
        name = e.anchor
        if name in self.open_anchors:
            raise _StopError(f"recursive alias *{name}: it refers to a collection that contains it",
                        line)
        if name not in self.anchors:
            raise _StopError(f"undefined alias *{name} (no &{name} before it)", line)
        return self.anchors[name]

    def _count(self, weight: int, line: int) -> None:
        self.values += weight
        if self.values > MAX_VALUES:
            raise _StopError(f"more than {MAX_VALUES:,} values (counting what aliases expand to): "
                        "refusing a file this large", line)


_BY_FIRST: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
_NULLS = ("", "~", "null", "Null", "NULL")


def _has_resolvers(value: str) -> bool:
    """Whether a plain scalar might be something other than a string (int, bool, ...)."""
    first = value[:1]
    candidates = _BY_FIRST.get(first)
    if candidates is None:
        candidates = _BY_FIRST[first] = [*_IMPLICIT.get(first, []), *_IMPLICIT.get(None, [])]
    return bool(candidates)


def _resolve(value: str) -> str:
    """Implicit tag of a plain scalar (YAML 1.1 as PyYAML's SafeLoader resolves it)."""
    first = value[:1]
    candidates = _BY_FIRST.get(first)
    if candidates is None:
        candidates = _BY_FIRST[first] = [*_IMPLICIT.get(first, []), *_IMPLICIT.get(None, [])]
    for tag, regexp in candidates:
        if regexp.match(value):
            return str(tag)
    return _STR


def _short_tag(tag: str | None) -> str:
    if tag and tag.startswith(_CORE):
        return "!!" + tag[len(_CORE):]
    return tag or "?"


# PyYAML / libyaml wording -> what a user can act on
_SYNTAX = [
    ("exceeded maximum nesting depth", f"nested deeper than {MAX_DEPTH} levels"),
    ("mapping values are not allowed", "unexpected ':' (a value that contains ': ' must be "
     "quoted)"),
    ("could not find expected ':'", "expected 'key: value' (a missing ':' or a value "
     "continued on the next line?)"),
    ("did not find expected key", "bad indentation or a missing ':'"),
    ("did not find expected '-' indicator", "bad indentation of a list item ('- ')"),
    ("block sequence entries are not allowed", "a list item ('- ') where a value was "
     "expected: check the indentation"),
    ("tab", "tab character (YAML indents with spaces)"),
    ("cannot start any token", "a value cannot start with this character: quote the value"),
    ("expected ',' or ']'", "unclosed '[' or a missing ','"),
    ("expected ',' or '}'", "unclosed '{' or a missing ','"),
    ("end of stream", "unexpected end of file (an unclosed quote or bracket?)"),
    ("escape", "invalid escape sequence in a double-quoted string (use single quotes for "
     "backslashes)"),
    ("did not find expected node content", "a value is missing or starts with a reserved "
     "character (quote it)"),
    ("document start", "unexpected content after the end of the document"),
    ("another document", "more than one YAML document in the file"),
    ("single document", "more than one YAML document in the file"),
    ("tag", "invalid YAML tag (greios files use plain YAML values)"),
    ("directive", "invalid YAML directive ('%' line)"),
    ("anchor", "invalid or duplicate anchor (&name)"),
    ("alias", "invalid alias (*name)"),
    ("simple key", "a key without its ':' (or a key longer than 1024 characters)"),
    ("block end", "bad indentation"),
    ("block mapping", "bad indentation"),
]


def _syntax_message(exc: yaml.MarkedYAMLError, text: str, secret: bool) -> str:
    mark = exc.problem_mark or exc.context_mark
    char = ""
    if mark is not None:
        lines = text.splitlines()
        if 0 <= mark.line < len(lines) and 0 <= mark.column < len(lines[mark.line]):
            char = lines[mark.line][mark.column]
    if char == "\t":
        return "tab character (YAML indents with spaces)"
    wording = " ".join(s for s in (exc.context, exc.problem) if s).lower()
    for needle, message in _SYNTAX:
        if needle in wording:
            if needle == "cannot start any token" and char and not secret:
                return f"a value cannot start with {char!r}: quote the value"
            return message
    return "invalid YAML syntax"


def load_yaml(file: Path, *, secret: bool = False) -> YamlDoc:
    """Load one YAML file; every problem becomes a located ``problems`` entry.

    With ``secret`` (the secrets file) no message quotes a value of the file.
    """
    doc = YamlDoc(file=file, data=None)
    try:
        raw = read_limited(file)
    except ValueError as exc:
        doc.problems.append(f"{display_path(file)}: {exc}")
        doc.fatal = True
        return doc
    doc.digest = hashlib.sha256(raw).hexdigest()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        doc.problems.append(f"{display_path(file)}:{line}: not UTF-8 text (binary file?)")
        doc.fatal = True
        return doc
    bad = _NON_PRINTABLE.search(text)
    if bad is not None:
        line = text.count("\n", 0, bad.start()) + 1
        doc.problems.append(f"{display_path(file)}:{line}: control character "
                            f"U+{ord(bad.group()):04X} is not allowed in YAML (binary file?)")
        doc.fatal = True
        return doc
    loader = _EventLoader(text)
    builder = _Builder(doc, secret)
    try:
        data = builder.build(loader.get_event)
    except _StopError as stop:
        doc.problems.append(f"{display_path(file)}:{stop.line}: {stop.message}")
        doc.fatal = True
        return doc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        doc.problems.append(f"{display_path(file)}:{line}: invalid YAML: "
                            f"{_syntax_message(exc, text, secret)}")
        doc.fatal = True
        return doc
    except yaml.YAMLError:
        doc.problems.append(f"{display_path(file)}:1: invalid YAML")
        doc.fatal = True
        return doc
    finally:
        loader.dispose()
    if data is None:
        data = {}
        doc.lines.setdefault((), 1)
    doc.data = data
    return doc
