"""Raw CLI behaviour over SSH: prompts, echo, caret errors, NUL, channel-less connections."""

from __future__ import annotations

import time

import paramiko
import pytest

from greios.platforms.ios.lab.server import LabServer

pytestmark = pytest.mark.lab


def _read_until(chan: paramiko.Channel, suffix: str, timeout: float = 3.0) -> str:
    buf = ""
    deadline = time.monotonic() + timeout
    while not buf.endswith(suffix) and time.monotonic() < deadline:
        if chan.recv_ready():
            buf += chan.recv(65536).decode()
        else:
            time.sleep(0.005)
    return buf


def test_prompts_echo_and_caret(lab: LabServer) -> None:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect("127.0.0.1", lab.port, "greios", "greios-lab", look_for_keys=False,
                   allow_agent=False)
    chan = client.invoke_shell()
    assert _read_until(chan, "R1#").endswith("R1#")
    chan.send(b"\x00show clock\n")
    out = _read_until(chan, "R1#")
    assert out.startswith("show clock\r\n") and out.count("R1#") == 1
    chan.send(b"conf t\ncrypto ikev2 profile P\n")
    assert _read_until(chan, "(config-ikev2-profile)#").endswith("R1(config-ikev2-profile)#")
    chan.send(b"bogus\n")
    out = _read_until(chan, "(config-ikev2-profile)#")
    assert "^\r\n% Invalid input detected at '^' marker." in out
    chan.send(b"end\r\n")
    assert _read_until(chan, "R1#").endswith("\r\nR1#")
    client.close()


def test_connection_without_channel_is_tolerated(lab: LabServer) -> None:
    t = paramiko.Transport(("127.0.0.1", lab.port))
    t.connect(username="greios", password="greios-lab")
    t.close()
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect("127.0.0.1", lab.port, "greios", "greios-lab", look_for_keys=False,
                   allow_agent=False)
    _in, out, _err = client.exec_command("show running-config | include hostname")
    assert out.read().decode().strip() == "hostname R1"
    client.close()


def test_show_privilege_reports_exec_level() -> None:
    from greios.platforms.ios.lab.device import Device
    from greios.platforms.ios.lab.exec_cmds import show

    class _S:
        mode = "exec"
        device = Device.from_config("hostname R1\nend\n")

    assert show(_S(), ["show", "privilege"], None) == "Current privilege level is 15\n"  # type: ignore[arg-type]
    _S.mode = "user"
    assert show(_S(), ["show", "privilege"], None) == "Current privilege level is 1\n"  # type: ignore[arg-type]
