"""Stable fingerprint of a running config (volatile lines removed)."""

from __future__ import annotations

import hashlib
import re

_VOLATILE = re.compile(
    r"^(?:Building configuration.*"
    r"|Current configuration\s*:.*"
    r"|! Last configuration change at.*"
    r"|! NVRAM config last updated at.*"
    r"|! No configuration change since last restart.*"
    r"|ntp clock-period .*)$"
)


def normalize_running(text: str) -> str:
    """Running config without the lines IOS changes on its own; no trailing spaces.

    Blank and bare ``!`` lines are dropped too (they carry no configuration), so the text
    napalm's ``get_config`` returns and a raw ``show running-config`` fingerprint the same.

    >>> normalize_running("Building configuration...\\n\\nCurrent configuration : 10 bytes\\n"
    ...                   "hostname R1  \\nntp clock-period 17208\\n")
    'hostname R1\\n'
    """
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.rstrip()
        if _VOLATILE.match(line):
            continue
        if line.strip() in ("", "!"):
            continue  # separators: IOS prints them differently from one fetch to another
        lines.append(line)
    return "\n".join(lines) + "\n" if lines else ""


def fingerprint(text: str) -> str:
    """sha256 hex digest of :func:`normalize_running` of ``text``."""
    return hashlib.sha256(normalize_running(text).encode("utf-8")).hexdigest()
