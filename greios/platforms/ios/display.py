"""How IOS displays values greios renders: full interface names and IPv6 literals.

The renderer writes values in this form and the simulated router stores typed values in this
form, so a rendered line is shown back unchanged (docs/ios-fidelity.md rows 5 and 6).
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

#: IOS interface types, full spelling (R12: Cisco's models key interfaces by these names)
INTERFACE_TYPES: tuple[str, ...] = (
    "GigabitEthernet", "TenGigabitEthernet", "TwentyFiveGigE", "FortyGigabitEthernet",
    "HundredGigE", "FastEthernet", "Ethernet", "Port-channel", "Loopback", "Tunnel", "Serial",
    "Vlan", "Dialer", "Cellular", "Virtual-Template", "Multilink", "BDI", "Virtual-PPP",
)

#: short forms IOS resolves although they are a prefix of several types (the common ones on
#: a router: ``g1`` and ``gi1`` are GigabitEthernet, ``t``/``te`` TenGigabitEthernet,
#: ``e0/0`` Ethernet, ``po`` Port-channel, ``tu`` Tunnel, ``vl`` Vlan, ``se`` Serial)
_PREFERRED: dict[str, str] = {
    "g": "GigabitEthernet", "gi": "GigabitEthernet", "gig": "GigabitEthernet",
    "te": "TenGigabitEthernet", "ten": "TenGigabitEthernet", "tw": "TwentyFiveGigE",
    "twe": "TwentyFiveGigE", "fo": "FortyGigabitEthernet", "hu": "HundredGigE",
    "f": "FastEthernet", "fa": "FastEthernet", "e": "Ethernet", "et": "Ethernet",
    "eth": "Ethernet", "p": "Port-channel", "po": "Port-channel", "l": "Loopback",
    "lo": "Loopback", "tu": "Tunnel", "tun": "Tunnel", "s": "Serial", "se": "Serial",
    "v": "Vlan", "vl": "Vlan", "d": "Dialer", "di": "Dialer", "c": "Cellular",
    "ce": "Cellular", "m": "Multilink", "mu": "Multilink",
}

_IFNAME = re.compile(r"([A-Za-z][A-Za-z-]*?)-?(\d.*)")


@lru_cache(maxsize=4096)
def canonical_interface(name: str) -> str | None:
    """The name IOS stores for a typed interface name, or None when IOS would not know it.

    >>> canonical_interface("gi0/0/0"), canonical_interface("g1"), canonical_interface("Tu5")
    ('GigabitEthernet0/0/0', 'GigabitEthernet1', 'Tunnel5')
    >>> canonical_interface("port-channel1"), canonical_interface("frob1") is None
    ('Port-channel1', True)
    """
    m = _IFNAME.fullmatch(name.strip())
    if not m:
        return None
    typed, rest = m.group(1).lower(), m.group(2)
    full = _PREFERRED.get(typed)
    if full is None:
        hits = [t for t in INTERFACE_TYPES if t.lower().startswith(typed)]
        full = hits[0] if len(hits) == 1 else None
    return None if full is None else full + rest


def interface_display(name: str) -> str:
    """:func:`canonical_interface`, or the name as typed when IOS's spelling is unknown."""
    return canonical_interface(name) or name


def ip_display(address: str) -> str:
    """An address as IOS displays it: IPv6 compressed and upper-case (R11), IPv4 as is.

    >>> ip_display("2001:db8:0:0::a"), ip_display("2001:db8::1/128"), ip_display("10.0.0.1")
    ('2001:DB8::A', '2001:DB8::1/128', '10.0.0.1')
    """
    if ":" not in address:
        return address
    addr, slash, plen = address.partition("/")
    try:
        text = str(ipaddress.IPv6Address(addr.split("%")[0]))
    except ValueError:
        return address
    return text.upper() + slash + plen
