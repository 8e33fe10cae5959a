"""Parser tests.

In-repo tier: tests/fixtures/ios (described in its README.md) and the generated large config
(tests/conftest.py). Extra tier: ../shared/corpus (sources and commits in its README.md),
skipped when the corpus is not next to the checkout.
"""

from __future__ import annotations

from ipaddress import IPv4Interface, IPv4Network
from pathlib import Path

import pytest

from greios.platforms.ios.config import parse_config

# parser warnings the in-repo fixtures are meant to produce (all others must parse cleanly)
EXPECTED_WARNINGS = {"eigrp-hub": ("line 27: invalid mask on Loopback99",)}


def _corpus_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.is_file() and p.name != "README.md")


def _fixture(ios_fixtures: Path, rel: str) -> str:
    return (ios_fixtures / rel).read_text()


# -- in-repo tier ---------------------------------------------------------------------------

def test_every_fixture_parses_cleanly(ios_fixtures: Path) -> None:
    files = sorted(ios_fixtures.rglob("*.cfg"))
    assert len(files) >= 23
    for f in files:
        text = f.read_text()
        cfg = parse_config(text, source=str(f))
        assert cfg.hostname == f.stem, f
        assert cfg.hostname_line is not None
        assert cfg.lines == len(text.splitlines())
        assert cfg.warnings == EXPECTED_WARNINGS.get(f.stem, ()), f


def test_isakmp_policies_keys_keyrings(ios_fixtures: Path) -> None:
    cfg = parse_config(_fixture(ios_fixtures, "single-device/isakmp-defaults.cfg"))
    assert [p.priority for p in cfg.isakmp_policies] == [5, 10, 20, 30]
    pol = {p.priority: p for p in cfg.isakmp_policies}
    # empty policy: nothing explicit; hash SHA-1 and lifetime 86400 s are the IOS defaults.
    # (encryption / auth / group defaults: greios fills 3DES / pre-share / 2 after Batfish,
    # classic IOS documents DES / rsa-sig / 1 - deliberately not pinned here)
    p20 = pol[20]
    assert p20.explicit == frozenset()
    assert (p20.hash, p20.lifetime, p20.keylen) == ("sha", 86400, None)
    p10 = pol[10]
    assert (p10.encryption, p10.keylen, p10.hash, p10.auth, p10.group, p10.lifetime) == (
        "aes", 128, "md5", "rsa-sig", 1, 14400)
    assert p10.explicit == frozenset({"encryption", "keylen", "hash", "auth", "group",
                                      "lifetime"})
    assert (pol[30].encryption, pol[30].auth, pol[30].group, pol[30].hash) == (
        "3des", "rsa-encr", 5, "sha")
    assert pol[5].suite == ("aes", 256, "sha256", "pre-share", 14)
    keys = {str(k.network) if k.network else k.hostname: (k.psk.kind, k.psk.comparable)
            for k in cfg.isakmp_keys}
    assert keys == {"192.0.2.2/32": (6, False), "198.51.100.0/24": (0, True),
                    "vpn-lab.example.net": (0, True)}
    assert cfg.isakmp_keepalive == (10, 3)
    by_addr = cfg.keyrings["KR-BY-ADDRESS"]
    assert by_addr.local_address == "203.0.113.6"
    assert [(str(k.network), k.psk.kind) for k in by_addr.keys] == [("203.0.113.50/32", 6)]
    by_if = cfg.keyrings["KR-BY-INTERFACE"]
    assert by_if.local_address == "GigabitEthernet0/0"
    assert [(k.network, k.hostname) for k in by_if.keys] == [
        (IPv4Network("203.0.113.50/32"), None), (IPv4Network("203.0.113.64/26"), None),
        (None, "hq.example.net")]
    prof = cfg.isakmp_profiles["IKE-BY-INTERFACE"]
    assert prof.keyrings == ("KR-BY-INTERFACE",)
    assert prof.identities == ((IPv4Network("203.0.113.64/26"), None),)
    assert (prof.keepalive, prof.local_address) == ((20, 5), "GigabitEthernet0/0")
    assert cfg.isakmp_profiles["IKE-BY-ADDRESS"].keepalive == (10, 3)


