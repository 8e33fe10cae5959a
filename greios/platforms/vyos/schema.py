"""Per-version schema of the VyOS nodes greios uses, and VyOS's ``set`` error texts.

Versions: ``1.2`` (crux), ``1.3`` (equuleus), ``1.4`` (sagitta), ``1.5`` (circinus /
rolling). The schema is greios's own description, written from reading (never copying)
the definitions: vyatta-cfg-system ``templates/interfaces/tunnel`` (crux),
vyatta-cfg-vpn ``templates/vpn/ipsec`` (crux, equuleus), vyos-1x
``interface-definitions/interfaces-tunnel.xml.in`` (equuleus) and
``interfaces_tunnel.xml.in``, ``vpn_ipsec.xml.in``, ``protocols_ospf.xml.in``,
``system_host-name.xml.in`` (sagitta, circinus), plus ../shared/docs/vyos-reference.md.

Only the subtrees greios configures are modelled node by node; a few others a router
always has (``system login``, ``service``, ``nat``, ``protocols static`` ...) are
*opaque*: anything below them is accepted. Any other path is invalid, as on VyOS.

The error texts are vyatta-cfg's (``functions/interpreter/vyatta-cfg-run``,
``src/cstore/cstore.cpp``), identical on every version since all of them still use the
vyatta-cfg backend:

* ``Configuration path: interfaces tunnel tun0 [local-ip] is not valid`` / ``Set failed``
* ``<constraint message>`` / ``Value validation failed`` / ``Set failed``
* ``Configuration path: [<path>] requires a value`` / ``Set failed``
* ``Configuration path: [<path>] already exists`` (not an error)
* ``Nothing to delete (the specified node does not exist)`` (not an error)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cache

from greios.errors import GreiosError
from greios.platforms.vyos import values as v

VERSIONS: tuple[str, ...] = ("1.2", "1.3", "1.4", "1.5")
CODENAMES = {"1.2": "crux", "1.3": "equuleus", "1.4": "sagitta", "1.5": "circinus"}


class VyosVersionError(GreiosError):
    default_message = "unsupported VyOS version"


def normalize_version(text: str) -> str:
    """Map a release string (``1.2.9-S1``, ``1.4.0-epa3``, ``1.5-rolling-202410210022``,
    ``sagitta``, ``rolling``, ``VyOS 1.3.8``) to one of :data:`VERSIONS`.

    >>> normalize_version("VyOS 1.5-rolling-202410210022")
    '1.5'
    """
    word = text.strip().lower().removeprefix("vyos").strip()
    for ver, name in CODENAMES.items():
        if word == name:
            return ver
    if word in ("rolling", "current"):
        return "1.5"
    match = re.match(r"(\d+)\.(\d+)", word)
    if match:
        major, minor = int(match.group(1)), int(match.group(2))
        if (major, minor) == (1, 1):  # Vyatta/VyOS 1.1 used the 1.2 node names
            return "1.2"
        ver = f"{major}.{minor}"
        if ver in VERSIONS:
            return ver
        if (major, minor) > (1, 5):
            return "1.5"
    raise VyosVersionError(f"unsupported VyOS version {text.strip()!r} "
                           f"(supported: {', '.join(VERSIONS)})")


class Kind(Enum):
    NODE = "node"  # container
    TAG = "tag"  # tag node: the next word is a tag value, then ``children``
    LEAF = "leaf"  # single value
    MULTI = "multi"  # multi-value leaf
    FLAG = "flag"  # valueless leaf
    OPAQUE = "opaque"  # not modelled: anything below is accepted


@dataclass(frozen=True)
class Spec:
    kind: Kind
    children: Mapping[str, Spec] = field(default_factory=dict)
    check: v.Check = v.any_value  # values of LEAF/MULTI, tag values of TAG


def node(**children: Spec) -> Spec:
    return Spec(Kind.NODE, _names(children))


def tag(check: v.Check = v.any_value, **children: Spec) -> Spec:
    return Spec(Kind.TAG, _names(children), check)


def leaf(check: v.Check = v.any_value) -> Spec:
    return Spec(Kind.LEAF, check=check)


def multi(check: v.Check = v.any_value) -> Spec:
    return Spec(Kind.MULTI, check=check)


FLAG = Spec(Kind.FLAG)
OPAQUE = Spec(Kind.OPAQUE)


def _names(children: Mapping[str, Spec]) -> dict[str, Spec]:
    # python identifiers use "_" where VyOS uses "-"
    return {k.replace("_", "-").removesuffix("-"): s for k, s in children.items()}


# ---------------------------------------------------------------------- resolution
@dataclass(frozen=True)
class Resolved:
    """A valid ``set``/``delete`` path split the way the tree stores it."""

    path: tuple[str, ...]  # nodes, without the value
    value: str | None
    kind: Kind  # kind of the last node
    tags: tuple[int, ...]  # indices in ``path`` of tag nodes
    opaque: bool = False


@dataclass(frozen=True)
class PathError:
    """Why VyOS refuses a path; :meth:`text` is what its CLI prints."""

    reason: str  # "invalid" | "value" | "requires-value"
    words: tuple[str, ...]
    index: int = 0  # the offending word for "invalid"
    message: str = ""  # constraint message for "value"

    def text(self, command: str = "set") -> str:
        failed = f"  {command.capitalize()} failed\n"
        if self.reason == "invalid":
            good = " ".join(self.words[: self.index])
            bad = self.words[self.index] if self.index < len(self.words) else ""
            where = f"{good} [{bad}]" if good else f"[{bad}]"
            return f"\n  Configuration path: {where} is not valid\n{failed}\n"
        if self.reason == "value":
            return f"\n  {self.message}\n  Value validation failed\n{failed}\n"
        return (f"\n  Configuration path: [{' '.join(self.words)}] requires a value\n"
                f"{failed}\n")


class Schema:
    """The nodes of one VyOS version."""

    def __init__(self, version: str, root: Spec) -> None:
        self.version = version
        self.root = root

    def resolve(self, words: Sequence[str], quoted_last: bool = False,
                *, for_delete: bool = False, strict: bool = False) -> Resolved | PathError:
        """Split ``set``/``delete`` words into path and value, or say why VyOS refuses
        them. ``quoted_last``: the last word was quoted. Below opaque nodes a quoted last
        word is a value; with ``strict`` (text printed by VyOS, which quotes every value)
        only then, otherwise also when two or more words follow the opaque node."""
        words = tuple(words)
        spec = self.root
        path: list[str] = []
        tags: list[int] = []
        i = 0
        while i < len(words):
            word = words[i]
            if spec.kind is Kind.NODE:
                child = spec.children.get(word)
                if child is None:
                    return PathError("invalid", words, i)
                path.append(word)
                spec = child
            elif spec.kind is Kind.TAG:
                message = spec.check(word)
                if message is not None and not for_delete:
                    return PathError("value", words, i, message)
                tags.append(len(path) - 1)
                path.append(word)
                spec = Spec(Kind.NODE, spec.children)
                if not spec.children:  # a tag value without modelled children
                    spec = OPAQUE
            elif spec.kind in (Kind.LEAF, Kind.MULTI):
                if i != len(words) - 1:
                    return PathError("invalid", words, i + 1)
                message = spec.check(word)
                if message is not None and not for_delete:
                    return PathError("value", words, i, message)
                return Resolved(tuple(path), word, spec.kind, tuple(tags))
            elif spec.kind is Kind.FLAG:
                return PathError("invalid", words, i)
            else:  # OPAQUE
                return _resolve_opaque(words, i, path, tags, quoted_last, strict)
            i += 1
        if spec.kind in (Kind.LEAF, Kind.MULTI) and not for_delete:
            return PathError("requires-value", words)
        if spec.kind is Kind.TAG and not for_delete:
            return PathError("requires-value", words)
        if spec.kind is Kind.NODE and not spec.children:
            spec = OPAQUE
        return Resolved(tuple(path), None, spec.kind, tuple(tags),
                        opaque=spec.kind is Kind.OPAQUE)

    def kind_of(self, path: Sequence[str]) -> Kind | None:
        """Kind of the node at ``path`` (tag values count as NODE), None if unknown."""
        spec = self.root
        after_tag = False
        for word in path:
            if after_tag:
                after_tag = False
                spec = Spec(Kind.NODE, spec.children) if spec.children else OPAQUE
                continue
            if spec.kind is Kind.OPAQUE:
                return None
            if spec.kind is not Kind.NODE:
                return None
            child = spec.children.get(word)
            if child is None:
                return None
            spec = child
            after_tag = spec.kind is Kind.TAG
        if after_tag:
            return Kind.TAG
        return spec.kind

    def is_valid(self, words: Sequence[str]) -> bool:
        return isinstance(self.resolve(words), Resolved)


# Tag nodes commonly met inside opaque subtrees (``protocols static route X next-hop Y``,
# ``system ntp server X``, ``system login user X``); knowing them keeps the curly
# rendering of configs parsed from set-lines right.
OPAQUE_TAGS = frozenset({
    "route", "route6", "next-hop", "interface", "server", "user", "device", "facility",
    "rule", "name", "neighbor", "public-keys", "shared-network-name", "subnet",
    "host-name", "listen-address", "vif", "peer", "group",
})


def _resolve_opaque(words: tuple[str, ...], start: int, path: list[str], tags: list[int],
                    quoted_last: bool, strict: bool) -> Resolved:
    rest = list(words[start:])
    base = len(path)
    tag_idx = [base + k for k, word in enumerate(rest[:-1]) if word in OPAQUE_TAGS]
    if not quoted_last and tag_idx and tag_idx[-1] == base + len(rest) - 2:
        # "... next-hop 10.0.0.1": an empty tag value, not a leaf
        return Resolved(tuple(path + rest), None, Kind.NODE, (*tags, *tag_idx), opaque=True)
    # below an opaque node the last word is a value when it was quoted, or when at
    # least two words follow the opaque node ("ssh port 22"); a lone word is a
    # valueless leaf ("options disable-route-autoinstall")
    if quoted_last or (len(rest) >= 2 and not strict):
        value: str | None = rest.pop()
        kind = Kind.LEAF
    else:
        value = None
        kind = Kind.FLAG
    tag_idx = [k for k in tag_idx if k < base + len(rest) - 1]
    return Resolved(tuple(path + rest), value, kind, (*tags, *tag_idx), opaque=True)


# ---------------------------------------------------------------------- definitions
_ENCAPS = {
    "1.2": ("gre", "gre-bridge", "ipip", "sit", "ipip6", "ip6ip6", "ip6gre"),
    "1.3": ("gre", "gretap", "ip6gre", "ip6ip6", "ipip", "ipip6", "sit"),
    "1.4": ("erspan", "gre", "gretap", "ip6erspan", "ip6gre", "ip6gretap", "ip6ip6",
            "ipip", "ipip6", "sit"),
}
_ENCAP_MSG = {
    "1.2": "Must be (gre gre-bridge ipip sit ipip6 ip6ip6 ip6gre)",
    "1.3": "Invalid encapsulation, must be one of: gre, gretap, ipip, sit, ipip6, ip6ip6, "
           "ip6gre",
    "1.4": "Invalid encapsulation, must be one of: erspan, gre, gretap, ip6erspan, ip6gre, "
           "ip6gretap, ipip, sit, ipip6 or ip6ip6",
}
_CIPHERS_12 = ("aes128", "aes256", "aes128gcm128", "aes256gcm128", "3des", "chacha20poly1305")
_CIPHERS_13 = (
    "null", "aes128", "aes192", "aes256", "aes128ctr", "aes192ctr", "aes256ctr",
    "aes128ccm64", "aes192ccm64", "aes256ccm64", "aes128ccm96", "aes192ccm96", "aes256ccm96",
    "aes128ccm128", "aes192ccm128", "aes256ccm128", "aes128gcm64", "aes192gcm64",
    "aes256gcm64", "aes128gcm96", "aes192gcm96", "aes256gcm96", "aes128gcm128",
    "aes192gcm128", "aes256gcm128", "aes128gmac", "aes192gmac", "aes256gmac", "3des",
    "blowfish128", "blowfish192", "blowfish256", "camellia128", "camellia192", "camellia256",
    "serpent128", "serpent192", "serpent256", "twofish128", "twofish192", "twofish256",
    "cast128", "chacha20poly1305",
)
_HASH_12 = ("md5", "sha1", "sha256", "sha384", "sha512")
_HASH_13 = ("md5", "md5_128", "sha1", "sha1_160", "sha256", "sha256_96", "sha384", "sha512",
            "aesxcbc", "aescmac", "aes128gmac", "aes192gmac", "aes256gmac")
_PRF = ("prfmd5", "prfsha1", "prfsha256", "prfsha384", "prfsha512", "prfaesxcbc", "prfaescmac")
_DH_12 = ("2", "5", *(str(n) for n in range(14, 27)))
_DH_13 = ("1", "2", "5", *(str(n) for n in range(14, 33)))


def _tunnel(ver: str) -> Spec:
    new = ver != "1.2"
    v14 = ver in ("1.4", "1.5")
    encaps = _ENCAPS["1.4" if v14 else ver]
    mtu = (v.number(68, 16000, "MTU must be between 68 and 16000") if v14 else
           v.number(64, 8024, "MTU must be between 64 and 8024" if new else
                    "Must be between 64-8024"))
    desc = (v.max_length(255, "Description too long (limit 255 characters)") if v14 else
            v.max_length(256, "Description too long (limit 256 characters)" if new else
                         "interface description is too long (limit 256 characters)"))
    ip_params = {
        "key": leaf(v.number(0, 4294967295, "key must be between 0-4294967295")),
        "ttl": leaf(v.number(0, 255)),
        "tos": leaf(v.any_value),
    }
    if new:
        ip_params |= {"no-pmtu-discovery": FLAG, "ignore-df": FLAG}
    else:
        ip_params["bridge-group"] = OPAQUE
    children: dict[str, Spec] = {
        "address": multi(v.ip_host),
        "description": leaf(desc),
        "disable": FLAG,
        "disable-link-detect": FLAG,
        "encapsulation": leaf(v.one_of(encaps, _ENCAP_MSG["1.4" if v14 else ver])),
        "mtu": leaf(mtu),
        "parameters": node(ip=node(**ip_params), ipv6=OPAQUE),
        "6rd-prefix": leaf(), "6rd-relay-prefix": leaf(),
    }
    if ver == "1.2":
        children |= {
            "local-ip": leaf(v.ip_address), "remote-ip": leaf(v.ip_address),
            "multicast": leaf(v.one_of(("enable", "disable"), "Must be 'disable' or 'enable'")),
            "dhcp-interface": leaf(),
        }
    else:
        children |= {
            "source-address": leaf(v.ip_address), "remote": leaf(v.ip_address),
            "source-interface": leaf(), "vrf": leaf(), "ipv6": OPAQUE,
        }
        ip_opts: dict[str, Spec] = {
            "arp-cache-timeout": leaf(), "disable-arp-filter": FLAG,
            "disable-forwarding": FLAG, "enable-arp-accept": FLAG,
            "enable-arp-announce": FLAG, "enable-arp-ignore": FLAG,
            "enable-proxy-arp": FLAG, "proxy-arp-pvlan": FLAG, "source-validation": leaf(),
        }
        if v14:
            ip_opts["adjust-mss"] = leaf(v.number(536, 65535, also=("clamp-mss-to-pmtu",)))
            ip_opts["enable-directed-broadcast"] = FLAG
            children["enable-multicast"] = FLAG
        else:
            ip_opts["ospf"] = OPAQUE
            children["multicast"] = leaf(
                v.one_of(("enable", "disable"), "Must be 'disable' or 'enable'"))
        children["ip"] = Spec(Kind.NODE, ip_opts)
    if ver == "1.2":
        children["ip"] = node(ospf=OPAQUE)
    tun_name = v.regex(r"tun[0-9]+", "tunnel interface must be named tunN")
    return Spec(Kind.TAG, children, tun_name)


def _ethernet(ver: str) -> Spec:
    v14 = ver in ("1.4", "1.5")
    mtu = v.number(68, 16000, "MTU must be between 68 and 16000") if ver != "1.2" else \
        v.number(68, 9000, "MTU must be between 68 and 9000")
    children: dict[str, Spec] = {
        "address": multi(v.either(v.ip_host, v.one_of(("dhcp", "dhcpv6")))),
        "description": leaf(v.max_length(255 if v14 else 256, "Description too long")),
        "disable": FLAG, "mtu": leaf(mtu), "hw-id": leaf(), "duplex": leaf(),
        "speed": leaf(), "offload": OPAQUE, "vif": OPAQUE, "ipv6": OPAQUE,
        "disable-link-detect": FLAG, "ring-buffer": OPAQUE, "vrf": leaf(),
        "ip": OPAQUE, "firewall": OPAQUE, "policy": OPAQUE, "smp-affinity": leaf(),
    }
    name = v.regex(r"((eth|lan)[0-9]+|(eno|ens|enp|enx).+)", "Invalid Ethernet interface name")
    return Spec(Kind.TAG, children, name)


def _ipsec(ver: str) -> Spec:
    old = ver not in ("1.4", "1.5")
    ciphers = _CIPHERS_12 if ver == "1.2" else _CIPHERS_13
    hashes = _HASH_12 if ver == "1.2" else _HASH_13
    enc = leaf(v.one_of(ciphers, "Wrong encryption algorithm"))
    hsh = leaf(v.one_of(hashes, "Wrong hash algorithm"))
    proposal_no = v.number(1, 65535, "must be between 1-65535")
    esp = _esp_group(old, enc, hsh, proposal_no)
    ike = _ike_group(ver, old, enc, hsh, proposal_no)
    peer, peer_name = _peer(old)
    ipsec: dict[str, Spec] = {
        "esp-group": Spec(Kind.TAG, esp),
        "ike-group": Spec(Kind.TAG, ike),
        "site-to-site": node(peer=Spec(Kind.TAG, peer, peer_name)),
        "options": OPAQUE, "log": OPAQUE, "disable-uniqreqids": FLAG,
        "remote-access": OPAQUE, "profile": OPAQUE,
    }
    if old:
        ipsec["ipsec-interfaces"] = node(interface=multi())
        ipsec |= {"nat-traversal": leaf(), "nat-networks": OPAQUE, "logging": OPAQUE,
                  "auto-update": leaf()}
    else:
        ipsec["interface"] = multi()
        ipsec["authentication"] = node(psk=tag(
            v.any_value, id=multi(), secret=leaf(), dhcp_interface=multi()))
    return node(ipsec=Spec(Kind.NODE, ipsec), l2tp=OPAQUE, openconnect=OPAQUE, sstp=OPAQUE,
                pptp=OPAQUE)


def _esp_group(old: bool, enc: Spec, hsh: Spec, proposal_no: v.Check) -> dict[str, Spec]:
    pfs = v.one_of(("enable", "disable", *(f"dh-group{g}" for g in _DH_13)),
                   "Wrong PFS group settings")
    esp: dict[str, Spec] = {
        "lifetime": leaf(v.number(30, 86400, "must be in the range 30 to 86400 seconds")),
        "mode": leaf(v.one_of(("tunnel", "transport"), "must be tunnel or transport")),
        "pfs": leaf(pfs),
        "proposal": tag(proposal_no, encryption=enc, hash=hsh),
    }
    if old:
        esp["compression"] = leaf(v.one_of(("enable", "disable"), "must be enable or disable"))
    else:
        esp |= {"compression": FLAG, "life-bytes": leaf(v.number(1024, 26843545600000)),
                "life-packets": leaf(v.number(1000, 26843545600000)),
                "disable-rekey": FLAG}
    return esp


def _ike_group(ver: str, old: bool, enc: Spec, hsh: Spec, proposal_no: v.Check
               ) -> dict[str, Spec]:
    dh = _DH_12 if ver == "1.2" else _DH_13
    ike_proposal: dict[str, Spec] = {
        "dh-group": leaf(v.one_of(dh, "Wrong Diffie-Hellman group settings")),
        "encryption": enc, "hash": hsh,
    }
    if ver != "1.2":
        ike_proposal["prf"] = leaf(v.one_of(_PRF, "Wrong Pseudo-Random Function"))
    dpd_actions = ("hold", "clear", "restart") if old else ("trap", "clear", "restart")
    dpd = node(
        action=leaf(v.one_of(dpd_actions, "must be hold, or clear, or restart" if old else
                             "Invalid value")),
        interval=leaf(v.number(2, 86400, "must be between 2-86400 seconds")),
        timeout=leaf(v.number(2, 86400, "must be between 2-86400 seconds")),
    )
    ike: dict[str, Spec] = {
        "close-action": leaf(v.one_of(("none", "hold", "clear", "restart") if old else
                                      ("none", "trap", "start"))),
        "dead-peer-detection": dpd,
        "ikev2-reauth": leaf() if old else FLAG,
        "key-exchange": leaf(v.one_of(("ikev1", "ikev2"), "must be ikev1 or ikev2")),
        "lifetime": leaf(v.number(30, 86400, "must between 30-86400 seconds") if old else
                         v.number(0, 86400)),
        "proposal": Spec(Kind.TAG, ike_proposal, proposal_no),
    }
    if old:
        ike |= {"mobike": leaf(v.one_of(("enable", "disable"))), "mode": leaf()}
    else:
        ike |= {"disable-mobike": FLAG, "mode": leaf()}
    return ike


def _peer(old: bool) -> tuple[dict[str, Spec], v.Check]:
    auth: dict[str, Spec] = {
        "mode": leaf(v.one_of(("pre-shared-secret", "x509", "rsa"),
                              "must be pre-shared-secret, x509, or rsa")),
        "remote-id": leaf(), "rsa": OPAQUE, "x509": OPAQUE, "use-x509-id": FLAG,
    }
    if old:
        auth |= {"id": leaf(), "pre-shared-secret": leaf(), "rsa-key-name": leaf()}
    else:
        auth |= {"local-id": leaf()}
    tunnel = tag(
        v.number(0, 4294967295),
        disable=FLAG, esp_group=leaf(), protocol=leaf(), local=OPAQUE, remote=OPAQUE,
        allow_nat_networks=leaf(), allow_public_networks=leaf(), priority=leaf(),
    )
    peer: dict[str, Spec] = {
        "authentication": Spec(Kind.NODE, auth),
        "connection-type": leaf(v.one_of(("initiate", "respond") if old else
                                         ("initiate", "respond", "none"),
                                         "Invalid connection-type")),
        "default-esp-group": leaf(), "description": leaf(), "dhcp-interface": leaf(),
        "ike-group": leaf(), "ikev2-reauth": leaf(), "local-address": leaf(
            v.either(v.ip_address, v.one_of(("any",)))),
        "tunnel": tunnel, "vti": node(bind=leaf(), esp_group=leaf()),
    }
    if old:
        peer["force-encapsulation"] = leaf(v.one_of(("enable", "disable")))
        peer_name: v.Check = v.any_value
    else:
        peer |= {"remote-address": multi(), "force-udp-encapsulation": FLAG,
                 "disable": FLAG, "replay-window": leaf(), "virtual-address": multi()}
        peer_name = v.regex(r"[-_a-zA-Z0-9|@]+", "Peer connection name must be alphanumeric "
                            "and can contain hyphen and underscores")
    return peer, peer_name


def _ospf(ver: str) -> Spec:
    area_id = v.either(v.number(0, 4294967295), v.ipv4_address)
    area = Spec(Kind.TAG, {"network": multi(v.ipv4_prefix), "area-type": OPAQUE,
                           "authentication": leaf(), "range": OPAQUE,
                           "virtual-link": OPAQUE}, area_id)
    children: dict[str, Spec] = {
        "area": area,
        "parameters": node(router_id=leaf(v.ipv4_address), abr_type=leaf(),
                           rfc1583_compatibility=FLAG, opaque_lsa=FLAG),
        "log-adjacency-changes": OPAQUE, "redistribute": OPAQUE,
        "default-information": OPAQUE, "auto-cost": OPAQUE, "distance": OPAQUE,
        "neighbor": OPAQUE, "timers": OPAQUE, "default-metric": leaf(),
        "maximum-paths": leaf(), "route-map": leaf(),
    }
    if ver in ("1.2", "1.3"):
        children["passive-interface"] = multi()
        children["passive-interface-exclude"] = multi()
    else:
        children["interface"] = tag(
            v.any_value, area=leaf(area_id), cost=leaf(v.number(1, 65535)),
            dead_interval=leaf(v.number(1, 65535)), hello_interval=leaf(v.number(1, 65535)),
            network=leaf(v.one_of(("broadcast", "non-broadcast", "point-to-multipoint",
                                   "point-to-point"))),
            passive=FLAG, mtu_ignore=FLAG, authentication=OPAQUE, bfd=OPAQUE,
            priority=leaf(v.number(0, 255)), retransmit_interval=leaf(),
            transmit_delay=leaf(),
        )
    return Spec(Kind.NODE, children)


@cache
def schema(version: str) -> Schema:
    """The schema of ``version`` (any spelling :func:`normalize_version` accepts)."""
    ver = normalize_version(version)
    interfaces = node(
        tunnel=_tunnel(ver), ethernet=_ethernet(ver),
        loopback=tag(v.one_of(("lo",)), address=multi(v.ip_host), description=leaf()),
        dummy=tag(v.regex(r"dum[0-9]+"), address=multi(v.ip_host), description=leaf(),
                  disable=FLAG),
        vti=OPAQUE, bonding=OPAQUE, bridge=OPAQUE, wireguard=OPAQUE, openvpn=OPAQUE,
        pppoe=OPAQUE, l2tpv3=OPAQUE, pseudo_ethernet=OPAQUE, vxlan=OPAQUE,
        wireless=OPAQUE, input=OPAQUE,
    )
    system = node(
        host_name=leaf(v.regex(r"[A-Za-z0-9][-.A-Za-z0-9]*[A-Za-z0-9]")),
        domain_name=leaf(), name_server=multi(),
        login=OPAQUE, console=OPAQUE, syslog=OPAQUE, ntp=OPAQUE, config_management=OPAQUE,
        time_zone=leaf(), conntrack=OPAQUE, option=OPAQUE, static_host_mapping=OPAQUE,
        sysctl=OPAQUE, flow_accounting=OPAQUE, ipv6=OPAQUE, ip=OPAQUE, task_scheduler=OPAQUE,
    )
    if ver in ("1.2", "1.3"):
        firewall = Spec(Kind.NODE, {
            "options": node(interface=tag(v.any_value, adjust_mss=leaf(
                v.number(500, 1460) if ver == "1.2" else
                v.number(536, 65535, also=("clamp-mss-to-pmtu",))))),
            "name": OPAQUE, "ipv6-name": OPAQUE, "group": OPAQUE,
            "all-ping": leaf(), "broadcast-ping": leaf(), "state-policy": OPAQUE,
            "config-trap": leaf(), "log-martians": leaf(), "send-redirects": leaf(),
            "receive-redirects": leaf(), "source-validation": leaf(),
            "syn-cookies": leaf(), "twa-hazards-protection": leaf(),
            "ip-src-route": leaf(), "ipv6-src-route": leaf(),
            "ipv6-receive-redirects": leaf(),
        })
    else:
        firewall = node(global_options=OPAQUE, ipv4=OPAQUE, ipv6=OPAQUE, group=OPAQUE,
                        bridge=OPAQUE, zone=OPAQUE, flowtable=OPAQUE)
    protocols = node(ospf=_ospf(ver), static=OPAQUE, bgp=OPAQUE, ospfv3=OPAQUE,
                     rip=OPAQUE, nhrp=OPAQUE, bfd=OPAQUE, isis=OPAQUE, igmp_proxy=OPAQUE)
    root = node(
        interfaces=interfaces, system=system, vpn=_ipsec(ver), protocols=protocols,
        firewall=firewall, service=OPAQUE, nat=OPAQUE, policy=OPAQUE,
        high_availability=OPAQUE, traffic_policy=OPAQUE, vrf=OPAQUE, container=OPAQUE,
        pki=OPAQUE, qos=OPAQUE, load_balancing=OPAQUE, zone_policy=OPAQUE,
        nat66=OPAQUE, cluster=OPAQUE,
    )
    return Schema(ver, root)


def any_schema_kind(path: Sequence[str]) -> Kind | None:
    """The node kind at ``path`` in the newest version that knows it (used when parsing
    set-lines whose version is unknown)."""
    for ver in reversed(VERSIONS):
        kind = schema(ver).kind_of(path)
        if kind is not None:
            return kind
    return None
