"""The simulated router is as strict as IOS for what greios renders or removes
(docs/ios-fidelity.md rows 1, 5, 11-14): reference checks with IOS's texts, in-use deletes
refused, transform-set validity, mode-aware `encr`, display normalisation."""

from __future__ import annotations

import time
from pathlib import Path

import paramiko
import pytest

from greios.platforms.ios.configtree import (
    ConfigApplier,
    ConfigLineError,
    Node,
    apply_lines,
    parse_config,
    render_config,
)
from greios.platforms.ios.grammar import IN_USE, REFS
from greios.platforms.ios.lab.device import Device
from greios.platforms.ios.lab.server import LabServer
from greios.platforms.ios.rules import OBJECT_KINDS, REFERENCES

SEED = (Path(__file__).parents[1] / "lab" / "seed_r1.cfg").read_text()

OBJECTS = """\
vrf definition INET
crypto ikev2 proposal P
 encryption aes-gcm-256
 prf sha384
 group 20
crypto ikev2 policy POL
 proposal P
crypto ikev2 keyring KR
 peer x
  address 203.0.113.2
  pre-shared-key k
crypto ikev2 profile PR
 match identity remote address 203.0.113.2 255.255.255.255
 keyring local KR
crypto ipsec transform-set TS esp-gcm 256
 mode transport
crypto ipsec profile IPS
 set transform-set TS
 set ikev2-profile PR
interface Tunnel1
 tunnel protection ipsec profile IPS
"""


def _errors(lines: str, running: str = OBJECTS) -> tuple[Node, list[tuple[str, str]]]:
    root = parse_config(running)
    errs = apply_lines(root, lines.splitlines())
    return root, [(line, e.message or "caret") for line, e in errs]


@pytest.mark.parametrize(("lines", "message"), [
    ("crypto ikev2 policy POL\n proposal NOPE",
     "% No Proposal exists with the specified name NOPE"),
    ("crypto ikev2 policy POL\n match fvrf NOVRF", "% fvrf NOVRF not configured"),
    ("crypto ikev2 profile PR\n keyring local NOKR", "% Invalid keyring NOKR"),
    ("crypto ikev2 profile PR\n ivrf NOVRF", "% vrf NOVRF not configured"),
    ("crypto ipsec profile IPS\n set transform-set TS UNDEFINED",
     "% It seems transform set doesn't exist or attempted to delete when actively referred "
     "by IPSec profile"),
    ("crypto ipsec profile IPS\n set ikev2-profile UNDEFINED",
     "% It seems IKEv2 profile doesn't exist or attempted to delete when actively referred "
     "by IPSec profile"),
    ("crypto isakmp profile IP\n keyring NOKR",
     "% keyring must be created first and deleted last"),
    ("interface Tunnel1\n tunnel protection ipsec profile NOPE", "Profile NOPE is not defined."),
])
def test_undefined_reference_refused_with_ios_text(lines: str, message: str) -> None:
    root, errs = _errors(lines)
    assert errs == [(lines.splitlines()[-1].strip(), message)]
    # the line is not kept: the object still names what it named before
    assert root == _errors(lines.splitlines()[0])[0]


def test_defined_and_builtin_references_accepted() -> None:
    _, errs = _errors("crypto ikev2 policy POL\n match fvrf INET\n match fvrf any\n"
                      " proposal default\ncrypto ipsec profile IPS2\n set transform-set TS\n"
                      "interface Tunnel2\n tunnel protection ipsec profile default")
    assert errs == []


@pytest.mark.parametrize(("line", "message"), [
    ("no crypto ikev2 proposal P", "% Cannot remove as proposal is in use."),
    ("no crypto ipsec profile IPS", "% It seems IPSec profile doesn't exist or attempting to "
                                    "remove when referred by tunnel config"),
    ("no crypto ikev2 profile PR", "% It seems IKEv2 profile doesn't exist or attempted to "
                                   "delete when actively referred by IPSec profile"),
    ("no crypto ipsec transform-set TS", "% It seems transform set doesn't exist or attempted "
                                         "to delete when actively referred by IPSec profile"),
    ("no crypto ikev2 keyring KR", "% It seems IKEv2 keyring doesn't exist or attempted to "
                                   "delete when actively referred by IKEv2 profile"),
])
def test_in_use_objects_cannot_be_deleted(line: str, message: str) -> None:
    root, errs = _errors(line)
    assert errs == [(line, message)]
    assert root == parse_config(OBJECTS)


def test_deleting_in_dependency_order_works() -> None:
    root, errs = _errors("no interface Tunnel1\nno crypto ipsec profile IPS\n"
                         "no crypto ikev2 profile PR\nno crypto ipsec transform-set TS\n"
                         "no crypto ikev2 keyring KR\nno crypto ikev2 policy POL\n"
                         "no crypto ikev2 proposal P")
    assert errs == []
    assert [c.text for c in root.children] == ["vrf definition INET"]


def test_lab_tables_cover_every_planner_reference() -> None:
    """The planner's ordering table and the lab's checks name the same dependencies: each
    reference is checked when typed, and its target cannot be deleted while referenced."""
    headers = {k.kind: k.pattern.lstrip("^").split("(")[0] for k in OBJECT_KINDS}
    typed = {r.pattern.split(" (")[0] for r in REFS}
    deleted = {u.header for u in IN_USE}
    for kind, pattern, target in REFERENCES:
        if kind == "static-route":
            continue  # a route to a missing interface is not an object reference
        assert pattern.lstrip("^").split(" (")[0] in typed, (kind, pattern)
        assert headers[target] in deleted, target


