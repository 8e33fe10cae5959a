"""Last line of defence: find secrets in config texts and scrub them from rendered reports.

The engine never puts a secret in a finding; this guard makes sure that stays true for the
files a user sees even if a rule quotes a config line carelessly. Secrets are matched as
whole tokens and replaced by ``<redacted>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
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


def config_secrets(texts: Iterable[str]) -> set[str]:
    """Every secret-looking value in the config texts.

    >>> sorted(config_secrets(["crypto isakmp key S3cret-Key address 192.0.2.1",
    ...                        " pre-shared-key local 0 Another1"]))
    ['Another1', 'S3cret-Key']
    """
    found: set[str] = set()
    for text in texts:
        for line in text.splitlines():
            for pat in _PATTERNS:
                m = pat.search(line)
                if m and len(m.group(1)) >= 3:
                    found.add(m.group(1))
    return found


def scrub(text: str, secrets: Iterable[str]) -> str:
    """Replace each secret (as a whole token) with ``<redacted>``.

    >>> scrub("key is abc123 and xabc123", {"abc123"})
    'key is <redacted> and xabc123'
    """
    ordered = sorted(set(secrets), key=len, reverse=True)
    if not ordered:
        return text
    alternation = "|".join(re.escape(s) for s in ordered)
    pattern = re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])")
    return pattern.sub(REDACTED, text)


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

    >>> scrub_output('<a t="x&amp;y">x&amp;y</a>', {"x&y"}, "html")
    '<a t="&lt;redacted&gt;">&lt;redacted&gt;</a>'
    """
    variants: set[str] = set()
    for secret in secrets:
        variants |= _variants(secret)
    if not variants:
        return text
    replacement = "&lt;redacted&gt;" if fmt in ("html", "junit", "md") else REDACTED
    ordered = sorted(variants, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def _tokenwise(m: re.Match[str]) -> str:
        before = text[m.start() - 1] if m.start() else ""
        after = text[m.end()] if m.end() < len(text) else ""
        if before.isalnum() or before in "_-" or after.isalnum() or after in "_-":
            return m.group(0)
        return replacement

    return pattern.sub(_tokenwise, text)


def scrub_report(report: AuditReport, secrets: Iterable[str]) -> AuditReport:
    """A copy of ``report`` with every secret in every text field replaced (before rendering,
    so writers that wrap or fold text cannot split a secret across lines)."""
    plain = set(secrets)
    if not plain:
        return report

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return scrub(value, plain)
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    return AuditReport.model_validate(walk(report.model_dump(mode="json")))
