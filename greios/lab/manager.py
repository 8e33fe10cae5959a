"""Lab manager: one background process serving every router of an inventory.

State directory layout (default ``.greios/lab/`` next to the sites directory)::

    lab.json                 pid, credentials, routers {name: {"port": N}}
    .lab.lock                flock held while the lab is started, stopped or reset
    faults.json              optional per-router faults (greios.lab.faults), re-read live
    reset.json / reset.done  a `lab reset` request to the running process and its answer
    serve.log                the background process's stderr
    routers/<name>/seed.cfg      config the router started from
    routers/<name>/running.cfg   persisted after every change (a restart resumes from it)
    routers/<name>/startup.cfg
    routers/<name>/flash/<file>

``lab_up`` starts ``python -m greios.lab.serve --state DIR`` and returns once every router
accepts TCP connections; ``lab_down`` stops exactly the recorded pid. Starting, stopping and
resetting hold an exclusive ``flock`` on ``.lab.lock`` in the state directory, so two
commands that auto-start the lab at once (:func:`ensure_running`) end up with ONE lab
process: the second waits for the first and uses its lab. Connection details for deploys
in lab mode come from :func:`lab_connections`, never from site YAML.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from greios.errors import LabError
from greios.files import write_private
from greios.platforms.ios.lab.device import DEFAULT_PASSWORD, DEFAULT_USERNAME

STATE_FILE = "lab.json"
LOCK_FILE = ".lab.lock"
RESET_FILE = "reset.json"
RESET_DONE = "reset.done"
HOST = "127.0.0.1"

LAB_PREPARE = """ip scp server enable
archive
 path flash:archive
 write-memory
