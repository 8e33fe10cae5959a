"""VyOS ``vpn ipsec`` read into the shared model's IOS-shaped crypto objects, so the audit's
negotiation (:mod:`greios.audit.negotiate`) judges VyOS ends and mixed pairs with the same
rules as IOS.

The map (docs/vyos.md, "Audit"): each ``site-to-site peer P`` protecting GRE (``tunnel N
protocol gre``) becomes ``tunnel protection`` of the tunnel whose remote is the peer's
address, with IPsec profile ``VYOS-P`` (its ``esp-group`` as transform set, PFS, lifetime)
and an IKEv2 profile ``VYOS-P`` (remote identity, local identity, PSK keyring, lifetime) or
an IKEv1 key; every ``ike-group`` proposal becomes an IKEv2 proposal (strongSwan's view:
no integrity for AEAD; on 1.2 the PRF is the hash) or an ISAKMP policy. ``pfs enable`` is
the first IKE proposal's group, the default ESP mode is tunnel, the IKE lifetime 28800.
Oddities VyOS would silently mishandle are returned as warnings. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Network
from typing import Any

from greios.devmodel.model import (
    Ikev2Keyring,
    Ikev2Peer,
    Ikev2Policy,
    Ikev2Profile,
    Ikev2Proposal,
    IpsecProfile,
    IsakmpKey,
    IsakmpPolicy,
    TransformSet,
)
from greios.devmodel.secrets import make_psk
from greios.intent import ESP_ENCR, ESP_HMAC
from greios.inventory.vyos_crypto import VYOS_CIPHER
from greios.platforms.vyos.tree import ConfigTree

_GREIOS_CIPHER = {v: k for k, v in VYOS_CIPHER.items()}
_IPSEC = ("vpn", "ipsec")
KEYRING = "VYOS-PSK"


@dataclass
class Crypto:
    """The model fields of a VyOS IPsec config (DeviceConfig keyword arguments)."""

    fields: dict[str, Any] = field(default_factory=dict)
    #: tunnel remote address -> IPsec profile protecting it
    protection: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _v(tree: ConfigTree, *path: str) -> str | None:
    return tree.value((*_IPSEC, *path))


def _net(addr: str | None) -> IPv4Network | None:
    try:
        return IPv4Network(f"{addr}/32") if addr else None
    except ValueError:
        return None


def ike_version(tree: ConfigTree, group: str, version: str) -> int:
    kx = _v(tree, "ike-group", group, "key-exchange")
    if kx is not None:
        return 1 if kx == "ikev1" else 2
    return 1 if version == "1.2" else 2  # 1.2 defaults to IKEv1; later "either" (IKEv2 first)


def _ike_proposal(tree: ConfigTree, group: str, n: str, version: str) -> Ikev2Proposal:
    base = ("ike-group", group, "proposal", n)
    enc = _v(tree, *base, "encryption") or "aes128"
    hash_ = _v(tree, *base, "hash") or "sha1"
    prf = _v(tree, *base, "prf")
    aead = "gcm" in enc
    return Ikev2Proposal(
        name=f"{group}-{n}", line=0, encryption=(_GREIOS_CIPHER.get(enc, enc),),
        integrity=() if aead else (hash_,),
        prf=(prf.removeprefix("prf") if prf and version != "1.2" else hash_,),
        group=(int(_v(tree, *base, "dh-group") or 2),))


def _transforms(tree: ConfigTree, esp: str) -> tuple[str, ...]:
    props = tree.children((*_IPSEC, "esp-group", esp, "proposal"))
    if not props:
        return ()
    base = ("esp-group", esp, "proposal", props[0])
    enc = _GREIOS_CIPHER.get(_v(tree, *base, "encryption") or "aes128", "aes-cbc-128")
    words = ESP_ENCR[enc].split(" ")
    if not enc.startswith("aes-gcm"):
        words.append(ESP_HMAC.get(_v(tree, *base, "hash") or "sha1", "esp-sha-hmac"))
    return tuple(words)


def _pfs(tree: ConfigTree, esp: str, first_group: int | None) -> str | None:
    pfs = _v(tree, "esp-group", esp, "pfs") or "enable"
    if pfs == "disable":
        return None
    if pfs == "enable":
        return f"group{first_group}" if first_group else "group2"
    return "group" + pfs.removeprefix("dh-group")


def _psk(tree: ConfigTree, tag: str, remote: str | None, legacy: bool) -> str | None:
    if legacy:
        return _v(tree, "site-to-site", "peer", tag, "authentication", "pre-shared-secret")
    for name in tree.children((*_IPSEC, "authentication", "psk")):
        ids = tree.values((*_IPSEC, "authentication", "psk", name, "id"))
        if remote in ids or name == tag:
            return _v(tree, "authentication", "psk", name, "secret")
    return None


def read_crypto(tree: ConfigTree, version: str) -> Crypto:
    """Every IPsec object of ``tree`` in the shared model's terms."""
    out = Crypto()
    legacy = version in ("1.2", "1.3")
    proposals: dict[str, Ikev2Proposal] = {}
    isakmp: list[IsakmpPolicy] = []
    for g in tree.children((*_IPSEC, "ike-group")):
        for n in tree.children((*_IPSEC, "ike-group", g, "proposal")):
            p = _ike_proposal(tree, g, n, version)
            if ike_version(tree, g, version) == 2:
                proposals[p.name] = p
            else:
                isakmp.append(_isakmp(tree, g, n, p, len(isakmp) + 1))
    peers, profiles, ipsec, ts, keys = [], {}, {}, {}, []
    for tag in tree.children((*_IPSEC, "site-to-site", "peer")):
        got = _peer(tree, tag, version, legacy, out)
        if got is None:
            continue
        peer, profile, prof, tset, key = got
        if peer is not None:
            peers.append(peer)
        if profile is not None:
            profiles[profile.name] = profile
        if key is not None:
            keys.append(key)
        ipsec[prof.name] = prof
        ts[tset.name] = tset
    out.fields = {
        "ikev2_proposals": proposals,
        "ikev2_policies": {"VYOS": Ikev2Policy("VYOS", 0, tuple(proposals))} if proposals
        else {},
        "ikev2_keyrings": {KEYRING: Ikev2Keyring(KEYRING, 0, tuple(peers))} if peers else {},
        "ikev2_profiles": profiles, "ipsec_profiles": ipsec, "transform_sets": ts,
        "isakmp_policies": tuple(isakmp), "isakmp_keys": tuple(keys),
    }
    return out


