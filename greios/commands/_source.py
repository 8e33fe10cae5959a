"""Options that choose where running configs come from (typer + stdlib only)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from greios.sources import Source

LAB_HELP = "Use the simulated routers of `greios lab` (started if none runs)."
OFFLINE_HELP = ("Read running configs from snapshots instead of routers: the inventory's "
                "snapshot files, or `--offline DIR` with <router>.cfg files.")


def make_source(sites: Path, lab: bool, offline: bool, offline_dir: Path | None) -> Source:
    from greios.errors import GreiosError
    from greios.sources import Source, state_dir_for

    if lab and (offline or offline_dir):
        raise GreiosError("--lab and --offline exclude each other")
    state = state_dir_for(sites)
    if offline or offline_dir:
        if offline_dir is not None and not offline_dir.is_dir():
            raise GreiosError(f"--offline: no such directory: {offline_dir}")
        return Source("offline", state, offline_dir)
    return Source("lab" if lab else "device", state)


def rewrite_offline_argv(args: list[str]) -> list[str]:
    """Let ``--offline DIR`` work although typer options take no optional values."""
    out: list[str] = []
    i = 0
    while i < len(args):
        tok = args[i]
        out.append(tok)
        if tok == "--offline" and i + 1 < len(args) and not args[i + 1].startswith("-"):
            out += ["--offline-dir", args[i + 1]]
            i += 1
        i += 1
    return out
