"""Last line of defence: find secrets in config texts and scrub them from rendered reports.

The engine never puts a secret in a finding; this guard makes sure that stays true for the
files a user sees even if a rule quotes a config line carelessly. Secrets are matched as
whole tokens and replaced by ``<redacted>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from greios.audit.model import AuditReport

REDACTED = "<redacted>"

_TYPE = r"(?:[0-9]\s+)?"
_PATTERNS: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.IGNORECASE) for p in (
    # crypto isakmp key [0|6|7] KEY address|hostname ...
    rf"^\s*crypto\s+isakmp\s+key\s+{_TYPE}(\S+)\s+(?:address|hostname)\b",
    # keyring (IKEv1): pre-shared-key address|hostname X [mask] key [type] KEY
    rf"^\s*pre-shared-key\s+(?:address|hostname)\s+.*?\bkey\s+{_TYPE}(\S+)\s*$",
    # IKEv2 keyring peer / profile: pre-shared-key [local|remote] [type] KEY
    rf"^\s*pre-shared-key\s+(?:local\s+|remote\s+)?{_TYPE}(\S+)\s*$",
    # passwords and secrets: username/enable/line/tacacs/radius/ntp/bgp neighbor/snmp
    rf"\b(?:password|secret)\s+{_TYPE}(\S+)",
    rf"^\s*(?:tacacs-server|radius-server|server-private).*?\bkey\s+{_TYPE}(\S+)",
    rf"^\s*key\s+{_TYPE}(\S+)\s*$",
    r"^\s*key-string\s+(?:[0-9]\s+)?(\S+)",
    r"^\s*ntp\s+authentication-key\s+\d+\s+\S+\s+(\S+)",
    r"^\s*snmp-server\s+community\s+(\S+)",
    r"^\s*ip\s+ospf\s+(?:message-digest-key\s+\d+\s+md5|authentication-key)\s+"
    r"(?:[0-9]\s+)?(\S+)",
))


#: every pattern needs one of these words (case-insensitive): lines without any are skipped
_HINT = re.compile(r"key|password|secret|community", re.IGNORECASE)


def config_secrets(texts: Iterable[str]) -> set[str]:
    """Every secret-looking value in the config texts.

    >>> sorted(config_secrets(["crypto isakmp key S3cret-Key address 192.0.2.1",
    ...                        " pre-shared-key local 0 Another1"]))
    ['Another1', 'S3cret-Key']
    """
    found: set[str] = set()
    hint = _HINT.search
    lines: set[str] = set()  # each distinct line once (many repeat across routers)
    for text in texts:
        lines.update(_hinted_lines(text) if _OTHER_BREAKS.search(text) is None
                     else [line for line in text.splitlines() if hint(line) is not None])
    for line in lines:
        for pat in _PATTERNS:
            m = pat.search(line)
            if m and len(m.group(1)) >= 3:
                found.add(m.group(1))
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

_HINT_LOWER = re.compile(r"key|password|secret|community")
#: line boundaries of str.splitlines other than "\n"
_OTHER_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


_RUN = re.compile(r"[\w-]+")
_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{4}|.)")  # a JSON string escape
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

    def absent_from_json(self, text: str) -> bool:
        """True when no secret can occur in any string that the JSON ``text`` holds: every
        secret has a ``[\\w-]`` run, JSON leaves those characters as they are (escapes
        are blanked first, so ``\\n`` cannot join two runs), and none of the runs occurs."""
        if self._odd is not None:
            return False
        return not self.anchors or not self._has_anchor(_ESCAPE.sub(" ", text))

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


def _variants(secret: str) -> set[str]:
    """How a secret may appear once a writer escaped it (HTML, XML, JSON, Markdown cell)."""
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
    return SecretMatcher(variants).sub(text, replacement)


def scrub_report(report: AuditReport, secrets: Iterable[str]) -> AuditReport:
    """A copy of ``report`` with every secret in every text field replaced (before rendering,
    so writers that wrap or fold text cannot split a secret across lines)."""
    matcher = SecretMatcher(secrets)  # built once for the whole report
    if not matcher:
        return report
    if matcher.absent_from_json(report.model_dump_json()):
        return report  # no secret in any field (the usual case: rules never quote one)

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

    data = walk(report.model_dump(mode="json"))
    # nothing to scrub (the usual case: rules never quote secrets): the report as it is
    return AuditReport.model_validate(data) if changed else report
