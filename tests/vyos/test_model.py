"""The VyOS configuration model: parse/render round trips per version, VyOS ordering and
quoting, the schema's set errors per version, diffs.

Fixtures in tests/vyos/fixtures are greios's own, written for the Tokyo–Hong Kong example
in each version's syntax (modelled on vyos-1x smoketest configs and the reference,
../shared/docs/vyos-reference.md §1.4, §2.4).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from greios.platforms.vyos.diff import compare_text, diff_commands
from greios.platforms.vyos.parse import (
    VyosConfigError,
    parse_config,
    parse_config_boot,
    parse_set_commands,
    split_words,
)
from greios.platforms.vyos.render import render_commands, render_config_boot, render_curly
from greios.platforms.vyos.schema import (
    PathError,
    Resolved,
    VyosVersionError,
    normalize_version,
    schema,
)
from greios.platforms.vyos.tree import ConfigTree, lexical_numeric_key

FIX = Path(__file__).parent / "fixtures"
ISSUE_EXAMPLE = """\
set interfaces tunnel tun0 address '192.168.0.1/30'
set interfaces tunnel tun0 description 'GRE_TOK_TO_HKG'
set interfaces tunnel tun0 encapsulation 'gre'
set interfaces tunnel tun0 multicast enable
set interfaces tunnel tun0 local-ip '10.132.75.79'
set interfaces tunnel tun0 remote-ip '10.111.147.74'
"""
BOOTS = {
    "1.2": "vyostok1-1.2.config.boot",
    "1.3": "vyostok1-1.3.config.boot",
    "1.4": "vyostok1-1.4.config.boot",
}


def fixture(name: str) -> str:
    return (FIX / name).read_text()


# ---------------------------------------------------------------------- round trips
@pytest.mark.parametrize("version", ["1.2", "1.3", "1.4"])
def test_commands_round_trip_exactly(version: str) -> None:
    text = fixture(f"vyostok1-{version}.commands")
    assert render_commands(parse_set_commands(text, version)) == text
    # without the version too: the schema of some version tells nodes from values
    assert render_commands(parse_set_commands(text)) == text


@pytest.mark.parametrize("version", ["1.2", "1.3", "1.4"])
def test_config_boot_and_commands_give_the_same_tree(version: str) -> None:
    boot = parse_config(fixture(BOOTS[version]))
    cmds = parse_config(fixture(f"vyostok1-{version}.commands"))
    assert boot.format == "curly" and cmds.format == "commands"
    assert boot.version == version
    assert boot.tree == cmds.tree
    assert render_commands(boot.tree) == fixture(f"vyostok1-{version}.commands")


@pytest.mark.parametrize("version", ["1.2", "1.3", "1.4"])
def test_config_boot_renders_exactly(version: str) -> None:
    text = fixture(BOOTS[version])
    parsed = parse_config(text)
    assert render_config_boot(parsed.tree, version, parsed.release) == text


def test_rolling_config_boot() -> None:
    parsed = parse_config(fixture("vyostok2-1.5.config.boot"))
    assert parsed.release == "1.5-rolling-202410210022"
    assert parsed.version == "1.5"
    assert parsed.tree.value(("system", "host-name")) == "vyostok2"
    assert render_config_boot(parsed.tree, "1.5", parsed.release) == fixture(
        "vyostok2-1.5.config.boot")


def test_hand_written_1_2_boot_matches_vyatta_layout() -> None:
    """The 1.2 config.boot fixture was typed by hand in vyatta-cfg's layout (values
    quoted only when needed, empty tag values as ``lo {`` / ``}``, ``/* */`` footer)."""
    tree = parse_set_commands(fixture("vyostok1-1.2.commands"), "1.2")
    assert render_config_boot(tree, "1.2") == fixture("vyostok1-1.2.config.boot")


def test_issue_example_typed_lines() -> None:
    tree = parse_set_commands(ISSUE_EXAMPLE, "1.2")
    assert tree.value(("interfaces", "tunnel", "tun0", "multicast")) == "enable"
    assert render_commands(tree) == (
        "set interfaces tunnel tun0 address '192.168.0.1/30'\n"
        "set interfaces tunnel tun0 description 'GRE_TOK_TO_HKG'\n"
        "set interfaces tunnel tun0 encapsulation 'gre'\n"
        "set interfaces tunnel tun0 local-ip '10.132.75.79'\n"
        "set interfaces tunnel tun0 multicast 'enable'\n"
        "set interfaces tunnel tun0 remote-ip '10.111.147.74'\n"
    )
    curly = render_curly(tree)
    assert "    tunnel tun0 {\n        address 192.168.0.1/30\n" in curly


# ---------------------------------------------------------------------- ordering / quoting
def test_lexical_numeric_order() -> None:
    names = ["tun10", "tun2", "tun1", "100.66.24.36/32", "100.66.8.36/32", "eth0.50", "eth0"]
    assert sorted(names, key=lexical_numeric_key) == [
        "100.66.8.36/32", "100.66.24.36/32", "eth0", "eth0.50", "tun1", "tun2", "tun10"]


def test_children_sorted_multi_values_keep_order() -> None:
    """As vyos-1x smoketest/config-tests/bgp-azure-ipsec-gateway: psk ids in set order,
    static routes in lexical-numeric order."""
    text = (
        "set vpn ipsec authentication psk peer_1 id '51.105.0.1'\n"
        "set vpn ipsec authentication psk peer_1 id '192.0.2.189'\n"
        "set protocols static route 100.66.24.36/32 interface vti41\n"
        "set protocols static route 100.66.8.36/32 interface vti31\n"
    )
    assert render_commands(parse_set_commands(text)) == (
        "set protocols static route 100.66.8.36/32 interface vti31\n"
        "set protocols static route 100.66.24.36/32 interface vti41\n"
        "set vpn ipsec authentication psk peer_1 id '51.105.0.1'\n"
        "set vpn ipsec authentication psk peer_1 id '192.0.2.189'\n"
    )


def test_values_escaped_and_quoted_per_style() -> None:
    tree = ConfigTree()
    tree.set(("interfaces", "tunnel", "tun0", "description"), 'say "hi" {x}', tags=(1,))
    tree.set(("interfaces", "tunnel", "tun0", "disable"), None, leaf=True, tags=(1,))
    assert render_commands(tree) == (
        "set interfaces tunnel tun0 description 'say \\\"hi\\\" {x}'\n"
        "set interfaces tunnel tun0 disable\n")
    assert '        description "say "hi" {x}"\n' in render_curly(tree, "vyatta")
    assert '        description "say \\"hi\\" {x}"\n' in render_curly(tree, "vyos")
    assert parse_set_commands(render_commands(tree)) == tree


def test_show_configuration_masks_secrets() -> None:
    tree = parse_set_commands(fixture("vyostok1-1.2.commands"))
    shown = render_curly(tree, hide_secrets=True)
    assert "CHANGE-ME" not in shown
    assert "pre-shared-secret ****************" in shown
    assert "encrypted-password ****************" in shown  # name ends in "password"
    assert "plaintext-password ****************" in shown
    assert "description WAN" in shown
    tree.set(("interfaces", "tunnel", "tun0", "parameters", "ip", "key"), "10")
    assert "key ****************" in render_curly(tree, hide_secrets=True)  # vyatta quirk
    assert "key 10" in render_curly(tree)


def test_split_words_quotes() -> None:
    words = split_words("set system login banner post-login 'it's a \\\"test\\\"'")
    assert words[-1].text == 'it\'s a "test"' and words[-1].quoted
    with pytest.raises(VyosConfigError, match="unterminated"):
        split_words("set a 'b")


def test_curly_errors_name_the_line() -> None:
    with pytest.raises(VyosConfigError, match="unbalanced"):
        parse_config_boot("interfaces {\n    loopback lo {\n    }\n")
    with pytest.raises(VyosConfigError, match="line 2"):
        parse_config_boot("interfaces {\n    a b c d\n}\n")


def test_comments_in_curly_are_skipped() -> None:
    text = "/* a comment */\ninterfaces {\n    // note\n    loopback lo {\n    }\n}\n"
    assert render_commands(parse_config_boot(text)) == "set interfaces loopback lo\n"


# ---------------------------------------------------------------------- versions / schema
@pytest.mark.parametrize(("text", "expected"), [
    ("1.2.9-S1", "1.2"), ("VyOS 1.3.8", "1.3"), ("1.4.0-epa3", "1.4"),
    ("1.5-rolling-202410210022", "1.5"), ("sagitta", "1.4"), ("rolling", "1.5"),
    ("1.1.8", "1.2"),
])
def test_normalize_version(text: str, expected: str) -> None:
    assert normalize_version(text) == expected


def test_unsupported_version() -> None:
    with pytest.raises(VyosVersionError, match=r"1\.0"):
        normalize_version("1.0.3")


def _err(version: str, line: str) -> str:
    res = schema(version).resolve(line.split())
    assert isinstance(res, PathError), res
    return res.text()


@pytest.mark.parametrize(("version", "line", "bad"), [
    ("1.4", "interfaces tunnel tun0 local-ip 10.132.75.79", "interfaces tunnel tun0 [local-ip]"),
    ("1.4", "interfaces tunnel tun0 remote-ip 10.111.147.74", "interfaces tunnel tun0 [remote-ip]"),
    ("1.4", "interfaces tunnel tun0 multicast enable", "interfaces tunnel tun0 [multicast]"),
    ("1.4", "firewall options interface tun0 adjust-mss 1360", "firewall [options]"),
    ("1.4", "vpn ipsec ipsec-interfaces interface eth1", "vpn ipsec [ipsec-interfaces]"),
    ("1.3", "interfaces tunnel tun0 enable-multicast", "interfaces tunnel tun0 [enable-multicast]"),
    ("1.3", "interfaces tunnel tun0 ip adjust-mss 1360", "interfaces tunnel tun0 ip [adjust-mss]"),
    ("1.3", "vpn ipsec interface eth1", "vpn ipsec [interface]"),
    ("1.3", "vpn ipsec authentication psk HKG secret x", "vpn ipsec [authentication]"),
    ("1.2", "interfaces tunnel tun0 source-address 10.132.75.79",
     "interfaces tunnel tun0 [source-address]"),
    ("1.2", "interfaces tunnel tun0 remote 10.111.147.74", "interfaces tunnel tun0 [remote]"),
    ("1.2", "vpn ipsec ike-group IKE proposal 1 prf prfsha256",
     "vpn ipsec ike-group IKE proposal 1 [prf]"),
    ("1.5", "vpn ipsec site-to-site peer HKG authentication pre-shared-secret x",
     "vpn ipsec site-to-site peer HKG authentication [pre-shared-secret]"),
    ("1.4", "bogus", "[bogus]"),
])
def test_invalid_paths_per_version(version: str, line: str, bad: str) -> None:
    assert _err(version, line) == (
        f"\n  Configuration path: {bad} is not valid\n  Set failed\n\n")


@pytest.mark.parametrize("version", ["1.2", "1.3", "1.4", "1.5"])
def test_each_version_accepts_its_own_fixture_lines(version: str) -> None:
    name = f"vyostok1-{'1.4' if version == '1.5' else version}.commands"
    for line in fixture(name).splitlines():
        words = [w.text for w in split_words(line)][1:]
        assert schema(version).is_valid(words), line


@pytest.mark.parametrize(("version", "line", "message"), [
    ("1.2", "interfaces tunnel tun0 mtu 9000", "Must be between 64-8024"),
    ("1.3", "interfaces tunnel tun0 mtu 9000", "MTU must be between 64 and 8024"),
    ("1.4", "interfaces tunnel tun0 mtu 20000", "MTU must be between 68 and 16000"),
    ("1.4", "interfaces tunnel tun0 address 192.168.0.1", "Invalid value"),
    ("1.4", "interfaces tunnel tun0 address 192.168.0.0/30", "Invalid value"),
    ("1.4", "interfaces tunnel gre0 mtu 1400", "tunnel interface must be named tunN"),
    ("1.4", "interfaces tunnel tun0 encapsulation gre-bridge",
     "Invalid encapsulation, must be one of: erspan, gre, gretap, ip6erspan, ip6gre, "
     "ip6gretap, ipip, sit, ipip6 or ip6ip6"),
    ("1.4", "vpn ipsec site-to-site peer 10.111.147.74 ike-group IKE",
     "Peer connection name must be alphanumeric and can contain hyphen and underscores"),
    ("1.2", "vpn ipsec esp-group E lifetime 10", "must be in the range 30 to 86400 seconds"),
    ("1.2", "vpn ipsec ike-group I proposal 1 dh-group 1", "Wrong Diffie-Hellman group settings"),
    ("1.3", "vpn ipsec esp-group E pfs dh-group99", "Wrong PFS group settings"),
    ("1.4", "protocols ospf area 0 network 192.168.0.1/30", "Invalid value"),
])
def test_value_validation(version: str, line: str, message: str) -> None:
    assert _err(version, line) == (
        f"\n  {message}\n  Value validation failed\n  Set failed\n\n")


def test_requires_a_value_and_ranges_accepted() -> None:
    assert _err("1.4", "interfaces tunnel tun0 address") == (
        "\n  Configuration path: [interfaces tunnel tun0 address] requires a value\n"
        "  Set failed\n\n")
    ok = schema("1.4").resolve(
        ["interfaces", "tunnel", "tun0", "ip", "adjust-mss", "clamp-mss-to-pmtu"])
    assert isinstance(ok, Resolved) and ok.value == "clamp-mss-to-pmtu"
    assert schema("1.4").is_valid(["interfaces", "tunnel", "tun0", "address", "2001:db8::1/64"])
    assert schema("1.2").is_valid(["interfaces", "tunnel", "tun0", "mtu", "8024"])
    assert not schema("1.2").is_valid(["interfaces", "tunnel", "tun0", "mtu", "8025"])


def test_delete_error_text() -> None:
    res = schema("1.4").resolve(["interfaces", "tunnel", "tun0", "local-ip"], for_delete=True)
    assert isinstance(res, PathError)
    assert res.text("delete") == (
        "\n  Configuration path: interfaces tunnel tun0 [local-ip] is not valid\n"
        "  Delete failed\n\n")


# ---------------------------------------------------------------------- tree / diff
def test_set_and_delete_paths() -> None:
    tree = parse_set_commands(ISSUE_EXAMPLE, "1.2")
    assert tree.set(("interfaces", "tunnel", "tun0", "mtu"), "1400")
    assert not tree.set(("interfaces", "tunnel", "tun0", "mtu"), "1400")
    assert tree.set(("interfaces", "tunnel", "tun0", "address"), "10.0.0.1/30", multi=True)
    assert tree.values(("interfaces", "tunnel", "tun0", "address")) == [
        "192.168.0.1/30", "10.0.0.1/30"]
    assert tree.delete(("interfaces", "tunnel", "tun0", "address"), "192.168.0.1/30")
    assert not tree.delete(("interfaces", "tunnel", "tun9"))
    assert tree.delete(("interfaces", "tunnel", "tun0"))
    assert not tree.exists(("interfaces", "tunnel"))  # an empty tag node goes too
    assert tree.exists(("interfaces",))


def test_diff_migrates_1_2_to_1_4_syntax() -> None:
    old = parse_set_commands(ISSUE_EXAMPLE, "1.2")
    new = parse_set_commands(
        ISSUE_EXAMPLE.replace("multicast enable", "enable-multicast")
        .replace("local-ip", "source-address").replace("remote-ip", "remote")
        + "set interfaces tunnel tun0 mtu '1400'\n", "1.4")
    assert diff_commands(old, new) == [
        "delete interfaces tunnel tun0 local-ip",
        "delete interfaces tunnel tun0 multicast",
        "delete interfaces tunnel tun0 remote-ip",
        "set interfaces tunnel tun0 enable-multicast",
        "set interfaces tunnel tun0 mtu '1400'",
        "set interfaces tunnel tun0 remote '10.111.147.74'",
        "set interfaces tunnel tun0 source-address '10.132.75.79'",
    ]
    assert diff_commands(new, new) == []


def test_diff_subtrees_and_multi_values() -> None:
    old = parse_set_commands(fixture("vyostok1-1.4.commands"), "1.4")
    new = old.copy()
    new.delete(("vpn",))
    new.set(("interfaces", "tunnel", "tun0", "address"), "10.9.9.1/30", multi=True)
    new.set(("interfaces", "tunnel", "tun1", "address"), "10.8.8.1/30", tags=(1,))
    assert diff_commands(old, new) == [
        "delete vpn",
        "set interfaces tunnel tun0 address '10.9.9.1/30'",
        "set interfaces tunnel tun1 address '10.8.8.1/30'",
    ]
    reordered = old.copy()
    node = reordered.get(("protocols", "ospf", "area", "0", "network"))
    assert node is not None
    node.values.reverse()
    assert diff_commands(old, reordered) == [
        "delete protocols ospf area 0 network",
        "set protocols ospf area 0 network '192.168.0.0/30'",
        "set protocols ospf area 0 network '172.16.0.0/24'",
    ]


@pytest.mark.parametrize("version", ["1.2", "1.3", "1.4"])
def test_diff_applied_reproduces_target(version: str) -> None:
    old = parse_set_commands(ISSUE_EXAMPLE, "1.2")
    new = parse_set_commands(fixture(f"vyostok1-{version}.commands"), version)
    result = old.copy()
    script = "\n".join(diff_commands(old, new))
    for line in script.splitlines():
        words = split_words(line)
        path = [w.text for w in words[1:]]
        if words[0].text == "delete":
            result.delete(path)
    result.merge(parse_set_commands("\n".join(
        line for line in script.splitlines() if line.startswith("set ")), version))
    assert result == new


def test_compare_text() -> None:
    old = parse_set_commands(ISSUE_EXAMPLE, "1.2")
    new = old.copy()
    new.set(("interfaces", "tunnel", "tun0", "mtu"), "1400")
    new.set(("interfaces", "tunnel", "tun0", "description"), "TOK")
    assert compare_text(old, new, "1.4") == (
        "[edit interfaces tunnel tun0]\n-description GRE_TOK_TO_HKG\n+description TOK\n"
        "+mtu 1400\n")
    assert compare_text(old, new, "1.2") == (
        "[edit interfaces tunnel tun0]\n>description TOK\n+mtu 1400\n")
    assert compare_text(old, old) == ""