def test_triangle_wan_b_objects(ios_fixtures: Path) -> None:
    cfg = parse_config(_fixture(ios_fixtures, "ikev1-triangle/wan-b.cfg"))
    assert (cfg.hostname, cfg.version) == ("wan-b", "17.6")
    ts = cfg.transform_sets
    assert ts["TS-AES256-SHA256"].transforms == ("esp-aes", "256", "esp-sha256-hmac")
    assert ts["TS-AES128-SHA"].signature == (("esp-aes", 128), "esp-sha-hmac", None)
    assert {t.mode for t in ts.values()} == {"tunnel"}
    (entry,) = cfg.crypto_maps["CMAP-A"]
    assert (entry.seq, entry.kind, entry.peers, entry.transform_sets, entry.pfs, entry.acl) == (
        10, "ipsec-isakmp", ("198.51.100.1",), ("TS-AES128-SHA",), "group14", "VPN-B-TO-A")
    assert entry.line == 84
    t21 = cfg.interfaces["Tunnel21"]
    assert t21.tunnel is not None
    assert (t21.tunnel.source, t21.tunnel.destination, t21.tunnel.mode,
            t21.tunnel.protection) == ("GigabitEthernet0/0/0", "198.51.100.1", "ipsec ipv4",
                                       "VTI-A")
    assert (t21.address, t21.ip_mtu, t21.tcp_mss, t21.shutdown) == (
        IPv4Interface("10.255.12.2/30"), 1400, 1360, False)
    assert cfg.tunnel_source_address(t21) == "198.51.100.2"
    assert t21.line == 106  # 1-based, as grep -n
    assert cfg.interfaces["GigabitEthernet0/0/0"].crypto_map == "CMAP-A"
    assert cfg.interfaces["GigabitEthernet0"].vrf == "Mgmt-intf"
    (ace,) = cfg.acls["VPN-B-TO-A"].entries
    assert (ace.action, ace.protocol, ace.src, ace.dst, ace.line) == (
        "permit", "ip", IPv4Network("10.20.0.0/16"), IPv4Network("10.10.0.0/16"), 163)
    assert cfg.ipsec_profiles["VTI-C"].isakmp_profile == "IKE-C-VTI"
    assert cfg.ipsec_profiles["VTI-A"].isakmp_profile is None
    assert cfg.isakmp_profiles["IKE-C-MAP"].local_address == "GigabitEthernet0/0/1"
    assert cfg.keyrings["KR-A-OLD"].keys[0].network == IPv4Network("198.51.100.9/32")
    shut = parse_config(_fixture(ios_fixtures, "ikev1-triangle/wan-a.cfg")).interfaces
    assert shut["Tunnel21"].shutdown


def test_dynamic_map_reference(ios_fixtures: Path) -> None:
    cfg = parse_config(_fixture(ios_fixtures, "ikev1-triangle/wan-c.cfg"))
    (ref,) = cfg.crypto_maps["CMAP-SITES"]
    assert (ref.seq, ref.kind, ref.dynamic_map) == (100, "dynamic-ref", "DYN-SITES")
    (dyn,) = cfg.dynamic_maps["DYN-SITES"]
    assert (dyn.seq, dyn.kind, dyn.transform_sets, dyn.pfs, dyn.acl, dyn.peers) == (
        10, "dynamic", ("TS-AES256-SHA256",), "group14", None, ())


def test_crypto_map_variants(ios_fixtures: Path) -> None:
    cfg = parse_config(_fixture(ios_fixtures, "single-device/crypto-maps.cfg"))
    entries = {e.seq: e for e in cfg.crypto_maps["CMAP-INET"]}
    assert sorted(entries) == [10, 20, 30, 65535]
    assert entries[10].isakmp_profile == "IKE-PARTNER-1"
    assert (entries[20].peers, entries[20].lifetime_s, entries[20].pfs) == (
        ("192.0.2.20", "192.0.2.21"), 28800, None)
    assert (entries[65535].kind, entries[65535].dynamic_map) == ("dynamic-ref", "DYN-REMOTE")
    assert [(d.seq, d.transform_sets, d.acl) for d in cfg.dynamic_maps["DYN-REMOTE"]] == [
        (5, ("TS-AES256-SHA256",), "CRYPTO-DYN"), (15, ("TS-AES128-SHA",), None)]
    (gdoi,) = cfg.crypto_maps["CMAP-GDOI"]
    assert (gdoi.kind, gdoi.peers) == ("gdoi", ())
    unaddressed = cfg.interfaces["GigabitEthernet0/0/1"]
    assert (unaddressed.crypto_map, unaddressed.address) == ("CMAP-INET", None)
    kr = {n: k.keys[0].psk for n, k in cfg.keyrings.items()}
    assert {p.kind for p in kr.values()} == {7}
    # type 7 is decoded before hashing: equal to the same key typed in clear, not to the other
    clear = parse_config("crypto isakmp key Partner1-Ike-Key-2024 address 192.0.2.10\n")
    assert kr["KR-PARTNER-1"].same_key(clear.isakmp_keys[0].psk)
    assert not kr["KR-PARTNER-1"].same_key(kr["KR-PARTNER-2"])


