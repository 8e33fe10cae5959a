"""Cryptographic strength (reference §4.3) and front-door VRF rules (§4.6)."""

from __future__ import annotations

from collections.abc import Iterator

from greios.audit.catalog import Hit, rule
from greios.audit.facts import version_tuple
from greios.audit.negotiate import ikev1_key, v2_proposals
from greios.audit.rules.ctx import DevCtx, obj_if
from greios.devmodel.model import DeviceConfig
from greios.devmodel.secrets import Psk

# (object, line, algorithm class, keyword)  class in: enc, hash, group, esp, pfs
Algo = tuple[str, int, str, str]


def algorithms(cfg: DeviceConfig) -> Iterator[Algo]:
    for p in cfg.isakmp_policies:
        o = f"crypto isakmp policy {p.priority}"
        yield o, p.line, "enc", p.encryption
        yield o, p.line, "hash", p.hash
        yield o, p.line, "group", str(p.group)
    for pr in cfg.ikev2_proposals.values():
        o = f"crypto ikev2 proposal {pr.name}"
        for e in pr.encryption:
            yield o, pr.line, "enc", e
        for h in pr.integrity + pr.prf:
            yield o, pr.line, "hash", h
        for g in pr.group:
            yield o, pr.line, "group", str(g)
    for ts in cfg.transform_sets.values():
        for t in ts.transforms:
            yield f"crypto ipsec transform-set {ts.name}", ts.line, "esp", t
    for ip in cfg.ipsec_profiles.values():
        if ip.pfs:
            yield f"crypto ipsec profile {ip.name}", ip.line, "group", ip.pfs.removeprefix("group")
    for maps, word in ((cfg.crypto_maps, "map"), (cfg.dynamic_maps, "dynamic-map")):
        for es in maps.values():
            for me in es:
                if me.pfs:
                    yield f"crypto {word} {me.name} {me.seq}", me.line, "group", \
                        me.pfs.removeprefix("group")


def _hits(c: DevCtx, pred: set[tuple[str, str]], what: str) -> Iterator[Hit]:
    seen: set[tuple[str, str]] = set()
    for o, line, cls, kw in algorithms(c.cfg):
        if (cls, kw) in pred and (o, kw) not in seen:
            seen.add((o, kw))
            yield Hit(o, line, f"{o} uses {what} ({kw})")


@rule("SEC-001", "error", "dev", "DES", "Use AES-256 (IKE) and esp-gcm 256 (ESP).")
def sec_001(c: DevCtx) -> Iterator[Hit]:
    yield from _hits(c, {("enc", "des"), ("esp", "esp-des")}, "DES")


@rule("SEC-002", "warning", "dev", "3DES", "Replace 3DES with AES-GCM / AES-256.")
def sec_002(c: DevCtx) -> Iterator[Hit]:
    for p in c.cfg.isakmp_policies:
        if p.encryption == "3des" and "encryption" not in p.explicit:
            yield Hit(f"crypto isakmp policy {p.priority}", p.line,
                      f"isakmp policy {p.priority} has no encryption line: platform default "
                      "(3DES or DES)")
    yield from (h for h in _hits(c, {("enc", "3des"), ("esp", "esp-3des")}, "3DES")
                if not (h.object.startswith("crypto isakmp policy") and any(
                    f"crypto isakmp policy {p.priority}" == h.object and "encryption"
                    not in p.explicit for p in c.cfg.isakmp_policies)))


@rule("SEC-003", "error", "dev", "MD5", "Use SHA-256 or stronger.")
def sec_003(c: DevCtx) -> Iterator[Hit]:
    yield from _hits(c, {("hash", "md5"), ("esp", "esp-md5-hmac"), ("esp", "ah-md5-hmac")}, "MD5")


@rule("SEC-004", "warning", "dev", "SHA-1", "Use SHA-256 or stronger.")
def sec_004(c: DevCtx) -> Iterator[Hit]:
    yield from _hits(c, {("hash", "sha"), ("hash", "sha1"), ("esp", "esp-sha-hmac"),
                         ("esp", "ah-sha-hmac")}, "SHA-1")


@rule("SEC-005", "error", "dev", "DH group 1, 2 or 5", "Use DH group 19/20 (14 as a floor).")
def sec_005(c: DevCtx) -> Iterator[Hit]:
    yield from _hits(c, {("group", g) for g in ("1", "2", "5")}, "a weak DH group")


