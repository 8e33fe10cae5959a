"""MTU / MSS arithmetic for GRE, GRE-over-IPsec and static VTI tunnels.

Pure and dependency-free: the numbers come from the header sizes and the ESP padding rule of
the engineering reference (``gre-ipsec-reference.md`` §2.1-§2.3), checked against real
scapy-encrypted packets in ``tests/test_mtu_packets.py``.

Symbols (bytes): ``M`` underlay MTU, ``H`` outer IP header (20 IPv4 / 40 IPv6), ``N`` NAT-T UDP
(8 or 0), ``V``/``A``/``I`` the ESP suite's IV, alignment and ICV, ``G`` GRE header (4, +4 per
key/sequence/checksum option, 0 for VTI), ``T`` extra IP header inside ESP (``H`` for GRE in
ESP tunnel mode, else 0), ``L`` inner packet length.  Then::

    outer(L) = H + N + 8 + V + ceil_A(T + G + L + 2) + I
    Lmax     = floor_A(M - H - N - 8 - V - I) - 2 - G - T
    Lmax     = M - H - G                      (plain GRE, no IPsec)

Because of the alignment the overhead is not a constant: always compute it.

>>> r = compute(MtuInput(encryption="none"))
>>> (r.max_ip_mtu, r.max_tcp_mss, r.max_df_ping_payload)
(1476, 1436, 1448)
>>> r = compute(MtuInput())               # AES-GCM-256, transport mode, IPv4, 1500
>>> (r.max_ip_mtu, r.recommended_ip_mtu, r.recommended_tcp_mss)
(1442, 1440, 1400)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from greios.crypto_vocab import (
    ESP_INTEGRITIES,
    IPSEC_MODES,
    TUNNEL_ENCRYPTIONS,
    EspIntegrity,
    IpsecMode,
    TunnelEncryption,
)
from greios.errors import GreiosError

Encryption = TunnelEncryption
"""ESP cipher. ``none`` = plain GRE without IPsec; ``aes-gmac`` (IOS ``esp-gmac``,
authentication only) is not offered by the CLI but is returned by :func:`suite_from_transform`.
The vocabulary is :mod:`greios.crypto_vocab`, shared with the inventory and the intent."""

Integrity = EspIntegrity
Mode = IpsecMode

ENCRYPTIONS = TUNNEL_ENCRYPTIONS
INTEGRITIES = ESP_INTEGRITIES
MODES = IPSEC_MODES

IPV4_HEADER = 20
IPV6_HEADER = 40
NATT_UDP = 8
ESP_HEADER = 8  # SPI 4 + sequence number 4
ESP_TRAILER = 2  # pad length 1 + next header 1
GRE_BASE = 4
GRE_OPTION = 4  # each of key, sequence number, checksum(+reserved)
TCP_IPV4_HEADERS = 40  # IPv4 20 + TCP 20, no options
ICMP_IPV4_HEADERS = 28  # IPv4 20 + ICMP echo 8

UNDERLAY_RANGE_V4 = (576, 9216)
UNDERLAY_RANGE_V6 = (1280, 9216)
IPV6_MIN_MTU = 1280


@dataclass(frozen=True)
class _Cipher:
    iv: int
    align: int
    aead: bool  # carries its own 16-byte ICV; no separate HMAC allowed
    label: str


_CIPHERS: dict[str, _Cipher] = {
    "aes-gcm-128": _Cipher(8, 4, True, "AES-GCM-128 (ICV16)"),
    "aes-gcm-256": _Cipher(8, 4, True, "AES-GCM-256 (ICV16)"),
    "aes-gmac": _Cipher(8, 4, True, "AES-GMAC (ICV16, no encryption)"),
    "aes-cbc-128": _Cipher(16, 16, False, "AES-128-CBC"),
    "aes-cbc-192": _Cipher(16, 16, False, "AES-192-CBC"),
    "aes-cbc-256": _Cipher(16, 16, False, "AES-256-CBC"),
    "3des": _Cipher(8, 8, False, "3DES-CBC"),
    "des": _Cipher(8, 8, False, "DES-CBC"),
    "null": _Cipher(0, 4, False, "ESP-NULL"),
}
AEAD_ICV = 16
_ICV: dict[str, int] = {"sha1": 12, "md5": 12, "sha256": 16, "sha384": 24, "sha512": 32, "none": 0}
_HMAC_LABEL: dict[str, str] = {
    "sha1": "HMAC-SHA1-96", "md5": "HMAC-MD5-96", "sha256": "HMAC-SHA-256-128",
    "sha384": "HMAC-SHA-384-192", "sha512": "HMAC-SHA-512-256",
}


class MtuInputError(GreiosError):
    """An impossible combination of MTU calculator options."""

    default_message = "invalid MTU calculator options"


@dataclass(frozen=True)
class MtuInput:
    underlay_mtu: int = 1500
    encryption: Encryption = "aes-gcm-256"
    integrity: Integrity | None = None  # None = auto: "none" for GCM/GMAC/plain GRE, else sha256
    mode: Mode = "transport"
    nat_t: bool = False
    ipv6_underlay: bool = False
    gre_key: bool = False
    gre_sequence: bool = False
    gre_checksum: bool = False
    vti: bool = False

    @property
    def ipsec(self) -> bool:
        return self.encryption != "none"

    @property
    def effective_integrity(self) -> Integrity:
        """The integrity algorithm after resolving ``None`` (auto)."""
        if self.integrity is not None:
            return self.integrity
        if not self.ipsec or _CIPHERS[self.encryption].aead:
            return "none"
        return "sha256"

    @property
    def effective_mode(self) -> Mode:
        """ESP mode actually used on the wire: VTI is always tunnel mode."""
        return "tunnel" if self.vti else self.mode


@dataclass(frozen=True)
class Component:
    name: str
    bytes: int
    note: str


@dataclass(frozen=True)
class MtuResult:
    input: MtuInput
    max_ip_mtu: int
    max_tcp_mss: int
    recommended_ip_mtu: int
    recommended_tcp_mss: int
    max_df_ping_payload: int
    overhead: int
    breakdown: tuple[Component, ...]
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class _Sizes:
    h: int
    n: int
    v: int
    a: int
    i: int
    g: int
    t: int


def _validate(inp: MtuInput) -> None:
    if inp.encryption not in ENCRYPTIONS:
        raise MtuInputError(f"unknown encryption {inp.encryption!r}")
    if inp.integrity is not None and inp.integrity not in INTEGRITIES:
        raise MtuInputError(f"unknown integrity {inp.integrity!r}")
    if inp.mode not in MODES:
        raise MtuInputError(f"unknown mode {inp.mode!r} (transport or tunnel)")
    if isinstance(inp.underlay_mtu, bool) or not isinstance(inp.underlay_mtu, int):
        raise MtuInputError("underlay MTU must be an integer number of bytes")
    low, high = UNDERLAY_RANGE_V6 if inp.ipv6_underlay else UNDERLAY_RANGE_V4
    if not low <= inp.underlay_mtu <= high:
        family = "IPv6" if inp.ipv6_underlay else "IPv4"
        raise MtuInputError(
            f"underlay MTU {inp.underlay_mtu} is outside {low}..{high} for an {family} underlay"
        )
    integrity = inp.integrity
    if not inp.ipsec:
        if integrity not in (None, "none"):
            raise MtuInputError(
                f"integrity {integrity} needs IPsec, but encryption is 'none' (plain GRE)"
            )
        if inp.vti:
            raise MtuInputError("a VTI (tunnel mode ipsec) needs IPsec: encryption is 'none'")
        if inp.nat_t:
            raise MtuInputError("NAT-T encapsulates ESP: it needs IPsec, not plain GRE")
        if inp.mode == "tunnel":
            raise MtuInputError("ESP tunnel mode needs IPsec, but encryption is 'none'")
        return
    cipher = _CIPHERS[inp.encryption]
    if cipher.aead and integrity not in (None, "none"):
        raise MtuInputError(
            f"{inp.encryption} authenticates itself: integrity must be 'none', not {integrity}"
        )
    if inp.encryption == "null" and integrity == "none":
        raise MtuInputError("ESP with encryption 'null' and integrity 'none' protects nothing")


def _sizes(inp: MtuInput) -> _Sizes:
    h = IPV6_HEADER if inp.ipv6_underlay else IPV4_HEADER
    g = 0 if inp.vti else GRE_BASE + GRE_OPTION * (
        inp.gre_key + inp.gre_sequence + inp.gre_checksum
    )
    if not inp.ipsec:
        return _Sizes(h=h, n=0, v=0, a=1, i=0, g=g, t=0)
    cipher = _CIPHERS[inp.encryption]
    icv = AEAD_ICV if cipher.aead else _ICV[inp.effective_integrity]
    t = h if (inp.mode == "tunnel" and not inp.vti) else 0
    return _Sizes(h=h, n=NATT_UDP if inp.nat_t else 0, v=cipher.iv, a=cipher.align, i=icv, g=g, t=t)


def outer_packet_size(inner_len: int, inp: MtuInput) -> int:
    """Size on the underlay of one inner packet of ``inner_len`` bytes (§2.3 ``outer(L)``).

    >>> outer_packet_size(1400, MtuInput(encryption="aes-cbc-256", integrity="sha256"))
    1468
    >>> outer_packet_size(1400, MtuInput(encryption="aes-cbc-256", mode="tunnel"))
    1500
    >>> outer_packet_size(1448 + 28, MtuInput(encryption="none"))
    1500
    """
    if inner_len < 0:
        raise ValueError(f"inner packet length must be >= 0, got {inner_len}")
    _validate(inp)
    s = _sizes(inp)
    if not inp.ipsec:
        return s.h + s.g + inner_len
    block = s.t + s.g + inner_len + ESP_TRAILER
    padded = -(-block // s.a) * s.a
    return s.h + s.n + ESP_HEADER + s.v + padded + s.i


def _warnings(inp: MtuInput, max_ip_mtu: int) -> tuple[str, ...]:
    out: list[str] = []
    integrity = inp.effective_integrity
    if inp.ipsec:
        cipher = _CIPHERS[inp.encryption]
        if not cipher.aead and inp.encryption != "null" and integrity == "none":
            out.append(
                f"{inp.encryption} without integrity: ESP encryption without authentication is "
                "malleable; add an HMAC or use AES-GCM"
            )
        if inp.encryption in ("des", "3des"):
            out.append(f"{inp.encryption} is obsolete (64-bit block); use AES-GCM")
        if inp.encryption == "null":
            out.append("ESP-NULL gives no confidentiality: traffic crosses the underlay in clear")
        if integrity == "md5":
            out.append("HMAC-MD5 is deprecated; use AES-GCM or HMAC-SHA-256 or better")
    if inp.vti:
        if inp.mode == "transport":
            out.append("a VTI always uses ESP tunnel mode: the 'transport' mode was ignored")
        options = [n for n, on in (("key", inp.gre_key), ("sequence", inp.gre_sequence),
                                   ("checksum", inp.gre_checksum)) if on]
        if options:
            out.append(f"a VTI has no GRE header: GRE {', '.join(options)} ignored")
    if max_ip_mtu < IPV6_MIN_MTU:
        out.append(
            f"max ip mtu {max_ip_mtu} is below {IPV6_MIN_MTU}: this tunnel cannot carry IPv6"
        )
    return tuple(out)


def _breakdown(inp: MtuInput, s: _Sizes, lmax: int) -> tuple[Component, ...]:
    family = "IPv6" if inp.ipv6_underlay else "IPv4"
    rows: list[Component] = [
        Component(f"outer {family} header", s.h,
                  "no extension headers" if inp.ipv6_underlay else "no options"),
    ]
    if inp.ipsec:
        cipher = _CIPHERS[inp.encryption]
        if s.n:
            rows.append(Component("NAT-T UDP header", s.n, "UDP 4500 (RFC 3948)"))
        rows.append(Component("ESP header", ESP_HEADER, "SPI 4 + sequence number 4"))
        rows.append(Component("ESP IV", s.v, f"explicit IV of {cipher.label}" if s.v
                              else "ESP-NULL carries no IV"))
        if s.t:
            rows.append(Component(f"tunnel-mode {family} header", s.t,
                                  "GRE delivery header, inside ESP"))
    if s.g:
        rows.append(Component("GRE header", GRE_BASE, "flags/version + protocol type"))
        for flag, name, note in (
            (inp.gre_checksum, "GRE checksum", "checksum + reserved (tunnel checksum)"),
            (inp.gre_key, "GRE key", "tunnel key"),
            (inp.gre_sequence, "GRE sequence number", "tunnel sequence-datagrams"),
        ):
            if flag:
                rows.append(Component(name, GRE_OPTION, note))
    if inp.ipsec:
        rows.append(Component("ESP padding (at max size)", 0,
                              f"none: already a multiple of {s.a}"))
        rows.append(Component("ESP trailer", ESP_TRAILER, "pad length 1 + next header 1"))
        icv_note = (f"{cipher.label}" if cipher.aead
                    else _HMAC_LABEL.get(inp.effective_integrity, "no integrity"))
        rows.append(Component("ESP ICV", s.i, icv_note))
        slack = inp.underlay_mtu - outer_packet_size(lmax, inp)
        if slack:
            rows.append(Component("unusable (alignment)", slack,
                                  f"short of the next {s.a}-byte block"))
    return tuple(rows)


def compute(inp: MtuInput) -> MtuResult:
    """Largest inner packet, MSS, recommended ``ip mtu`` and the byte-by-byte overhead.

    >>> r = compute(MtuInput(encryption="none", gre_key=True))
    >>> (r.max_ip_mtu, r.max_tcp_mss)
    (1472, 1432)
    >>> compute(MtuInput(encryption="none", ipv6_underlay=True)).max_ip_mtu
    1456
    >>> r = compute(MtuInput(encryption="aes-cbc-256", integrity="sha256", mode="tunnel",
    ...                      nat_t=True))
    >>> (r.max_ip_mtu, r.recommended_ip_mtu, r.recommended_tcp_mss, r.overhead)
    (1398, 1392, 1352, 102)
    >>> sum(c.bytes for c in r.breakdown) == r.overhead
    True
    >>> compute(MtuInput(encryption="aes-gcm-256", vti=True, mode="tunnel")).max_ip_mtu
    1446
    >>> try:
    ...     compute(MtuInput(encryption="aes-gcm-128", integrity="sha256"))
    ... except MtuInputError as exc:
    ...     print(exc)
    aes-gcm-128 authenticates itself: integrity must be 'none', not sha256
    """
    _validate(inp)
    s = _sizes(inp)
    if not inp.ipsec:
        lmax = inp.underlay_mtu - s.h - s.g
    else:
        room = inp.underlay_mtu - s.h - s.n - ESP_HEADER - s.v - s.i
        lmax = (room // s.a) * s.a - ESP_TRAILER - s.g - s.t
    recommended = lmax - lmax % 8
    return MtuResult(
        input=inp,
        max_ip_mtu=lmax,
        max_tcp_mss=lmax - TCP_IPV4_HEADERS,
        recommended_ip_mtu=recommended,
        recommended_tcp_mss=recommended - TCP_IPV4_HEADERS,
        max_df_ping_payload=lmax - ICMP_IPV4_HEADERS,
        overhead=inp.underlay_mtu - lmax,
        breakdown=_breakdown(inp, s, lmax),
        warnings=_warnings(inp, lmax),
    )


_KEY_SIZES = ("128", "192", "256")
_HMAC_WORDS: dict[str, Integrity] = {
    "esp-md5-hmac": "md5", "esp-sha-hmac": "sha1", "esp-sha256-hmac": "sha256",
    "esp-sha384-hmac": "sha384", "esp-sha512-hmac": "sha512",
}
_PLAIN_CIPHERS: dict[str, Encryption] = {"esp-3des": "3des", "esp-des": "des", "esp-null": "null"}


def suite_from_transform(words: Sequence[str]) -> tuple[Encryption, Integrity]:
    """Map the words of an IOS ``crypto ipsec transform-set`` to (encryption, integrity).

    >>> suite_from_transform(["esp-gcm", "256"])
    ('aes-gcm-256', 'none')
    >>> suite_from_transform(["esp-aes", "esp-sha-hmac"])
    ('aes-cbc-128', 'sha1')
    >>> suite_from_transform("esp-aes 256 esp-sha256-hmac".split())
    ('aes-cbc-256', 'sha256')
    >>> suite_from_transform(["esp-3des", "esp-md5-hmac"])
    ('3des', 'md5')
    >>> suite_from_transform(["esp-gmac"])
    ('aes-gmac', 'none')
    >>> suite_from_transform(["ah-sha-hmac"])
    Traceback (most recent call last):
    ...
    ValueError: unsupported transform word 'ah-sha-hmac' (AH is not modelled)
    """
    encryption: Encryption | None = None
    integrity: Integrity | None = None
    items = [w.strip().lower() for w in words if w.strip()]
    i = 0
    while i < len(items):
        word = items[i]
        nxt = items[i + 1] if i + 1 < len(items) else None
        if word in ("esp-aes", "esp-gcm", "esp-gmac"):
            size = "128"
            if nxt in _KEY_SIZES:
                size = nxt
                i += 1
            elif nxt is not None and nxt.isdigit():
                raise ValueError(f"unsupported key size {nxt!r} for {word}")
            new: Encryption
            if word == "esp-aes":
                new = "aes-cbc-256" if size == "256" else (
                    "aes-cbc-192" if size == "192" else "aes-cbc-128")
            elif word == "esp-gcm":
                # IOS esp-gcm 192 is sized like 128/256: same IV, alignment and ICV
                new = "aes-gcm-256" if size == "256" else "aes-gcm-128"
            else:
                new = "aes-gmac"
            encryption = _set_once(encryption, new, word)
        elif word in _PLAIN_CIPHERS:
            encryption = _set_once(encryption, _PLAIN_CIPHERS[word], word)
        elif word in _HMAC_WORDS:
            if integrity is not None:
                raise ValueError(f"transform has two integrity words (second: {word!r})")
            integrity = _HMAC_WORDS[word]
        elif word.startswith("ah-"):
            raise ValueError(f"unsupported transform word {word!r} (AH is not modelled)")
        else:
            raise ValueError(f"unsupported transform word {word!r}")
        i += 1
    if encryption is None:
        raise ValueError("transform has no ESP cipher word (esp-gcm, esp-aes, esp-3des, ...)")
    if integrity is not None and _CIPHERS[encryption].aead:
        raise ValueError(f"{encryption} cannot be combined with {integrity} in one transform")
    return encryption, integrity or "none"


def _set_once(current: Encryption | None, new: Encryption, word: str) -> Encryption:
    if current is not None:
        raise ValueError(f"transform has two cipher words (second: {word!r})")
    return new