def test_ipsec_profile_pfs_and_lifetimes(ios_fixtures: Path) -> None:
    cfg = parse_config(_fixture(ios_fixtures, "single-device/ipsec-profiles.cfg"))
    pfs = {n: p.pfs for n, p in cfg.ipsec_profiles.items()}
    assert pfs == {"PFS-14": "group14", "PFS-15": "group15", "PFS-16": "group16",
                   "PFS-19": "group19", "PFS-20": "group20", "PFS-21": "group21",
                   "PFS-24": "group24", "PFS-5": "group5", "PFS-BARE": "group1",
                   "NO-TRANSFORM": "group19"}
    assert cfg.ipsec_profiles["PFS-14"].transform_sets == ("TS-GCM256", "TS-AES256-SHA512")
    assert cfg.ipsec_profiles["PFS-14"].isakmp_profile == "IKE-HUB"
    assert cfg.ipsec_profiles["NO-TRANSFORM"].transform_sets == ()
    assert cfg.ipsec_profiles["PFS-19"].lifetime_s == 3600
    assert cfg.ipsec_profiles["PFS-20"].lifetime_kb == 102400000
    (retyped,) = cfg.crypto_maps["CMAP-PFS-RETYPED"]
    assert retyped.pfs == "group20"  # the last `set pfs` wins, as in IOS


def test_transform_set_kinds(ios_fixtures: Path) -> None:
    ts = parse_config(_fixture(ios_fixtures, "single-device/transform-sets.cfg")).transform_sets
    sig = {n: t.signature for n, t in ts.items()}
    assert sig["TS-AES192-SHA384"] == (("esp-aes", 192), "esp-sha384-hmac", None)
    assert sig["TS-AH-ESP"] == (("esp-aes", 256), "esp-sha-hmac", "ah-sha-hmac")
    assert sig["TS-AH-ONLY"] == (None, None, "ah-sha256-hmac")
    assert sig["TS-GCM"] == (("esp-gcm", 128), None, None)  # esp-gcm defaults to 128 bits
    assert sig["TS-GMAC256"] == (("esp-gmac", 256), None, None)
    assert sig["TS-NULL-SHA"] == (("esp-null", None), "esp-sha-hmac", None)
    assert sig["TS-SEAL-SHA"] == (("esp-seal", None), "esp-sha-hmac", None)
    assert sig["TS-AES-NOAUTH"] == (("esp-aes", 256), None, None)
    assert sig["TS-COMP"] == (("esp-aes", 256), "esp-sha512-hmac", None)
    assert (ts["TS-GCM"].mode, ts["TS-GCM"].require) == ("transport", True)
    assert (ts["TS-GCM256"].mode, ts["TS-GCM256"].require) == ("transport", False)
    assert ts["TS-DES-SHA"].esp_cipher == ("esp-des", None)


def test_crypto_vrf_keyring(ios_fixtures: Path) -> None:
    cfg = parse_config(_fixture(ios_fixtures, "single-device/crypto-vrf.cfg"))
    kr = cfg.keyrings["KR-SALES"]
    assert kr.vrf == "INET"
    assert len(kr.keys) == 4
    assert cfg.keyrings["KR-GLOBAL"].vrf is None
    prof = cfg.isakmp_profiles["IKE-SALES"]
    assert prof.vrf == "SALES"
    assert prof.identities == tuple((IPv4Network(f"198.51.100.{i}/32"), "INET")
                                    for i in (11, 12, 13, 14))
    assert cfg.interfaces["GigabitEthernet0/0/0"].vrf == "INET"
    assert {(str(r.prefix), r.vrf) for r in cfg.static_routes} == {
        ("0.0.0.0/0", "INET"), ("172.30.11.0/24", "SALES")}


