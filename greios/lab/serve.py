"""The background lab process: ``python -m greios.lab.serve --state DIR``.

Serves every router listed in ``DIR/lab.json`` on its port, seeded from the persisted
``running.cfg`` (or ``seed.cfg`` on first start), persists every change, re-reads
``faults.json`` when it changes, reloads routers from ``seed.cfg`` when ``reset.json``
asks for it (``greios lab reset``; answered in ``reset.done``), and exits cleanly on
SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from greios.files import write_private
from greios.lab.faults import faults_from_json
from greios.lab.network import LabNetwork
from greios.platforms.ios.configtree import parse_config, render_config
from greios.platforms.ios.lab.device import Device
from greios.platforms.ios.lab.flash import FlashFile
from greios.platforms.ios.lab.server import LabServer


def _atomic_write(path: Path, data: bytes) -> None:
    """Atomic (temporary file + rename) and 0600 - a simulated router's configs and flash
    hold its keys, like a real router's NVRAM - but without ``fsync``: the lab's state only
    has to survive the lab process, not a power cut, and a flush per typed config line
    under the lab's one lock would serialise every session of every router on the disk."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:  # mkstemp creates the file with mode 0600
            fh.write(data)
        Path(tmp).replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise


class Persister:
    """Writes a router's running/startup config and flash after every change."""

    def __init__(self, rdir: Path) -> None:
        self.rdir = rdir
        self.flash_dir = rdir / "flash"
        self.flash_dir.mkdir(parents=True, exist_ok=True)
        self._written: dict[str, str] = {}
        self._configs: dict[str, str] = {}

    def load(self, device_kwargs: dict[str, object]) -> Device:
        running = self.rdir / "running.cfg"
        text = running.read_text() if running.exists() else (self.rdir / "seed.cfg").read_text()
        startup_path = self.rdir / "startup.cfg"
        startup = startup_path.read_text() if startup_path.exists() else None
        dev = Device.from_config(text, startup=startup, **device_kwargs)  # type: ignore[arg-type]
        for f in sorted(self.flash_dir.iterdir()):
            if f.is_file() and not f.name.endswith(".tmp"):
                data = f.read_bytes()
                dev.flash.files[f.name] = FlashFile(data)
                self._written[f.name] = hashlib.md5(data).hexdigest()  # noqa: S324
        dev.on_change = self.save
        return dev

    def reset(self, dev: Device) -> None:
        """Back to ``seed.cfg``: running and startup config, empty flash, no revert timer."""
        seed = (self.rdir / "seed.cfg").read_text()
        with dev.lock:
            dev.cancel_revert()
            dev.running = parse_config(seed)
            dev.startup = render_config(dev.running)
            dev.flash.files.clear()
            dev.history.clear()
            dev.archive_count = 0
            dev.changed("lab-reset")  # persists (and deletes the flash files)

    def save(self, dev: Device) -> None:
        for name, text in (("running.cfg", render_config(dev.running)),
                           ("startup.cfg", dev.startup)):
            if self._configs.get(name) != text:  # unchanged files are not rewritten
                _atomic_write(self.rdir / name, text.encode())
                self._configs[name] = text
        current = dev.flash.snapshot()
        for name, data in current.items():
            digest = hashlib.md5(data).hexdigest()  # noqa: S324 - change detection only
            if self._written.get(name) != digest:
                _atomic_write(self.flash_dir / name, data)
                self._written[name] = digest
        for name in set(self._written) - set(current):
            (self.flash_dir / name).unlink(missing_ok=True)
            del self._written[name]


class PlatformPersister:
    """:class:`Persister` of a router built through its platform's I/O object
    (``greios.platforms.io(platform).lab_device``, e.g. VyOS): ``running.cfg`` as the
    device shows its config, ``startup.cfg`` as its saved config (VyOS: ``config.boot``),
    written after every commit, save and revert (the device's ``on_change``)."""

    def __init__(self, rdir: Path, platform: str, version: str | None) -> None:
        from greios.platforms import io

        self.rdir = rdir
        self.io: Any = io(platform)
        self.version = version
        self._configs: dict[str, str] = {}

    def load(self, device_kwargs: dict[str, object]) -> Any:
        running = self.rdir / "running.cfg"
        text = running.read_text() if running.exists() else (self.rdir / "seed.cfg").read_text()
        startup_path = self.rdir / "startup.cfg"
        startup = startup_path.read_text() if startup_path.exists() else None
        kwargs = {k: v for k, v in device_kwargs.items()
                  if k in ("username", "password", "time_scale", "name")}
        if self.version is not None:
            kwargs["version"] = self.version
        return self.io.lab_device(text, startup=startup, on_change=self.save, **kwargs)

    def reset(self, dev: Any) -> None:
        """Back to ``seed.cfg``: running and saved config, no pending commit-confirm."""
        seed = self.io.lab_device((self.rdir / "seed.cfg").read_text(),
                                  version=dev.version)
        with dev.lock:
            dev.cancel_confirm()
            dev.running = seed.running
            dev.saved = seed.running.copy()
            dev.unsaved = False
            dev.history.clear()
        dev.changed()

    def save(self, dev: Any) -> None:
        for name, text in (("running.cfg", self.io.lab_config(dev)),
                           ("startup.cfg", self.io.lab_startup(dev))):
            if self._configs.get(name) != text:
                _atomic_write(self.rdir / name, text.encode())
                self._configs[name] = text


