"""Value checks VyOS applies at ``set`` time, each returning None (valid) or the error
message VyOS prints before ``Value validation failed``.

Messages come from the ``constraintErrorMessage`` / ``syntax:expression`` texts of the
definitions (vyos-1x ``interface-definitions``, vyatta-cfg-system and vyatta-cfg-vpn
``node.def`` templates); where a definition has no message, vyos-1x's template builder
uses ``Invalid value`` and so do we.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable

Check = Callable[[str], "str | None"]

INVALID = "Invalid value"


def any_value(_value: str) -> str | None:
    return None


def one_of(choices: Iterable[str], message: str = INVALID) -> Check:
    allowed = frozenset(choices)

    def check(value: str) -> str | None:
        return None if value in allowed else message

    return check


def regex(pattern: str, message: str = INVALID) -> Check:
    compiled = re.compile(pattern)

    def check(value: str) -> str | None:
        return None if compiled.fullmatch(value) else message

    return check


def number(low: int, high: int, message: str | None = None, *,
           also: Iterable[str] = ()) -> Check:
    words = frozenset(also)
    text = message or f"Number must be in range {low} to {high}"

    def check(value: str) -> str | None:
        if value in words:
            return None
        if not value.isdigit():
            return text
        return None if low <= int(value) <= high else text

    return check


def either(*checks: Check, message: str = INVALID) -> Check:
    def check(value: str) -> str | None:
        return None if any(c(value) is None for c in checks) else message

    return check


def ip_address(value: str) -> str | None:
    """An IPv4 or IPv6 address without prefix (``source-address``, ``remote``)."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return INVALID
    return None


def ipv4_address(value: str) -> str | None:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return INVALID
    return None


def ip_host(value: str) -> str | None:
    """An interface address with prefix whose host part is not the network address
    (vyos-1x ``ip-host`` validator; /31, /32, /127, /128 are always hosts)."""
    if "/" not in value:
        return INVALID
    try:
        iface = ipaddress.ip_interface(value)
    except ValueError:
        return INVALID
    net = iface.network
    if net.prefixlen >= net.max_prefixlen - 1:
        return None
    if iface.ip == net.network_address:
        return INVALID
    if isinstance(iface, ipaddress.IPv4Interface) and iface.ip == net.broadcast_address:
        return INVALID
    return None


def ipv4_prefix(value: str) -> str | None:
    """A network prefix with no host bits set (``ospf area X network``)."""
    try:
        ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        return INVALID
    return None if "/" in value else INVALID


def hostname(value: str) -> str | None:
    ok = re.fullmatch(r"[A-Za-z0-9][-.A-Za-z0-9]{0,62}", value) is not None
    return None if ok and not value.endswith(("-", ".")) else (
        "Invalid host name (must be alphanumerics, hyphens and dots, up to 63 characters)")


def max_length(limit: int, message: str) -> Check:
    def check(value: str) -> str | None:
        return None if 0 < len(value) <= limit else message

    return check
