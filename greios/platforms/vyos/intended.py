"""The intended greios configuration of a VyOS router, as set-commands of its dialect.

Input is the platform-neutral :class:`greios.intent.RouterIntent` (the same one the IOS
templates render); output is what an operator types in VyOS configuration mode. Dialects
(../shared/docs/vyos-reference.md §1-§2, docs/vyos.md):

* 1.2: ``local-ip``/``remote-ip``, ``multicast enable``, MSS clamp under ``firewall
  options``, IPsec peer tagged by address with ``authentication pre-shared-secret``/``id``,
  no IKE ``prf`` (derived from the hash);
* 1.3: ``source-address``/``remote``, ``multicast 'enable'``, ``prf``;
* 1.4 / 1.5: ``enable-multicast``, ``ip adjust-mss``, named peers with ``remote-address``,
  ``authentication psk NAME id/secret``, ``local-id``, OSPF ``interface`` nodes.

GRE over IPsec is policy-based: ESP transport mode, ``tunnel 1 protocol gre`` and a fixed
``local-address`` (the counterpart of IOS ``tunnel protection``). Proposals come from
:mod:`greios.inventory.vyos_crypto`, so they intersect what IOS offers for the same greios
policy. ``mtu`` is rendered unless it is VyOS's GRE default 1476; the MSS clamp with it
(the Tokyo - Hong Kong example is exactly six lines). Secrets follow the IOS rules: a
redacted line is commented out (``# ``), so pasting it sets nothing. Pure.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from greios.intent import ESP_ENCR, ESP_HMAC, IKEV1_ENCR, IKEV1_HASH
from greios.inventory.models import CryptoPolicy
from greios.inventory.vyos_crypto import esp_proposal, ike_proposals, pfs_value
from greios.redact import REDACTED
from greios.render import SecretMode
from greios.secrets import Secret

if TYPE_CHECKING:
    from greios.intent import OspfIntent, PeerCrypto, RouterIntent, TunnelIntent

#: VyOS's MTU of a GRE tunnel interface when none is set
GRE_DEFAULT_MTU = 1476


def q(value: object) -> str:
    """A value as VyOS prints it: single-quoted."""
    return f"'{value}'"


def legacy(version: str) -> bool:
    """1.2 and 1.3: peer tagged by address, ``ipsec-interfaces``, firewall MSS clamp."""
    return version in ("1.2", "1.3")


def render_intent(intent: RouterIntent, *, secrets: SecretMode = "redact") -> str:
    """Set-commands of every greios-owned VyOS node of ``intent``'s router."""
    model = intent.router.model
    version = model.vyos_version or "1.4"
    lines: list[str] = []
    for t in intent.tunnels:
        lines += tunnel_lines(t, version, str(model.underlay.ip))
    if intent.peers:
        lines += ipsec_lines(intent, version, model.underlay.interface, secrets)
    if intent.ospf is not None:
        lines += ospf_lines(intent.ospf, intent.tunnels, version)
    return "".join(line + "\n" for line in lines)


# --------------------------------------------------------------------------- GRE


def tunnel_lines(t: TunnelIntent, version: str, source: str) -> list[str]:
    """``interfaces tunnel tunN`` in the example's order (address, description,
    encapsulation, multicast, source, remote), then MTU, MSS clamp and GRE key. ``source``
    is the underlay address (VyOS sources a tunnel from an address)."""
    base = f"set interfaces tunnel tun{t.number}"
    prefix = ipaddress.IPv4Network(f"0.0.0.0/{t.mask}").prefixlen
    v12 = version == "1.2"
    out = [
        f"{base} address {q(f'{t.address}/{prefix}')}",
        f"{base} description {q(t.description)}",
        f"{base} encapsulation {q('ip6gre' if t.ipv6_underlay else 'gre')}",
        f"{base} multicast enable" if v12 else
        f"{base} multicast {q('enable')}" if version == "1.3" else f"{base} enable-multicast",
        f"{base} {'local-ip' if v12 else 'source-address'} {q(source)}",
        f"{base} {'remote-ip' if v12 else 'remote'} {q(t.destination)}",
    ]
    if t.ip_mtu != GRE_DEFAULT_MTU:
        out.append(f"{base} mtu {q(t.ip_mtu)}")
        out.append(f"set firewall options interface tun{t.number} adjust-mss {q(t.tcp_mss)}"
                   if legacy(version) else f"{base} ip adjust-mss {q(t.tcp_mss)}")
    if t.gre_key is not None:
        out.append(f"{base} parameters ip key {q(t.gre_key)}")
    return out


