"""Where running configs come from: routers (napalm), the lab, or offline snapshots.

This is the only place that turns inventory management data into connection targets.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from greios.errors import ConfigParseError, DeviceError, GreiosError, LabError, SecretError
from greios.inventory.load import Inventory, RouterInfo
from greios.inventory.yamlsrc import display_path

if TYPE_CHECKING:
    from greios.deploy.target import DeviceTarget

SourceKind = Literal["device", "lab", "offline"]


def state_dir_for(sites_dir: Path) -> Path:
    """greios's local state (locks, backups, lab) lives in ``.greios/`` next to ``sites/``."""
    env = os.environ.get("GREIOS_STATE_DIR")
    return Path(env) if env else Path(sites_dir).resolve().parent / ".greios"


@dataclass(frozen=True)
class Source:
    kind: SourceKind
    state_dir: Path
    offline_dir: Path | None = None

    @property
    def lab_dir(self) -> Path:
        return self.state_dir / "lab"

    def describe(self) -> str:
        if self.kind == "offline":
            return f"offline snapshots ({display_path(self.offline_dir)})" if self.offline_dir \
                else "offline snapshots (the inventory's snapshot files)"
        return "the lab" if self.kind == "lab" else "the routers (napalm)"


def device_target(r: RouterInfo, environ: Mapping[str, str] | None = None) -> DeviceTarget:
    from greios.deploy.target import DeviceTarget

    env = os.environ if environ is None else environ
    m = r.model.management

    def need(var: str, what: str) -> str:
        value = env.get(var)
        if not value:
            field = f"management.{what}_env"
            raise SecretError(f"{r.name}: environment variable {var} ({what}, named by "
                              f"{field} in {display_path(r.file)}) is not set")
        return value

    user = need(m.username_env, "username")
    password = need(m.password_env, "password")
    enable = need(m.enable_secret_env, "enable_secret") if m.enable_secret_env else None
    return DeviceTarget(name=r.name, host=m.host, port=m.port, username=user, password=password,
                        enable_secret=enable, optional_args=dict(m.optional_args),
                        timeout=m.timeout)


def lab_targets(source: Source, routers: Sequence[RouterInfo]) -> dict[str, DeviceTarget]:
    from greios.deploy.target import DeviceTarget
    from greios.lab.manager import lab_connections

    conns = lab_connections(source.lab_dir)
    out: dict[str, DeviceTarget] = {}
    for r in routers:
        c = conns.get(r.name)
        if c is None:
            raise LabError(f"the lab has no router '{r.name}' (run: greios lab up)")
        out[r.name] = DeviceTarget(name=r.name, host=c.host, port=c.port, username=c.username,
                                   password=c.password, timeout=30)
    return out


def targets(source: Source, routers: Sequence[RouterInfo]) -> dict[str, DeviceTarget]:
    if source.kind == "lab":
        return lab_targets(source, routers)
    if source.kind == "device":
        return {r.name: device_target(r) for r in routers}
    raise GreiosError("offline snapshots cannot be changed: use --lab or a device source")


def ensure_lab(inv: Inventory, source: Source, note: Callable[[str], None]) -> None:
    """Start the lab (one simulated router per inventory router) unless it already runs."""
    from greios.lab import manager

    try:
        running = manager.lab_status(source.lab_dir).alive
    except manager.LabNotRunningError:
        running = False
    if running:
        missing = [r.name for r in inv.routers
                   if r.name not in manager.lab_connections(source.lab_dir)]
        if missing:
            raise LabError(f"the running lab lacks {', '.join(missing)}: run greios lab down, "
                           "then greios lab up")
        return
    note("note: no lab running; starting one (greios lab up) ...")
    conns = manager.lab_up(source.lab_dir, manager.inventory_specs(inv))
    note(f"note: lab up: {len(conns)} simulated routers on 127.0.0.1 "
         f"(stop with: greios lab down)")


def _read_offline(source: Source, r: RouterInfo) -> str:
    if source.offline_dir is not None:
        path = source.offline_dir / f"{r.name}.cfg"
    elif r.snapshot is not None:
        path = r.snapshot
    else:
        raise ConfigParseError(f"{r.name}: no snapshot in the inventory; pass --offline DIR "
                               "with <router>.cfg files")
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        raise ConfigParseError(f"{r.name}: cannot read running config {display_path(path)}"
                               ) from None


def fetch_running(source: Source, routers: Sequence[RouterInfo], *,
                  parallelism: int = 10) -> dict[str, str]:
    """Running config of every router; every failure is collected, then raised together."""
    if source.kind == "offline":
        return {r.name: _read_offline(source, r) for r in routers}
    from greios.deploy.session import DeviceSession

    tgts = targets(source, routers)

    def one(r: RouterInfo) -> tuple[str, str | GreiosError]:
        try:
            with DeviceSession(tgts[r.name]) as s:
                return r.name, s.get_running()
        except GreiosError as exc:
            return r.name, exc

    with ThreadPoolExecutor(max_workers=max(1, min(parallelism, len(routers) or 1))) as pool:
        results = list(pool.map(one, routers))
    errors = [e for _, e in results if isinstance(e, GreiosError)]
    if errors:
        if len(errors) == 1:
            raise errors[0]
        worst = max(errors, key=lambda e: int(e.exit_code))
        err = DeviceError("\n".join(["could not read the running config of "
                                     f"{len(errors)} routers:"] + [f"  {e}" for e in errors]))
        err.exit_code = worst.exit_code
        raise err
    return {name: text for name, text in results if isinstance(text, str)}
