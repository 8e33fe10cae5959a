"""Running-config backups: ``<state_dir>/backups/<router>/<UTC timestamp>[-label].cfg``.

The contents are the raw running config (it may hold type-6/7 keys), so files are created
with mode 0600 in a 0700 directory. File names carry only the router name, a timestamp and
a label reduced to ``[A-Za-z0-9._-]`` (at most 40 characters): never a secret.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

from greios.deploy.locks import LockError, _check_router

_LABEL = re.compile(r"[^A-Za-z0-9._-]+")
_STAMP = "%Y%m%dT%H%M%S.%fZ"


def backups_dir(state_dir: Path, router: str) -> Path:
    return Path(state_dir) / "backups" / _check_router(router)


def _label(label: str) -> str:
    clean = _LABEL.sub("-", label).strip("-.")[:40]
    return f"-{clean}" if clean else ""


def save_backup(state_dir: Path, router: str, text: str, *, label: str = "") -> Path:
    """Write ``text`` to a new backup file (mode 0600) and return its path."""
    directory = backups_dir(state_dir, router)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    directory.chmod(0o700)
    suffix = _label(label)
    while True:
        stamp = dt.datetime.now(dt.timezone.utc).strftime(_STAMP)
        path = directory / f"{stamp}{suffix}.cfg"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # same microsecond: take the next one
            continue
        break
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
    return path


def list_backups(state_dir: Path, router: str) -> list[Path]:
    """Backups of ``router``, oldest first."""
    try:
        directory = backups_dir(state_dir, router)
    except LockError:
        return []
    if not directory.is_dir():
        return []
    return sorted(directory.glob("*.cfg"), key=lambda p: p.name)


def latest_backup(state_dir: Path, router: str) -> Path | None:
    found = list_backups(state_dir, router)
    return found[-1] if found else None
