"""`greios mtu` agrees with the sizes of real packets, for any combination of its options.

Packets are built and actually encrypted with scapy (random keys) and decrypted again: the
inner packet of exactly ``max_ip_mtu`` bytes must fit the underlay and one byte more must not,
and both sizes must equal :func:`greios.mtu.outer_packet_size`. Every cipher the calculator
knows (including DES and 3DES, still available in cryptography 50 through scapy 2.8) is
built for real; nothing is covered by the formula alone.

scapy is GPL-2.0 and therefore a test-only dependency (reference §2.9).
"""

from __future__ import annotations

import logging
import os
import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greios.mtu import (
    ENCRYPTIONS,
    INTEGRITIES,
    MtuInput,
    MtuInputError,
    compute,
    outer_packet_size,
)

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
logging.getLogger("scapy.loading").setLevel(logging.ERROR)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from scapy.layers.inet import ICMP, IP, UDP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.ipsec import ESP, SecurityAssociation
    from scapy.layers.l2 import GRE
    from scapy.packet import Packet, Raw

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# scapy cipher name and key length (GCM/GMAC keys carry the 4-byte salt)
SCAPY_CIPHER: dict[str, tuple[str, int]] = {
    "aes-gcm-128": ("AES-GCM", 16 + 4),
    "aes-gcm-256": ("AES-GCM", 32 + 4),
    "aes-gmac": ("AES-NULL-GMAC", 16 + 4),
    "aes-cbc-128": ("AES-CBC", 16),
    "aes-cbc-192": ("AES-CBC", 24),
    "aes-cbc-256": ("AES-CBC", 32),
    "3des": ("3DES", 24),
    "des": ("DES", 8),
    "null": ("NULL", 0),
}
SCAPY_AUTH: dict[str, tuple[str, int]] = {
    "sha1": ("HMAC-SHA1-96", 20),
    "md5": ("HMAC-MD5-96", 16),
    "sha256": ("SHA2-256-128", 32),
    "sha384": ("SHA2-384-192", 48),
    "sha512": ("SHA2-512-256", 64),
}
AEAD = {"aes-gcm-128", "aes-gcm-256", "aes-gmac"}
SETTINGS = settings(max_examples=150, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _outer(inp: MtuInput) -> Packet:
    if inp.ipv6_underlay:
        return IPv6(src="2001:db8:1::1", dst="2001:db8:2::2", nh=47)
    return IP(src="198.51.100.1", dst="203.0.113.2", proto=47)


def _gre(inp: MtuInput) -> Packet:
    fields: dict[str, Any] = {}
    if inp.gre_key:
        fields.update(key_present=1, key=100)
    if inp.gre_sequence:
        fields.update(seqnum_present=1, sequence_number=7)
    if inp.gre_checksum:
        fields.update(chksum_present=1)
    return GRE(**fields)


def _inner(length: int) -> Packet:
    """An inner IPv4 packet of exactly ``length`` bytes."""
    pkt = IP(src="172.16.0.10", dst="172.16.5.20", proto=17) / Raw(b"\xa5" * (length - 20))
    assert len(pkt) == length
    return pkt


def _sa(inp: MtuInput) -> SecurityAssociation:
    crypt, key_len = SCAPY_CIPHER[inp.encryption]
    kwargs: dict[str, Any] = {"crypt_algo": crypt,
                              "crypt_key": os.urandom(key_len) if key_len else None}
    integrity = inp.effective_integrity
    if inp.encryption not in AEAD and integrity != "none":
        auth, auth_len = SCAPY_AUTH[integrity]
        kwargs.update(auth_algo=auth, auth_key=os.urandom(auth_len))
    if inp.nat_t:
        kwargs["nat_t_header"] = UDP(sport=4500, dport=4500)
    if inp.effective_mode == "tunnel":
        kwargs["tunnel_header"] = _outer(inp)
    return SecurityAssociation(ESP, spi=0x1001, **kwargs)  # type: ignore[no-untyped-call]


def wire_size(inner_len: int, inp: MtuInput, sa: SecurityAssociation | None = None) -> int:
    """Build the real packet carrying an inner packet of ``inner_len`` bytes; return its size."""
    inner = _inner(inner_len)
    if not inp.ipsec:
        return len(bytes(_outer(inp) / _gre(inp) / inner))
    sa = sa or _sa(inp)
    # VTI: tunnel-mode ESP directly around the overlay packet. GRE: in transport mode ESP goes
    # between the delivery header and GRE; in tunnel mode (the SA has a tunnel_header) the whole
    # GRE packet, delivery header included, is encrypted and a new outer header added.
    plain = inner if inp.vti else _outer(inp) / _gre(inp) / inner
    encrypted = sa.encrypt(plain)  # type: ignore[no-untyped-call]
    size = len(bytes(encrypted))
    # decrypt again (scapy decrypts in place, hence after measuring): the size only means
    # something if the packet is a valid ESP packet that gives back the inner packet
    assert bytes(sa.decrypt(encrypted))[-inner_len:] == bytes(inner)  # type: ignore[no-untyped-call]
    return size


@st.composite
def mtu_inputs(draw: st.DrawFn) -> MtuInput:
    encryption = draw(st.sampled_from(ENCRYPTIONS))
    if encryption == "none" or encryption in AEAD:
        integrity = draw(st.sampled_from([None, "none"]))
    elif encryption == "null":
        integrity = draw(st.sampled_from([None, *(i for i in INTEGRITIES if i != "none")]))
    else:
        integrity = draw(st.sampled_from([None, *INTEGRITIES]))
    ipsec = encryption != "none"
    ipv6 = draw(st.booleans())
    low = 1280 if ipv6 else 576
    return MtuInput(
        underlay_mtu=draw(st.integers(low, 9216)),
        encryption=encryption,  # type: ignore[arg-type]
        integrity=integrity,  # type: ignore[arg-type]
        mode=draw(st.sampled_from(["transport", "tunnel"])) if ipsec else "transport",
        nat_t=draw(st.booleans()) if ipsec else False,
        ipv6_underlay=ipv6,
        gre_key=draw(st.booleans()),
        gre_sequence=draw(st.booleans()),
        gre_checksum=draw(st.booleans()),
        vti=draw(st.booleans()) if ipsec else False,
    )


@SETTINGS
@given(mtu_inputs())
def test_max_ip_mtu_is_exactly_the_largest_packet_that_fits(inp: MtuInput) -> None:
    result = compute(inp)
    sa = _sa(inp) if inp.ipsec else None
    at_max = wire_size(result.max_ip_mtu, inp, sa)
    one_more = wire_size(result.max_ip_mtu + 1, inp, sa)
    assert at_max <= inp.underlay_mtu < one_more
    assert at_max == outer_packet_size(result.max_ip_mtu, inp)
    assert one_more == outer_packet_size(result.max_ip_mtu + 1, inp)
    assert result.recommended_ip_mtu <= result.max_ip_mtu
    assert sum(c.bytes for c in result.breakdown) == result.overhead


@SETTINGS
@given(mtu_inputs(), st.integers(20, 9000))
def test_outer_packet_size_matches_real_packets(inp: MtuInput, inner_len: int) -> None:
    assert wire_size(inner_len, inp) == outer_packet_size(inner_len, inp)


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.integers(0, 10_000), st.sampled_from(ENCRYPTIONS),
    st.sampled_from([None, *INTEGRITIES]), st.sampled_from(["transport", "tunnel"]),
    st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.booleans(),
)
def test_any_option_combination_computes_or_says_why(
    mtu: int, enc: str, integ: str | None, mode: str, natt: bool, v6: bool, key: bool,
    seq: bool, csum: bool, vti: bool,
) -> None:
    inp = MtuInput(underlay_mtu=mtu, encryption=enc, integrity=integ,  # type: ignore[arg-type]
                   mode=mode, nat_t=natt, ipv6_underlay=v6,  # type: ignore[arg-type]
                   gre_key=key, gre_sequence=seq, gre_checksum=csum, vti=vti)
    has_hmac = integ not in (None, "none")
    impossible = (
        not (1280 if v6 else 576) <= mtu <= 9216
        or (enc == "none" and (has_hmac or vti or natt or mode == "tunnel"))
        or (enc in AEAD and has_hmac)
        or (enc == "null" and integ == "none")
    )
    try:
        result = compute(inp)
    except MtuInputError as exc:
        message = str(exc)
    else:
        assert not impossible
        assert 0 < result.max_ip_mtu < mtu
        assert result.max_tcp_mss == result.max_ip_mtu - 40
        return
    assert impossible, message
    assert message
    assert "\n" not in message


@pytest.mark.parametrize("enc", [e for e in ENCRYPTIONS if e != "none"])
@pytest.mark.parametrize("mode", ["transport", "tunnel"])
def test_every_cipher_on_1500(enc: str, mode: str) -> None:
    integ = "none" if enc in AEAD else "sha1"
    inp = MtuInput(encryption=enc, integrity=integ, mode=mode)  # type: ignore[arg-type]
    lmax = compute(inp).max_ip_mtu
    assert wire_size(lmax, inp) <= 1500 < wire_size(lmax + 1, inp)


def test_plain_gre_df_ping_on_1500() -> None:
    """Reference §2.4: a 1448-byte ICMP payload makes a 1500-byte GRE packet, 1449 does not fit."""
    inp = MtuInput(encryption="none")
    payload = compute(inp).max_df_ping_payload
    assert payload == 1448
    for size, expected in ((payload, 1500), (payload + 1, 1501)):
        ping = IP(src="172.16.0.1", dst="172.16.5.1", flags="DF") / ICMP() / Raw(b"\0" * size)
        assert len(bytes(IP(src="198.51.100.1", dst="203.0.113.2") / GRE() / ping)) == expected
