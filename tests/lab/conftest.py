"""Fixtures for the simulated-router tests: one SSH server per module, reset per test."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from greios.platforms.ios.configtree import parse_config, render_config
from greios.platforms.ios.lab.device import DEFAULT_PASSWORD, DEFAULT_USERNAME, Device
from greios.platforms.ios.lab.server import LabServer

SEED = (Path(__file__).parent / "seed_r1.cfg").read_text()
TUNNEL_MERGE = (
    "interface Tunnel100\n"
    " description to R2\n"
    " ip address 10.255.0.1 255.255.255.252\n"
    " tunnel source GigabitEthernet1\n"
    " tunnel destination 203.0.113.2\n"
    "end\n"
)


def reset(dev: Device) -> None:
    """Back to the seed: running, startup, empty flash, no faults, no revert pending."""
    with dev.lock:
        dev.cancel_revert()
        dev.faults.clear()
        dev.running = parse_config(SEED)
        dev.startup = render_config(dev.running)
        dev.flash.files.clear()
        dev.time_scale = 60.0


@pytest.fixture(scope="module")
def lab_server() -> Iterator[LabServer]:
    dev = Device.from_config(SEED)
    with LabServer(dev) as srv:
        yield srv


@pytest.fixture
def lab(lab_server: LabServer) -> LabServer:
    reset(lab_server.device)
    return lab_server


def open_driver(srv: LabServer, password: str = DEFAULT_PASSWORD, **optional: Any) -> Any:
    import napalm

    driver = napalm.get_network_driver("ios")(
        hostname="127.0.0.1", username=DEFAULT_USERNAME, password=password,
        optional_args={"port": srv.port, **optional},
    )
    driver.open()
    return driver


@pytest.fixture
def napalm_ios(lab: LabServer) -> Iterator[Any]:
    driver = open_driver(lab)
    yield driver
    with contextlib.suppress(Exception):
        driver.close()


def body(srv: LabServer) -> str:
    """Running-config without `file prompt quiet`, which napalm adds itself while a session
    is open and removes on close()."""
    return srv.device.running_text().replace("file prompt quiet\n", "")
