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