# --------------------------------------------------------------------------- IPsec


def policy_of(intent: RouterIntent, crypto: PeerCrypto) -> CryptoPolicy:
    """The greios crypto policy behind one peer's IOS-shaped crypto intent."""
    esp_encr = {v: k for k, v in ESP_ENCR.items()}
    esp_hmac = {v: k for k, v in ESP_HMAC.items() if v}
    ts = next(t for t in intent.transform_sets if t.name == crypto.transform_set)
    words = ts.transforms.split(" ")
    enc_words = " ".join(words[:2]) if len(words) > 1 and words[1].isdigit() else words[0]
    rest = [w for w in words[len(enc_words.split(" ")):] if w]
    ipsec = {"encryption": esp_encr[enc_words], "mode": ts.mode, "pfs": crypto.pfs,
             "integrity": esp_hmac[rest[0]] if rest else "none"}
    if crypto.ipsec_lifetime is not None:
        ipsec["lifetime"] = crypto.ipsec_lifetime
    ike: dict[str, object] = {}
    if crypto.ike_version == 2:
        suite = next(s for s in intent.ikev2_suites if s.name == crypto.suite)
        ike = {"encryption": list(suite.encryption), "prf": list(suite.prf),
               "integrity": list(suite.integrity), "group": list(suite.group)}
    elif intent.ikev1_policies:
        pol = intent.ikev1_policies[0]
        ike = {"encryption": [{v: k for k, v in IKEV1_ENCR.items()}.get(pol.encr or "", "3des")],
               "hash": [{v: k for k, v in IKEV1_HASH.items()}.get(pol.hash or "sha", "sha1")],
               "group": [pol.group]}
    if crypto.ike_lifetime is not None:
        ike["lifetime"] = crypto.ike_lifetime
    dpd = None
    if crypto.dpd:
        interval, retries, mode = crypto.dpd.split(" ")
        dpd = {"interval": int(interval), "retries": int(retries), "mode": mode}
    return CryptoPolicy.model_validate({"ike_version": crypto.ike_version, "ike": ike,
                                        "ipsec": ipsec, "dpd": dpd})


def group_names(crypto: PeerCrypto, policy: CryptoPolicy) -> tuple[str, str]:
    """(ike-group, esp-group) names: one per greios policy (shared by its peers)."""
    ike = crypto.suite or f"GREIOS-IKEV1-{policy.isakmp_priority}"
    life = f"-L{policy.ipsec.lifetime}" if crypto.ipsec_lifetime is not None else ""
    esp = f"{crypto.transform_set}-{pfs_value(policy).upper()}{life}"
    return ike, esp


def peer_tag(crypto: PeerCrypto, version: str) -> str:
    """1.2/1.3 tag the peer by its address; 1.4+ by a name (the peer router's)."""
    return crypto.remote_address if legacy(version) else crypto.peer


def ipsec_lines(intent: RouterIntent, version: str, interface: str,
                secrets: SecretMode) -> list[str]:
    out = [f"set vpn ipsec ipsec-interfaces interface {q(interface)}" if legacy(version)
           else f"set vpn ipsec interface {q(interface)}"]
    groups: dict[str, list[str]] = {}
    peers: list[str] = []
    for crypto in intent.peers:
        policy = policy_of(intent, crypto)
        ike_name, esp_name = group_names(crypto, policy)
        groups.setdefault(ike_name, ike_group_lines(ike_name, policy, version))
        groups.setdefault(esp_name, esp_group_lines(esp_name, policy))
        peers += peer_lines(intent, crypto, (ike_name, esp_name), version, secrets)
    psk = [line for line in peers if " authentication psk " in line]
    return [*out, *psk, *(x for g in groups.values() for x in g),
            *(line for line in peers if " authentication psk " not in line)]