"""


class LabNotRunningError(LabError):
    default_message = "the lab is not running (start it with `greios lab up`)"


class LabAlreadyRunningError(LabError):
    default_message = "the lab is already running"


@dataclass(frozen=True)
class LabRouterSpec:
    name: str
    seed_config_text: str
    #: the router's platform (``greios.platforms`` registry name) and, for VyOS, its
    #: ``vyos_version``: the lab process builds the simulated router through
    #: ``greios.platforms.io(platform)``
    platform: str = "ios-xe"
    version: str | None = None
    #: a router behind a static one-to-one NAT (inventory ``underlay.behind_nat``):
    #: (public address, private underlay address); peers reach it at the public one
    nat: tuple[str, str] | None = None

    def state(self) -> dict[str, Any]:
        """What ``lab.json`` records about the router besides its port."""
        out: dict[str, Any] = {} if self.platform in ("ios", "ios-xe") else {
            "platform": self.platform, "version": self.version}
        if self.nat is not None:
            out["nat"] = {"public": self.nat[0], "private": self.nat[1]}
        return out


@dataclass(frozen=True)
class LabConnection:
    host: str
    port: int
    username: str
    password: str


@dataclass(frozen=True)
class RouterStatus:
    name: str
    port: int
    listening: bool


@dataclass(frozen=True)
class LabStatus:
    pid: int | None
    alive: bool
    routers: list[RouterStatus]


def default_state_dir(sites_dir: Path) -> Path:
    """``.greios/lab`` next to the sites directory (or under ``$GREIOS_STATE_DIR``)."""
    from greios.files import state_dir_for

    return state_dir_for(sites_dir) / "lab"


def inventory_specs(inventory: Any, *, prepare: bool = True) -> list[LabRouterSpec]:
    """One spec per inventory router, seeded from its snapshot (or a bare hostname; a VyOS
    router without a snapshot: :func:`vyos_seed`)."""
    specs = []
    for router in inventory.routers:
        model = router.model
        snap = router.snapshot if router.snapshot is not None and router.snapshot.is_file() \
            else None
        if model.platform == "vyos":
            text = snap.read_text(encoding="utf-8") if snap is not None else vyos_seed(router)
            specs.append(LabRouterSpec(router.name, text, "vyos", model.vyos_version))
            continue
        text = snap.read_text(encoding="utf-8") if snap is not None else \
            f"hostname {router.name}\n!\nend\n"
        specs.append(LabRouterSpec(router.name, prepare_seed(text) if prepare else text,
                                   model.platform, nat=nat_mapping(router)))
    return specs


def nat_mapping(router: Any) -> tuple[str, str] | None:
    """(public, private) underlay address of a router behind a static NAT, else None."""
    underlay = router.model.underlay
    if not underlay.behind_nat or not underlay.public_address:
        return None
    private = str(underlay.ip)
    return (str(underlay.public_address), private) if private != underlay.public_address \
        else None


def vyos_seed(router: Any) -> str:
    """A fresh VyOS router of the inventory: host name, underlay and LAN addresses, a
    default route via the underlay subnet's first other host, SSH and the commit
    revisions commit-confirm needs (set-lines valid on every version)."""
    import ipaddress

    model = router.model
    underlay = ipaddress.ip_interface(model.underlay.address)
    hosts = (h for h in underlay.network.hosts() if h != underlay.ip)
    gateway = next(hosts, None)
    lines = [_vyos_address(model.underlay.interface, str(underlay))]
    for lan in model.lan:
        if lan.interface and lan.address:
            prefix = ipaddress.ip_network(lan.prefix).prefixlen
            lines.append(_vyos_address(lan.interface, f"{lan.address}/{prefix}"))
    if model.underlay.mtu:
        lines.append(_vyos_path(model.underlay.interface) + f" mtu '{model.underlay.mtu}'")
    lines.append("set interfaces loopback lo")
    if gateway is not None and underlay.version == 4:
        lines.append(f"set protocols static route 0.0.0.0/0 next-hop '{gateway}'")
    lines += ["set service ssh port '22'",
              "set system config-management commit-revisions '100'",
              f"set system host-name '{router.name}'"]
    return "\n".join(lines) + "\n"


def _vyos_path(iface: str) -> str:
    kinds = {"eth": "ethernet", "bond": "bonding", "br": "bridge", "dum": "dummy",
             "lo": "loopback"}
    base, _, vif = iface.partition(".")
    kind = next((k for p, k in kinds.items() if base.startswith(p)), "ethernet")
    return f"set interfaces {kind} {base}" + (f" vif {vif}" if vif else "")


def _vyos_address(iface: str, address: str) -> str:
    return _vyos_path(iface) + f" address '{address}'"


def prepare_seed(text: str) -> str:
    """Add what napalm needs (``ip scp server enable``, an ``archive`` block) if missing."""
    lines = text.replace("\r\n", "\n").split("\n")
    extra = ""
    if "ip scp server enable" not in lines:
        extra += "ip scp server enable\n"
    if "archive" not in lines:
        extra += "archive\n path flash:archive\n write-memory\n"
    if not extra:
        return text
    body = "\n".join(ln for ln in lines if ln.strip() != "end").rstrip("\n")
    return body + "\n!\n" + extra + "!\nend\n"


def _read_state(state_dir: Path) -> dict[str, Any]:
    path = state_dir / STATE_FILE
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise LabNotRunningError(f"no lab state in {path}") from None
    except (OSError, ValueError) as exc:
        raise LabError(f"{path}: unreadable lab state ({exc.__class__.__name__})") from None
    return data


def _write_state(state_dir: Path, data: dict[str, Any]) -> None:
    # holds the (lab-only) password
    write_private(state_dir / STATE_FILE, json.dumps(data, indent=2) + "\n")


def pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError):  # a zombie child is not alive
        status = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][:1]
        if status == "Z":
            return False
    return True


def listening(port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def state_lock(state_dir: Path, timeout: float = 90.0) -> Iterator[None]:
    """Hold the exclusive ``flock`` of the lab state directory (start/stop/reset).

    The kernel drops the lock when its holder dies, so a killed command never blocks the
    next one.
    """
    state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(state_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LabError(f"another greios command has been starting or stopping "
                                   f"the lab in {state_dir} for {timeout:.0f} s; try again "
                                   "later") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # releases the flock


def _running_pid(state_dir: Path) -> int | None:
    with contextlib.suppress(LabNotRunningError):
        pid = _read_state(state_dir).get("pid")
        if isinstance(pid, int) and pid_alive(pid):
            return pid
    return None


def lab_up(state_dir: Path, specs: list[LabRouterSpec], *, base_port: int = 0,
           timeout: float = 30.0, username: str = DEFAULT_USERNAME,
           password: str = DEFAULT_PASSWORD) -> dict[str, LabConnection]:
    """Start the lab process (or resume it from ``state_dir``) and wait for every port.

    Raises :class:`LabAlreadyRunningError` when a lab already serves ``state_dir``.
    """
    with state_lock(state_dir):
        pid = _running_pid(state_dir)
        if pid is not None:
            raise LabAlreadyRunningError(f"the lab is already running (pid {pid}, "
                                         f"state {state_dir})")
        return _start(state_dir, specs, base_port=base_port, timeout=timeout,
                      username=username, password=password)


def ensure_running(state_dir: Path, specs: Callable[[], Sequence[LabRouterSpec]], *,
                   timeout: float = 30.0) -> tuple[bool, dict[str, LabConnection]]:
    """Start the lab unless one already serves ``state_dir``; ``(started, connections)``.

    Atomic: concurrent callers serialise on the state directory's flock, so exactly one
    of them starts the process and every caller gets the same lab.
    """
    with state_lock(state_dir):
        if _running_pid(state_dir) is not None:
            return False, lab_connections(state_dir)
        return True, _start(state_dir, list(specs()), timeout=timeout)


def _start(state_dir: Path, specs: list[LabRouterSpec], *, base_port: int = 0,
           timeout: float = 30.0, username: str = DEFAULT_USERNAME,
           password: str = DEFAULT_PASSWORD) -> dict[str, LabConnection]:
    state_dir.mkdir(parents=True, exist_ok=True)
    if not specs:
        raise LabError("no routers to serve: the inventory declares none")
    routers: dict[str, dict[str, Any]] = {}
    for i, spec in enumerate(specs):
        rdir = state_dir / "routers" / spec.name
        (rdir / "flash").mkdir(parents=True, exist_ok=True)
        write_private(rdir / "seed.cfg", spec.seed_config_text)
        routers[spec.name] = {"port": base_port + i if base_port else 0, **spec.state()}
    state = {"pid": None, "host": HOST, "username": username, "password": password,
             "routers": routers, "started": time.time()}
    _write_state(state_dir, state)
    (state_dir / "ports.json").unlink(missing_ok=True)
    log = open(state_dir / "serve.log", "ab")  # noqa: SIM115 - handed to the child
    proc = subprocess.Popen(
        [sys.executable, "-m", "greios.lab.serve", "--state", str(state_dir)],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
    )
    log.close()
    state["pid"] = proc.pid
    _write_state(state_dir, state)
    try:
        _wait_started(state_dir, state, proc, timeout)
    except BaseException:  # a timeout, a crash, Ctrl-C: never leave a half-started lab
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)
        state["pid"] = None
        _write_state(state_dir, state)
        raise
    return lab_connections(state_dir)


def _wait_started(state_dir: Path, state: dict[str, Any], proc: subprocess.Popen[bytes],
                  timeout: float) -> None:
    """Wait until the child reported its ports and every one accepts connections."""
    routers: dict[str, dict[str, int]] = state["routers"]
    deadline = time.monotonic() + timeout
    ports_file = state_dir / "ports.json"
    while True:  # the child binds (port 0 = kernel's choice) and reports what it got
        if proc.poll() is not None:
            raise LabError(f"the lab process exited with code {proc.returncode}; "
                           f"see {state_dir / 'serve.log'}")
        with contextlib.suppress(OSError, ValueError):
            reported = json.loads(ports_file.read_text())
            if reported.get("pid") == proc.pid:
                for name, port in reported["ports"].items():
                    routers[name]["port"] = int(port)
                _write_state(state_dir, state)
                break
        if time.monotonic() > deadline:
            raise LabError(f"the lab process did not start within {timeout:.0f} s; "
                           f"see {state_dir / 'serve.log'}")
        time.sleep(0.02)
    pending = {r["port"] for r in routers.values()}
    while pending:
        if proc.poll() is not None:
            raise LabError(f"the lab process exited with code {proc.returncode}; "
                           f"see {state_dir / 'serve.log'}")
        pending = {p for p in pending if not listening(p)}
        if pending and time.monotonic() > deadline:
            raise LabError(f"lab routers did not listen within {timeout:.0f} s "
                           f"(ports {sorted(pending)}); see {state_dir / 'serve.log'}")
        if pending:
            time.sleep(0.05)


def lab_connections(state_dir: Path) -> dict[str, LabConnection]:
    """``{router: LabConnection(host, port, username, password)}`` from ``lab.json``."""
    data = _read_state(state_dir)
    try:
        out = {name: LabConnection(data.get("host", HOST), int(r["port"]), data["username"],
                                   data["password"])
               for name, r in data["routers"].items()}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise LabError(f"{state_dir / STATE_FILE}: unreadable lab state "
                       f"({type(exc).__name__}); run: greios lab down, then greios lab up"
                       ) from None
    starting = sorted(name for name, c in out.items() if c.port <= 0)
    if starting:
        raise LabError(f"the lab in {state_dir} has no port yet for {', '.join(starting)} "
                       "(it is starting or its start failed: see serve.log; "
                       "greios lab status)")
    return out


def lab_status(state_dir: Path) -> LabStatus:
    data = _read_state(state_dir)
    pid = data.get("pid")
    alive = pid_alive(pid)
    routers = [RouterStatus(name, int(r["port"]), alive and listening(int(r["port"])))
               for name, r in data["routers"].items()]
    return LabStatus(pid, alive, routers)


def lab_down(state_dir: Path, timeout: float = 10.0) -> bool:
    """Stop the recorded lab process. Returns False when it was not running."""
    with state_lock(state_dir):
        return _down(state_dir, timeout)


def _down(state_dir: Path, timeout: float) -> bool:
    data = _read_state(state_dir)
    pid = data.get("pid")
    if not pid_alive(pid):
        data["pid"] = None
        _write_state(state_dir, data)
        return False
    assert isinstance(pid, int)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while pid_alive(pid) and time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        time.sleep(0.05)
    if pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    data["pid"] = None
    _write_state(state_dir, data)
    return True


def set_faults(state_dir: Path, faults: dict[str, dict[str, Any]]) -> None:
    """Write ``faults.json``; the running lab applies it within ~0.5 s."""
    path = state_dir / "faults.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(faults, indent=2) + "\n")
    tmp.replace(path)


def lab_reset(state_dir: Path, specs: Sequence[LabRouterSpec], *,
              routers: Sequence[str] = (), timeout: float = 15.0) -> list[str]:
    """Reload routers from their snapshots (``specs``); all of them when ``routers`` is empty.

    The router's running and startup config become the (prepared) snapshot again, its
    flash is emptied and a pending revert timer is dropped. A running lab reloads them in
    place (same ports, the other routers untouched); a stopped lab starts from them on the
    next ``lab up``. Returns the routers reset.
    """
    by_name = {s.name: s for s in specs}
    with state_lock(state_dir):
        data = _read_state(state_dir)
        served = list(data.get("routers", {}))
        names = list(routers) or served
        unknown = [n for n in names if n not in served]
        if unknown:
            raise LabError(f"the lab has no router {', '.join(unknown)} (it serves "
                           f"{', '.join(served) or 'none'}); to add routers: greios lab down, "
                           "then greios lab up")
        missing = [n for n in names if n not in by_name]
        if missing:
            raise LabError(f"{', '.join(missing)}: not in the inventory any more, so there is "
                           "no snapshot to reset to")
        for name in names:
            rdir = state_dir / "routers" / name
            (rdir / "flash").mkdir(parents=True, exist_ok=True)
            write_private(rdir / "seed.cfg", by_name[name].seed_config_text)
        pid = data.get("pid")
        if isinstance(pid, int) and pid_alive(pid):
            _reset_live(state_dir, names, pid, timeout)
            return names
        for name in names:  # stopped: the next start reads seed.cfg
            rdir = state_dir / "routers" / name
            for cfg in ("running.cfg", "startup.cfg"):
                (rdir / cfg).unlink(missing_ok=True)
            for f in (rdir / "flash").iterdir():
                if f.is_file():
                    f.unlink()
        return names


def _reset_live(state_dir: Path, names: list[str], pid: int, timeout: float) -> None:
    request = str(uuid.uuid4())
    done = state_dir / RESET_DONE
    write_private(state_dir / RESET_FILE, json.dumps({"id": request, "routers": names}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError):
            answer = json.loads(done.read_text())
            if answer.get("id") == request:
                if answer.get("error"):
                    raise LabError(f"lab reset failed: {answer['error']}; see "
                                   f"{state_dir / 'serve.log'}")
                return
        if not pid_alive(pid):
            raise LabError(f"the lab process (pid {pid}) stopped during the reset; see "
                           f"{state_dir / 'serve.log'}")
        time.sleep(0.05)
    raise LabError(f"the lab process (pid {pid}) did not answer the reset within "
                   f"{timeout:.0f} s; see {state_dir / 'serve.log'}")
