"""Fixtures for the deploy tests: four lab routers R1..R4 (one LabNetwork), shared per
module and reset to their seed config before every test. Real napalm drives them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from greios.deploy.apply import RouterChange, TunnelCheck
from greios.deploy.target import DeviceTarget
from greios.lab.network import LabNetwork
from greios.platforms.ios.configtree import parse_config, render_config
from greios.platforms.ios.lab.device import DEFAULT_PASSWORD, DEFAULT_USERNAME, Device
from greios.platforms.ios.lab.server import LabServer

from .labcfg import peer_address, seed, tunnel_change

N_ROUTERS = 4


@dataclass
class Lab:
    servers: dict[str, LabServer]

    def device(self, name: str) -> Device:
        return self.servers[name].device

    def target(self, name: str, **kw: object) -> DeviceTarget:
        args: dict[str, object] = {"name": name, "host": "127.0.0.1",
                                   "port": self.servers[name].port,
                                   "username": DEFAULT_USERNAME, "password": DEFAULT_PASSWORD,
                                   "timeout": 20}
        args.update(kw)
        return DeviceTarget(**args)  # type: ignore[arg-type]

    def targets(self, *names: str) -> dict[str, DeviceTarget]:
        return {n: self.target(n) for n in (names or tuple(self.servers))}

    def running(self, name: str) -> str:
        return self.device(name).running_text()

    def commands(self, name: str) -> list[str]:
        """Every command typed on the router since the last reset."""
        return [c for _u, c in self.device(name).history]

    def peak_in_flight(self, since: float, names: tuple[str, ...] = (),
                       slack: float = 0.3) -> int:
        """Most routers that had an SSH connection open at the same moment after ``since``
        (``time.monotonic()``), from the lab's own connection log. The lab notices a
        closed connection when its transport thread next runs: under load (client and
        lab share this process and its GIL in the tests) up to ``slack`` seconds late,
        so a connection counts as closed ``slack`` seconds before the lab saw it close."""
        import time

        now = time.monotonic()
        events: list[tuple[float, int]] = []
        for name in names or tuple(self.servers):
            spans = sorted((a, max(a, (b if b is not None else now) - slack))
                           for a, b in self.device(name).connections
                           if a is not None and (b is None or b >= since))
            merged: list[list[float]] = []  # one router: its overlapping connections as one
            for a, b in spans:
                if merged and a <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], b)
                else:
                    merged.append([a, b])
            for a, b in merged:
                events += [(max(a, since), 1), (b, -1)]
        peak = cur = 0
        for _t, d in sorted(events, key=lambda e: (e[0], e[1])):
            cur += d
            peak = max(peak, cur)
        return peak


def reset(dev: Device, n: int) -> None:
    with dev.lock:
        dev.cancel_revert()
        dev.faults.clear()
        dev.running = parse_config(seed(n))
        dev.startup = render_config(dev.running)
        dev.flash.files.clear()
        dev.flash.full = False
        dev.history.clear()
        dev.archive_count = 0
        dev.time_scale = 60.0


@pytest.fixture(scope="module")
def lab_servers() -> Iterator[dict[str, LabServer]]:
    net = LabNetwork()
    servers: dict[str, LabServer] = {}
    try:
        for i in range(1, N_ROUTERS + 1):
            dev = Device.from_config(seed(i))
            net.add(dev)
            servers[f"R{i}"] = LabServer(dev).start()
        yield servers
    finally:
        for srv in servers.values():
            srv.stop()


@pytest.fixture
def lab(lab_servers: dict[str, LabServer]) -> Lab:
    for i, srv in enumerate(lab_servers.values(), start=1):
        reset(srv.device, i)
    return Lab(lab_servers)


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


def has_tunnel(n: int = 10) -> Callable[[str], str | None]:
    def check(running: str) -> str | None:
        return None if f"interface Tunnel{n}" in running else f"interface Tunnel{n} is missing"
    return check


def pair_change(a: int, b: int, *, expected: str | None = None, ping_size: int = 1400,
                converged: Callable[[str], str | None] | None = None,
                ip_mtu: int = 1400) -> RouterChange:
    return RouterChange(
        router=f"R{a}",
        commands=tunnel_change(a, b, ip_mtu=ip_mtu),
        expected_fingerprint=expected,
        converged=converged or has_tunnel(),
        tunnels=(TunnelCheck("Tunnel10", f"R{b}", peer_address(a, b), ping_size),),
    )