def ike_group_lines(name: str, policy: CryptoPolicy, version: str) -> list[str]:
    base = f"set vpn ipsec ike-group {name}"
    out = [f"{base} key-exchange {q(f'ikev{policy.ike_version}')}",
           f"{base} lifetime {q(policy.ike.lifetime)}"]
    if policy.dpd is not None:
        out += [f"{base} dead-peer-detection action {q('restart')}",
                f"{base} dead-peer-detection interval {q(policy.dpd.interval)}"]
        if policy.ike_version == 1:
            out.append(f"{base} dead-peer-detection timeout "
                       f"{q(policy.dpd.interval * policy.dpd.retries)}")
    for n, p in enumerate(ike_proposals(policy, version), 1):
        pb = f"{base} proposal {n * 10}"
        out += [f"{pb} dh-group {q(p.dh_group)}", f"{pb} encryption {q(p.encryption)}",
                f"{pb} hash {q(p.hash)}"]
        if p.prf is not None:
            out.append(f"{pb} prf {q(p.prf)}")
    return out


def esp_group_lines(name: str, policy: CryptoPolicy) -> list[str]:
    base = f"set vpn ipsec esp-group {name}"
    p = esp_proposal(policy)
    return [f"{base} lifetime {q(policy.ipsec.lifetime)}", f"{base} mode {q('transport')}",
            f"{base} pfs {q(pfs_value(policy))}",
            f"{base} proposal 10 encryption {q(p.encryption)}",
            f"{base} proposal 10 hash {q(p.hash)}"]


def _secret(psk: Secret, mode: SecretMode) -> str:
    if mode == "reveal":
        return psk.reveal()
    return psk.ref if mode == "ref" else REDACTED


def peer_lines(intent: RouterIntent, crypto: PeerCrypto, names: tuple[str, str],
               version: str, secrets: SecretMode) -> list[str]:
    ike_name, esp_name = names
    tag = peer_tag(crypto, version)
    base = f"set vpn ipsec site-to-site peer {tag}"
    local = str(intent.router.model.underlay.ip)
    secret = q(_secret(crypto.psk, secrets))
    remote_id = crypto.remote_identities[0]
    initiate = intent.name < crypto.peer  # one end initiates, the other responds
    out: list[str] = []
    if legacy(version):
        out += [f"{base} authentication id {q(crypto.local_identity)}",
                f"{base} authentication mode {q('pre-shared-secret')}",
                f"{base} authentication pre-shared-secret {secret}"]
    else:
        psk = f"set vpn ipsec authentication psk {tag}"
        out += [f"{psk} id {q(crypto.local_identity)}", f"{psk} id {q(remote_id)}",
                f"{psk} secret {secret}",
                f"{base} authentication local-id {q(crypto.local_identity)}",
                f"{base} authentication mode {q('pre-shared-secret')}"]
    out += [f"{base} authentication remote-id {q(remote_id)}",
            f"{base} connection-type {q('initiate' if initiate else 'respond')}",
            f"{base} default-esp-group {q(esp_name)}",
            f"{base} ike-group {q(ike_name)}",
            f"{base} local-address {q(local)}"]
    if not legacy(version):
        out.append(f"{base} remote-address {q(crypto.remote_address)}")
    out.append(f"{base} tunnel 1 protocol {q('gre')}")
    return [f"# {line}" if REDACTED in line else line for line in out]


# --------------------------------------------------------------------------- OSPF


def ospf_lines(ospf: OspfIntent, tunnels: list[TunnelIntent], version: str) -> list[str]:
    """OSPF over the tunnels like the IOS side: the tunnel subnets and LANs in the area,
    each tunnel point-to-point (with its hello/dead timers when set)."""
    out = []
    for address, wildcard in ospf.networks:
        net = ipaddress.IPv4Network(f"{address}/{wildcard}")
        out.append(f"set protocols ospf area {ospf.area} network {q(net)}")
    for t in tunnels:
        if not t.ospf:
            continue
        if legacy(version):
            base = f"set interfaces tunnel tun{t.number} ip ospf"
        else:
            base = f"set protocols ospf interface tun{t.number}"
        out.append(f"{base} network {q('point-to-point')}")
        if t.ospf_hello is not None:
            out.append(f"{base} hello-interval {q(t.ospf_hello)}")
        if t.ospf_dead is not None:
            out.append(f"{base} dead-interval {q(t.ospf_dead)}")
    return out
