"""One greios crypto policy in VyOS's words, and what VyOS cannot do with it.

The IOS <-> VyOS keyword map of ../shared/docs/vyos-reference.md §2.5, per VyOS version:
the inventory's checks refuse a policy a VyOS end cannot render or negotiate (with the
reason), and the VyOS renderer draws its ``ike-group``/``esp-group`` proposals from the
same functions, so what validates is what renders. Pure (inventory layer: models only).

How the proposals intersect the IOS side: IOS offers every combination of its IKEv2
proposal's encryption x integrity x PRF x group (integrity none with GCM); VyOS one
``proposal N`` per combination (strongSwan drops the hash of an AEAD cipher, and on 1.2,
which has no ``prf`` node, derives the PRF from the hash). The ESP side is one transform
(``esp-gcm 256`` = ``aes256gcm128``), transport mode, PFS explicit on both ends (IOS has
none by default, VyOS ``enable``).
"""

from __future__ import annotations

from dataclasses import dataclass

from greios.inventory.models import CryptoPolicy

#: greios cipher -> VyOS ``encryption`` keyword (IKE and ESP); absent: not offered
VYOS_CIPHER: dict[str, str] = {
    "aes-gcm-256": "aes256gcm128", "aes-gcm-128": "aes128gcm128",
    "aes-cbc-256": "aes256", "aes-cbc-192": "aes192", "aes-cbc-128": "aes128", "3des": "3des",
}
#: ciphers that appeared after 1.2 (crux lists aes128 aes256 aes128gcm128 aes256gcm128 3des)
_CIPHER_SINCE_13 = frozenset({"aes-cbc-192"})
_DH_12 = frozenset({2, 5, *range(14, 27)})
_DH_13 = frozenset({1, 2, 5, *range(14, 33)})


@dataclass(frozen=True)
class IkeProposal:
    encryption: str  # VyOS keyword
    hash: str
    prf: str | None  # None on 1.2 (derived from the hash)
    dh_group: int


@dataclass(frozen=True)
class EspProposal:
    encryption: str
    hash: str  # always set on VyOS (ignored for AEAD)


def dh_groups(version: str) -> frozenset[int]:
    return _DH_12 if version == "1.2" else _DH_13


def ike_proposals(policy: CryptoPolicy, version: str) -> list[IkeProposal]:
    """The ``ike-group`` proposals matching what IOS offers for ``policy`` (in IOS's order
    of preference; IKEv1: IOS's one ISAKMP policy, the first of each list)."""
    ike = policy.ike
    if policy.ike_version == 1:
        return [IkeProposal(VYOS_CIPHER.get(ike.encryption[0], ike.encryption[0]),
                            ike.hash[0], None, ike.group[0])]
    out: list[IkeProposal] = []
    for enc in ike.encryption:
        gcm = enc.startswith("aes-gcm")
        for prf in ike.prf:
            for integ in ([prf] if gcm else ike.integrity):
                if version == "1.2" and integ != prf:
                    continue  # 1.2 derives the PRF from the hash
                for group in ike.group:
                    p = IkeProposal(VYOS_CIPHER.get(enc, enc), integ,
                                    None if version == "1.2" else f"prf{prf}", group)
                    if p not in out:
                        out.append(p)
    return out


def esp_proposal(policy: CryptoPolicy) -> EspProposal:
    ipsec = policy.ipsec
    integ = ipsec.esp_integrity
    return EspProposal(VYOS_CIPHER.get(ipsec.encryption, ipsec.encryption),
                       "sha256" if integ == "none" else integ)


def pfs_value(policy: CryptoPolicy) -> str:
    """``esp-group E pfs``: explicit, because IOS's default is none and VyOS's ``enable``."""
    return "disable" if policy.ipsec.pfs is None else f"dh-group{policy.ipsec.pfs}"


def policy_problems(policy: CryptoPolicy, version: str) -> list[str]:
    """Why a VyOS ``version`` end cannot use ``policy`` towards any peer (empty: it can)."""
    problems: list[str] = []
    ike, ipsec = policy.ike, policy.ipsec
    for what, ciphers in (("ike.encryption", ike.encryption),
                          ("ipsec.encryption", [ipsec.encryption])):
        for c in ciphers:
            if c not in VYOS_CIPHER:
                problems.append(f"{what} {c} is not offered by VyOS")
            elif c in _CIPHER_SINCE_13 and version == "1.2":
                problems.append(f"{what} {c} needs VyOS 1.3 or later (1.2 has no aes192)")
    groups = dh_groups(version)
    for g in ike.group:
        if g not in groups:
            problems.append(f"ike.group {g} is not a DH group of VyOS {version}")
    if ipsec.pfs is not None and ipsec.pfs not in groups:
        problems.append(f"ipsec.pfs group {ipsec.pfs} is not a DH group of VyOS {version}")
    if ipsec.mode != "transport":
        problems.append("ipsec.mode tunnel: VyOS protects GRE ('tunnel N protocol gre') only "
                        "in ESP transport mode (tunnel mode drops the protocol selector)")
    if policy.ike_version == 2 and not ike_proposals(policy, version):
        problems.append("VyOS 1.2 has no IKE 'prf' (it is derived from the hash): with CBC "
                        "ciphers ike.integrity and ike.prf must share a value")
    return problems


def peer_name_problem(peer: str, version: str) -> str | None:
    """VyOS 1.4+ names the ``site-to-site peer`` after the peer router; VyOS refuses a name
    with ``.`` or ``:`` ("Incorrect peer name")."""
    if version in ("1.2", "1.3") or not any(c in peer for c in ".:"):
        return None
    return (f"VyOS {version} names its IPsec peer after router '{peer}', and refuses a "
            "peer name with '.' or ':' (Incorrect peer name): rename the router")
