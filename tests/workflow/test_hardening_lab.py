"""Issue #11 through the CLI against a background lab (real napalm + netmiko): a killed
apply is reported and recovered, Ctrl-C stops cleanly, one-end applies are verified or say
why not, hand-edited or malformed plans are refused, saved plans hold no key."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

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
PAIR = ("tokyo-rtr1", "hongkong-rtr1")


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


LAST: dict[str, str] = {}


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run greios in-process; returns (exit code, stdout + stderr); LAST["out"] = stdout."""
    code = main(list(args))
    out, err = capsys.readouterr()
    text = out + err
    for key in PSKS.values():
        assert key not in text, "a PSK leaked into CLI output"
    assert "Traceback" not in text
    LAST["out"] = out
    return code, text


def running(sites: Path, router: str) -> str:
    inv = load_inventory(sites)
    target = lab_targets(state_dir_for(sites) / "lab", [inv.router(router)])[router]
    with DeviceSession(target) as s:
        return s.get_running()


def lab_state(sites: Path) -> Path:
    return state_dir_for(sites) / "lab"


def slow_pings(sites: Path, routers: tuple[str, ...] = PAIR, seconds: float = 3.0) -> None:
    """Keep the routers in verification long enough to interrupt them there."""
    manager.set_faults(lab_state(sites), {r: {"delays": {"^ping ": seconds}} for r in routers})
    time.sleep(1.0)  # the lab re-reads faults.json within ~0.5 s


class Apply:
    """`greios apply` in its own process, so it can be interrupted or killed."""

    def __init__(self, sites: Path, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if k != "GREIOS_STATE_DIR"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "greios", "apply", "--lab", "--auto-approve",
             "--sites", str(sites), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            cwd=sites.parent)
        self.err: list[str] = []

    def wait_for(self, needle: str, count: int = 1) -> None:
        assert self.proc.stderr is not None
        seen = 0
        deadline = time.monotonic() + 60
        for line in self.proc.stderr:
            self.err.append(line)
            seen += needle in line
            if seen >= count:
                return
            assert time.monotonic() < deadline, "".join(self.err)
        raise AssertionError(f"never saw {needle!r}:\n{''.join(self.err)}")

    def finish(self) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=120)
        return self.proc.returncode, out, "".join(self.err) + err


def pending(sites: Path, router: str) -> bool:
    inv = load_inventory(sites)
    target = lab_targets(state_dir_for(sites) / "lab", [inv.router(router)])[router]
    with DeviceSession(target) as s:
        return s.pending() is not None


@pytest.mark.parametrize("moment", ["verifying", "committing"])
def test_killed_apply_is_reported_then_recovered(project: Path, capsys, moment: str) -> None:
    assert cli(capsys, "lab", "up", "--sites", str(project))[0] == 0
    before = {r: fingerprint(running(project, r)) for r in PAIR}
    if moment == "verifying":
        slow_pings(project)
    else:  # the merge itself takes 3 s: kill -9 while IOS applies it
        manager.set_faults(lab_state(project), {r: {"delays": {r"^copy \S+ running-config$":
                                                                3.0}} for r in PAIR})
        time.sleep(1.0)
    run = Apply(project, "--site", "tokyo", "--site", "hongkong")
    run.wait_for(moment, 2)
    deadline = time.monotonic() + 20
    while not all(pending(project, r) for r in PAIR):  # the revert timers are armed
        assert time.monotonic() < deadline
        time.sleep(0.1)
    run.proc.send_signal(signal.SIGKILL)
    run.finish()
    time.sleep(3.5)  # a merge in flight completes on the router all the same
    manager.set_faults(lab_state(project), {})
    # the routers look converged (or half way), but only until their revert timers expire
    code, out = cli(capsys, "plan", "--lab", "--site", "tokyo", "--site", "hongkong",
                    "--sites", str(project))
    assert code == 5, out
    assert "commit-confirm pending" in out and "stale lock" in out
    assert f"stopped while {'committed' if moment == 'verifying' else 'committing'}" in out
    assert f"greios recover --lab --sites {project}" in out
    code, out = cli(capsys, "apply", "--lab", "--site", "tokyo", "--auto-approve",
                    "--sites", str(project))
    assert code == 5, out
    assert "greios recover" in out
    assert any(ln == "file prompt quiet" for ln in running(project, PAIR[0]).splitlines())
    code, out = cli(capsys, "recover", "--lab", "--auto-approve", "--sites", str(project))
    assert code == 0, out
    assert out.count("rolled-back") >= 2 and "file prompt quiet" in out
    assert {r: fingerprint(running(project, r)) for r in PAIR} == before
    assert cli(capsys, "locks", "--sites", str(project))[1].strip() == "no router locks"
    code, out = cli(capsys, "plan", "--lab", "--site", "tokyo", "--site", "hongkong",
                    "--detailed-exitcode", "--sites", str(project))
    assert code == 2 and "Plan: 16 to add" in out
    code, out = cli(capsys, "recover", "--lab", "--sites", str(project))
    assert code == 0 and "Nothing to recover" in out