def test_tunnel_modes(ios_fixtures: Path) -> None:
    cfg = parse_config(_fixture(ios_fixtures, "single-device/tunnel-modes.cfg"))
    modes = {t.name: t.tunnel.mode for t in cfg.tunnels if t.tunnel}
    assert modes == {"Tunnel1": "gre ip", "Tunnel2": "gre multipoint", "Tunnel3": "ipsec ipv4",
                     "Tunnel4": "gre ipv6", "Tunnel5": "gre ip"}
    t2 = cfg.interfaces["Tunnel2"].tunnel
    assert t2 is not None and (t2.destination, t2.key) == (None, 2)
    t4 = cfg.interfaces["Tunnel4"].tunnel
    assert t4 is not None and t4.ipv6_transport and t4.destination == "2001:DB8:36::1"
    t5 = cfg.interfaces["Tunnel5"]
    assert t5.tunnel is not None
    assert (t5.tunnel.source, t5.tunnel.key, t5.tunnel.checksum, t5.tunnel.sequence,
            t5.tunnel.pmtud, t5.keepalive) == ("198.51.100.33", 5005, True, True, True, (5, 4))
    assert cfg.tunnel_source_address(t5) == "198.51.100.33"
    assert cfg.interfaces["GigabitEthernet0/0"].ipv6 == ("2001:DB8:33::1/64",)


def test_keyword_named_objects(ios_fixtures: Path) -> None:
    cfg = parse_config(_fixture(ios_fixtures, "single-device/keyword-names.cfg"))
    assert set(cfg.keyrings) == {"keyring", "local-address"}
    assert cfg.keyrings["local-address"].local_address == "GigabitEthernet1"
    assert {n: p.keyrings for n, p in cfg.isakmp_profiles.items()} == {
        "profile": ("keyring",), "match": ("local-address",)}
    assert {n: t.mode for n, t in cfg.transform_sets.items()} == {"transport": "tunnel",
                                                                  "mode": "transport"}
    assert {n: (p.transform_sets, p.isakmp_profile) for n, p in cfg.ipsec_profiles.items()} == {
        "set": (("transport",), "profile"), "profile": (("mode",), "match")}
    prot = {t.name: t.tunnel.protection for t in cfg.tunnels if t.tunnel}
    assert prot == {"Tunnel61": "set", "Tunnel62": "profile"}


def test_iosxe_crypto_lines_are_skipped(ios_fixtures: Path) -> None:
    cfg = parse_config(_fixture(ios_fixtures, "single-device/iosxe-crypto-misc.cfg"))
    assert [(p.priority, p.auth) for p in cfg.isakmp_policies] == [(10, "rsa-sig"),
                                                                   (20, "rsa-encr")]
    assert cfg.compliance_shield_disabled and cfg.aggressive_mode_disabled
    assert cfg.isakmp_keepalive == (30, 5)
    assert (cfg.isakmp_keys, dict(cfg.keyrings)) == ((), {})
    assert list(cfg.ipsec_profiles) == ["default"]
    assert list(cfg.interfaces) == ["GigabitEthernet0/0/0", "GigabitEthernet0/0/1"]