def _isakmp(tree: ConfigTree, group: str, n: str, p: Ikev2Proposal, prio: int
            ) -> IsakmpPolicy:
    enc = p.encryption[0]
    bits = enc.rpartition("-")[2]
    aes = enc.startswith("aes")
    life = _v(tree, "ike-group", group, "lifetime")
    return IsakmpPolicy(
        priority=prio, line=0, encryption="aes" if aes else enc,
        keylen=int(bits) if aes and bits.isdigit() else None,
        hash="sha" if (p.integrity or p.prf)[0] == "sha1" else (p.integrity or p.prf)[0],
        group=p.group[0], lifetime=int(life) if life else 28800,
        explicit=frozenset({"encryption", "hash", "group", "authentication"}))


def _peer(tree: ConfigTree, tag: str, version: str, legacy: bool, out: Crypto
          ) -> tuple[Ikev2Peer | None, Ikev2Profile | None, IpsecProfile, TransformSet,
                     IsakmpKey | None] | None:
    base = ("site-to-site", "peer", tag)
    remote = tag if legacy else _v(tree, *base, "remote-address")
    tunnels = tree.children((*_IPSEC, *base, "tunnel"))
    if not any(_v(tree, *base, "tunnel", t, "protocol") == "gre" for t in tunnels):
        return None  # VTI or prefix policies: not GRE protection
    esp = _v(tree, *base, "default-esp-group") or next(
        (e for t in tunnels if (e := _v(tree, *base, "tunnel", t, "esp-group"))), "")
    group = _v(tree, *base, "ike-group") or ""
    mode = _v(tree, "esp-group", esp, "mode") or "tunnel"
    if mode == "tunnel":
        out.warnings.append(
            f"peer {tag}: ESP tunnel mode with 'tunnel N protocol gre' and no prefixes: VyOS "
            "drops the gre selector (the SA covers all host-to-host traffic); use transport")
    props = tree.children((*_IPSEC, "ike-group", group, "proposal"))
    first = _v(tree, "ike-group", group, "proposal", props[0], "dh-group") if props else None
    name = f"VYOS-{tag}"
    local = _v(tree, *base, "authentication", "local-id" if not legacy else "id") or _v(
        tree, *base, "local-address")
    remote_id = _v(tree, *base, "authentication", "remote-id") or remote
    secret = _psk(tree, tag, remote, legacy)
    psk = make_psk(secret) if secret is not None else None
    life = _v(tree, "esp-group", esp, "lifetime")
    v2 = ike_version(tree, group, version) == 2
    prof = IpsecProfile(name=name, line=0, transform_sets=(esp,) if esp else (),
                        pfs=_pfs(tree, esp, int(first) if first else None),
                        lifetime_s=int(life) if life else 3600,
                        ikev2_profile=name if v2 else None)
    tset = TransformSet(esp, 0, _transforms(tree, esp), mode)
    out.protection[remote or ""] = name
    net = _net(remote)
    if not v2:
        key = IsakmpKey(psk=psk, line=0, network=net) if psk and net else None
        return None, None, prof, tset, key
    ike_life = _v(tree, "ike-group", group, "lifetime")
    dpd = _v(tree, "ike-group", group, "dead-peer-detection", "interval")
    profile = Ikev2Profile(
        name=name, line=0, match_remote=tuple(n for n in (_net(remote_id),) if n),
        identity_local=f"address {local}" if local else None,
        auth_local=("pre-share",), auth_remote=("pre-share",), keyring=KEYRING,
        lifetime=int(ike_life) if ike_life else 28800, lifetime_explicit=True,
        dpd=(int(dpd), 3, "periodic") if dpd else None)
    peer = Ikev2Peer(name=tag, line=0, network=net, psk_local=psk, psk_remote=psk)
    return peer, profile, prof, tset, None