def test_one_ctrl_c_finishes_started_routers_and_starts_no_new_one(project: Path,
                                                                    capsys) -> None:
    assert cli(capsys, "lab", "up", "--sites", str(project))[0] == 0
    seoul = fingerprint(running(project, "seoul-rtr1"))
    slow_pings(project)
    run = Apply(project, "--site", "tokyo", "--site", "hongkong", "--site", "seoul",
                "--parallelism", "2")
    run.wait_for("verifying", 2)
    run.proc.send_signal(signal.SIGINT)
    code, out, err = run.finish()
    assert code == 130, out + err
    assert "Apply result" in out  # the table is printed
    assert "Interrupted (Ctrl-C): 2 applied, 0 rolled back, 1 stopped" in err
    assert "not started" in out and "Traceback" not in err
    assert fingerprint(running(project, "seoul-rtr1")) == seoul
    assert "Tunnel100" in running(project, "tokyo-rtr1")
    assert cli(capsys, "locks", "--sites", str(project))[1].strip() == "no router locks"
    code, out = cli(capsys, "plan", "--lab", "--site", "tokyo", "--site", "hongkong",
                    "--detailed-exitcode", "--sites", str(project))
    assert code == 0, out  # confirmed: no pending timer, nothing to redo


def test_two_ctrl_c_roll_back_now_without_traceback(project: Path, capsys) -> None:
    assert cli(capsys, "lab", "up", "--sites", str(project))[0] == 0
    before = {r: fingerprint(running(project, r)) for r in PAIR}
    slow_pings(project)
    run = Apply(project, "--site", "tokyo", "--site", "hongkong")
    run.wait_for("verifying", 2)
    for _ in range(3):  # a third one only says "please wait"
        run.proc.send_signal(signal.SIGINT)
        time.sleep(0.3)
    code, out, err = run.finish()
    assert code == 130, out + err
    assert "Traceback" not in out + err and "Exception ignored" not in err
    assert "interrupted again: rolling back" in err
    assert out.count("rolled-back") == 2
    assert {r: fingerprint(running(project, r)) for r in PAIR} == before
    assert cli(capsys, "locks", "--sites", str(project))[1].strip() == "no router locks"
    assert cli(capsys, "plan", "--lab", "--site", "tokyo", "--sites", str(project))[0] == 0


def test_closed_output_neither_stops_nor_rolls_back_an_apply(project: Path,
                                                             capsys) -> None:
    """`greios apply ... 2>&1 | head`: the reader goes while the routers verify. Before
    greios.closed_output, the next progress line stopped the apply like a Ctrl-C (exit 130,
    one end of a pair applied, the other not started)."""
    assert cli(capsys, "lab", "up", "--sites", str(project))[0] == 0
    slow_pings(project)
    run = Apply(project, "--site", "tokyo", "--site", "hongkong")
    run.wait_for("verifying", 2)
    assert run.proc.stdout is not None and run.proc.stderr is not None
    run.proc.stdout.close()
    run.proc.stderr.close()  # the next write to either is EPIPE
    assert run.proc.wait(timeout=120) == 0  # its own code: every router applied
    for router in PAIR:
        assert "Tunnel100" in running(project, router)
        assert not pending(project, router)  # confirmed, no revert timer left
    assert cli(capsys, "locks", "--sites", str(project))[1].strip() == "no router locks"
    code, out = cli(capsys, "plan", "--lab", "--site", "tokyo", "--site", "hongkong",
                    "--detailed-exitcode", "--sites", str(project))
    assert code == 0, out


