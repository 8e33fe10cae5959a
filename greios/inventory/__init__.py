"""The YAML inventory: schema, loading with line numbers, checks of its objects.

The package knows nothing of the layers above it (topology, allocation). Its entry point is
:func:`greios.inventory.checked.load_checked`; a whole ``sites/`` directory with its
topology, lock and allocation is :func:`greios.overlay.load_overlay`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from greios.inventory.checked import load_checked
from greios.inventory.load import (
    LOCK_FILE,
    PROJECT_FILE,
    SECRETS_FILE,
    Inventory,
    RouterInfo,
    read_inventory,
)

if TYPE_CHECKING:
    from pathlib import Path


def load_inventory(root: Path, *, check: bool = True) -> Inventory:
    """Load ``root`` and, with ``check``, run every check: the inventory's objects and the
    overlay's topology, lock and allocation (:func:`greios.overlay.load_overlay`).

    Compatibility for the callers not yet on :mod:`greios.overlay` / :mod:`greios.app`
    (commands backup, rollback, recover, lab, audit; tests): #9 phase 2 moves them and
    removes this function with its upward import (allow-listed in tests/test_layering.py).
    """
    if not check:
        return load_checked(root, check=False)
    from greios.overlay import load_overlay  # upward: see the docstring

    return load_overlay(root).inventory


def load_project(sites_dir: Path) -> Inventory:
    """Alias of :func:`load_inventory` (the name other layers use)."""
    return load_inventory(sites_dir)


__all__ = [
    "LOCK_FILE",
    "PROJECT_FILE",
    "SECRETS_FILE",
    "Inventory",
    "RouterInfo",
    "load_checked",
    "load_inventory",
    "load_project",
    "read_inventory",
]
