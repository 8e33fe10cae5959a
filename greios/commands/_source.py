"""Options that choose where running configs come from (typer + stdlib only)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from greios.app.sources import RunningSource

LAB_HELP = "Use the simulated routers of `greios lab` (started if none runs)."
OFFLINE_HELP = ("Read running configs from snapshots instead of routers: the inventory's "
                "snapshot files, or `--offline DIR` with <router>.cfg files.")


def make_source(sites: Path, lab: bool, offline: bool, offline_dir: Path | None
                ) -> RunningSource:
    from greios.app.sources import source_for

    return source_for(sites, lab=lab, offline=offline, offline_dir=offline_dir)


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
