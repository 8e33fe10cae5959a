"""The one crypto vocabulary: algorithm names as greios spells them.

The inventory's crypto policies (:mod:`greios.inventory.models`), the per-router intent
(:mod:`greios.intent`) and the MTU arithmetic (:mod:`greios.mtu`) all speak these words;
IOS spellings (``esp-gcm 256``, ``encr aes 256``...) are derived from them in
:mod:`greios.intent`. Standard library only (``typing``), so the CLI can use it at start-up.

The order inside each ``Literal`` is the order shown to users (pydantic lists the allowed
values in it): the inventory's lists put the strongest first.
"""

from __future__ import annotations

from typing import Literal, get_args

IkeCipher = Literal[
    "aes-gcm-256", "aes-gcm-128", "aes-cbc-256", "aes-cbc-192", "aes-cbc-128", "3des", "des"
]
"""IKE (phase 1) cipher; also every ESP cipher except ``null``."""

EspCipher = Literal[IkeCipher, "null"]
"""ESP (phase 2) cipher of a crypto policy."""

Hash = Literal["sha512", "sha384", "sha256", "sha1", "md5"]
"""IKE PRF / integrity / IKEv1 hash, and the HMAC of an ESP transform."""

EspIntegrity = Literal[Hash, "none"]
"""ESP integrity; ``none`` with an AEAD cipher (AES-GCM)."""

DhGroup = Literal[1, 2, 5, 14, 15, 16, 19, 20, 21, 24]

IpsecMode = Literal["transport", "tunnel"]

TunnelEncryption = Literal[EspCipher, "none", "aes-gmac"]
"""What protects a tunnel, for the MTU arithmetic: an ESP cipher, ``none`` (plain GRE, no
IPsec) or ``aes-gmac`` (IOS ``esp-gmac``, authentication only: read from running configs,
never rendered by greios)."""

IKE_CIPHERS: tuple[str, ...] = get_args(IkeCipher)
ESP_CIPHERS: tuple[str, ...] = get_args(EspCipher)
HASHES: tuple[str, ...] = get_args(Hash)
ESP_INTEGRITIES: tuple[str, ...] = get_args(EspIntegrity)
DH_GROUPS: tuple[int, ...] = get_args(DhGroup)
IPSEC_MODES: tuple[str, ...] = get_args(IpsecMode)
TUNNEL_ENCRYPTIONS: tuple[str, ...] = get_args(TunnelEncryption)

__all__ = [
    "DH_GROUPS", "ESP_CIPHERS", "ESP_INTEGRITIES", "HASHES", "IKE_CIPHERS", "IPSEC_MODES",
    "TUNNEL_ENCRYPTIONS", "DhGroup", "EspCipher", "EspIntegrity", "Hash", "IkeCipher",
    "IpsecMode", "TunnelEncryption",
]