@pytest.mark.parametrize("transforms", ["esp-gcm 256 esp-sha256-hmac", "esp-foo bar",
                                        "esp-aes 512", "esp-gmac esp-md5-hmac", ""])
def test_invalid_transform_sets_refused(transforms: str) -> None:
    root, errs = _errors(f"crypto ipsec transform-set BAD {transforms}".strip(), "")
    assert errs and errs[0][1] == "caret"
    assert root.children == []


@pytest.mark.parametrize("transforms", ["esp-gcm 256", "esp-gcm", "esp-aes 256 esp-sha256-hmac",
                                        "esp-aes esp-sha-hmac", "ah-sha-hmac esp-aes 192",
                                        "esp-3des esp-md5-hmac", "esp-null esp-sha512-hmac"])
def test_valid_transform_sets_accepted_with_mode_tunnel_shown(transforms: str) -> None:
    root, errs = _errors(f"crypto ipsec transform-set OK {transforms}", "")
    assert errs == []
    assert render_config(root) == (f"crypto ipsec transform-set OK {transforms}\n"
                                   " mode tunnel\n!\nend\n")


def test_transform_set_mode_typed_replaces_shown_default() -> None:
    root, errs = _errors("crypto ipsec transform-set T esp-gcm 256\n mode transport", "")
    assert errs == [] and render_config(root).count("mode") == 1
    assert " mode transport\n" in render_config(root)
    apply_lines(root, ["crypto ipsec transform-set T esp-gcm 256", " no mode transport"])
    assert " mode tunnel\n" in render_config(root)


def test_ikev2_proposal_keeps_encryption_3des_isakmp_policy_shows_encr() -> None:
    root, errs = _errors("crypto ikev2 proposal P3\n encryption 3des\n integrity sha256\n"
                         " group 14\ncrypto isakmp policy 10\n encryption aes 256", "")
    assert errs == []
    text = render_config(root)
    assert " encryption 3des\n" in text and " encr aes 256\n" in text
    _, errs = _errors("crypto ikev2 proposal P3\n encryption aes-foo\n group 99", "")
    assert [e for _, e in errs] == ["caret", "caret"]


def test_display_normalisation() -> None:
    root, errs = _errors(
        "interface gi2\n ipv6 address 2001:db8:acad:a::1/64\n"
        "interface Tunnel5\n tunnel source gi2\n tunnel mode gre ip\n"
        " tunnel destination 2001:db8:acad:b::2\n"
        "crypto ikev2 keyring K6\n peer p\n  address 2001:db8:acad:b::2/128\n"
        "  pre-shared-key 0 dead:beef::1\n"
        "crypto ikev2 profile PR6\n match identity remote address 203.0.113.9\n"
        " identity local address 2001:db8::a\n"
        "crypto keyring KR1\n pre-shared-key address 203.0.113.9 key 0 Secret\n"
        "crypto isakmp profile IP1\n keyring KR1\n match identity address 203.0.113.9", "")
    assert errs == []
    text = render_config(root)
    for shown in ("interface GigabitEthernet2\n ipv6 address 2001:DB8:ACAD:A::1/64\n",
                  " tunnel source GigabitEthernet2\n tunnel destination 2001:DB8:ACAD:B::2\n",
                  "  address 2001:DB8:ACAD:B::2/128\n",
                  "  pre-shared-key dead:beef::1\n",  # a key is never re-cased
                  " match identity remote address 203.0.113.9 255.255.255.255\n",
                  " identity local address 2001:DB8::A\n",
                  " pre-shared-key address 203.0.113.9 key Secret\n",
                  " match identity address 203.0.113.9 255.255.255.255\n"):
        assert shown in text, shown
    assert "tunnel mode" not in text  # `tunnel mode gre ip` is the hidden default (R14)


def test_interactive_session_prints_ios_refusal_text() -> None:
    dev = Device.from_config(SEED)
    server = LabServer(dev)
    server.start()
    try:
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        client.connect("127.0.0.1", server.port, "greios", "greios-lab", look_for_keys=False,
                       allow_agent=False)
        chan = client.invoke_shell()
        _read_until(chan, "R1#")
        chan.send(b"conf t\ninterface Tunnel9\ntunnel protection ipsec profile NOPE\n")
        out = _read_until(chan, "R1(config-if)#", count=2)
        assert "Profile NOPE is not defined." in out and "Invalid input" not in out
        chan.send(b"end\n")
        _read_until(chan, "R1#")
        client.close()
    finally:
        server.stop()
    assert "tunnel protection" not in render_config(dev.running)


def _read_until(chan: paramiko.Channel, suffix: str, timeout: float = 5.0,
                count: int = 1) -> str:
    buf = ""
    deadline = time.monotonic() + timeout
    while (buf.count(suffix) < count or not buf.endswith(suffix)) \
            and time.monotonic() < deadline:
        if chan.recv_ready():
            buf += chan.recv(65536).decode()
        else:
            time.sleep(0.005)
    return buf


def test_refused_error_is_a_config_line_error() -> None:
    applier = ConfigApplier(parse_config(""))
    applier.apply("crypto ikev2 policy X")
    with pytest.raises(ConfigLineError) as exc:
        applier.apply("proposal NOPE")
    assert exc.value.message == "% No Proposal exists with the specified name NOPE"
