"""Behaviour of the remediation engine on small, explicit configs."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

import greios.plan.present
import greios.platforms.ios.ownership
import greios.platforms.ios.rules
from greios.errors import ConfigParseError
from greios.plan import format_commands, format_plan, plan_router
from greios.platforms import get
from greios.platforms.ios.ownership import canonical, parse_config, parse_key_line, unmanaged_tree

#: how IOS applies config lines: the platform's one engine (the simulated router's too)
apply_commands = get("ios").apply_lines

CASES = Path(__file__).parent / "cases"

# anchors.md B.4: PROP-1/TS-1 -> PROP-2/TS-2, PSK rotation, destination change, MSS added,
# Tunnel101 + its OSPF network removed, DPD added (names in greios's GREIOS- namespace)
B4_RUNNING = """\
crypto ikev2 proposal GREIOS-PROP-1
 encryption aes-cbc-256
 integrity sha256
 group 14
crypto ikev2 policy GREIOS-POL
 proposal GREIOS-PROP-1
crypto ikev2 keyring GREIOS-KR
 peer hongkong-rtr1
  address 198.51.100.2
  pre-shared-key local OldSecretLocal
  pre-shared-key remote OldSecretRemote
crypto ikev2 profile GREIOS-hongkong-rtr1
 match identity remote address 198.51.100.2 255.255.255.255
 authentication remote pre-share
 authentication local pre-share
 keyring local GREIOS-KR
crypto ipsec transform-set GREIOS-TS-1 esp-aes 256 esp-sha256-hmac
 mode transport
crypto ipsec profile GREIOS-hongkong-rtr1
 set transform-set GREIOS-TS-1
 set ikev2-profile GREIOS-hongkong-rtr1
crypto ipsec profile GREIOS-seoul-rtr1
 set transform-set GREIOS-TS-1
interface Tunnel100
 description greios: tokyo-rtr1 <-> hongkong-rtr1
 ip address 192.168.0.1 255.255.255.252
 tunnel source GigabitEthernet0/0/0
 tunnel destination 198.51.100.2
 tunnel protection ipsec profile GREIOS-hongkong-rtr1
interface Tunnel101
 description greios: tokyo-rtr1 <-> seoul-rtr1
 ip address 192.168.0.5 255.255.255.252
 tunnel destination 198.51.100.9
 tunnel protection ipsec profile GREIOS-seoul-rtr1
router ospf 1
 router-id 10.0.0.1
 network 192.168.0.0 0.0.0.3 area 0
 network 192.168.0.4 0.0.0.3 area 0
"""
B4_INTENDED = """\
crypto ikev2 proposal GREIOS-PROP-2
 encryption aes-gcm-256
 prf sha384
 group 20
crypto ikev2 policy GREIOS-POL
 proposal GREIOS-PROP-2
crypto ikev2 keyring GREIOS-KR
 peer hongkong-rtr1
  address 198.51.100.6
  pre-shared-key local NewSecretLocal
  pre-shared-key remote NewSecretRemote
crypto ikev2 profile GREIOS-hongkong-rtr1
 match identity remote address 198.51.100.6 255.255.255.255
 authentication remote pre-share
 authentication local pre-share
 keyring local GREIOS-KR
 dpd 10 3 on-demand
crypto ipsec transform-set GREIOS-TS-2 esp-gcm 256
 mode transport
crypto ipsec profile GREIOS-hongkong-rtr1
 set transform-set GREIOS-TS-2
 set ikev2-profile GREIOS-hongkong-rtr1
interface Tunnel100
 description greios: tokyo-rtr1 <-> hongkong-rtr1
 ip address 192.168.0.1 255.255.255.252
 ip tcp adjust-mss 1360
 tunnel source GigabitEthernet0/0/0
 tunnel destination 198.51.100.6
 tunnel protection ipsec profile GREIOS-hongkong-rtr1
router ospf 1
 network 192.168.0.0 0.0.0.3 area 0