def test_mixed_dialect_grab_bag(ios_fixtures: Path) -> None:
    cfg = parse_config(_fixture(ios_fixtures, "single-device/crypto-grab-bag.cfg"))
    (pol,) = cfg.isakmp_policies  # `crypto ikev1 policy` (ASA) is not an isakmp policy
    assert (pol.encryption, pol.keylen, pol.group) == ("aes", 192, 15)  # last encr line wins
    assert cfg.transform_sets["ESP-3DES-MD5"].mode == "tunnel"  # last mode line wins
    (b7, spoke) = cfg.ikev2_keyrings["KR-V2"].peers
    assert b7.psk_local is not None and not b7.psk_local.same_key(b7.psk_remote)
    assert spoke.network == IPv4Network("0.0.0.0/0")
    assert spoke.psk_local is not None and spoke.psk_local.same_key(spoke.psk_remote)
    v2 = cfg.ikev2_profiles["PROF-V2"]
    assert (v2.match_fvrf, v2.match_remote_other, v2.lifetime, v2.dpd) == (
        "any", ("fqdn domain spokes.example.net",), 43200, (10, 5, "on-demand"))
    assert cfg.ikev2_policies["POL-NGE"].proposals == ("PROP-NGE",)
    asa = {e.seq: e for e in cfg.crypto_maps["OUTSIDE-MAP"]}
    assert (asa[10].peers, asa[10].transform_sets, asa[10].pfs, asa[10].lifetime_s) == (
        ("203.0.113.201",), ("ESP-AES256-SHA",), "group1", 3600)
    assert cfg.dynamic_maps["DYN-ASA"][0].pfs == "group14"
    assert [e.kind for e in cfg.crypto_maps["VPNMAP"]] == ["ipsec-isakmp", "dynamic-ref",
                                                          "ipsec-manual"]
    assert cfg.keyrings["VRF:WAN:01"].vrf == "VRF:WAN:01"
    t100 = cfg.interfaces["Tunnel100"].tunnel
    assert t100 is not None and t100.protection_shared
    assert cfg.acls["VPNMAP-5-ACL"].entries[0].action == "remark"


def test_crlf_router(ios_fixtures: Path) -> None:
    text = _fixture(ios_fixtures, "routers/branch-classic.cfg")
    crlf = text.replace("\n", "\r\n")
    cfg = parse_config(crlf)
    assert cfg.hostname == "branch-classic"
    assert all("\r" not in name for name in cfg.interfaces)
    assert cfg.interfaces["GigabitEthernet0/1.99"].address == IPv4Interface("10.70.99.1/24")
    assert cfg == parse_config(text)


def test_nested_router_bgp_block(ios_fixtures: Path) -> None:
    cfg = parse_config(_fixture(ios_fixtures, "routers/cloud-edge.cfg"))
    (bgp,) = cfg.bgp
    assert bgp.neighbors == (("169.254.44.1", "64512"), ("169.254.45.1", "64512"))
    assert bgp.networks == (IPv4Network("10.200.0.0/24"), IPv4Network("10.200.255.1/32"))
    assert [t.tunnel.source for t in cfg.tunnels if t.tunnel] == ["172.16.20.10"] * 2


def test_noncontiguous_mask_is_a_warning_not_an_error(ios_fixtures: Path) -> None:
    cfg = parse_config(_fixture(ios_fixtures, "gre-eigrp/eigrp-hub.cfg"))
    lo99 = cfg.interfaces["Loopback99"]
    assert lo99.address is None and lo99.description is not None
    assert cfg.warnings == ("line 27: invalid mask on Loopback99",)
    assert cfg.interfaces["Tunnel10"].tunnel is not None
    (eigrp,) = cfg.eigrp
    assert eigrp.networks == (IPv4Network("10.50.0.0/24"), IPv4Network("10.50.255.1/32"),
                              IPv4Network("10.255.100.0/30"))
    (branch,) = parse_config(_fixture(ios_fixtures, "gre-eigrp/eigrp-branch.cfg")).eigrp
    assert branch.networks == (IPv4Network("10.0.0.0/8"),)  # classful `network 10.0.0.0`


def test_large_generated_config(large_config_text: str) -> None:
    cfg = parse_config(large_config_text)
    assert cfg.hostname == "large-l3-switch"
    assert cfg.lines == len(large_config_text.splitlines()) > 15000
    assert sum(1 for n in cfg.interfaces if n.startswith("Vlan")) == 800
    assert len(cfg.acls) == 40
    assert all(len(a.entries) == 121 for a in cfg.acls.values())
    assert cfg.interfaces["Vlan300"].address == IPv4Interface("10.101.44.2/24")
    assert cfg.warnings == ()


# -- extra tier: ../shared/corpus -----------------------------------------------------------


def test_every_corpus_file_parses(corpus_dir: Path) -> None:
    files = _corpus_files(corpus_dir)
    assert len(files) >= 29
    for f in files:
        cfg = parse_config(f.read_text(errors="replace"), source=str(f))
        assert cfg.hostname
        assert cfg.lines > 0