@rule("SEC-006", "warning", "dev", "DH group 24", "Use DH group 19/20.")
def sec_006(c: DevCtx) -> Iterator[Hit]:
    yield from _hits(c, {("group", "24")}, "DH group 24")


@rule("SEC-007", "info", "dev", "Only DH group 14 offered", "Prefer ECP groups 19/20.")
def sec_007(c: DevCtx) -> Iterator[Hit]:
    for pr in c.cfg.ikev2_proposals.values():
        if pr.group == (14,):
            yield Hit(f"crypto ikev2 proposal {pr.name}", pr.line, "only DH group 14 offered")
    for p in c.cfg.isakmp_policies:
        if p.group == 14:
            yield Hit(f"crypto isakmp policy {p.priority}", p.line, "DH group 14 (no ECP group)")


@rule("SEC-008", "error", "dev", "ESP without confidentiality",
      "Use an encrypting ESP transform (esp-gcm 256).")
def sec_008(c: DevCtx) -> Iterator[Hit]:
    for ts in c.cfg.transform_sets.values():
        cipher = ts.esp_cipher
        if cipher is not None and cipher[0] in ("esp-null", "esp-gmac"):
            yield Hit(f"crypto ipsec transform-set {ts.name}", ts.line,
                      f"transform-set {ts.name} uses {cipher[0]} (no encryption)")
        elif cipher is None and ts.ah:
            yield Hit(f"crypto ipsec transform-set {ts.name}", ts.line,
                      f"transform-set {ts.name} is AH only (no encryption)")


@rule("SEC-009", "error", "dev", "ESP cipher without integrity",
      "Add an esp-sha256-hmac (or use esp-gcm).")
def sec_009(c: DevCtx) -> Iterator[Hit]:
    for ts in c.cfg.transform_sets.values():
        cipher = ts.esp_cipher
        if cipher and cipher[0] in ("esp-aes", "esp-3des", "esp-des", "esp-seal") \
                and ts.esp_integrity is None:
            yield Hit(f"crypto ipsec transform-set {ts.name}", ts.line,
                      f"transform-set {ts.name}: {cipher[0]} without integrity")


@rule("SEC-010", "warning", "dev", "AH transform", "Use ESP only.")
def sec_010(c: DevCtx) -> Iterator[Hit]:
    for ts in c.cfg.transform_sets.values():
        if ts.ah:
            yield Hit(f"crypto ipsec transform-set {ts.name}", ts.line, f"{ts.name} uses {ts.ah}")


@rule("SEC-011", "warning", "dev", "No PFS", "Add `set pfs group20` (or 19).")
def sec_011(c: DevCtx) -> Iterator[Hit]:
    for p in c.cfg.ipsec_profiles.values():
        if p.pfs is None:
            yield Hit(f"crypto ipsec profile {p.name}", p.line, f"ipsec profile {p.name} has no "
                                                                "PFS")
    for es in c.cfg.crypto_maps.values():
        for e in es:
            if e.kind == "ipsec-isakmp" and e.pfs is None:
                yield Hit(f"crypto map {e.name} {e.seq}", e.line, f"crypto map {e.name} {e.seq} "
                                                                  "has no PFS")


def _psks(cfg: DeviceConfig) -> Iterator[tuple[str, int, object, Psk]]:
    """(object, line, network-or-None, psk) for every PSK in the config."""
    for k in cfg.isakmp_keys:
        yield "crypto isakmp key", k.line, k.network, k.psk
    for r in cfg.keyrings.values():
        for kk in r.keys:
            yield f"crypto keyring {r.name}", kk.line, kk.network, kk.psk
    for r2 in cfg.ikev2_keyrings.values():
        for p in r2.peers:
            for psk in {id(x): x for x in (p.psk_local, p.psk_remote) if x}.values():
                yield f"crypto ikev2 keyring {r2.name} peer {p.name}", p.line, p.network, psk


@rule("SEC-012", "error", "dev", "Wildcard pre-shared key",
      "Use one PSK per peer address (or certificates).")
