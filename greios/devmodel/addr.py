"""Small address helpers shared by the parser and the audit (stdlib only)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from ipaddress import (
    IPv4Address,
    IPv4Interface,
    IPv4Network,
    IPv6Address,
    IPv6Network,
    ip_address,
    ip_network,
)
from typing import Generic, TypeVar

T = TypeVar("T")

ANY = IPv4Network("0.0.0.0/0")

#: a network of either family (IPv6 keyrings, identities and routes sit next to IPv4 ones)
Net = IPv4Network | IPv6Network


def _prefix_table() -> dict[str, int]:
    """Dotted netmask -> prefix length, then hostmask -> prefix length (netmask wins on the
    two strings that are both, as in :mod:`ipaddress`)."""
    out: dict[str, int] = {}
    for hostmask in (False, True):
        for plen in range(33):
            bits = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF
            out.setdefault(str(IPv4Address(bits ^ 0xFFFFFFFF if hostmask else bits)), plen)
    return out


_PREFIX = _prefix_table()
_PREFIX_INT = {int(IPv4Address(mask)): plen for mask, plen in _PREFIX.items()}
_OCTET = frozenset(str(i) for i in range(256))  # canonical octets (no leading zeros)


def ip_int(addr: str) -> int | None:
    """Integer value of a canonical dotted quad, else None (then ``ipaddress`` decides)."""
    p = addr.split(".")
    if len(p) != 4 or not (p[0] in _OCTET and p[1] in _OCTET and p[2] in _OCTET
                           and p[3] in _OCTET):
        return None
    return (int(p[0]) << 24) | (int(p[1]) << 16) | (int(p[2]) << 8) | int(p[3])


def is_ipv4(text: str) -> bool:
    """Four dot-separated decimal octets < 256 (leading zeros accepted, unlike ipaddress)."""
    parts = text.split(".")
    if len(parts) != 4:
        return False
    if parts[0] in _OCTET and parts[1] in _OCTET and parts[2] in _OCTET and parts[3] in _OCTET:
        return True  # fast path: canonical octets
    return all(p.isdigit() and int(p) < 256 for p in parts)


def is_ipv6(text: str) -> bool:
    """An IPv6 literal (any case, compressed or not; no prefix length)."""
    if ":" not in text or "/" in text:
        return False
    try:
        IPv6Address(text)
    except ValueError:
        return False
    return True


def is_ip(text: str) -> bool:
    return is_ipv4(text) or is_ipv6(text)


def canonical_ip(text: str) -> str:
    """IPv6 literals in one spelling (``ipaddress``: compressed, lower case), so that
    ``2001:DB8::1`` in a tunnel destination equals ``2001:db8:0::1`` on the peer's interface;
    anything else unchanged. IOS shows IPv6 upper-case in some lines, not in others."""
    if ":" in text:
        try:
            return str(IPv6Address(text))
        except ValueError:
            return text
    return text


def ip_key(text: str) -> tuple[int, int] | None:
    """(version, integer value) of an address literal of either family, else None."""
    value = ip_int(text)
    if value is not None:
        return 4, value
    if ":" in text:
        try:
            return 6, int(IPv6Address(text))
        except ValueError:
            return None
    return None


def net6(text: str) -> IPv6Network:
    """``A/len`` or a bare IPv6 address (/128), strict=False."""
    return IPv6Network(text if "/" in text else f"{text}/128", strict=False)


def any_net(text: str) -> Net:
    """``A/len`` or a bare address of either family (host prefix), strict=False."""
    if ":" in text:
        return net6(text)
    return net(text) if "/" not in text else ip_network(text, strict=False)


def iface(addr: str, mask: str) -> IPv4Interface:
    """``ip address A M`` -> interface; raises ValueError on a non-contiguous mask.

    Fast path (about 3x) for a canonical address and a contiguous net/host mask; anything
    else goes through ``ipaddress`` string parsing, so results and errors are identical.
    """
    plen = _PREFIX.get(mask)
    if plen is not None:
        value = ip_int(addr)
        if value is not None:
            return IPv4Interface((value, plen))
    return IPv4Interface(f"{addr}/{mask}")


def net(addr: str, mask: str | None = None) -> IPv4Network:
    """Network from address + netmask *or* wildcard (strict=False); /32 without mask.

    Canonical addresses and contiguous masks take a table and ints (like :func:`iface`);
    anything else goes through ``ipaddress`` string parsing: same values, same errors.
    """
    if mask is None:
        value = ip_int(addr)
        return IPv4Network((value, 32)) if value is not None else IPv4Network(f"{addr}/32")
    if "/" in addr:
        return IPv4Network(addr, strict=False)
    plen = _PREFIX.get(mask)
    if plen is not None and (value := ip_int(addr)) is not None:
        return IPv4Network((value, plen), strict=False)
    return IPv4Network(f"{addr}/{mask}", strict=False)


def wildcard(addr: str, wc: str) -> IPv4Network:
    """Network from address + wildcard (``0.0.0.0`` = host); ValueError if non-contiguous."""
    wc_value = ip_int(wc)
    value = ip_int(addr)
    if wc_value is not None and value is not None:
        plen = _PREFIX_INT.get(~wc_value & 0xFFFFFFFF)
        if plen is not None:
            return IPv4Network((value, plen), strict=False)
    mask = IPv4Address(~int(IPv4Address(wc)) & 0xFFFFFFFF)
    return IPv4Network(f"{addr}/{mask}", strict=False)


def classful(addr: str) -> IPv4Network:
    first = int(addr.split(".")[0])
    plen = 8 if first < 128 else 16 if first < 192 else 24
    return IPv4Network(f"{addr}/{plen}", strict=False)


def acl_addr(words: list[str], i: int) -> tuple[IPv4Network | None, int]:
    """Decode an ACL address spec at ``words[i]``; returns (network or None, next index)."""
    if i >= len(words):
        return None, i
    w = words[i]
    if w == "any":
        return ANY, i + 1
    if w == "host" and i + 1 < len(words):
        try:
            return net(words[i + 1]), i + 2
        except ValueError:
            return None, i + 2
    if w in ("object-group", "addrgroup") and i + 1 < len(words):
        return None, i + 2
    if is_ipv4(w):
        if i + 1 < len(words) and is_ipv4(words[i + 1]):
            try:
                return wildcard(w, words[i + 1]), i + 2
            except ValueError:
                return None, i + 2
        return net(w), i + 1
    if "/" in w:
        try:
            return IPv4Network(w, strict=False), i + 1
        except ValueError:
            return None, i + 1
    return None, i + 1


def in_net(address: str | None, network: Net) -> bool:
    """``address`` (a literal of either family) lies in ``network`` (False across families)."""
    if address is None:
        return False
    if network.version == 4:
        return is_ipv4(address) and IPv4Address(address) in network
    if ":" not in address:
        return False
    try:
        return ip_address(address) in network
    except ValueError:
        return False


class NetIndex(Generic[T]):
    """Networks -> values, for "which networks contain this address" in O(distinct prefix
    lengths) instead of a scan over every network (a hub has thousands of keyring peers,
    profiles and ``network`` statements). IPv4 and IPv6 networks are kept apart."""

    __slots__ = ("_by", "_by6", "_lens", "_lens6")

    def __init__(self, items: Iterable[tuple[Net, T]] = ()) -> None:
        self._by: dict[tuple[int, int], list[T]] = {}
        self._by6: dict[tuple[int, int], list[T]] = {}
        for net, value in items:
            key = (int(net.network_address), net.prefixlen)
            (self._by if net.version == 4 else self._by6).setdefault(key, []).append(value)
        self._lens = sorted({plen for _, plen in self._by}, reverse=True)
        self._lens6 = sorted({plen for _, plen in self._by6}, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._by or self._by6)

    def containing(self, ip: int, version: int = 4) -> Iterator[list[T]]:
        """Values of each network that contains address ``ip`` (an int of ``version``),
        longest prefix first; within one network in insertion order."""
        if version == 6:
            for plen in self._lens6:
                mask = ((1 << 128) - 1) ^ ((1 << (128 - plen)) - 1)
                got = self._by6.get((ip & mask, plen))
                if got is not None:
                    yield got
            return
        for plen in self._lens:
            got = self._by.get((ip & ((0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF), plen))
            if got is not None:
                yield got