def test_corpus_isakmp_policy_defaults_follow_batfish(corpus_dir: Path) -> None:
    # batfish ios-crypto, testIsakmpPolicyIos: empty policy 20 -> 3DES/SHA1/PSK/group2/86400
    cfg = parse_config((corpus_dir / "batfish-ios-crypto-single-device/ios-crypto").read_text())
    pol = {p.priority: p for p in cfg.isakmp_policies}
    assert [p.priority for p in cfg.isakmp_policies] == [10, 20, 30]
    p20 = pol[20]
    assert (p20.encryption, p20.hash, p20.auth, p20.group, p20.lifetime) == (
        "3des", "sha", "pre-share", 2, 86400)
    assert p20.explicit == frozenset()
    p10 = pol[10]
    assert (p10.encryption, p10.keylen, p10.hash, p10.auth, p10.group, p10.lifetime) == (
        "aes", 128, "md5", "rsa-sig", 1, 14400)
    assert pol[30].auth == "rsa-encr"
    keys = {str(k.network): k.psk.kind for k in cfg.isakmp_keys}
    assert keys == {"2.2.2.2/32": 6, "1.1.1.0/24": 0}
    assert cfg.keyrings["ISAKMP-KEYRING-INTERFACE"].local_address == "TenGigabitEthernet0/0"
    prof = cfg.isakmp_profiles["ISAKMP-PROFILE-ADDRESS"]
    assert prof.keyrings == ("ISAKMP-KEYRING-ADDRESS",)
    assert prof.identities == ((IPv4Network("1.2.3.4/32"), None),)
    assert prof.keepalive == (10, 3)


def test_corpus_crypto_ipsec_r2_objects(corpus_dir: Path) -> None:
    cfg = parse_config((corpus_dir / "batfish-ios-crypto-ipsec/configs/r2").read_text())
    assert cfg.hostname == "r2"
    assert cfg.transform_sets["ts1"].transforms == ("esp-aes", "256", "esp-md5-hmac")
    assert cfg.transform_sets["ts1"].mode == "tunnel"
    (entry,) = cfg.crypto_maps["mymap"]
    assert (entry.seq, entry.peers, entry.transform_sets, entry.pfs, entry.acl) == (
        20, ("2.3.4.6",), ("ts2",), "group2", "ACL")
    t21 = cfg.interfaces["Tunnel21"]
    assert t21.tunnel is not None
    assert (t21.tunnel.source, t21.tunnel.destination, t21.tunnel.mode,
            t21.tunnel.protection) == ("2.3.4.8", "2.3.4.6", "ipsec ipv4", "ipsec-profile")
    assert t21.address == IPv4Interface("11.12.13.16/24")
    assert cfg.interfaces["TenGigabitEthernet0/0"].crypto_map == "mymap"
    acl = cfg.acls["ACL"]
    assert acl.entries[0].src == IPv4Network("1.1.1.1/32")
    assert acl.entries[0].dst == IPv4Network("2.2.2.2/32")
    assert cfg.interfaces["Tunnel21"].line == 68  # 1-based, as grep -n


def test_corpus_dynamic_map_reference(corpus_dir: Path) -> None:
    cfg = parse_config((corpus_dir / "batfish-ios-crypto-ipsec/configs/r3").read_text())
    (ref,) = cfg.crypto_maps["mymap"]
    assert (ref.kind, ref.dynamic_map) == ("dynamic-ref", "mydynamicmap")
    (dyn,) = cfg.dynamic_maps["mydynamicmap"]
    assert (dyn.seq, dyn.transform_sets, dyn.pfs) == (5, ("ts1",), "group2")


def test_corpus_crypto_vrf_keyring(corpus_dir: Path) -> None:
    cfg = parse_config((corpus_dir / "batfish-ios-crypto-single-device/crypto-vrf").read_text())
    kr = cfg.keyrings["Keyring-Sales"]
    assert kr.vrf == "Internet"
    assert len(kr.keys) == 4
    prof = cfg.isakmp_profiles["IKE-Sales"]
    assert prof.vrf == "Sales"
    assert prof.identities[0] == (IPv4Network("1.1.1.1/32"), "Internet")


