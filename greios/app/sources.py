"""Where running configs come from: routers (napalm), the lab, or offline snapshots.

Config sources are classes behind one interface (:class:`RunningSource`).

This is the only place that turns inventory management data into connection targets.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from greios.errors import ConfigParseError, DeviceError, GreiosError, LabError, SecretError
from greios.inventory.load import Inventory, RouterInfo
from greios.inventory.yamlsrc import display_path

if TYPE_CHECKING:
    from greios.deploy.recover import Unfinished
    from greios.deploy.target import DeviceTarget


SourceName = Literal["device", "lab", "offline"]


class RunningSource(ABC):
    """Where running configs come from, and how routers are reached to change them.

    One interface, three implementations: :class:`DeviceSource` (the routers, napalm),
    :class:`LabSource` (the simulated routers on 127.0.0.1) and :class:`OfflineSource`
    (snapshot files). Callers never ask which one they hold.
    """

    #: what a saved plan records (``SavedPlan.source``) and :func:`source_named` reads back
    name: ClassVar[SourceName]
    #: flag that selects this source on the command line ("" for the default)
    flag: ClassVar[str] = ""
    #: a read can also see unfinished changes (revert timer, router lock) on the router
    sees_unfinished: ClassVar[bool] = True
    #: options that make a later command (``greios recover``) use the same routers
    same_routers_args: ClassVar[tuple[str, ...]] = ()

    def __init__(self, state_dir: Path, offline_dir: Path | None = None) -> None:
        self.state_dir = state_dir
        self.offline_dir = offline_dir

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.state_dir!s})"

    @abstractmethod
    def describe(self) -> str:
        """Where the configs come from, for messages ("the lab", ...)."""

    def prepare(self, inv: Inventory, note: Callable[[str], None]) -> None:  # noqa: B027
        """Make the source ready for ``inv`` (the lab starts itself here); default: nothing."""

    @abstractmethod
    def targets(self, routers: Sequence[RouterInfo]) -> dict[str, DeviceTarget]:
        """How to reach each router to change it (refused by offline snapshots)."""

    def read(self, routers: Sequence[RouterInfo], *, parallelism: int = 10,
             check: Sequence[str] = ()) -> dict[str, RouterRead | GreiosError]:
        """Running config of every router (or the error reading it), in parallel.

        For the routers named in ``check`` the same session also reads the commit-confirm
        revert timer and the local router lock (:func:`greios.deploy.recover.unfinished`).
        """
        from greios.deploy.recover import unfinished
        from greios.deploy.target import open_session

        wanted = set(check)

        def one(r: RouterInfo) -> tuple[str, RouterRead | GreiosError]:
            try:
                target = self.targets([r])[r.name]
                with open_session(target) as s:
                    running = s.get_running()
                    left = unfinished(s, self.state_dir) if r.name in wanted else None
                    return r.name, RouterRead(running, left)
            except GreiosError as exc:
                return r.name, exc

        if not routers:
            return {}
        with ThreadPoolExecutor(max_workers=max(1, min(parallelism, len(routers)))) as pool:
            return dict(pool.map(one, routers))


class DeviceSource(RunningSource):
    """The routers themselves, through their platform's driver (napalm for IOS)."""

    name = "device"

    def describe(self) -> str:
        return "the routers (napalm)"

    def targets(self, routers: Sequence[RouterInfo]) -> dict[str, DeviceTarget]:
        return {r.name: device_target(r) for r in routers}


class LabSource(RunningSource):
    """The simulated routers of ``greios lab`` (started on first use)."""

    name = "lab"
    flag = "--lab"
    same_routers_args = ("--lab",)

    @property
    def lab_dir(self) -> Path:
        return self.state_dir / "lab"

    def describe(self) -> str:
        return "the lab"

    def prepare(self, inv: Inventory, note: Callable[[str], None]) -> None:
        ensure_lab(inv, self.lab_dir, note)

    def targets(self, routers: Sequence[RouterInfo]) -> dict[str, DeviceTarget]:
        return lab_targets(self.lab_dir, routers)


