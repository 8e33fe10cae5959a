"""`greios plan` against offline snapshots: output, JSON, saved plans, convergence, retired
pairs. No device: the running configs are the bundled example snapshots."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from greios.app.pipeline import build
from greios.app.planning import plan_for
from greios.cli import main
from greios.platforms.ios.configtree import apply_lines, parse_config, render_config
from greios.platforms.vyos.config import apply_text
from greios.secrets import resolve_refs


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def secrets_of(sites: Path) -> list[str]:
    return list(yaml.safe_load((sites / ".greios-secrets.yaml").read_text())["psk"].values())


def converge(sites: Path, dest: Path) -> Path:
    """Write <router>.cfg = snapshot with the plan applied (keys resolved) into dest."""
    b = build(sites)
    dest.mkdir(exist_ok=True)
    for r in b.inventory.routers:
        running = r.snapshot.read_text()
        entry = plan_for(b, r.name, running)
        cmds = [resolve_refs(c, b.store) for c in entry.plan.commands]
        if r.model.is_vyos:  # VyOS's set/delete semantics, in the router's dialect
            (dest / f"{r.name}.cfg").write_text(apply_text(running, cmds,
                                                           r.model.vyos_version))
            continue
        tree = parse_config(running)
        rejected = apply_lines(tree, cmds)  # the lab's IOS semantics, not the plan engine's
        assert not rejected, (r.name, rejected)
        (dest / f"{r.name}.cfg").write_text(render_config(tree))
    return dest


def test_plan_shows_tunnel_crypto_and_ospf(sites: Path, capsys) -> None:
    code, out, err = run(capsys, "plan", "--offline", "--site", "tokyo", "--sites", str(sites))
    assert code == 0, err
    for needle in ("+ interface Tunnel100 {", "+ tunnel destination 10.112.147.74",
                   "+ crypto ikev2 profile GREIOS-hongkong-rtr1 {",
                   "+ crypto ipsec profile GREIOS-hongkong-rtr1 {",
                   "+ network 192.168.0.16 0.0.0.3 area 0", "+ pre-shared-key <redacted>"):
        assert needle in out
    assert out.strip().splitlines()[-1] == "Plan: 8 to add, 0 to change, 0 to destroy."
    for key in secrets_of(sites):
        assert key not in out and key not in err


def test_existing_operator_ospf_is_changed_not_replaced(sites: Path, capsys) -> None:
    code, out, _ = run(capsys, "plan", "--offline", "--site", "mumbai", "--sites", str(sites))
    assert code == 0
    assert "~ router ospf 1 {" in out
    assert "network 172.16.4.0" not in out  # already there in the snapshot
    assert "router-id" not in out  # operator's line untouched


def test_detailed_exitcode_and_json(sites: Path, capsys) -> None:
    code, _, _ = run(capsys, "plan", "--offline", "--detailed-exitcode", "--sites", str(sites))
    assert code == 2
    code, out, _ = run(capsys, "plan", "--offline", "--json", "--sites", str(sites))
    assert code == 0
    body = json.loads(out)
    assert {r["router"] for r in body["routers"]} == {
        "tokyo-rtr1", "hongkong-rtr1", "singapore-rtr1", "sydney-rtr1", "mumbai-rtr1",
        "seoul-rtr1", "vyostok1", "vyoshkg1", "vyososa1"}
    assert body["summary"]["add"] > 0 and body["summary"]["destroy"] == 0
    for key in secrets_of(sites):
        assert key not in out


def test_saved_plan_holds_references_not_secrets(sites: Path, tmp_path: Path, capsys) -> None:
    plan = tmp_path / "all.plan"
    code, _, err = run(capsys, "plan", "--offline", "--out", str(plan), "--sites", str(sites))
    assert code == 0, err
    text = plan.read_text()
    assert "<secret:psk/hongkong-rtr1--tokyo-rtr1>" in text
    for key in secrets_of(sites):
        assert key not in text
    saved = json.loads(text)
    assert all(len(r["running_fingerprint"]) == 64 for r in saved["routers"])
    code, _, err = run(capsys, "apply", str(plan))
    assert code == 1 and "made from offline snapshots" in err


def test_round_trip_converged_plan_is_empty(sites: Path, tmp_path: Path, capsys) -> None:
    done = converge(sites, tmp_path / "converged")
    code, out, err = run(capsys, "plan", "--offline", str(done), "--detailed-exitcode",
                         "--sites", str(sites))
    assert code == 0, out + err
    assert "Plan: 0 to add, 0 to change, 0 to destroy." in out
    # unmanaged config is untouched: every snapshot line survives, except greios's own
    b = build(sites)
    for r in b.inventory.routers:
        after = (done / f"{r.name}.cfg").read_text().splitlines()
        for line in r.snapshot.read_text().splitlines():
            if line.strip() and not line.strip().startswith(("Building", "Current config", "!")) \
                    and "\t" not in line:
                assert line in after, (r.name, line)


def test_removed_pair_is_destroyed(sites: Path, tmp_path: Path, capsys) -> None:
    done = converge(sites, tmp_path / "converged")
    project = yaml.safe_load((sites / "greios.yaml").read_text())
    project["topology"] = [e for e in project["topology"]
                           if e.get("pair") != ["tokyo", "hongkong"]]  # this pair leaves
    (sites / "greios.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    code, out, err = run(capsys, "plan", "--offline", str(done), "--site", "tokyo",
                         "--sites", str(sites))
    assert code == 0, err
    assert "- interface Tunnel100" in out
    assert "- crypto ipsec profile GREIOS-hongkong-rtr1" in out
    assert "- network 192.168.0.16 0.0.0.3 area 0" in out
    lock = yaml.safe_load((sites / "greios.lock").read_text())
    assert lock["pairs"]["hongkong-rtr1--tokyo-rtr1"]["state"] == "retired"


def test_offline_dir_missing_router(sites: Path, tmp_path: Path, capsys) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run(capsys, "plan", "--offline", str(empty), "--sites", str(sites))
    assert code == 1
    assert "cannot read running config" in err


def test_type6_keys_write_only_but_rotation_detected(sites: Path, tmp_path: Path) -> None:
    """Routers storing PSKs as type 6 never show them again: an encrypted key counts as
    equal, unless the applied-keys record shows greios pushed a different key since."""
    import re

    from greios.secrets import key_digest

    done = converge(sites, tmp_path / "converged")
    text = (done / "tokyo-rtr1.cfg").read_text()
    encrypted = re.sub(r"pre-shared-key \S+", "pre-shared-key 6 FHeQ`dZPNiRbV_gUdgeSEiXAAB",
                       text)
    assert encrypted != text
    b = build(sites)
    pair = "hongkong-rtr1--tokyo-rtr1"
    current = key_digest(b.store.psk(pair).reveal())
    assert plan_for(b, "tokyo-rtr1", encrypted).plan.is_empty
    assert plan_for(b, "tokyo-rtr1", encrypted, applied={pair: current}).plan.is_empty
    rotated = plan_for(b, "tokyo-rtr1", encrypted, applied={pair: key_digest("old" * 12)})
    assert not rotated.plan.is_empty
    assert [o.header for o in rotated.plan.objects] == ["crypto ikev2 keyring GREIOS-KR"]
    assert any("pre-shared-key <secret:psk/" in c for c in rotated.plan.commands)
