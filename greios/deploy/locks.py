"""Per-router lock files: ``<state_dir>/locks/<router>.lock``.

A lock is a small JSON document (``id``, ``router``, ``pid``, ``host``, ``user``,
``operation``, ``created``) created atomically with ``O_CREAT | O_EXCL``, so two greios
processes (or two threads) can never both hold the same router. While an apply runs, the
lock is also its journal (:meth:`RouterLock.journal`): the ``phase`` it reached
(``committed`` = a revert timer may be running), whether napalm added
``file prompt quiet`` and the pre-apply backup. A lock whose ``pid`` is not running on
this host is *stale*: the apply was killed. ``greios recover`` reads the journal, confirms
or rolls back what the apply left and removes the lock; :func:`remove_lock`
(``greios locks --remove ROUTER``) only deletes it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import os
import re
import socket
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from greios.errors import GreiosError, LockHeldError

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
#: journal phases after which the router may differ from its backup
UNFINISHED_PHASES = frozenset({"committing", "committed", "confirming", "rolling-back"})


class LockError(GreiosError):
    """A lock file cannot be found, read or written."""

    default_message = "router lock error"


@dataclass(frozen=True)
class LockInfo:
    id: str
    router: str
    pid: int
    host: str
    user: str
    operation: str
    created: str
    path: Path
    stale: bool = False
    phase: str = ""  # journal: how far the operation got ("" = not recorded)
    file_prompt_added: bool = False  # journal: napalm may have added 'file prompt quiet'
    backup: str = ""  # journal: the backup taken before the change

    def describe(self) -> str:
        return (f"{self.user}@{self.host} pid {self.pid} since {self.created} "
                f"(lock id {self.id})")

    @property
    def unfinished(self) -> bool:
        """The journal shows the operation may have changed the router."""
        return self.phase in UNFINISHED_PHASES or self.file_prompt_added


def _check_router(router: str) -> str:
    if not _SAFE.match(router):
        raise LockError(f"router name {router!r} cannot be used as a lock file name")
    return router


def locks_dir(state_dir: Path) -> Path:
    return Path(state_dir) / "locks"


def lock_path(state_dir: Path, router: str) -> Path:
    return locks_dir(state_dir) / f"{_check_router(router)}.lock"


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return str(os.getuid())


def pid_alive(pid: int) -> bool:
    """True if a process ``pid`` exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _read(path: Path) -> LockInfo:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        info = LockInfo(id=str(data["id"]), router=str(data["router"]), pid=int(data["pid"]),
                        host=str(data["host"]), user=str(data["user"]),
                        operation=str(data.get("operation", "")),
                        created=str(data["created"]), path=path,
                        phase=str(data.get("phase", "")),
                        file_prompt_added=data.get("file_prompt_added") is True,
                        backup=str(data.get("backup", "")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LockError(f"{path}: unreadable lock file ({type(exc).__name__}); "
                        "remove it by hand if no greios process is running") from None
    stale = info.host == socket.gethostname() and not pid_alive(info.pid)
    return LockInfo(**{**info.__dict__, "stale": stale})


def read_lock(state_dir: Path, router: str) -> LockInfo | None:
    path = lock_path(state_dir, router)
    if not path.exists():
        return None
    return _read(path)


def list_locks(state_dir: Path) -> list[LockInfo]:
    """Every lock under ``state_dir`` (sorted by router), with ``stale`` set."""
    directory = locks_dir(state_dir)
    if not directory.is_dir():
        return []
    out = []
    for path in sorted(directory.glob("*.lock")):
        with contextlib.suppress(FileNotFoundError):
            out.append(_read(path))
    return out


def remove_lock(state_dir: Path, router_or_id: str) -> LockInfo:
    """Delete the lock of a router (by router name or lock id); returns what was removed."""
    for info in list_locks(state_dir):
        if router_or_id in (info.router, info.id):
            info.path.unlink(missing_ok=True)
            return info
    raise LockError(f"no lock for router or lock id {router_or_id!r} under "
                    f"{locks_dir(state_dir)}")


def held_message(info: LockInfo) -> str:
    msg = f"router {info.router} is locked by {info.describe()}"
    if info.stale:
        msg += "; that process is gone (killed mid-change?): run: greios recover"
    else:
        msg += (f" ({info.operation}{', ' + info.phase if info.phase else ''} in progress); "
                f"wait for it to finish (a hung process or one on another host: greios locks "
                f"--remove {info.router} --force)")
    return msg


class RouterLock:
    """``with RouterLock(state_dir, "R1", "apply"):`` holds the router's lock file.

    Raises :class:`greios.errors.LockHeldError` if another holder exists (stale or not).
    """

    def __init__(self, state_dir: Path, router: str, operation: str = "apply") -> None:
        self.state_dir = Path(state_dir)
        self.router = _check_router(router)
        self.operation = operation
        self.path = lock_path(self.state_dir, router)
        self.info: LockInfo | None = None

    def acquire(self) -> LockInfo:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_id = str(uuid.uuid4())
        created = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {"id": lock_id, "router": self.router, "pid": os.getpid(),
                "host": socket.gethostname(), "user": _user(), "operation": self.operation,
                "created": created}
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            try:
                held = _read(self.path)
            except LockError:
                raise LockHeldError(
                    f"router {self.router} is locked ({self.path} is unreadable); if no "
                    f"greios process is running: greios locks --remove {self.router}") from None
            raise LockHeldError(held_message(held)) from None
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(body, fh, indent=2)
            fh.write("\n")
        self._body: dict[str, object] = body
        self.info = LockInfo(id=lock_id, router=self.router, pid=os.getpid(),
                             host=str(body["host"]), user=str(body["user"]),
                             operation=self.operation, created=created, path=self.path)
        return self.info

    def journal(self, **fields: str | bool) -> None:
        """Record how far the operation got (``phase``, ``file_prompt_added``, ``backup``)
        in the lock file, atomically, so a killed process leaves it for ``greios recover``.
        """
        if self.info is None:
            return
        self._body.update(fields)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}")
        tmp.write_text(json.dumps(self._body, indent=2) + "\n", encoding="utf-8")
        tmp.replace(self.path)

    def release(self) -> None:
        if self.info is None:
            return
        # only remove the file if it is still ours (someone may have force-removed it)
        with contextlib.suppress(LockError, FileNotFoundError):
            current = _read(self.path)
            if current.id == self.info.id:
                self.path.unlink(missing_ok=True)
        self.info = None

    def __enter__(self) -> LockInfo:
        return self.acquire()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release()
