"""Saved plans (``greios plan --out FILE``), applied exactly by ``greios apply FILE``.

A plan file is JSON. Per router it holds the fingerprint of the running config the plan was
computed against, the ordered commands, the rollback and the intended config - with
pre-shared keys as references (``<secret:psk/PAIR>``), never the keys themselves.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from greios import __version__
from greios.errors import PlanFileError
from greios.inventory.yamlsrc import display_path

FORMAT = "greios-plan"
VERSION = 1


@dataclass
class SavedRouter:
    router: str
    site: str
    running_fingerprint: str
    commands: list[str]
    rollback: list[str]
    intended: str
    retired: str
    counts: list[int]
    objects: list[dict[str, Any]] = field(default_factory=list)
    tunnels: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SavedPlan:
    source: str  # "device" | "lab" | "offline"
    sites_dir: str
    routers: list[SavedRouter]
    pairs: list[list[str]] = field(default_factory=list)
    retired_pairs: list[str] = field(default_factory=list)
    offline_dir: str | None = None
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(
        timespec="seconds"))
    greios_version: str = __version__
    format: str = FORMAT
    version: int = VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=False) + "\n"


def save_plan(path: Path, plan: SavedPlan, *, forbidden: list[str]) -> None:
    """Write ``plan``; refuse if any known secret value would end up in the file."""
    text = plan.to_json()
    for value in forbidden:
        if value and value in text:
            raise PlanFileError("refusing to save a plan that contains a secret value "
                                "(this is a bug in greios)")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def load_plan(path: Path) -> SavedPlan:
    where = display_path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanFileError(f"{where}: plan file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanFileError(f"{where}: cannot read plan file ({exc})") from None
    except json.JSONDecodeError as exc:
        raise PlanFileError(f"{where}:{exc.lineno}: not a greios plan file (invalid JSON)"
                            ) from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise PlanFileError(f"{where}: not a greios plan file")
    if raw.get("version") != VERSION:
        raise PlanFileError(f"{where}: plan file version {raw.get('version')} is not supported "
                            f"(this greios reads version {VERSION})")
    try:
        routers = [SavedRouter(**r) for r in raw["routers"]]
        return SavedPlan(
            source=str(raw["source"]), sites_dir=str(raw["sites_dir"]), routers=routers,
            pairs=[list(p) for p in raw.get("pairs", [])],
            retired_pairs=list(raw.get("retired_pairs", [])), created=str(raw["created"]),
            offline_dir=raw.get("offline_dir"),
            greios_version=str(raw.get("greios_version", "")),
        )
    except (KeyError, TypeError) as exc:
        raise PlanFileError(f"{where}: malformed plan file ({exc})") from None