"""
B4_RETIRED = "router ospf 1\n network 192.168.0.4 0.0.0.3 area 0\n"
SECRETS = ("OldSecretLocal", "OldSecretRemote", "NewSecretLocal", "NewSecretRemote")


def _index(commands: tuple[str, ...], line: str) -> int:
    return commands.index(line)


def test_b4_scenario_safe_order() -> None:
    plan = plan_router(B4_RUNNING, B4_INTENDED, retired=B4_RETIRED)
    c = plan.commands
    # PROP-2 exists before the policy lists it; the policy drops PROP-1 after adding PROP-2
    assert _index(c, "crypto ikev2 proposal GREIOS-PROP-2") < _index(c, " proposal GREIOS-PROP-2")
    assert _index(c, " proposal GREIOS-PROP-2") < _index(c, " no proposal GREIOS-PROP-1")
    assert _index(c, " no proposal GREIOS-PROP-1") < _index(
        c, "no crypto ikev2 proposal GREIOS-PROP-1"
    )
    # TS-2 before the profile points at it; TS-1 removed after both profiles dropped it
    assert _index(c, "crypto ipsec transform-set GREIOS-TS-2 esp-gcm 256") < _index(
        c, " set transform-set GREIOS-TS-2"
    )
    assert _index(c, "no crypto ipsec profile GREIOS-seoul-rtr1") < _index(
        c, "no crypto ipsec transform-set GREIOS-TS-1"
    )
    # the whole tunnel goes before its profile
    assert _index(c, "no interface Tunnel101") < _index(
        c, "no crypto ipsec profile GREIOS-seoul-rtr1"
    )
    # single-value lines change in place: no negation of destination / transform-set / keys
    assert not [
        x
        for x in c
        if x.strip().startswith(
            (
                "no tunnel destination",
                "no set transform-set",
                "no pre-shared-key",
                "no address",
            )
        )
    ]
    # ... but IOS keeps every `match identity remote` of a profile: the new identity is
    # added before the old one is removed (make before break)
    assert _index(c, " match identity remote address 198.51.100.6 255.255.255.255") < _index(
        c, " no match identity remote address 198.51.100.2 255.255.255.255"
    )
    assert " tunnel destination 198.51.100.6" in c
    assert "  pre-shared-key local NewSecretLocal" in c
    # the operator's router-id survives; the retired network goes
    assert " no network 192.168.0.4 0.0.0.3 area 0" in c
    assert not any("router-id" in x for x in c)
    assert " router-id 10.0.0.1" in plan.future
    # round trip
    assert canonical(parse_config(apply_commands(plan.future, plan.rollback))) == canonical(
        parse_config(B4_RUNNING)
    )
    # updates: policy, keyring, IKEv2 profile, IPsec profile, Tunnel100, router ospf 1
    assert plan.counts() == (2, 6, 4)


def test_no_key_in_presentation() -> None:
    plan = plan_router(B4_RUNNING, B4_INTENDED, retired=B4_RETIRED)
    shown = format_plan("tokyo-rtr1", plan, color=True) + format_commands(plan)
    shown += repr(plan.objects)
    assert "<redacted>" in shown
    for secret in SECRETS:
        assert secret not in shown
    # ... while the commands to push carry the new keys
    assert any("NewSecretLocal" in x for x in plan.commands)


@pytest.mark.parametrize(
    "case", sorted(p.parent for p in CASES.glob("*/intended.cfg")), ids=lambda p: p.name
)
def test_no_key_in_golden_outputs(case: Path) -> None:
    keys = set()
    for name in ("running.cfg", "intended.cfg", "retired.cfg"):
        path = case / name
        for line in path.read_text().splitlines() if path.exists() else []:
            if (parsed := parse_key_line(line)) is not None:
                keys.add(parsed.key)
    assert keys, "every case carries at least one PSK"
    for name in ("plan.txt", "commands.txt", "rollback.txt"):
        text = (case / name).read_text()
        for key in keys:
            assert key not in text, f"{case.name}/{name} shows a key"


def test_secret_equal_write_only_default_and_override() -> None:
    running = (
        "crypto ikev2 keyring GREIOS-KR\n peer a\n  address 10.0.0.1\n  pre-shared-key 6 SGFzaA==\n"
    )
    intended = (
        "crypto ikev2 keyring GREIOS-KR\n peer a\n  address 10.0.0.1\n  pre-shared-key Clear1\n"
    )
    assert plan_router(running, intended).is_empty
    plan = plan_router(running, intended, secret_equal=lambda r, i: False)
    assert plan.commands == ("crypto ikev2 keyring GREIOS-KR", " peer a", "  pre-shared-key Clear1")
    assert plan.rollback == (
        "crypto ikev2 keyring GREIOS-KR",
        " peer a",
        "  pre-shared-key 6 SGFzaA==",
    )
    # clear vs clear compares the key text (type 0 prefix ignored)
    assert plan_router(intended, intended.replace("key Clear1", "key 0 Clear1")).is_empty
    assert not plan_router(intended, intended.replace("Clear1", "Clear2")).is_empty


def test_unmanaged_never_touched() -> None:
    running = (
        "interface Tunnel5\n description operator\n tunnel destination 10.7.7.7\n"
        " tunnel protection ipsec profile OPS\n"
        "crypto ipsec profile OPS\n set transform-set OPS-TS\n"
        "crypto ipsec transform-set OPS-TS esp-aes\n"
        "ip route 10.50.0.0 255.255.0.0 Tunnel5\n"
        "router ospf 1\n network 10.0.0.0 0.255.255.255 area 0\n"
    )
    assert plan_router(running, "").is_empty
    assert plan_router(running, "", retired="ip route 10.9.9.0 255.255.255.0 Tunnel100\n").is_empty
    intended = "router ospf 1\n network 192.168.0.0 0.0.0.3 area 0\n"
    plan = plan_router(running, intended)
    assert plan.commands == ("router ospf 1", " network 192.168.0.0 0.0.0.3 area 0")
    run, want = parse_config(running), parse_config(intended)
    empty = parse_config("")
    assert canonical(unmanaged_tree(parse_config(plan.future), want, empty)) == canonical(
        unmanaged_tree(run, want, empty)
    )


def test_listed_tunnel_is_whole_owned() -> None:
    running = "interface Tunnel100\n description operator text\n keepalive 10 3\n ip mtu 1400\n"
    intended = "interface Tunnel100\n description greios: a <-> b\n ip mtu 1400\n"
    plan = plan_router(running, intended)
    assert plan.commands == (
        "interface Tunnel100",
        " description greios: a <-> b",
        " no keepalive 10 3",
    )
    assert [o.action for o in plan.objects] == ["update"]


def test_stale_greios_objects_are_destroyed() -> None:
    running = (
        "crypto ikev2 proposal GREIOS-OLD\n group 14\ninterface Tunnel300\n description greios: x\n"
    )
    plan = plan_router(running, "")
    assert plan.commands == ("no interface Tunnel300", "no crypto ikev2 proposal GREIOS-OLD")
    assert plan.counts() == (0, 0, 2)


def test_apply_commands_like_ios() -> None:
    config = (
        "crypto ipsec transform-set GREIOS-T esp-gcm 256\n mode transport\n"
        "interface Tunnel1\n description old\n tunnel destination 10.0.0.1\n"
        "crypto keyring GREIOS-KR\n pre-shared-key address 10.0.0.1 key K1\n"
    )
    out = apply_commands(
        config,
        [
            "crypto ipsec transform-set GREIOS-T esp-aes 256 esp-sha256-hmac",
            "interface Tunnel1",
            " no description",
            " tunnel destination 10.0.0.2",
            "crypto keyring GREIOS-KR",
            " no pre-shared-key address 10.0.0.1",
            "crypto isakmp policy 10",
            " encryption aes 256",
        ],
    )
    assert out == (  # as IOS displays it: a new block at its running-config place, `!`, `end`
        "crypto isakmp policy 10\n encr aes 256\n!\n"
        "crypto ipsec transform-set GREIOS-T esp-aes 256 esp-sha256-hmac\n mode transport\n!\n"
        "interface Tunnel1\n tunnel destination 10.0.0.2\n!\n"
        "crypto keyring GREIOS-KR\n"
        "end\n"
    )


def test_duplicate_lines_are_a_parse_error() -> None:
    with pytest.raises(ConfigParseError, match="intended config"):
        plan_router("", "interface Tunnel1\n ip mtu 1400\n ip mtu 1400\n")


def test_doctests() -> None:
    for module in (greios.platforms.ios.rules, greios.platforms.ios.ownership, greios.plan.present):
        result = doctest.testmod(module)
        assert result.failed == 0
        assert result.attempted > 0


# In-repo fixtures (tests/fixtures/ios, see its README.md).
FIXTURES = [
    "ikev1-triangle/wan-a.cfg",
    "ikev1-triangle/wan-b.cfg",
    "single-device/crypto-grab-bag.cfg",
    "single-device/isakmp-defaults.cfg",
    "single-device/crypto-vrf.cfg",
    "gre-eigrp/eigrp-hub.cfg",
    "routers/branch-classic.cfg",
    "routers/cloud-edge.cfg",
]

# Extra tier: ../shared/corpus, skipped when absent.
SMALL_CORPUS = [
    "batfish-ios-crypto-ipsec/configs/r1",
    "batfish-ios-crypto-ipsec/configs/r2",
    "batfish-ios-crypto-single-device/cisco_crypto",
    "batfish-ios-crypto-single-device/ios-crypto",
    "batfish-ios-crypto-single-device/crypto-vrf",
    "batfish-ios-tunnels-eigrp/configs/advertiser",
    "large/sample_01.ios",
    "large/sample_08.ios",
]


def _round_trip(running: str) -> None:
    """greios objects added next to ``running``, everything else untouched, rollback
    restores, and a second plan is empty."""
    intended = (CASES / "fresh_router" / "intended.cfg").read_text()
    plan = plan_router(running, intended)
    run, want, empty = parse_config(running), parse_config(intended), parse_config("")
    future = parse_config(plan.future)
    assert canonical(unmanaged_tree(future, want, empty)) == canonical(
        unmanaged_tree(run, want, empty)
    )
    # rollback restores running as the device holds it
    assert _device_lines(apply_commands(plan.future, plan.rollback)) == _device_lines(running)
    assert plan_router(plan.future, intended).is_empty


def _device_lines(text: str) -> list[tuple[str, ...]]:
    """Every line of a config as the device holds it, by its path (order-independent)."""
    from greios.platforms.ios.configtree import Node, parse_config

    out: list[tuple[str, ...]] = []

    def walk(node: Node, path: tuple[str, ...]) -> None:
        for child in node.children:
            out.append((*path, child.text, *(child.body or ())))
            walk(child, (*path, child.text))

    walk(parse_config(text), ())
    return sorted(out)


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_configs_round_trip(ios_fixtures: Path, name: str) -> None:
    _round_trip((ios_fixtures / name).read_text())


@pytest.mark.parametrize("name", SMALL_CORPUS)
def test_corpus_configs_round_trip(corpus_dir: Path, name: str) -> None:
    """Real configs (sources: ../shared/corpus/README.md)."""
    _round_trip((corpus_dir / name).read_text(errors="replace"))


@pytest.mark.slow
def test_large_generated_config(large_config_text: str) -> None:
    intended = (CASES / "fresh_router" / "intended.cfg").read_text()
    plan = plan_router(large_config_text, intended)
    assert plan.counts() == (8, 0, 0)
    # only additions: the switch's own blocks are all still there
    assert plan.future.count("\ninterface Vlan") == 800
    assert plan.future.count("\nip access-list extended ACL-") == 40
    assert plan_router(plan.future, intended).is_empty


@pytest.mark.slow
def test_large_corpus_config(corpus_dir: Path) -> None:
    running = (corpus_dir / "large" / "sample_06.ios").read_text(errors="replace")
    intended = (CASES / "fresh_router" / "intended.cfg").read_text()
    plan = plan_router(running, intended)
    assert plan.counts() == (8, 0, 0)
    assert plan_router(plan.future, intended).is_empty