def test_one_end_apply_names_the_peer_and_verifies_or_says_why(project: Path,
                                                                capsys) -> None:
    code, out = cli(capsys, "plan", "--lab", "--site", "tokyo", "--sites", str(project))
    assert code == 0, out
    assert "also changes: hongkong-rtr1 (peer of Tunnel100 on tokyo-rtr1" in out
    assert LAST["out"].strip().splitlines()[-1].startswith("Plan: 8 to add")
    code, out = cli(capsys, "apply", "--lab", "--site", "tokyo", "--auto-approve", "--json",
                    "--sites", str(project))
    assert code == 0, out
    (tokyo,) = json.loads(LAST["out"])["results"]
    assert tokyo["status"] == "applied"
    assert "Tunnel100 to hongkong-rtr1 NOT verified: hongkong-rtr1 is not in this apply and " \
        "needs its own change" in tokyo["message"]
    code, out = cli(capsys, "apply", "--lab", "--site", "hongkong", "--auto-approve",
                    "--json", "--sites", str(project))
    assert code == 0, out
    (hongkong,) = json.loads(LAST["out"])["results"]
    assert "DF ping 1440 B to tokyo-rtr1 ok" in hongkong["message"]
    assert "tokyo-rtr1 (not in this apply) Tunnel100 up" in hongkong["message"]


def _edited(plan: Path, dest: Path, fn: object) -> Path:
    data = json.loads(plan.read_text())
    fn(data)  # type: ignore[operator]
    dest.write_text(json.dumps(data, indent=2))
    return dest


def test_hand_edited_plans_are_refused(project: Path, tmp_path: Path, capsys) -> None:
    plan = tmp_path / "tokyo.plan"
    assert cli(capsys, "plan", "--lab", "--site", "tokyo", "--out", str(plan),
               "--sites", str(project))[0] == 0
    before = fingerprint(running(project, "tokyo-rtr1"))

    def shut_lan(d: dict) -> None:
        d["routers"][0]["commands"] += ["interface GigabitEthernet0/0/1", " shutdown"]

    code, out = cli(capsys, "apply", str(_edited(plan, tmp_path / "a.plan", shut_lan)))
    assert code == 4, out
    assert "was the plan file edited" in out and "interface GigabitEthernet0/0/1" in out

    def owned(d: dict) -> None:  # a greios-owned line changed consistently everywhere
        d["routers"][0]["commands"] = [c.replace("ip mtu 1440", "ip mtu 1500")
                                       for c in d["routers"][0]["commands"]]
        d["routers"][0]["intended"] = d["routers"][0]["intended"].replace("ip mtu 1440",
                                                                          "ip mtu 1500")

    code, out = cli(capsys, "apply", str(_edited(plan, tmp_path / "b.plan", owned)))
    assert code == 4, out
    assert "not what the inventory renders" in out
    assert fingerprint(running(project, "tokyo-rtr1")) == before
    code, out = cli(capsys, "apply", str(plan))  # the untouched plan still applies
    assert code == 0, out


@pytest.mark.parametrize(("name", "content", "where"), [
    ("type", lambda d: d["routers"][0]["tunnels"][0].update(ping_size="big"),
     "routers[0].tunnels[0].ping_size"),
    ("extra", lambda d: d["routers"][0].update(shell="rm -rf /"), "routers[0].shell"),
    ("missing", lambda d: d["routers"][0].pop("running_fingerprint"),
     "routers[0].running_fingerprint"),
    ("fingerprint", lambda d: d["routers"][0].update(running_fingerprint="x"),
     "routers[0].running_fingerprint"),
    ("bigint", lambda d: d["routers"][0]["tunnels"][0].update(ping_size=10 ** 50),
     "routers[0].tunnels[0].ping_size"),
    ("twice", lambda d: d["routers"].append(d["routers"][0]), "twice"),
])
def test_malformed_plan_gets_a_located_error(sites: Path, tmp_path: Path, capsys,
                                             name: str, content: object, where: str) -> None:
    plan = tmp_path / "ok.plan"
    assert main(["plan", "--offline", "--site", "tokyo", "--out", str(plan),
                 "--sites", str(sites)]) == 0
    data = json.loads(plan.read_text())
    data["source"] = "lab"
    content(data)  # type: ignore[operator]
    bad = tmp_path / f"{name}.plan"
    bad.write_text(json.dumps(data, indent=2))
    capsys.readouterr()
    code = main(["apply", str(bad)])
    err = capsys.readouterr().err
    assert code == 1, err
    assert f"{name}.plan:" in err and where in err
    assert "Traceback" not in err and "bug in greios" not in err


