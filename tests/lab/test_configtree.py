"""Config tree: permissive parse/render round trip and the strict typed-line grammar."""

from __future__ import annotations

from pathlib import Path

import pytest

from greios.platforms.ios.configtree import (
    ConfigApplier,
    ConfigLineError,
    apply_lines,
    diff_lines,
    parse_config,
    render_config,
)

from .conftest import SEED

REPO = Path(__file__).resolve().parents[2]

# In-repo fixtures (tests/fixtures/ios, see its README.md).
FIXTURES = [
    "routers/branch-classic.cfg",
    "routers/cloud-edge.cfg",
    "single-device/isakmp-defaults.cfg",
    "single-device/crypto-maps.cfg",
    "single-device/crypto-vrf.cfg",
    "single-device/ipsec-profiles.cfg",
    "single-device/transform-sets.cfg",
    "single-device/crypto-grab-bag.cfg",
    "single-device/iosxe-crypto-misc.cfg",
    "ikev1-triangle/wan-a.cfg",
    "ikev1-triangle/wan-b.cfg",
    "ikev1-triangle/wan-c.cfg",
]

# Extra tier: ../shared/corpus (see its README for sources: batfish/batfish @ cba18733,
# mpenning/ciscoconfparse2 @ facd3ed9), skipped when absent.
CORPUS = [
    "large/sample_01.ios",
    "large/sample_08.ios",
    "batfish-ios-crypto-single-device/lhr-border-02.cfg",
    "batfish-ios-crypto-single-device/ios-crypto",
    "batfish-ios-crypto-single-device/ios-crypto-map",
    "batfish-ios-crypto-single-device/crypto-vrf",
    "batfish-ios-crypto-single-device/ios-crypto-ipsec-profile",
    "batfish-ios-crypto-single-device/ios-crypto-transform-set",
    "batfish-ios-crypto-ipsec/configs/r1",
    "batfish-ios-crypto-ipsec/configs/r2",
    "batfish-ios-crypto-ipsec/configs/r3",
]


def _round_trip(text: str) -> None:
    tree = parse_config(text)
    rendered = render_config(tree)
    again = parse_config(rendered)
    assert again == tree
    assert render_config(again) == rendered


def _blocks_survive(text: str) -> None:
    tree = parse_config(text)
    # the interesting blocks survive with their children
    rendered = render_config(tree)
    for line in text.replace("\r\n", "\n").splitlines():
        if line.startswith(("interface ", "crypto isakmp policy")):
            assert line.rstrip() in rendered


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_round_trip(ios_fixtures: Path, name: str) -> None:
    text = (ios_fixtures / name).read_text()
    _round_trip(text)
    _round_trip(text.replace("\n", "\r\n"))
    _blocks_survive(text)


def test_fixture_blocks_keep_their_children(ios_fixtures: Path) -> None:
    rendered = render_config(parse_config(
        (ios_fixtures / "ikev1-triangle/wan-b.cfg").read_text()))
    assert ("interface Tunnel21\n description VTI to wan-a (wan-a side still shut)\n"
            " ip address 10.255.12.2 255.255.255.252\n") in rendered
    # keyring children (indented by two in the file) are re-indented one level
    assert "crypto keyring KR-A\n local-address 198.51.100.2\n pre-shared-key address" \
        in rendered


@pytest.mark.parametrize("name", CORPUS)
def test_corpus_round_trip(corpus_dir: Path, name: str) -> None:
    text = (corpus_dir / name).read_text(errors="replace")
    _round_trip(text)
    _blocks_survive(text)


def test_snapshot_round_trip() -> None:
    snaps = sorted((REPO / "sites" / "snapshots").glob("*.cfg"))
    if not snaps:
        pytest.skip("no sites/snapshots/*.cfg in this checkout yet")
    for snap in snaps:
        _round_trip(snap.read_text())


def test_fixture_banners_kept_verbatim(ios_fixtures: Path) -> None:
    tree = parse_config((ios_fixtures / "routers/branch-classic.cfg").read_text())
    banners = {n.text: n.body for n in tree.children if n.text.startswith("banner ")}
    assert list(banners) == ["banner exec ^C", "banner login ^C", "banner motd ^C"]
    login = banners["banner login ^C"]
    assert login is not None
    assert login == ["Authorized users only. This device belongs to Example Corp.",
                     "Every session is logged; unauthorized use is prosecuted.", "",
                     "Don't try the default passwords, they don't work here."]
    # banner text is not config: its lines never become nodes
    assert not [n for n in tree.children if n.text.startswith(("Authorized", "Change freeze"))]