def _persister(rdir: Path, spec: dict[str, Any]) -> Persister | PlatformPersister:
    platform = spec.get("platform")
    if platform in (None, "ios", "ios-xe"):
        return Persister(rdir)
    return PlatformPersister(rdir, str(platform), spec.get("version"))


def _server(dev: Any, port: int, spec: dict[str, Any]) -> Any:
    platform = spec.get("platform")
    if platform in (None, "ios", "ios-xe"):
        return LabServer(dev, port=port).start()
    from greios.platforms import io

    platform_io: Any = io(str(platform))
    return platform_io.lab_server(dev, port=port).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="greios.lab.serve")
    parser.add_argument("--state", required=True, type=Path)
    parser.add_argument("--time-scale", type=float, default=60.0,
                        help="seconds per IOS minute for revert timers")
    args = parser.parse_args(argv)
    state_dir: Path = args.state
    data = json.loads((state_dir / "lab.json").read_text())
    network = LabNetwork(cached=True)  # every change goes through a session
    servers: list[Any] = []
    persisters: dict[str, Persister | PlatformPersister] = {}
    for name, spec in data["routers"].items():
        persister = persisters[name] = _persister(state_dir / "routers" / name, spec)
        dev = persister.load({"username": data["username"], "password": data["password"],
                              "time_scale": args.time_scale, "name": name})
        persister.save(dev)
        network.add(dev)
        servers.append(_server(dev, int(spec["port"]), spec))
        if isinstance(spec.get("nat"), dict):  # static one-to-one NAT (inventory behind_nat)
            network.set_nat(str(spec["nat"]["public"]), str(spec["nat"]["private"]))
    # report the ports actually bound (port 0 = the kernel's choice: no race with other
    # processes between picking a free port and binding it)
    bound = {name: srv.port for name, srv in zip(data["routers"], servers, strict=True)}
    tmp = state_dir / "ports.json.tmp"
    tmp.write_text(json.dumps({"pid": os.getpid(), "ports": bound}))
    tmp.replace(state_dir / "ports.json")
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    faults_path = state_dir / "faults.json"
    reset_path = state_dir / "reset.json"
    seen: float | None = None
    handled: str | None = _request_id(reset_path)  # an old request is not replayed
    while not stop.wait(0.2):
        mtime = _mtime(faults_path)
        if mtime != seen:
            seen = mtime
            _apply_faults(network, faults_path if mtime is not None else None)
        request = _request_id(reset_path)
        if request is not None and request != handled:
            handled = request
            _reset(state_dir, network, persisters, reset_path, request)
    for srv in servers:
        srv.stop()
    return 0


def _mtime(path: Path) -> float | None:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return None


def _request_id(path: Path) -> str | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    rid = data.get("id") if isinstance(data, dict) else None
    return rid if isinstance(rid, str) else None


def _reset(state_dir: Path, network: LabNetwork,
           persisters: dict[str, Persister | PlatformPersister],
           path: Path, request: str) -> None:
    error = ""
    try:
        names = json.loads(path.read_text())["routers"]
        for name in names:
            persisters[name].reset(network.devices[name])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        error = f"{type(exc).__name__}: {exc}"
        sys.stderr.write(f"reset.json ignored: {error}\n")
    write_private(state_dir / "reset.done", json.dumps({"id": request, "error": error}))


def _apply_faults(network: LabNetwork, path: Path | None) -> None:
    try:
        per_router = faults_from_json(json.loads(path.read_text())) if path else {}
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"faults.json ignored: {exc}\n")
        return
    for name, dev in network.devices.items():
        if not hasattr(dev, "faults"):  # faults are the IOS lab's
            continue
        fresh = per_router.get(name)
        with dev.lock:
            if fresh is None:
                dev.faults.clear()
            else:
                dev.faults.update(fresh.to_json())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
