"""Per-router outcome of an apply or restore."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from greios.errors import ExitCode

Status = Literal["applied", "unchanged", "failed", "rolled-back", "stale", "locked",
                 "unreachable", "skipped", "interrupted", "refused", "confirmed", "clean"]


@dataclass
class RouterResult:
    router: str
    status: Status
    message: str
    exit_code: ExitCode
    backup: Path | None = None
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    diff: str = ""  # napalm's compare output (secrets redacted)
    notes: list[str] = field(default_factory=list)


def worst_exit_code(results: Sequence[RouterResult]) -> ExitCode:
    """The process exit code for an apply: the highest per-router code (0 when all fine)."""
    return max((r.exit_code for r in results), default=ExitCode.OK)


class PhaseTimer:
    """``with PhaseTimer(phases, "commit"):`` adds the elapsed seconds to ``phases``."""

    def __init__(self, phases: dict[str, float], name: str) -> None:
        self.phases, self.name = phases, name

    def __enter__(self) -> None:
        self.start = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.phases[self.name] = self.phases.get(self.name, 0.0) + \
            time.perf_counter() - self.start
