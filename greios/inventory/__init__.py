"""The YAML inventory: schema, loading with line numbers, checks of its objects.

The package knows nothing of the layers above it (topology, allocation). Its entry point is
:func:`greios.inventory.checked.load_checked`; a whole ``sites/`` directory with its
topology, lock and allocation is :func:`greios.overlay.load_overlay`.
"""

from __future__ import annotations

from greios.inventory.checked import load_checked
from greios.inventory.load import (
    LOCK_FILE,
    PROJECT_FILE,
    SECRETS_FILE,
    Inventory,
    RouterInfo,
    read_inventory,
)

__all__ = [
    "LOCK_FILE",
    "PROJECT_FILE",
    "SECRETS_FILE",
    "Inventory",
    "RouterInfo",
    "load_checked",
    "read_inventory",
]