def sec_012(c: DevCtx) -> Iterator[Hit]:
    for o, line, net, _ in _psks(c.cfg):
        if net is not None and getattr(net, "prefixlen", 32) == 0:
            yield Hit(o, line, f"{o}: pre-shared key for 0.0.0.0/0 (any peer)")


@rule("SEC-013", "warning", "dev", "PSK reused or short",
      "Use a unique random PSK of at least 32 characters per site pair.")
def sec_013(c: DevCtx) -> Iterator[Hit]:
    seen: dict[str, str] = {}
    for o, line, net, psk in _psks(c.cfg):
        if psk.comparable and psk.length < 20:
            yield Hit(o, line, f"{o}: pre-shared key for {net} is shorter than 20 characters")
        if psk.comparable:
            if psk.digest in seen and seen[psk.digest] != str(net):
                yield Hit(o, line, f"{o}: same pre-shared key as for {seen[psk.digest]}")
            seen.setdefault(psk.digest, str(net))


@rule("SEC-014", "warning", "dev", "PSK stored in clear or type 7",
      "Enable `key config-key password-encrypt` + `password encryption aes` (type 6).")
def sec_014(c: DevCtx) -> Iterator[Hit]:
    for o, line, _, psk in _psks(c.cfg):
        if psk.kind in (0, 7):
            yield Hit(o, line, f"{o}: pre-shared key stored as type {psk.kind}")


@rule("SEC-015", "warning", "dev", "IKEv1 in use", "Migrate the tunnel to IKEv2.")
def sec_015(c: DevCtx) -> Iterator[Hit]:
    for name, ep in c.endpoints.items():
        if ep.ike_version == 1 and ep.ipsec:
            t = c.cfg.interfaces[name]
            yield Hit(obj_if(t), t.line, f"{name} negotiates IKEv1 (deprecated, RFC 9395)")
    for es in c.cfg.crypto_maps.values():
        for e in es:
            if e.kind == "ipsec-isakmp" and e.ikev2_profile is None and e.peers:
                yield Hit(f"crypto map {e.name} {e.seq}", e.line,
                          f"crypto map {e.name} {e.seq} uses IKEv1")


@rule("SEC-016", "warning", "dev", "IKEv2 relies on the default proposal",
      "Define an ikev2 proposal and list it in an ikev2 policy.")
def sec_016(c: DevCtx) -> Iterator[Hit]:
    for name, ep in c.endpoints.items():
        if ep.ike_version == 2 and any(p.name == "default" for p in v2_proposals(ep)):
            t = c.cfg.interfaces[name]
            yield Hit(obj_if(t), t.line, f"{name} negotiates the built-in default IKEv2 "
                                         "proposal (may offer DH groups 5/2, SHA-1, MD5)")


@rule("SEC-017", "info", "dev", "Long or inverted lifetimes",
      "IKE SA <= 86400 s, IPsec SA <= 28800 s and shorter than the IKE SA.")
def sec_017(c: DevCtx) -> Iterator[Hit]:
    ike = max([p.lifetime for p in c.cfg.isakmp_policies] + [86400])
    for p in c.cfg.ipsec_profiles.values():
        o = f"crypto ipsec profile {p.name}"
        if p.lifetime_s is not None and (p.lifetime_s > 28800 or p.lifetime_s >= ike):
            yield Hit(o, p.line, f"{o}: IPsec SA lifetime {p.lifetime_s} s")
        elif p.lifetime_s is None and p.lifetime_kb is not None:
            yield Hit(o, p.line, f"{o}: IPsec SA lifetime in kilobytes only")
    for v2 in c.cfg.ikev2_profiles.values():
        if v2.lifetime > 86400:
            yield Hit(f"crypto ikev2 profile {v2.name}", v2.line, f"IKE SA lifetime {v2.lifetime}")


_FN72510 = {("enc", "des"), ("enc", "3des"), ("hash", "md5"), ("group", "1"), ("group", "2"),
            ("group", "5"), ("group", "24"), ("esp", "ah-md5-hmac"), ("esp", "esp-gmac"),
            ("esp", "esp-des"), ("esp", "esp-3des"), ("esp", "esp-null"),
            ("esp", "esp-md5-hmac")}


@rule("SEC-018", "warning", "inv", "Weak crypto on IOS-XE >= 17.11 (FN72510)",
      "Replace the deprecated algorithms before upgrading; do not disable the compliance shield.",
      needs_facts=True)
