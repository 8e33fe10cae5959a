"""Redaction, the one module: the ``<redacted>`` marker, secret lines, scrubbing.

Three jobs, one vocabulary:

* **secret lines** (:func:`redact_line`, :func:`redact_text`, :func:`config_secrets`): which
  part of a config line is a secret. The patterns come from the platforms
  (``PLATFORM.secret_patterns``, see :mod:`greios.platforms.base`): regexes whose group 1
  is the secret; every pattern needs one of :data:`HINT_WORDS`, so lines without any are
  skipped cheaply;
* **scrubbing** known secret values out of texts and structured reports
  (:class:`SecretMatcher`, :func:`scrub`, :func:`scrub_output`, :func:`scrub_report`): whole
  tokens, in time linear in the text whatever the number of secrets;
* **logs** (:func:`scrub_text`): every occurrence, also inside a longer token (a device
  session's own few secrets, in one log message).

:func:`comment_out_redacted` keeps a redacted render from setting the key ``<redacted>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any, Protocol, TypeVar


class _Report(Protocol):
    """A structured report: pydantic's model API, as the audit report model has it."""

    def model_dump(self, *, mode: str = ...) -> dict[str, Any]: ...

    def model_dump_json(self) -> str: ...

    @classmethod
    def model_validate(cls, data: dict[str, Any]) -> Any: ...


M = TypeVar("M", bound=_Report)

REDACTED = "<redacted>"

#: every secret pattern needs one of these words (case-insensitive)
HINT_WORDS = ("key", "password", "secret", "community")
_HINT = re.compile("|".join(HINT_WORDS), re.IGNORECASE)
_HINT_LOWER = re.compile("|".join(HINT_WORDS))
#: line boundaries of str.splitlines other than "\n"
OTHER_LINE_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


# --- secret lines -------------------------------------------------------------------------


@cache
def secret_patterns() -> tuple[re.Pattern[str], ...]:
    """The secret-line patterns of every registered platform (registry order, no repeats)."""
    from greios.platforms import REGISTRY, get

    out: dict[str, re.Pattern[str]] = {}
    for name in dict.fromkeys(REGISTRY):
        for rx in get(name).secret_patterns:
            out.setdefault(f"{rx.flags}:{rx.pattern}", rx)
    return tuple(out.values())


def _may_hold_secret(line: str) -> bool:
    if line.isascii():
        return _HINT_LOWER.search(line.lower()) is not None
    return _HINT.search(line) is not None


def redact_line(line: str) -> str:
    """Replace the secret in one config line with ``<redacted>`` (the first pattern that
    finds one decides; a key line's type digit goes with its key).

    >>> redact_line("  pre-shared-key local 0 Sup3r")
    '  pre-shared-key local <redacted>'
    >>> redact_line("crypto isakmp key 6 HASH address 10.0.0.1")
    'crypto isakmp key <redacted> address 10.0.0.1'
    >>> redact_line(" tunnel destination 10.0.0.1")
    ' tunnel destination 10.0.0.1'
    """
    if not _may_hold_secret(line):
        return line
    for rx in secret_patterns():
        if m := rx.search(line):
            start = m.start("type") if "type" in rx.groupindex and m["type"] else m.start("key")
            return f"{line[:start]}{REDACTED}{line[m.end('key'):]}"
    return line


def redact_text(text: str) -> str:
    """:func:`redact_line` over every line of ``text``."""
    return "\n".join(redact_line(line) for line in text.split("\n"))


def config_secrets(texts: Iterable[str],
                   patterns: Iterable[re.Pattern[str]] | None = None) -> set[str]:
    """Every secret-looking value (3 characters or more) in the config texts.

    >>> sorted(config_secrets(["crypto isakmp key S3cret-Key address 192.0.2.1",
    ...                        " pre-shared-key local 0 Another1"]))
    ['Another1', 'S3cret-Key']
    """
    found: set[str] = set()
    hint = _HINT.search
    lines: set[str] = set()  # each distinct line once (many repeat across routers)
    for text in texts:
        lines.update(_hinted_lines(text) if OTHER_LINE_BREAKS.search(text) is None
                     else [line for line in text.splitlines() if hint(line) is not None])
    if not lines:  # nothing to match: the platforms' patterns need not even be loaded
        return found
    rxs = secret_patterns() if patterns is None else tuple(patterns)
    for line in lines:
        for pat in rxs:
            m = pat.search(line)
            if m and len(m["key"]) >= 3:
                found.add(m["key"])
    return found


