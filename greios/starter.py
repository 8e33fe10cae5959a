"""The starter project ``greios init`` writes: the Tokyo - Hong Kong pair, ready to plan.

The files live in the package (``greios/data/starter/``) so an installed wheel carries them.
``gitignore`` is stored without its dot (package data globs skip dot files) and written as
``.gitignore``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from greios.errors import GreiosError

STARTER_DIR = Path(__file__).resolve().parent / "data" / "starter"
_RENAMES = {"gitignore": ".gitignore"}


class InitError(GreiosError):
    """``greios init`` refused: a file exists already, or the target cannot be written."""

    default_message = "cannot create the starter project"


@dataclass(frozen=True)
class StarterFile:
    relpath: Path  # where it goes, relative to the project directory
    source: Path  # the packaged file


def starter_files() -> list[StarterFile]:
    """Every file of the starter project, in a stable order."""
    if not STARTER_DIR.is_dir():
        raise InitError(f"greios's starter project is missing ({STARTER_DIR}); reinstall greios")
    files = []
    for src in sorted(p for p in STARTER_DIR.rglob("*") if p.is_file()):
        rel = src.relative_to(STARTER_DIR)
        if "__pycache__" in rel.parts:
            continue
        files.append(StarterFile(rel.with_name(_RENAMES.get(rel.name, rel.name)), src))
    return files


def write_starter(target: Path) -> list[Path]:
    """Write the starter project into ``target``; refuse before writing anything if any file exists.

    Returns the paths written (relative to ``target``).
    """
    if target.exists() and not target.is_dir():
        raise InitError(f"{target}: exists and is not a directory")
    files = starter_files()
    for f in files:
        dest = target / f.relpath
        if dest.exists() or dest.is_symlink():
            raise InitError(
                f"{dest}: already exists; greios init never overwrites a file "
                "(choose an empty directory: greios init DIR)"
            )
    written: list[Path] = []
    try:
        for f in files:
            dest = target / f.relpath
            dest.parent.mkdir(parents=True, exist_ok=True)
            # O_EXCL: a file that appeared since the check above is still never overwritten
            fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            with os.fdopen(fd, "wb") as fh:
                fh.write(f.source.read_bytes())
            written.append(f.relpath)
    except FileExistsError as exc:
        _undo(target, written)
        raise InitError(f"{exc.filename}: already exists; greios init never overwrites a file")\
            from None
    except OSError as exc:
        _undo(target, written)
        raise InitError(f"{exc.filename or target}: cannot write ({exc.strerror})") from None
    return written


def _undo(target: Path, written: list[Path]) -> None:
    """Remove what this run wrote, so a failed init leaves nothing half-made."""
    for rel in reversed(written):
        (target / rel).unlink(missing_ok=True)
