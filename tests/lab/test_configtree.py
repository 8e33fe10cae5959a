"""Config tree: permissive parse/render round trip and the strict typed-line grammar."""

from __future__ import annotations

from pathlib import Path

import pytest

from greios.lab.configtree import (
    ConfigApplier,
    ConfigLineError,
    apply_lines,
    diff_lines,
    parse_config,
    render_config,
)

from .conftest import SEED

REPO = Path(__file__).resolve().parents[2]

# Corpus files (../shared/corpus, see its README for sources: batfish/batfish @ cba18733,
# mpenning/ciscoconfparse2 @ facd3ed9).
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


@pytest.mark.parametrize("name", CORPUS)
def test_corpus_round_trip(corpus_dir: Path, name: str) -> None:
    text = (corpus_dir / name).read_text(errors="replace")
    _round_trip(text)
    tree = parse_config(text)
    # the interesting blocks survive with their children
    rendered = render_config(tree)
    for line in text.replace("\r\n", "\n").splitlines():
        if line.startswith(("interface ", "crypto isakmp policy")):
            assert line.rstrip() in rendered


def test_snapshot_round_trip() -> None:
    snaps = sorted((REPO / "sites" / "snapshots").glob("*.cfg"))
    if not snaps:
        pytest.skip("no sites/snapshots/*.cfg in this checkout yet")
    for snap in snaps:
        _round_trip(snap.read_text())


def test_banner_kept_verbatim(corpus_dir: Path) -> None:
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