def test_corpus_banner_kept_verbatim(corpus_dir: Path) -> None:
    tree = parse_config((corpus_dir / "large/sample_01.ios").read_text())
    banner = next(n for n in tree.children if n.text.startswith("banner login"))
    assert banner.body is not None and "We don't like you. Go away." in banner.body


def _apply(lines: str, root_text: str = SEED) -> str:
    root = parse_config(root_text)
    errors = apply_lines(root, lines.splitlines())
    assert errors == []
    return render_config(root)


def test_single_value_replacement_and_sub_modes() -> None:
    out = _apply(
        "hostname R9\ninterface GigabitEthernet1\n ip address 198.51.100.9 255.255.255.0\n"
        " description new\ncrypto ipsec profile P\n set pfs group14\n set pfs group19\n"
        "crypto ikev2 keyring KR\n peer B\n  address 203.0.113.2\n  pre-shared-key s3cret\n"
        "  pre-shared-key s3cret2\n  hostname peer-b.example\n"
    )
    assert "interface GigabitEthernet1\n description new\n ip address 198.51.100.9 " in out
    assert "198.51.100.1" not in out
    assert "crypto ipsec profile P\n set pfs group19\n!" in out
    assert "crypto ikev2 keyring KR\n peer B\n  address 203.0.113.2\n  pre-shared-key s3cret2" \
        in out
    assert "hostname R9\n" in out and "hostname R1" not in out
    # inside an IKEv2 keyring peer, `hostname` is the peer's identity, not the router's
    assert "  hostname peer-b.example\n" in out


def test_implicit_exit_to_global() -> None:
    """P11: a global command typed in a sub-mode leaves the sub-mode."""
    root = parse_config(SEED)
    a = ConfigApplier(root)
    a.apply("line vty 0 4")
    assert a.mode == "line"
    a.apply("ip route 10.9.0.0 255.255.0.0 198.51.100.254")
    assert a.mode == "global"
    a.apply("interface Tunnel5")
    a.apply("file prompt quiet")
    assert a.mode == "global"
    out = render_config(root)
    assert "\nfile prompt quiet\n" in out and "\nip route 10.9.0.0 255.255.0.0" in out


def test_no_forms() -> None:
    out = _apply("interface GigabitEthernet2\n no ip address\n no description\n"
                 "no ip route 0.0.0.0 0.0.0.0 198.51.100.254\nno archive\nno ip scp server enable\n"
                 "no ip domain lookup\n")
    assert "interface GigabitEthernet2\n no ip address\n negotiation auto\n" in out
    assert "ip route" not in out and "archive" not in out and "ip scp" not in out
    assert "\nno ip domain lookup\n" in out
    # a positive line replaces the stored negation
    out2 = _apply("interface GigabitEthernet3\n ip address 10.3.3.3 255.255.255.0\n")
    assert "interface GigabitEthernet3\n shutdown\n negotiation auto\n ip address 10.3.3.3" in out2


@pytest.mark.parametrize("line", ["interface Tunnel1\n tunnel destinaton 1.2.3.4",
                                  "crypto isakmp policy 10\n encryption rot13",
                                  "bogus command", "no bogus thing"])
def test_invalid_lines_are_rejected(line: str) -> None:
    root = parse_config(SEED)
    errors = apply_lines(root, line.splitlines())
    assert len(errors) == 1


def test_caret_position() -> None:
    a = ConfigApplier(parse_config(SEED))
    with pytest.raises(ConfigLineError) as info:
        a.apply("interface")
    assert info.value.position == 0
    a.apply("interface Loopback1")
    with pytest.raises(ConfigLineError) as info2:
        a.apply("ip adress 1.1.1.1 255.255.255.255")
    assert info2.value.position == 3


def test_interface_names_are_canonical() -> None:
    out = _apply("interface tu100\n tunnel source gi1\n")
    assert "interface Tunnel100\n tunnel source GigabitEthernet1\n" in out


def test_incremental_diff_lists_only_missing_lines() -> None:
    root = parse_config(SEED)
    cand = parse_config("interface GigabitEthernet1\n description WAN\n ip mtu 1400\n"
                        "ip scp server enable\nend\n")
    assert diff_lines(root, cand) == ["interface GigabitEthernet1", " ip mtu 1400"]


def test_replace_of_own_rendering_is_a_no_op() -> None:
    tree = parse_config(SEED)
    apply_lines(tree, ["crypto ikev2 proposal P", " encryption aes-gcm-256", " prf sha384",
                       " group 19", "banner motd ^C", "hello", "^C"])
    text = render_config(tree)
    assert parse_config(text) == tree
    assert "banner motd ^C\nhello\n^C\n!" in text
