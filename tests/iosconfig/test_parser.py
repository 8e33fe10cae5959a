"""Parser tests. Corpus: ../shared/corpus (sources and commits in its README.md)."""

from __future__ import annotations

from ipaddress import IPv4Interface, IPv4Network
from pathlib import Path

import pytest

from greios.iosconfig import parse_config


def _corpus_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.is_file() and p.name != "README.md")


def test_every_corpus_file_parses(corpus_dir: Path) -> None:
    files = _corpus_files(corpus_dir)
    assert len(files) >= 29
    for f in files:
        cfg = parse_config(f.read_text(errors="replace"), source=str(f))
        assert cfg.hostname
        assert cfg.lines > 0


def test_isakmp_policy_defaults_follow_batfish(corpus_dir: Path) -> None:
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


def test_crypto_ipsec_r2_objects(corpus_dir: Path) -> None:
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


def test_dynamic_map_reference(corpus_dir: Path) -> None:
    cfg = parse_config((corpus_dir / "batfish-ios-crypto-ipsec/configs/r3").read_text())
    (ref,) = cfg.crypto_maps["mymap"]
    assert (ref.kind, ref.dynamic_map) == ("dynamic-ref", "mydynamicmap")
    (dyn,) = cfg.dynamic_maps["mydynamicmap"]
    assert (dyn.seq, dyn.transform_sets, dyn.pfs) == (5, ("ts1",), "group2")


def test_crypto_vrf_keyring(corpus_dir: Path) -> None:
    cfg = parse_config((corpus_dir / "batfish-ios-crypto-single-device/crypto-vrf").read_text())
    kr = cfg.keyrings["Keyring-Sales"]
    assert kr.vrf == "Internet"
    assert len(kr.keys) == 4
    prof = cfg.isakmp_profiles["IKE-Sales"]
    assert prof.vrf == "Sales"
    assert prof.identities[0] == (IPv4Network("1.1.1.1/32"), "Internet")


def test_tunnel_modes(corpus_dir: Path) -> None:
    cfg = parse_config((corpus_dir / "batfish-ios-crypto-single-device/ios-tunnel-mode")
                       .read_text())
    modes = sorted(t.tunnel.mode for t in cfg.tunnels if t.tunnel)
    assert modes == ["gre ip", "gre multipoint", "ipsec ipv4"]


def test_crlf_large_file(corpus_dir: Path) -> None:
    raw = (corpus_dir / "large/sample_08.ios").read_bytes().decode(errors="replace")
    assert "\r\n" in raw
    cfg = parse_config(raw)
    assert cfg.hostname == "Foo"
    assert all("\r" not in name for name in cfg.interfaces)
    assert any(i.address is not None for i in cfg.interfaces.values())


def test_noncontiguous_mask_is_a_warning_not_an_error(corpus_dir: Path) -> None:
    cfg = parse_config((corpus_dir / "batfish-ios-tunnels-eigrp/configs/advertiser").read_text())
    assert cfg.interfaces["Loopback0"].address is None
    assert any("Loopback0" in w for w in cfg.warnings)
    assert cfg.interfaces["Tunnel1"].tunnel is not None


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