class OfflineSource(RunningSource):
    """Snapshot files: ``offline_dir/<router>.cfg``, else each router's ``snapshot``."""

    name = "offline"
    flag = "--offline"
    sees_unfinished = False

    def describe(self) -> str:
        if self.offline_dir is not None:
            return f"offline snapshots ({display_path(self.offline_dir)})"
        return "offline snapshots (the inventory's snapshot files)"

    def targets(self, routers: Sequence[RouterInfo]) -> dict[str, DeviceTarget]:
        raise GreiosError("offline snapshots cannot be changed: use --lab or a device source")

    def read(self, routers: Sequence[RouterInfo], *, parallelism: int = 10,
             check: Sequence[str] = ()) -> dict[str, RouterRead | GreiosError]:
        out: dict[str, RouterRead | GreiosError] = {}
        for r in routers:
            try:
                out[r.name] = RouterRead(_read_offline(self.offline_dir, r))
            except GreiosError as exc:
                out[r.name] = exc
        return out


_BY_NAME: dict[str, type[RunningSource]] = {
    cls.name: cls for cls in (DeviceSource, LabSource, OfflineSource)}


def source_named(name: str, state_dir: Path, offline_dir: Path | None = None) -> RunningSource:
    """The source a saved plan names (``device``, ``lab`` or ``offline``)."""
    return _BY_NAME[name](state_dir, offline_dir)


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
                        platform=r.model.platform,
                        enable_secret=enable,
                        optional_args={**m.optional_args, **platform_args(r)},
                        timeout=m.timeout,
                        address_hint=f"management.host and management.port in {where}",
                        credentials_hint=f"the environment variables {creds}, named by "
                                         f"{fields} in {where}")


def platform_args(r: RouterInfo) -> dict[str, object]:
    """What the router's platform driver needs from the inventory: a VyOS router's
    ``vyos_version`` (its driver refuses a router whose ``show version`` disagrees)."""
    if r.model.vyos_version is not None:
        return {"vyos_version": r.model.vyos_version}
    return {}


def lab_targets(lab_dir: Path, routers: Sequence[RouterInfo]) -> dict[str, DeviceTarget]:
    from greios.deploy.target import DeviceTarget
    from greios.lab.manager import lab_connections

    conns = lab_connections(lab_dir)
    out: dict[str, DeviceTarget] = {}
    for r in routers:
        c = conns.get(r.name)
        if c is None:
            raise LabError(f"the lab has no router '{r.name}' (run: greios lab up)")
        state = display_path(lab_dir / "lab.json")
        out[r.name] = DeviceTarget(
            name=r.name, host=c.host, port=c.port, username=c.username, password=c.password,
            platform=r.model.platform, optional_args=platform_args(r),
            timeout=30,
            address_hint=f"the lab's port in {state} (greios lab status; greios lab down, "
                         "then greios lab up)",
            credentials_hint=f"the lab credentials in {state} and the lab's faults.json")
    return out


def ensure_lab(inv: Inventory, lab_dir: Path, note: Callable[[str], None]) -> None:
    """Start the lab (one simulated router per inventory router) unless it already runs.

    Atomic (an flock in the lab state directory): concurrent commands share one lab.
    """
    from greios.lab import manager

    started, conns = manager.ensure_running(lab_dir,
                                            lambda: manager.inventory_specs(inv))
    if started:
        note("note: no lab was running; started one (greios lab up): "
             f"{len(conns)} simulated routers on 127.0.0.1 (stop with: greios lab down)")
        return
    missing = [r.name for r in inv.routers if r.name not in conns]
    if missing:
        raise LabError(f"the running lab lacks {', '.join(missing)}: run greios lab down, "
                       "then greios lab up")


def _read_offline(offline_dir: Path | None, r: RouterInfo) -> str:
    if offline_dir is not None:
        path = offline_dir / f"{r.name}.cfg"
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


def fetch_running(source: RunningSource, routers: Sequence[RouterInfo], *,
                  parallelism: int = 10) -> dict[str, str]:
    """Running config of every router; every failure is collected, then raised together."""
    reads = raise_read_errors(source.read(routers, parallelism=parallelism))
    return {name: r.running for name, r in reads.items()}


def source_for(sites: Path, *, lab: bool = False, offline: bool = False,
               offline_dir: Path | None = None) -> RunningSource:
    """The source the command line asks for: ``--lab``, ``--offline [DIR]`` or the routers."""
    from greios.files import state_dir_for

    if lab and (offline or offline_dir):
        raise GreiosError("--lab and --offline exclude each other")
    state = state_dir_for(sites)
    if offline or offline_dir:
        if offline_dir is not None and not offline_dir.is_dir():
            raise GreiosError(f"--offline: no such directory: {offline_dir}")
        return OfflineSource(state, offline_dir)
    return LabSource(state) if lab else DeviceSource(state)