def _hinted_lines(text: str) -> list[str]:
    """The lines of ``text`` holding a hint word, when "\\n" is its only line boundary: the
    words are found in one scan, and only their lines are cut out."""
    lines: list[str] = []
    end = -1
    # ASCII text: case-insensitive = lower-case first, and a plain pattern scans far faster
    hits = _HINT_LOWER.finditer(text.lower()) if text.isascii() else _HINT.finditer(text)
    for m in hits:
        if m.start() < end:
            continue  # same line as the previous hit
        start = text.rfind("\n", 0, m.start()) + 1
        end = text.find("\n", m.end())
        if end < 0:
            end = len(text)
        lines.append(text[start:end])
    return lines


_RUN = re.compile(r"[\w-]+")
#: ASCII bytes outside [\w-] -> space (for ASCII, \w is [A-Za-z0-9_])
_NOT_RUN_BYTES = bytes(b if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "_-") else 32
                       for b in range(256))


class SecretMatcher:
    """Finds secrets as whole tokens (not preceded or followed by ``[\\w-]``) in any number
    of texts, in time linear in the text and independent of the number of secrets.

    Each secret is indexed by its longest ``[\\w-]`` run (its *anchor*): wherever the secret
    occurs as a whole token, each of its runs is a whole run of the text too, so only runs
    of the text that are some secret's anchor are looked at. Overlaps resolve like the regex
    alternation ``(?<![\\w-])(?:longest|...|shortest)(?![\\w-])`` scanning left to right:
    the leftmost occurrence wins, the longest secret at that position first.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        self.anchors: dict[str, list[tuple[int, str]]] = {}
        odd: list[str] = []  # secrets without any [\w-] character
        for secret in set(secrets):
            if not secret:
                continue
            if _RUN.fullmatch(secret):  # one run (most keys): it is its own anchor
                self.anchors.setdefault(secret, []).append((0, secret))
                continue
            runs = [(m.start(), m.group(0)) for m in _RUN.finditer(secret)]
            if not runs:
                odd.append(secret)
                continue
            offset, anchor = max(runs, key=lambda r: len(r[1]))
            self.anchors.setdefault(anchor, []).append((offset, secret))
        self._keys = frozenset(self.anchors)
        self._ascii_keys = frozenset(a.encode() for a in self.anchors if a.isascii())
        self._odd: re.Pattern[str] | None = None
        if odd:
            alternation = "|".join(re.escape(s) for s in sorted(odd, key=len, reverse=True))
            # a lookahead finds the longest whole-token odd secret at every position
            self._odd = re.compile(rf"(?=(?<![\w-])({alternation})(?![\w-]))")

    def __bool__(self) -> bool:
        return bool(self.anchors) or self._odd is not None

    def absent_from_strings(self, strings: list[str]) -> bool:
        """True when no secret can occur in any of ``strings``: every secret has a
        ``[\\w-]`` run, and none of the runs occurs (the strings are joined by NUL, which
        no run holds)."""
        if self._odd is not None:
            return False
        return not self.anchors or not self._has_anchor("\x00".join(strings))

    def _has_anchor(self, text: str) -> bool:
        """Is some whole ``[\\w-]`` run of ``text`` an anchor? (ASCII text, the usual
        case, is cut into runs by a byte table: several times faster than the regex)"""
        if text.isascii():
            runs = text.encode().translate(_NOT_RUN_BYTES).split()
            return not self._ascii_keys.isdisjoint(runs)
        return not self._keys.isdisjoint(_RUN.findall(text))

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of every secret to replace, left to right, not overlapping."""
        found: list[tuple[int, int]] = []
        if self.anchors and self._has_anchor(text):
            anchors = self.anchors
            for m in _RUN.finditer(text):
                candidates = anchors.get(m.group(0))
                if candidates is None:
                    continue
                for offset, secret in candidates:
                    start = m.start() - offset
                    end = start + len(secret)
                    if (start >= 0 and text.startswith(secret, start)
                            and _boundary(text, start - 1) and _boundary(text, end)):
                        found.append((start, end))
        if self._odd is not None:
            found.extend((m.start(1), m.end(1)) for m in self._odd.finditer(text))
        if len(found) < 2:
            return found
        found.sort(key=lambda span: (span[0], -span[1]))
        chosen: list[tuple[int, int]] = []
        last = -1
        for start, end in found:
            if start >= last:
                chosen.append((start, end))
                last = end
        return chosen

    def sub(self, text: str, replacement: str) -> str:
        spans = self.spans(text)
        if not spans:
            return text
        out: list[str] = []
        pos = 0
        for start, end in spans:
            out.append(text[pos:start])
            out.append(replacement)
            pos = end
        out.append(text[pos:])
        return "".join(out)


def _boundary(text: str, i: int) -> bool:
    """Is position ``i`` outside ``text`` or a character other than ``[\\w-]``?"""
    return i < 0 or i >= len(text) or _RUN.match(text, i) is None