@pytest.mark.parametrize(("name", "data"), [
    ("json", b'{"format": "greios-plan", "version": 1, "routers": [[['),
    ("deep", b'{"format": "greios-plan", "version": 1, "routers": '
     + b"[" * 200000 + b"]" * 200000 + b"}"),
    ("digits", b'{"format": "greios-plan", "version": 1, "x": ' + b"9" * 5000 + b"}"),
    ("binary", b"\x00\xff\xfe greios"),
    ("foreign", b'{"format": "terraform"}'),
    ("version", b'{"format": "greios-plan", "version": 99}'),
])
def test_unreadable_plan_files_exit_1(tmp_path: Path, capsys, name: str, data: bytes) -> None:
    bad = tmp_path / f"{name}.plan"
    bad.write_bytes(data)
    code = main(["apply", str(bad)])
    err = capsys.readouterr().err
    assert code == 1, err
    assert f"{name}.plan" in err and "bug in greios" not in err


def test_saved_plans_hold_no_key_after_rotation(project: Path, tmp_path: Path, capsys,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    env = "GREIOS_PSK_HONGKONG_RTR1__TOKYO_RTR1"
    old = PSKS[env]
    assert cli(capsys, "apply", "--lab", "--site", "tokyo", "--site", "hongkong",
               "--auto-approve", "--sites", str(project))[0] == 0
    new = "RotatedTokyoHongKongKey0123456789abcdefg"
    monkeypatch.setenv(env, new)
    plan = tmp_path / "rotate.plan"
    code, out = cli(capsys, "plan", "--lab", "--site", "tokyo", "--out", str(plan),
                    "--sites", str(project))
    assert code == 0, out
    assert "0 to add, 1 to change" in out
    text = plan.read_text()
    assert old not in text and new not in text
    assert "<secret:psk/hongkong-rtr1--tokyo-rtr1>" in text
    assert stat.S_IMODE(plan.stat().st_mode) == 0o600
    code, out = cli(capsys, "apply", str(plan))
    assert code == 0, out
    assert new in running(project, "tokyo-rtr1")
    # rotation through the secrets file: the key the routers hold now is known to no store
    # any more (only the running config has it) and still lands in no plan
    monkeypatch.delenv(env)
    secrets = project / ".greios-secrets.yaml"
    fd = os.open(secrets, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        yaml.safe_dump({"psk": {"hongkong-rtr1--tokyo-rtr1":
                                "FileRotatedKey0123456789abcdefghijklmnop"}}, fh)
    code, out = cli(capsys, "plan", "--lab", "--site", "tokyo", "--out", str(plan),
                    "--sites", str(project))
    assert code == 0, out
    assert "0 to add, 1 to change" in out
    text = plan.read_text()
    assert new not in text and old not in text and "FileRotatedKey" not in text


def test_connection_errors_name_the_yaml_field(project: Path, capsys,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    for path in project.glob("*.yaml"):  # every router on a closed 127.0.0.1 port
        data = yaml.safe_load(path.read_text())
        for r in data.get("routers", []) if isinstance(data, dict) else []:
            r["management"].update(host="127.0.0.1", port=closed)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    monkeypatch.setenv("GREIOS_USERNAME", "netops")
    monkeypatch.setenv("GREIOS_PASSWORD", "Secret-Password-1")
    code, out = cli(capsys, "plan", "--site", "tokyo", "--sites", str(project))
    assert code == 6, out
    assert "connection refused" in out
    assert "management.host and management.port in" in out and "tokyo.yaml" in out
    assert "Secret-Password-1" not in out
    monkeypatch.setenv("GREIOS_PASSWORD", "")
    code, out = cli(capsys, "plan", "--site", "tokyo", "--sites", str(project))
    assert code == 1 and "GREIOS_PASSWORD" in out and "set but empty" in out
