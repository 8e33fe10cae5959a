"""The YAML inventory: schema, loading with line numbers, checks of its objects.

The package knows nothing of the layers above it (topology, allocation). Its entry point is
:func:`greios.inventory.checked.load_checked`; a whole ``sites/`` directory with its
topology, lock and allocation is :func:`greios.overlay.load_overlay`.

The names below are imported on first use (PEP 562): ``greios audit FILE`` only asks
whether a ``sites/greios.yaml`` exists and must not pay for the schema models.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from greios.inventory.names import LOCK_FILE, PROJECT_FILE, SECRETS_FILE

if TYPE_CHECKING:
    from greios.inventory.checked import load_checked
    from greios.inventory.load import (
        Inventory,
        RouterInfo,
        read_inventory,
    )

_LAZY = {"load_checked": "greios.inventory.checked", "Inventory": "greios.inventory.load",
         "RouterInfo": "greios.inventory.load", "read_inventory": "greios.inventory.load"}

__all__ = [
    "LOCK_FILE",
    "PROJECT_FILE",
    "SECRETS_FILE",
    "Inventory",
    "RouterInfo",
    "load_checked",
    "read_inventory",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
