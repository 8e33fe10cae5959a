"""Small address helpers shared by the parser and the audit (stdlib only)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network

ANY = IPv4Network("0.0.0.0/0")


def is_ipv4(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts)


def iface(addr: str, mask: str) -> IPv4Interface:
    """``ip address A M`` -> interface; raises ValueError on a non-contiguous mask."""
    return IPv4Interface(f"{addr}/{mask}")


def net(addr: str, mask: str | None = None) -> IPv4Network:
    """Network from address + netmask *or* wildcard (strict=False); /32 without mask."""
    if mask is None:
        return IPv4Network(f"{addr}/32")
    if "/" in addr:
        return IPv4Network(addr, strict=False)
    return IPv4Network(f"{addr}/{mask}", strict=False)


def wildcard(addr: str, wc: str) -> IPv4Network:
    """Network from address + wildcard (``0.0.0.0`` = host); ValueError if non-contiguous."""
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


def in_net(address: str | None, network: IPv4Network) -> bool:
    if address is None or not is_ipv4(address):
        return False
    return IPv4Address(address) in network
