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
from greios.files import state_dir_for
from greios.inventory.load import Inventory, RouterInfo
from greios.inventory.yamlsrc import display_path

if TYPE_CHECKING:
    from greios.deploy.recover import Unfinished
    from greios.deploy.target import DeviceTarget

__all__ = ["state_dir_for"]  # re-exported: callers import it from here too

SourceKind = Literal["device", "lab", "offline"]


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
    where = display_path(r.file)

    def need(var: str, what: str) -> str:
        value = env.get(var)
        field = f"management.{what}_env"
        if value is None:
            raise SecretError(f"{r.name}: environment variable {var} ({what}, named by "
                              f"{field} in {where}) is not set")
        if not value:
            raise SecretError(f"{r.name}: environment variable {var} ({what}, named by "
                              f"{field} in {where}) is set but empty")
        return value

    user = need(m.username_env, "username")
    password = need(m.password_env, "password")
    enable = need(m.enable_secret_env, "enable_secret") if m.enable_secret_env else None
    creds = f"{m.username_env} / {m.password_env}"
    fields = "management.username_env / management.password_env"
    if m.enable_secret_env:
        creds += f" / {m.enable_secret_env}"
        fields += " / management.enable_secret_env"
    return DeviceTarget(name=r.name, host=m.host, port=m.port, username=user, password=password,
                        enable_secret=enable, optional_args=dict(m.optional_args),
                        timeout=m.timeout,
                        address_hint=f"management.host and management.port in {where}",
                        credentials_hint=f"the environment variables {creds}, named by "
                                         f"{fields} in {where}")


def lab_targets(source: Source, routers: Sequence[RouterInfo]) -> dict[str, DeviceTarget]:
    from greios.deploy.target import DeviceTarget
    from greios.lab.manager import lab_connections

    conns = lab_connections(source.lab_dir)
    out: dict[str, DeviceTarget] = {}
    for r in routers:
        c = conns.get(r.name)
        if c is None:
            raise LabError(f"the lab has no router '{r.name}' (run: greios lab up)")
        state = display_path(source.lab_dir / "lab.json")
        out[r.name] = DeviceTarget(
            name=r.name, host=c.host, port=c.port, username=c.username, password=c.password,
            timeout=30,
            address_hint=f"the lab's port in {state} (greios lab status; greios lab down, "
                         "then greios lab up)",
            credentials_hint=f"the lab credentials in {state} and the lab's faults.json")
    return out


def targets(source: Source, routers: Sequence[RouterInfo]) -> dict[str, DeviceTarget]:
    if source.kind == "lab":
        return lab_targets(source, routers)
    if source.kind == "device":
        return {r.name: device_target(r) for r in routers}
    raise GreiosError("offline snapshots cannot be changed: use --lab or a device source")


def ensure_lab(inv: Inventory, source: Source, note: Callable[[str], None]) -> None:
    """Start the lab (one simulated router per inventory router) unless it already runs.

    Atomic (an flock in the lab state directory): concurrent commands share one lab.
    """
    from greios.lab import manager

    started, conns = manager.ensure_running(source.lab_dir,
                                            lambda: manager.inventory_specs(inv))
    if started:
        note("note: no lab was running; started one (greios lab up): "
             f"{len(conns)} simulated routers on 127.0.0.1 (stop with: greios lab down)")
        return
    missing = [r.name for r in inv.routers if r.name not in conns]
    if missing:
        raise LabError(f"the running lab lacks {', '.join(missing)}: run greios lab down, "
                       "then greios lab up")


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


@dataclass(frozen=True)
class RouterRead:
    """One router's running config, and what an earlier greios run left on it."""

    running: str
    unfinished: Unfinished | None = None


def read_routers(source: Source, routers: Sequence[RouterInfo], *, parallelism: int = 10,
                 check: Sequence[str] = ()) -> dict[str, RouterRead | GreiosError]:
    """Running config of every router (or the error reading it), in parallel.

    For the routers named in ``check`` the same session also reads the commit-confirm
    revert timer and the local router lock (:func:`greios.deploy.recover.unfinished`).
    """
    if source.kind == "offline":
        out: dict[str, RouterRead | GreiosError] = {}
        for r in routers:
            try:
                out[r.name] = RouterRead(_read_offline(source, r))
            except GreiosError as exc:
                out[r.name] = exc
        return out
    from greios.deploy.recover import unfinished
    from greios.platforms.ios.driver import DeviceSession

    wanted = set(check)

    def one(r: RouterInfo) -> tuple[str, RouterRead | GreiosError]:
        try:
            target = targets(source, [r])[r.name]
            with DeviceSession(target) as s:
                running = s.get_running()
                left = unfinished(s, source.state_dir) if r.name in wanted else None
                return r.name, RouterRead(running, left)
        except GreiosError as exc:
            return r.name, exc

    if not routers:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(parallelism, len(routers)))) as pool:
        return dict(pool.map(one, routers))


def raise_read_errors(results: Mapping[str, RouterRead | GreiosError]) -> dict[str, RouterRead]:
    """Every read, or one error naming every router that could not be read."""
    errors = [e for e in results.values() if isinstance(e, GreiosError)]
    if errors:
        if len(errors) == 1:
            raise errors[0]
        worst = max(errors, key=lambda e: int(e.exit_code))
        err = DeviceError("\n".join(["could not read the running config of "
                                     f"{len(errors)} routers:"] + [f"  {e}" for e in errors]))
        err.exit_code = worst.exit_code
        raise err
    return {n: r for n, r in results.items() if isinstance(r, RouterRead)}


def fetch_running(source: Source, routers: Sequence[RouterInfo], *,
                  parallelism: int = 10) -> dict[str, str]:
    """Running config of every router; every failure is collected, then raised together."""
    reads = raise_read_errors(read_routers(source, routers, parallelism=parallelism))
    return {name: r.running for name, r in reads.items()}