def sec_018(c: DevCtx) -> Iterator[Hit]:
    if c.cfg.compliance_shield_disabled:
        yield Hit("crypto engine compliance shield disable", None,
                  "weak crypto explicitly re-enabled (compliance shield disabled)")
    ver = version_tuple(c.facts.ios_version)
    if ver is None or ver < (17, 11):
        return
    seen: set[str] = set()
    for o, line, cls, kw in algorithms(c.cfg):
        if (cls, kw) in _FN72510 and o not in seen:
            seen.add(o)
            yield Hit(o, line, f"{o}: {kw} is refused by IOS-XE {c.facts.ios_version}")


@rule("SEC-019", "info", "dev", "AES-CBC where AES-GCM is available",
      "Use `esp-gcm 256` (lower overhead, AEAD).")
def sec_019(c: DevCtx) -> Iterator[Hit]:
    for ts in c.cfg.transform_sets.values():
        cipher = ts.esp_cipher
        if cipher and cipher[0] == "esp-aes" and ts.name in c.used_transform_sets:
            yield Hit(f"crypto ipsec transform-set {ts.name}", ts.line,
                      f"transform-set {ts.name} uses AES-CBC")


@rule("VRF-001", "error", "dev", "Tunnel VRF differs from the source interface VRF",
      "Put the source interface in the tunnel's FVRF (`vrf forwarding`) or fix `tunnel vrf`.")
def vrf_001(c: DevCtx) -> Iterator[Hit]:
    for t in c.cfg.tunnels:
        tt = t.tunnel
        if tt is None or not tt.source:
            continue
        src = c.cfg.interfaces.get(tt.source)
        if src is not None and src.vrf != tt.vrf:
            yield Hit(obj_if(t), t.line, f"{t.name}: tunnel vrf {tt.vrf or 'global'} but "
                                         f"{src.name} is in vrf {src.vrf or 'global'}")


@rule("VRF-002", "error", "dev", "IKE cannot find key/profile in the front-door VRF",
      "Use a `crypto keyring ... vrf X` (IKEv1) or `match fvrf X|any` (IKEv2).")
def vrf_002(c: DevCtx) -> Iterator[Hit]:
    for name, ep in c.endpoints.items():
        if not ep.fvrf or not ep.ipsec or not ep.peer:
            continue
        t = c.cfg.interfaces[name]
        if ep.ike_version == 1 and ikev1_key(ep, ep.peer) is None and any(
                k.network and ep.peer and k.network.prefixlen >= 0 for k in c.cfg.isakmp_keys):
            yield Hit(obj_if(t), t.line, f"{name}: PSK only in global `crypto isakmp key`, "
                                         f"tunnel vrf is {ep.fvrf}")
        if ep.ike_version == 2:
            prof = ep.ikev2_profile
            if prof is not None and prof.match_fvrf not in ("any", ep.fvrf):
                yield Hit(obj_if(t), t.line, f"{name}: ikev2 profile {prof.name} does not "
                                             f"match fvrf {ep.fvrf}")
            elif c.cfg.ikev2_policies and not v2_proposals(ep):
                yield Hit(obj_if(t), t.line, f"{name}: no ikev2 policy matches fvrf {ep.fvrf}")


@rule("VRF-003", "warning", "dev", "IVRF inside an ISAKMP/IKEv2 profile used by a tunnel",
      "Set the inside VRF on the tunnel interface (`vrf forwarding`) instead.")
def vrf_003(c: DevCtx) -> Iterator[Hit]:
    for name, ep in c.endpoints.items():
        if ep.kind != "tunnel-protection":
            continue
        t = c.cfg.interfaces[name]
        if ep.isakmp_profile is not None and ep.isakmp_profile.vrf:
            yield Hit(obj_if(t), t.line, f"{name}: isakmp profile {ep.isakmp_profile.name} sets "
                                         f"vrf {ep.isakmp_profile.vrf}")
        if ep.ikev2_profile is not None and ep.ikev2_profile.ivrf:
            yield Hit(obj_if(t), t.line, f"{name}: ikev2 profile {ep.ikev2_profile.name} sets "
                                         f"ivrf {ep.ikev2_profile.ivrf}")
