"""``greios lab``: one simulated router per inventory router (see :mod:`greios.lab.manager`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from greios.lab.manager import LabConnection, LabStatus


def up(sites: Path, state: Path | None, *, base_port: int, prepare: bool
       ) -> tuple[Path, dict[str, LabConnection]]:
    """Start (or resume) the lab of ``sites``: its state directory and each router's port."""
    from greios.lab.manager import default_state_dir, inventory_specs, lab_up
    from greios.overlay import load_inventory

    inv = load_inventory(sites)
    state_dir = state or default_state_dir(sites)
    return state_dir, lab_up(state_dir, inventory_specs(inv, prepare=prepare),
                             base_port=base_port)


def status(sites: Path, state: Path | None) -> LabStatus:
    from greios.lab.manager import default_state_dir, lab_status

    return lab_status(state or default_state_dir(sites))


def down(sites: Path, state: Path | None) -> bool:
    from greios.lab.manager import default_state_dir, lab_down

    return lab_down(state or default_state_dir(sites))


def reset(sites: Path, state: Path | None, routers: Sequence[str], *,
          prepare: bool) -> list[str]:
    """Reload ``routers`` (default: all) from their inventory snapshots."""
    from greios.lab.manager import default_state_dir, inventory_specs, lab_reset
    from greios.overlay import load_inventory

    inv = load_inventory(sites)
    return lab_reset(state or default_state_dir(sites), inventory_specs(inv, prepare=prepare),
                     routers=list(routers))
