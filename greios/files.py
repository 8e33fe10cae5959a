"""Writing greios-owned files: atomically, never briefly world-readable, with backups.

Files that may hold keys (secrets, applied keys, lab state, router backups) are written with
mode 0600 by :func:`write_private`. Files greios *rewrites* (the lock and the secrets file)
go through :func:`replace_file`, which first copies the current content into
``<state dir>/file-backups/`` (mode 0600, the last :data:`KEEP_BACKUPS` per file).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

KEEP_BACKUPS = 10


def write_atomic(path: Path, data: str | bytes, *, mode: int = 0o600) -> None:
    """Write ``data`` to ``path`` atomically (a temporary file in the same directory, then
    rename) with ``mode``; the temporary file is 0600 until renamed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.chmod(mode)
        tmp.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_private(path: Path, data: str | bytes) -> None:
    """Write ``data`` to ``path`` atomically with mode 0600 (never briefly world-readable)."""
    write_atomic(path, data, mode=0o600)


def state_dir_for(sites_dir: Path) -> Path:
    """greios's local state (locks, backups, lab) lives in ``.greios/`` next to ``sites/``
    (``GREIOS_STATE_DIR`` overrides it)."""
    env = os.environ.get("GREIOS_STATE_DIR")
    return Path(env) if env else Path(sites_dir).resolve().parent / ".greios"


def backup_dir_for(path: Path) -> Path:
    """``<state dir>/file-backups`` of the inventory that holds ``path`` (git-ignored)."""
    return state_dir_for(path.parent) / "file-backups"


def backup_file(path: Path, backup_dir: Path | None = None, *,
                keep: int = KEEP_BACKUPS) -> Path | None:
    """Copy the current content of ``path`` (if any) into ``backup_dir`` as
    ``<name>.<UTC time>.bak`` (mode 0600) and keep the newest ``keep`` copies."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    directory = backup_dir or backup_dir_for(path)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    base = path.name.lstrip(".")
    target = directory / f"{base}.{stamp}.bak"
    write_private(target, data)
    old = sorted(directory.glob(f"{base}.*.bak"))
    for stale in old[:-keep] if keep > 0 else old:
        with contextlib.suppress(OSError):
            stale.unlink()
    return target


def replace_file(path: Path, data: str, *, mode: int, backup_dir: Path | None = None
                 ) -> Path | None:
    """Rewrite a greios-owned file: back up its current content, then write atomically.
    Returns the backup's path (None when there was no file)."""
    backup = backup_file(path, backup_dir)
    write_atomic(path, data, mode=mode)
    return backup
