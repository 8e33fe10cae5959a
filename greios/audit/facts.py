"""Inventory facts the device config cannot tell (underlay MTU, NAT, software version)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DeviceFacts:
    underlay_mtu: int = 1500
    behind_nat: bool = False
    ios_version: str | None = None  # e.g. "17.12.1"
    vyos_version: str | None = None  # e.g. "1.4" (VyOS routers)
    ipv6_underlay: bool = False


def version_tuple(text: str | None) -> tuple[int, ...] | None:
    """'17.11.1a' -> (17, 11, 1); None when unparsable."""
    if not text:
        return None
    out: list[int] = []
    for part in text.replace("(", ".").split("."):
        digits = "".join(ch for ch in part if ch.isdigit()) if part[:1].isdigit() else ""
        if not digits:
            break
        out.append(int(digits))
    return tuple(out) or None