@lru_cache(maxsize=4)
def _matcher(secrets: frozenset[str]) -> SecretMatcher:
    return SecretMatcher(secrets)


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Replace each secret (as a whole token) with ``<redacted>``.

    >>> scrub("key is abc123 and xabc123", {"abc123"})
    'key is <redacted> and xabc123'
    """
    matcher = secrets if isinstance(secrets, SecretMatcher) else _matcher(frozenset(secrets))
    return matcher.sub(text, REDACTED)


#: the characters some writer escapes (HTML/XML, JSON, a Markdown cell); JSON also escapes
#: control characters and, with ensure_ascii, all of non-ASCII
_ESCAPED = frozenset('&<>"\'\\|')


def _variants(secret: str) -> set[str]:
    """How a secret may appear once a writer escaped it (HTML, XML, JSON, Markdown cell)."""
    if secret.isascii() and secret.isprintable() and _ESCAPED.isdisjoint(secret):
        return {secret}  # no writer changes it (most keys): the escapes below give it back
    import html
    import json

    out = {secret, html.escape(secret, quote=True), html.escape(secret, quote=False),
           html.escape(secret, quote=True).replace("&quot;", "&#34;").replace("&#x27;", "&#39;"),
           json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    out.add(html.escape(secret, quote=False).replace("|", "\\|"))
    return out


def scrub_output(text: str, secrets: Iterable[str], fmt: str) -> str:
    """:func:`scrub` for a rendered report, matching secrets as the format escapes them.

    A secret counts where it stands as a whole token (no letter, digit, ``_`` or ``-``
    right before or after it), including at the very start or end of the output.

    >>> scrub_output('<a t="x&amp;y">x&amp;y</a>', {"x&y"}, "html")
    '<a t="&lt;redacted&gt;">&lt;redacted&gt;</a>'
    """
    variants: set[str] = set()
    for secret in secrets:
        variants |= _variants(secret)
    if not variants:
        return text
    replacement = "&lt;redacted&gt;" if fmt in ("html", "junit", "md") else REDACTED
    # the matcher scrub_report built, when no secret has another spelling (the usual case)
    return _matcher(frozenset(variants)).sub(text, replacement)


def scrub_report(report: M, secrets: Iterable[str]) -> M:
    """A copy of a structured report (``greios.audit.model.AuditReport``) with every
    secret in every text field replaced (before rendering, so writers that wrap or fold
    text cannot split a secret across lines); the report itself when nothing needs
    scrubbing."""
    matcher = _matcher(frozenset(secrets))  # built once for the report and its output
    if not matcher:
        return report
    if matcher.absent_from_strings(_model_strings(report, [], set())):
        return report  # no secret in any field (the usual case: rules never quote one)
    data = report.model_dump(mode="json")

    changed = False

    def walk(value: Any) -> Any:
        nonlocal changed
        if isinstance(value, str):
            clean = matcher.sub(value, REDACTED)
            changed = changed or clean is not value
            return clean
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    data = walk(data)
    return type(report).model_validate(data) if changed else report


def _model_strings(value: Any, out: list[str], seen: set[int]) -> list[str]:
    """Every string value of a report model (the strings its ``model_dump(mode="json")``
    holds: str enums are their values), read from the objects; an object listed twice
    (a session in the report and in its change) is read once."""
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, list):
        for v in value:
            _model_strings(v, out, seen)
    elif (values := getattr(type(value), "_values", None)) is not None:
        if id(value) not in seen:
            seen.add(id(value))
            for v in values(value):  # the fields' values, in one call
                if type(v) is str:
                    out.append(v)
                elif v is not None and type(v) is not int:
                    _model_strings(v, out, seen)
    elif isinstance(value, dict):
        for v in value.values():
            _model_strings(v, out, seen)
    return out


# --- logs and renders ---------------------------------------------------------------------


def scrub_text(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each secret (longest first) with ``<redacted>``, also
    inside a longer token: for log messages, where a device session's few secrets may sit
    in escaped or joined text.

    >>> scrub_text("key abc123 and abc", ["abc123"])
    'key <redacted> and abc'
    """
    for value in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    return text


def comment_out_redacted(text: str) -> str:
    """Turn every line that carries a redacted secret into an IOS-style comment (``! ...``).

    IOS takes the rest of a ``pre-shared-key`` line as the key, so a pasted
    ``pre-shared-key <redacted>`` would set the publicly known key ``<redacted>``
    (docs/ios-fidelity.md #9). As a comment the line sets nothing: a pasted redacted render
    leaves the key unset and IKE fails closed.

    >>> comment_out_redacted(" pre-shared-key <redacted>\\n ip mtu 1400\\n")
    ' ! pre-shared-key <redacted>\\n ip mtu 1400\\n'
    """
    out = []
    for line in text.splitlines(keepends=True):
        if REDACTED in line:
            body = line.lstrip(" ")
            line = f"{line[: len(line) - len(body)]}! {body}"
        out.append(line)
    return "".join(out)
