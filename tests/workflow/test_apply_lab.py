"""The main loop end to end against a background lab, through the CLI: plan -> apply ->
verify -> plan again; stale saved plans; a router that rejects a line; rollback; secrets.

Real napalm (ios driver) + netmiko drive the simulated routers on 127.0.0.1.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from greios.app.sources import lab_targets
from greios.cli import main
from greios.deploy.fingerprint import fingerprint
from greios.files import state_dir_for
from greios.lab import manager
from greios.overlay import load_inventory
from greios.platforms.ios.driver import DeviceSession

pytestmark = [pytest.mark.lab, pytest.mark.slow]

PSKS = {
    "GREIOS_PSK_HONGKONG_RTR1__TOKYO_RTR1": "LabTokyoHongKongKey0123456789abcdefghij",
    "GREIOS_PSK_MUMBAI_RTR1__SINGAPORE_RTR1": "LabMumbaiSingaporeKey0123456789abcdefgh",
    "GREIOS_PSK_SEOUL_RTR1__SINGAPORE_RTR1": "LabSeoulSingaporeKey0123456789abcdefghi",
    "GREIOS_PSK_SINGAPORE_RTR1__SYDNEY_RTR1": "LabSingaporeSydneyKey0123456789abcdefgh",
}


@pytest.fixture
def project(tmp_path: Path, repo_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    sites = tmp_path / "sites"
    shutil.copytree(repo_dir / "sites", sites,
                    ignore=shutil.ignore_patterns("greios.lock", ".greios-secrets.yaml"))
    for k, v in PSKS.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("GREIOS_STATE_DIR", raising=False)
    yield sites
    state = state_dir_for(sites) / "lab"
    if (state / "lab.json").exists():
        manager.lab_down(state)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    text = out + err
    for key in PSKS.values():
        assert key not in text, "a PSK leaked into CLI output"
    return code, text


def session(sites: Path, router: str) -> DeviceSession:
    inv = load_inventory(sites)
    return DeviceSession(lab_targets(state_dir_for(sites) / "lab", [inv.router(router)])[router])


def running(sites: Path, router: str) -> str:
    with session(sites, router) as s:
        return s.get_running()


def test_plan_apply_verify_converge(project: Path, capsys) -> None:
    code, out = cli(capsys, "plan", "--lab", "--site", "tokyo", "--site", "hongkong",
                    "--sites", str(project))
    assert code == 0, out
    assert "Plan: 16 to add, 0 to change, 0 to destroy." in out
    code, out = cli(capsys, "apply", "--lab", "--site", "tokyo", "--site", "hongkong",
                    "--auto-approve", "--sites", str(project))
    assert code == 0, out
    assert "2 succeeded, 0 failed" in out
    for router, peer in (("tokyo-rtr1", "192.168.0.18"), ("hongkong-rtr1", "192.168.0.17")):
        with session(project, router) as s:
            assert s.interfaces()["Tunnel100"].is_up
            assert s.ping(peer, size=1440, df=True).received == 5
            assert s.ping(peer, size=1500, df=True).received == 0
    code, out = cli(capsys, "plan", "--lab", "--site", "tokyo", "--site", "hongkong",
                    "--detailed-exitcode", "--sites", str(project))
    assert code == 0, out
    assert "Plan: 0 to add, 0 to change, 0 to destroy." in out
    applied = json.loads((project.parent / ".greios" / "applied-keys.json").read_text())
    assert set(applied) == {"tokyo-rtr1", "hongkong-rtr1"}
    assert set(applied["tokyo-rtr1"]) == {"hongkong-rtr1--tokyo-rtr1"}
    # secrets never on disk outside the secrets store / env: plan files, backups names, lock
    for path in (project.parent / ".greios").rglob("*"):
        if path.is_file() and path.suffix in {".plan", ".json", ".lock"}:
            text = path.read_text(errors="replace")
            assert all(k not in text for k in PSKS.values()), path


def test_stale_saved_plan_is_refused(project: Path, tmp_path: Path, capsys) -> None:
    plan = tmp_path / "tokyo.plan"
    code, out = cli(capsys, "plan", "--lab", "--site", "tokyo", "--out", str(plan),
                    "--sites", str(project))
    assert code == 0, out
    assert all(k not in plan.read_text() for k in PSKS.values())
    with session(project, "tokyo-rtr1") as s:  # a manual change after the plan
        s.load_merge("interface GigabitEthernet0/0/1\n description changed by hand\nend\n")
        s.commit(None)
    before = fingerprint(running(project, "tokyo-rtr1"))
    code, out = cli(capsys, "apply", str(plan))
    assert code == 4, out
    assert "stale" in out.lower()
    assert fingerprint(running(project, "tokyo-rtr1")) == before


def test_saved_plan_applies_exactly(project: Path, tmp_path: Path, capsys) -> None:
    plan = tmp_path / "hk.plan"
    assert cli(capsys, "plan", "--lab", "--site", "hongkong", "--out", str(plan),
               "--sites", str(project))[0] == 0
    code, out = cli(capsys, "apply", str(plan))
    assert code == 0, out
    assert "Tunnel100" in running(project, "hongkong-rtr1")


def test_rejected_line_rolls_back_that_router_only(project: Path, capsys) -> None:
    assert cli(capsys, "plan", "--lab", "--site", "seoul", "--sites", str(project))[0] == 0
    state = state_dir_for(project) / "lab"
    seoul_before = fingerprint(running(project, "seoul-rtr1"))
    manager.set_faults(state, {"seoul-rtr1": {"reject_lines": [r"^\s*set pfs group20"]}})
    import time

    time.sleep(1.0)  # the lab picks faults.json up within ~0.5 s
    code, out = cli(capsys, "apply", "--lab", "--site", "singapore", "--site", "seoul",
                    "--site", "sydney", "--auto-approve", "--sites", str(project))
    assert code == 7, out
    assert fingerprint(running(project, "seoul-rtr1")) == seoul_before
    assert "Tunnel100" in running(project, "sydney-rtr1")  # the others finished


def test_confirmation_no_applies_nothing(project: Path, capsys, monkeypatch) -> None:
    assert cli(capsys, "plan", "--lab", "--site", "tokyo", "--sites", str(project))[0] == 0
    before = fingerprint(running(project, "tokyo-rtr1"))
    monkeypatch.setattr("sys.stdin", io.StringIO("no\n"))
    code, out = cli(capsys, "apply", "--lab", "--site", "tokyo", "--sites", str(project))
    assert code == 130
    assert "Apply cancelled" in out
    assert fingerprint(running(project, "tokyo-rtr1")) == before


def test_rollback_restores_last_backup(project: Path, capsys) -> None:
    assert cli(capsys, "plan", "--lab", "--site", "tokyo", "--sites", str(project))[0] == 0
    before = fingerprint(running(project, "tokyo-rtr1"))
    assert cli(capsys, "apply", "--lab", "--site", "tokyo", "--auto-approve",
               "--sites", str(project))[0] == 0
    assert fingerprint(running(project, "tokyo-rtr1")) != before
    code, out = cli(capsys, "rollback", "--lab", "--site", "tokyo", "--auto-approve",
                    "--sites", str(project))
    assert code == 0, out
    assert fingerprint(running(project, "tokyo-rtr1")) == before


def test_json_result_and_missing_credentials(project: Path, capsys, monkeypatch) -> None:
    assert cli(capsys, "plan", "--lab", "--site", "tokyo", "--sites", str(project))[0] == 0
    code, out = cli(capsys, "apply", "--lab", "--site", "tokyo", "--auto-approve", "--json",
                    "--sites", str(project))
    assert code == 0
    body = json.loads(out[out.index("{"):])
    assert body["results"][0]["status"] == "applied"
    # device mode (not lab): the credential env var is named, nothing is contacted
    monkeypatch.delenv("GREIOS_USERNAME", raising=False)
    code, out = cli(capsys, "plan", "--site", "tokyo", "--sites", str(project))
    assert code == 1
    assert "GREIOS_USERNAME" in out and "tokyo-rtr1" in out
    assert os.environ.get("GREIOS_USERNAME") is None


def test_audit_lab_after_apply_sees_established_pair(project: Path, capsys) -> None:
    assert cli(capsys, "apply", "--lab", "--site", "tokyo", "--site", "hongkong",
               "--auto-approve", "--sites", str(project))[0] == 0
    code, out = cli(capsys, "audit", "--lab", "--format", "json", "--fail-on", "never",
                    "--sites", str(project))
    assert code == 0, out
    body = json.loads(out[out.index("{"):])
    pair = {(s["device"], s["status"]) for s in body["sessions"]
            if s["interface"] == "Tunnel100" and s["device"] in ("tokyo-rtr1", "hongkong-rtr1")}
    assert pair == {("tokyo-rtr1", "IPSEC_SESSION_ESTABLISHED"),
                    ("hongkong-rtr1", "IPSEC_SESSION_ESTABLISHED")}


def test_retired_pair_forgotten_only_when_both_ends_are_clean(project: Path, capsys) -> None:
    import yaml

    assert cli(capsys, "apply", "--lab", "--site", "tokyo", "--site", "hongkong",
               "--auto-approve", "--sites", str(project))[0] == 0
    proj = yaml.safe_load((project / "greios.yaml").read_text())
    proj["topology"] = [e for e in proj["topology"]
                        if e.get("pair") != ["tokyo", "hongkong"]]  # this pair leaves
    (project / "greios.yaml").write_text(yaml.safe_dump(proj, sort_keys=False))
    key = "hongkong-rtr1--tokyo-rtr1"

    def state() -> str | None:
        pairs = yaml.safe_load((project / "greios.lock").read_text())["pairs"]
        return pairs[key]["state"] if key in pairs else None

    assert cli(capsys, "apply", "--lab", "--site", "tokyo", "--auto-approve",
               "--sites", str(project))[0] == 0
    assert "Tunnel100" not in running(project, "tokyo-rtr1")
    assert state() == "retired"  # hongkong still carries its end
    assert cli(capsys, "apply", "--lab", "--site", "hongkong", "--auto-approve",
               "--sites", str(project))[0] == 0
    assert "Tunnel100" not in running(project, "hongkong-rtr1")
    assert state() is None