def test_corpus_tunnel_modes(corpus_dir: Path) -> None:
    cfg = parse_config((corpus_dir / "batfish-ios-crypto-single-device/ios-tunnel-mode")
                       .read_text())
    modes = sorted(t.tunnel.mode for t in cfg.tunnels if t.tunnel)
    assert modes == ["gre ip", "gre multipoint", "ipsec ipv4"]


def test_corpus_crlf_large_file(corpus_dir: Path) -> None:
    raw = (corpus_dir / "large/sample_08.ios").read_bytes().decode(errors="replace")
    assert "\r\n" in raw
    cfg = parse_config(raw)
    assert cfg.hostname == "Foo"
    assert all("\r" not in name for name in cfg.interfaces)
    assert any(i.address is not None for i in cfg.interfaces.values())


def test_corpus_noncontiguous_mask_is_a_warning_not_an_error(corpus_dir: Path) -> None:
    cfg = parse_config((corpus_dir / "batfish-ios-tunnels-eigrp/configs/advertiser").read_text())
    assert cfg.interfaces["Loopback0"].address is None
    assert any("Loopback0" in w for w in cfg.warnings)
    assert cfg.interfaces["Tunnel1"].tunnel is not None


# -- inline configs ------------------------------------------------------------------------

BANNER = """hostname b1
banner motd ^C
interface Tunnel9
 tunnel destination 9.9.9.9
^C
banner login #one line#
banner exec %
 crypto isakmp key leaked address 0.0.0.0
%
crypto pki certificate chain TP
 certificate ca 01
  30820122 300D0609
  \tquit
interface Tunnel1
 ip address 10.0.0.1 255.255.255.252
 tunnel source 192.0.2.1
 tunnel destination 192.0.2.2
 keepalive
end
"""


def test_banners_and_certificates_are_not_config() -> None:
    cfg = parse_config(BANNER.replace("\n", "\r\n"))
    assert list(cfg.interfaces) == ["Tunnel1"]
    assert cfg.isakmp_keys == ()
    t1 = cfg.interfaces["Tunnel1"]
    assert t1.keepalive == (10, 3)
    assert t1.line == 14


def test_psk_is_never_kept_in_clear() -> None:
    text = "crypto isakmp key SuperSecret123 address 192.0.2.2\n"
    cfg = parse_config(text)
    (key,) = cfg.isakmp_keys
    assert "SuperSecret123" not in repr(cfg)
    assert key.psk.length == len("SuperSecret123")
    assert key.psk.kind == 0
    assert key.psk.same_key(parse_config(text).isakmp_keys[0].psk)
    other = parse_config(text.replace("SuperSecret123", "Other")).isakmp_keys[0].psk
    assert not key.psk.same_key(other)


def test_type7_keys_compare_by_clear_value() -> None:
    a = parse_config("crypto isakmp key 7 0822455D0A16 address 192.0.2.2\n").isakmp_keys[0]
    b = parse_config("crypto isakmp key cisco address 192.0.2.2\n").isakmp_keys[0]
    assert a.psk.kind == 7
    assert a.psk.same_key(b.psk)


@pytest.mark.parametrize("spelling", ["encr", "encryption"])
def test_encr_spellings(spelling: str) -> None:
    cfg = parse_config(f"crypto isakmp policy 5\n {spelling} aes 256\n group 14\n")
    (p,) = cfg.isakmp_policies
    assert (p.encryption, p.keylen, p.group) == ("aes", 256, 14)


def test_ikev2_nested_blocks() -> None:
    text = (Path(__file__).parent.parent / "audit/fixtures/v2-site-a.cfg").read_text()
    cfg = parse_config(text)
    (peer,) = cfg.ikev2_keyrings["KR-SITES"].peers
    assert peer.network == IPv4Network("203.0.113.2/32")
    assert peer.psk_local is not None and peer.psk_local.same_key(peer.psk_remote)
    prof = cfg.ikev2_profiles["IKEV2-TO-B"]
    assert prof.dpd == (10, 3, "on-demand")
    assert prof.keyring == "KR-SITES"
    assert prof.identity_local == "address 198.51.100.1"
    assert cfg.ikev2_proposals["PROP-NGE"].group == (20, 19)
    assert cfg.ipsec_profiles["IPSEC-V2-TO-B"].ikev2_profile == "IKEV2-TO-B"
