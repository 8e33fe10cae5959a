"""Inventory side of #12: ``platform: vyos`` with its version, VyOS naming constraints,
tunnel description templates and plain GRE (``crypto: none``) for any platform."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import get_args

import pytest
import yaml

from greios.cli import main
from greios.inventory.models import PlatformName, Router
from greios.overlay import load_overlay
from greios.platforms import REGISTRY

#: the bundled inventory: its VyOS pair (the Tokyo - Hong Kong example, plain GRE) and its
#: mixed pair (VyOS 1.4 osaka <-> IOS seoul, GRE over IPsec)
SITES = Path(__file__).resolve().parents[2] / "sites"


@pytest.fixture
def vsites(tmp_path: Path) -> Path:
    dest = tmp_path / "sites"
    shutil.copytree(SITES, dest, ignore=shutil.ignore_patterns(".greios-secrets.yaml"))
    return dest


def _edit(sites: Path, name: str, fn: Callable[[dict], None]) -> None:
    path = sites / name
    data = yaml.safe_load(path.read_text())
    fn(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False))


def _validate(capsys: pytest.CaptureFixture[str], sites: Path) -> tuple[int, str, str]:
    code = main(["validate", "--sites", str(sites)])
    out, err = capsys.readouterr()
    return code, out, err


def test_platform_names_are_the_registry() -> None:
    assert set(get_args(PlatformName)) == set(REGISTRY)


def test_example_validates_with_an_unencrypted_warning(
        vsites: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _validate(capsys, vsites)
    assert code == 0, err
    assert "9 sites, 9 routers, 6 tunnels" in out
    assert "greios.yaml:" in err and "vyostok1 <-> vyoshkg1 is plain GRE (crypto: none)" in err
    assert "UNENCRYPTED" in err and err.count("warning:") == 1  # the IPsec pair is quiet


def test_pairs_expose_encryption(vsites: Path) -> None:
    ov = load_overlay(vsites)
    by = {p.key: p for p in ov.pairs}
    plain = by["vyoshkg1--vyostok1"]
    assert plain.crypto == "none" and not plain.encrypted
    assert by["seoul-rtr1--vyososa1"].encrypted
    r = ov.inventory.router("vyostok1").model
    assert r.is_vyos and r.vyos_version == "1.2" and r.short == "TOK"


def test_plain_gre_default_and_on_ios(sites: Path, edit,  # type: ignore[no-untyped-def]
                                      capsys: pytest.CaptureFixture[str]) -> None:
    edit("greios.yaml", lambda d: d["defaults"].__setitem__("crypto", "none"))
    code, _, err = _validate(capsys, sites)
    assert code == 0, err
    assert err.count("is plain GRE (crypto: none)") == 6  # every pair: 5 name no policy
    assert {p.encrypted for p in load_overlay(sites).pairs} == {False}


def test_policy_named_none_is_refused(sites: Path, edit,  # type: ignore[no-untyped-def]
                                      capsys: pytest.CaptureFixture[str]) -> None:
    edit("greios.yaml", lambda d: d["crypto_policies"].__setitem__("none", {}))
    code, _, err = _validate(capsys, sites)
    assert code == 1
    assert "'none' is reserved: crypto 'none' means plain GRE" in err


@pytest.mark.parametrize("value", [1.2, "1.3", "1.4", 1.5, "rolling", "1.5-rolling-202410"])
def test_vyos_versions(value: object) -> None:
    r = Router.model_validate(_vyos_router(vyos_version=value))
    assert r.vyos_version == {1.2: "1.2", 1.5: "1.5"}.get(value, str(value)[:3]
                                                          if value != "rolling" else "1.5")


def _vyos_router(**over: object) -> dict:
    base: dict = {"name": "v1", "platform": "vyos", "vyos_version": "1.4",
                  "management": {"host": "h", "username_env": "U", "password_env": "P"},
                  "underlay": {"interface": "eth0", "address": "10.0.0.1/24"},
                  "lan": [{"prefix": "172.16.0.0/24", "interface": "eth1.20"}]}
    base.update(over)
    return base


ROUTER_CASES = [
    ({"vyos_version": None}, "platform vyos needs vyos_version"),
    ({"vyos_version": "1.1"}, "Input should be '1.2', '1.3', '1.4' or '1.5'"),
    ({"vyos_version": "2.0"}, "Input should be '1.2', '1.3', '1.4' or '1.5'"),
    ({"platform": "junos"}, "Input should be 'ios', 'ios-xe' or 'vyos'"),
    ({"platform": "ios"}, "vyos_version is for platform: vyos"),
    ({"ios_version": "17.9"}, "ios_version is for IOS routers"),
    ({"underlay": {"interface": "GigabitEthernet1", "address": "10.0.0.1/24"}},
     "underlay.interface 'GigabitEthernet1' is not a VyOS interface name"),
    ({"lan": [{"prefix": "172.16.0.0/24", "interface": "Gi2"}]},
     "lan[0].interface 'Gi2' is not a VyOS interface name"),
    ({"underlay": {"interface": "eth0", "address": "10.0.0.1/24", "vrf": "INET"}},
     "front-door VRF) is not supported by greios on VyOS"),
    ({"underlay": {"interface": "tun0", "address": "10.0.0.1/24"}}, "is a tunnel interface"),
    ({"management": {"host": "h", "username_env": "U", "password_env": "P",
                     "driver": "ios"}}, "management.driver ios cannot drive a VyOS router"),
    ({"code": "has space"}, "String should match pattern"),
]


@pytest.mark.parametrize(("over", "expected"), ROUTER_CASES)
def test_vyos_router_constraints(over: dict, expected: str) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as exc:
        Router.model_validate(_vyos_router(**over))
    assert expected in str(exc.value)


def test_ios_router_refuses_vyos_driver() -> None:
    from pydantic import ValidationError

    data = _vyos_router(platform="ios-xe", vyos_version=None)
    data["management"]["driver"] = "vyos"
    data["underlay"]["interface"] = "GigabitEthernet1"
    data["lan"] = []
    with pytest.raises(ValidationError, match=r"management\.driver vyos needs platform: vyos"):
        Router.model_validate(data)


@pytest.mark.parametrize(("template", "expected"), [
    ("GRE_{code}_TO_{nope}", "unknown field {nope}"),
    ("GRE {code!x}", "not a valid description template"),
    ("it's {router}", "cannot hold quotes"),
])
def test_description_templates(vsites: Path, capsys: pytest.CaptureFixture[str],
                               template: str, expected: str) -> None:
    _edit(vsites, "greios.yaml", lambda d: d["tunnels"].__setitem__("description", template))
    code, _, err = _validate(capsys, vsites)
    assert code == 1 and expected in err, err
    assert "tunnels.description" in err


# ------------------------------------------------------------ crypto across vendors

def _policy(sites: Path, **over: object) -> None:
    def fn(d: dict) -> None:
        pol = d["crypto_policies"]["nge"]
        for path, value in over.items():
            section, _, key = path.partition("__")
            if key:
                pol.setdefault(section, {})[key] = value
            else:
                pol[section] = value
    _edit(sites, "greios.yaml", fn)


def _version(sites: Path, file: str, version: str) -> None:
    _edit(sites, file, lambda d: d["routers"][0].__setitem__("vyos_version", version))


CRYPTO_CASES = [
    ({"ipsec__mode": "tunnel"}, None,
     "vyososa1 (VyOS 1.4) cannot use crypto policy 'nge': ipsec.mode tunnel: VyOS protects "
     "GRE ('tunnel N protocol gre') only in ESP transport mode"),
    ({"ipsec__encryption": "des"}, None, "ipsec.encryption des is not offered by VyOS"),
    ({"ike__encryption": ["aes-cbc-192"], "ike__prf": ["sha256"]}, "1.2",
     "ike.encryption aes-cbc-192 needs VyOS 1.3 or later"),
    ({"ike__group": [1]}, "1.2", "ike.group 1 is not a DH group of VyOS 1.2"),
    ({"ipsec__pfs": 1}, "1.2", "ipsec.pfs group 1 is not a DH group of VyOS 1.2"),
    ({"ike__encryption": ["aes-cbc-256"], "ike__prf": ["sha384"],
      "ike__integrity": ["sha256"]}, "1.2", "VyOS 1.2 has no IKE 'prf'"),
]


@pytest.mark.parametrize(("over", "version", "expected"), CRYPTO_CASES)
def test_crypto_that_cannot_negotiate_is_refused(
        vsites: Path, capsys: pytest.CaptureFixture[str], over: dict, version: str | None,
        expected: str) -> None:
    _policy(vsites, **over)
    if version:
        _version(vsites, "osaka.yaml", version)
    code, _, err = _validate(capsys, vsites)
    assert code == 1, err
    assert expected in err
    assert "greios.yaml:" in err and "topology[3].pair" in err


def test_cbc_policy_negotiates_on_12_when_prf_equals_integrity(
        vsites: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _policy(vsites, ike__encryption=["aes-cbc-256"], ike__prf=["sha256"])
    _version(vsites, "osaka.yaml", "1.2")
    code, _, err = _validate(capsys, vsites)
    assert code == 0, err


def test_14_peer_name_with_a_dot_is_refused(
        vsites: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _edit(vsites, "seoul.yaml", lambda d: d["routers"][0].__setitem__("name", "seoul.rtr1"))
    code, _, err = _validate(capsys, vsites)
    assert code == 1
    assert "VyOS 1.4 names its IPsec peer after router 'seoul.rtr1'" in err
    _version(vsites, "osaka.yaml", "1.3")  # 1.3 tags the peer by address
    code, _, err = _validate(capsys, vsites)
    assert code == 0, err


def test_vyos_proposals_intersect_ios() -> None:
    from greios.inventory.models import CryptoPolicy
    from greios.inventory.vyos_crypto import IkeProposal, esp_proposal, ike_proposals, pfs_value

    nge = CryptoPolicy()
    got = ike_proposals(nge, "1.4")
    assert got[0] == IkeProposal("aes256gcm128", "sha384", "prfsha384", 20)
    assert len(got) == 2 * 2 * 2  # encryption x prf x group, as IOS's one IKEv2 proposal
    assert {p.prf for p in ike_proposals(nge, "1.2")} == {None}
    assert esp_proposal(nge).encryption == "aes256gcm128" and pfs_value(nge) == "dh-group20"
    nopfs = CryptoPolicy.model_validate({"ipsec": {"pfs": None}})
    assert pfs_value(nopfs) == "disable"  # IOS default none; VyOS default would be enable
