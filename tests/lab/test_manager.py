"""greios.lab.manager: one background process, persisted state, faults.json, up/status/down."""

from __future__ import annotations

import json
import time
from pathlib import Path

import paramiko
import pytest

from greios.lab.manager import (
    LabRouterSpec,
    lab_connections,
    lab_down,
    lab_status,
    lab_up,
    prepare_seed,
    set_faults,
)

from .conftest import SEED

pytestmark = [pytest.mark.lab, pytest.mark.slow]


def _exec(conn: object, command: str) -> str:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(conn.host, conn.port, conn.username, conn.password,  # type: ignore[attr-defined]
                   look_for_keys=False, allow_agent=False)
    try:
        _in, out, _err = client.exec_command(command)
        return str(out.read().decode())
    finally:
        client.close()


def test_up_persist_resume_faults_down(tmp_path: Path) -> None:
    state = tmp_path / "lab"
    specs = [LabRouterSpec("r1", SEED), LabRouterSpec("r2", SEED.replace("hostname R1",
                                                                        "hostname R2"))]
    conns = lab_up(state, specs)
    try:
        assert set(conns) == {"r1", "r2"}
        data = json.loads((state / "lab.json").read_text())
        assert data["username"] == "greios" and data["password"] == "greios-lab"
        st = lab_status(state)
        assert st.alive and all(r.listening for r in st.routers)
        assert "hostname R2" in _exec(conns["r2"], "show running-config | include hostname")
        # a change made by one process is persisted for the next
        import napalm

        c = conns["r1"]
        drv = napalm.get_network_driver("ios")(c.host, c.username, c.password,
                                              optional_args={"port": c.port})
        drv.open()
        drv.load_merge_candidate(config="interface Loopback7\n ip address 10.7.7.7 "
                                        "255.255.255.255\nend\n")
        drv.commit_config()
        drv.close()
        assert "interface Loopback7" in (state / "routers/r1/running.cfg").read_text()
        assert "interface Loopback7" in (state / "routers/r1/startup.cfg").read_text()
        assert (state / "routers/r1/flash/merge_config.txt").exists()
        # faults.json is applied live
        set_faults(state, {"r1": {"wrong_password": True}})
        deadline = time.monotonic() + 5
        refused = False
        while time.monotonic() < deadline and not refused:
            try:
                _exec(conns["r1"], "show version")
            except paramiko.AuthenticationException:
                refused = True
            time.sleep(0.1)
        assert refused
        set_faults(state, {})
    finally:
        assert lab_down(state)
    assert not lab_status(state).alive
    # restart resumes from state
    conns = lab_up(state, specs)
    try:
        time.sleep(0.6)  # let the process read the (empty) faults.json
        out = _exec(conns["r1"], "show running-config | section Loopback7")
        assert "ip address 10.7.7.7 255.255.255.255" in out
        assert lab_connections(state)["r1"].port == conns["r1"].port
    finally:
        lab_down(state)


def test_prepare_seed_adds_what_napalm_needs() -> None:
    out = prepare_seed("hostname X\n!\nend\n")
    assert "ip scp server enable" in out and "archive\n path flash:archive" in out
    assert out.rstrip().endswith("end")
    assert prepare_seed(out) == out


def _serve_pids(state: Path) -> list[int]:
    """Every `greios.lab.serve` process serving ``state``."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"greios.lab.serve" in cmd and str(state).encode() in cmd:
            pids.append(int(proc.name))
    return pids


def test_concurrent_auto_start_gives_one_lab(tmp_path: Path, repo_dir: Path) -> None:
    """Three commands that auto-start the lab at the same moment share ONE lab process."""
    import shutil
    import subprocess
    import sys

    sites = tmp_path / "sites"
    shutil.copytree(repo_dir / "sites", sites,
                    ignore=shutil.ignore_patterns("greios.lock", ".greios-secrets.yaml"))
    state = tmp_path / ".greios" / "lab"
    start_at = time.time() + 2.0
    script = (
        "import sys, time\n"
        "from pathlib import Path\n"
        "from greios.overlay import load_inventory\n"
        "from greios.app.sources import ensure_lab\n"
        "from greios.lab.manager import lab_connections\n"
        "inv = load_inventory(Path(sys.argv[1]))\n"
        "time.sleep(max(0.0, float(sys.argv[2]) - time.time()))\n"
        "ensure_lab(inv, Path(sys.argv[3]) / 'lab', lambda m: None)\n"
        "print(lab_connections(Path(sys.argv[3]) / 'lab')['tokyo-rtr1'].port)\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "GREIOS_STATE_DIR"}
    procs = [subprocess.Popen([sys.executable, "-c", script, str(sites), str(start_at),
                               str(state.parent)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(3)]
    try:
        outs = [p.communicate(timeout=90) for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0], outs
        ports = {out.strip() for out, _err in outs}
        assert len(ports) == 1 and ports != {"0"}, outs
        pids = _serve_pids(state)
        assert pids == [lab_status(state).pid], pids
    finally:
        for pid in _serve_pids(state):
            __import__("os").kill(pid, 15)


def test_lab_reset_reloads_snapshots(tmp_path: Path) -> None:
    from greios.lab.manager import lab_reset

    state = tmp_path / "lab"
    r2_seed = SEED.replace("hostname R1", "hostname R2")
    specs = [LabRouterSpec("r1", SEED), LabRouterSpec("r2", r2_seed)]
    conns = lab_up(state, specs)
    try:
        for name in ("r1", "r2"):  # both routers drift from their snapshots
            c = conns[name]
            import napalm

            drv = napalm.get_network_driver("ios")(c.host, c.username, c.password,
                                                  optional_args={"port": c.port})
            drv.open()
            drv.load_merge_candidate(config="interface Loopback9\n ip address 10.9.9.9 "
                                            "255.255.255.255\nend\n")
            drv.commit_config()
            drv.close()
        # a snapshot edited after the first start: only `lab reset` brings it in
        new_r1 = SEED.replace("hostname R1", "hostname R1\nip domain name reset.example")
        assert lab_reset(state, [LabRouterSpec("r1", new_r1), specs[1]],
                         routers=["r1"]) == ["r1"]
        r1 = _exec(conns["r1"], "show running-config")
        assert "ip domain name reset.example" in r1 and "Loopback9" not in r1
        assert "Loopback9" in _exec(conns["r2"], "show running-config")  # untouched
        assert lab_connections(state)["r1"].port == conns["r1"].port  # same lab, same port
        assert "Loopback9" not in (state / "routers/r1/startup.cfg").read_text()
        with pytest.raises(Exception, match="no router r9"):
            lab_reset(state, specs, routers=["r9"])
    finally:
        lab_down(state)
    # a stopped lab starts from the snapshot at the next `lab up`
    now = [specs[0], LabRouterSpec("r2", r2_seed.replace(
        "hostname R2", "hostname R2\nip domain name r2.example"))]
    lab_reset(state, now)
    conns = lab_up(state, now)
    try:
        assert "ip domain name r2.example" in _exec(conns["r2"], "show running-config")
        assert "Loopback9" not in _exec(conns["r2"], "show running-config")
    finally:
        lab_down(state)
