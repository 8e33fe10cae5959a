"""`greios validate` on the bundled example and on malformed copies of it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from greios.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_example_is_valid(sites: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate", "--sites", str(sites))
    assert code == 0, err
    assert "9 sites, 9 routers, 6 tunnels" in out


def test_validate_writes_nothing(sites: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = sorted(p.name for p in sites.iterdir())
    run(capsys, "validate", "--sites", str(sites))
    assert sorted(p.name for p in sites.iterdir()) == before


@pytest.mark.parametrize("command", [("validate",), ("render",), ("plan", "--offline")])
def test_lock_read_and_allocation_computed_once(
        sites: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path, command: tuple[str, ...]) -> None:
    """#9 item 6: the checks compute the allocation; validate and build reuse it."""
    import greios.allocate
    import greios.overlay

    monkeypatch.setenv("GREIOS_STATE_DIR", str(tmp_path / "state"))
    calls = {"allocate": 0, "read_lock": 0}

    def counted(name: str, fn: Callable[..., object]) -> Callable[..., object]:
        def wrapper(*args: object, **kwargs: object) -> object:
            calls[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    originals = {name: getattr(greios.allocate, name) for name in calls}
    for module in (greios.allocate, greios.overlay):
        for name in calls:
            monkeypatch.setattr(module, name, counted(name, originals[name]))
    code, _, err = run(capsys, *command, "--sites", str(sites))
    assert code == 0, err
    assert calls == {"allocate": 1, "read_lock": 1}


def set_path(data: dict, path: list, value: object) -> None:
    cur = data
    for p in path[:-1]:
        cur = cur[p]
    cur[path[-1]] = value


# (file, yaml path, new value, expected fragment of the message)
CASES = [
    ("tokyo.yaml", ["routers", 0, "underlay", "address"], "10.133.75.79",
     "routers[0].underlay.address: '10.133.75.79' needs a prefix length"),
    ("tokyo.yaml", ["routers", 0, "underlay", "address"], "10.133.75.300/24",
     "is not a valid IPv4/IPv6 address"),
    ("tokyo.yaml", ["routers", 0, "underlay", "mtu"], 100000,
     "routers[0].underlay.mtu: Input should be less than or equal to 9216"),
    ("tokyo.yaml", ["routers", 0, "underlay", "mtu"], 500,
     "Input should be greater than or equal to 576"),
    ("tokyo.yaml", ["routers", 0, "lan", 0, "prefix"], "172.16.8.1/24",
     "has host bits set"),
    ("tokyo.yaml", ["routers", 0, "lan", 0, "address"], "172.16.9.1",
     "outside 172.16.8.0/24"),
    ("tokyo.yaml", ["routers", 0, "underlay", "colour"], "blue",
     "unknown key 'colour'"),
    ("tokyo.yaml", ["routers", 0, "management", "password"], "cisco",
     "credentials are never stored in YAML"),
    ("tokyo.yaml", ["routers", 0, "management", "password_env"], "1BAD-NAME",
     "routers[0].management.password_env"),
    ("greios.yaml", ["tunnels", "pools", 0], "192.168.0.0/33",
     "tunnels.pools: Value error" if False else "is not a valid IPv4 prefix"),
    ("greios.yaml", ["tunnels", "link_prefix"], 29,
     "tunnels.link_prefix: Input should be 30 or 31"),
    ("greios.yaml", ["tunnels", "numbers", "end"], 50, "end (50) is below start (100)"),
    ("greios.yaml", ["topology", 1, "pair", 1], "atlantis", "unknown site 'atlantis'"),
    ("greios.yaml", ["topology", 1, "pair", 1], "tokyo", "cannot be paired with itself"),
    ("greios.yaml", ["topology", 1, "crypto"], "nope", "unknown crypto policy 'nope'"),
    ("greios.yaml", ["tunnels", "pools", 0], "172.16.0.0/16", "overlaps LAN 172.16.0.0/24"),
    ("greios.yaml", ["tunnels", "pools", 0], "10.133.0.0/16",
     "overlaps the underlay subnet 10.133.75.0/24 of router 'tokyo-rtr1'"),
    ("greios.yaml", ["tunnels", "pools", 0], "192.168.0.0/29",
     "tunnel address pools 192.168.0.0/29 exhausted"),
    ("greios.yaml", ["tunnels", "numbers"], {"start": 100, "end": 101},
     "tunnel numbers 100-101 exhausted"),
    ("greios.yaml", ["waivers"], {"osaka-rtr1": ["SEC-015"]}, "waiver for unknown router"),
    ("hongkong.yaml", ["routers", 0, "underlay", "address"], "10.133.75.79/24",
     "tunnel source equals destination"),
    ("hongkong.yaml", ["routers", 0, "name"], "tokyo-rtr1", "duplicate router 'tokyo-rtr1'"),
    ("hongkong.yaml", ["site"], "tokyo", "duplicate site 'tokyo'"),
    ("hongkong.yaml", ["routers", 0, "lan", 0, "prefix"], "172.16.8.0/23", "overlaps LAN"),
    ("hongkong.yaml", ["routers", 0, "underlay", "behind_nat"], True,
     "needs underlay.public_address"),
    ("hongkong.yaml", ["routers", 0, "snapshot"], "snapshots/nope.cfg",
     "snapshot file not found"),
    # the IOS platform's own checks (greios/platforms/ios/fidelity_checks.py, #10)
    ("hongkong.yaml", ["routers", 0, "underlay", "interface"], "Frobnicator0/0",
     "is not an IOS interface name"),
]


@pytest.mark.parametrize(("file", "path", "value", "expected"), CASES,
                         ids=[f"{c[0]}:{'.'.join(map(str, c[1]))}={c[2]}" for c in CASES])
def test_malformed_inventory_is_reported_precisely(
    sites: Path, edit, capsys: pytest.CaptureFixture[str], file: str, path: list,
    value: object, expected: str,
) -> None:
    edit(file, lambda d: set_path(d, path, value))
    code, _, err = run(capsys, "validate", "--sites", str(sites))
    assert code == 1
    assert "Traceback" not in err
    assert expected in err, err
    # every problem line names the file and a line number
    problem_lines = [ln.strip() for ln in err.splitlines()
                     if (ln.strip() and not ln.startswith("error: ")) or ln.count(":") >= 3]
    assert any(ln.split(":")[0].endswith(".yaml") for ln in [*problem_lines,
               err.removeprefix("error: ")]), err


def test_missing_required_key_names_file_and_line(sites: Path, edit,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    edit("tokyo.yaml", lambda d: d["routers"][0]["management"].pop("username_env"))
    code, _, err = run(capsys, "validate", "--sites", str(sites))
    assert code == 1
    assert "tokyo.yaml:" in err
    assert "routers[0].management.username_env: required key is missing" in err


def test_malformed_yaml_syntax(sites: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (sites / "tokyo.yaml").write_text("site: tokyo\nrouters: [\n  - name: x\n")
    code, _, err = run(capsys, "validate", "--sites", str(sites))
    assert code == 1
    assert "tokyo.yaml:3: invalid YAML" in err
    assert "Traceback" not in err


def test_duplicate_yaml_key(sites: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (sites / "tokyo.yaml").read_text()
    (sites / "tokyo.yaml").write_text(text + "description: again\n")
    code, _, err = run(capsys, "validate", "--sites", str(sites))
    assert code == 1
    assert "duplicate key 'description'" in err


def test_reports_every_problem_not_just_the_first(sites: Path, edit,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    edit("tokyo.yaml", lambda d: set_path(d, ["routers", 0, "underlay", "mtu"], 1))
    edit("hongkong.yaml", lambda d: set_path(d, ["routers", 0, "underlay", "vrf"], "bad name!"))
    edit("greios.yaml", lambda d: set_path(d, ["topology", 0, "hub_and_spoke", "spokes", 0],
                                           "atlantis"))
    code, _, err = run(capsys, "validate", "--sites", str(sites))
    assert code == 1
    assert "3 problems" in err
    assert "tokyo.yaml" in err and "hongkong.yaml" in err and "greios.yaml" in err


def test_unknown_topology_kind(sites: Path, edit, capsys: pytest.CaptureFixture[str]) -> None:
    edit("greios.yaml", lambda d: d["topology"].append({"ring": ["tokyo", "seoul"]}))
    code, _, err = run(capsys, "validate", "--sites", str(sites))
    assert code == 1
    assert "topology[4]: each topology entry needs one of: pair, hub_and_spoke, full_mesh" in err


def test_missing_project_file(sites: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (sites / "greios.yaml").unlink()
    code, _, err = run(capsys, "validate", "--sites", str(sites))
    assert code == 1
    assert "greios.yaml: project file not found" in err


def test_missing_inventory_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate", "--sites", str(tmp_path / "nope"))
    assert code == 1
    assert "inventory directory not found" in err
