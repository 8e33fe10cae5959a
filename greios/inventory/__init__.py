"""The YAML inventory: schema, loading with line numbers, semantic validation."""

from greios.inventory.load import (
    LOCK_FILE,
    PROJECT_FILE,
    SECRETS_FILE,
    Inventory,
    RouterInfo,
    load_inventory,
    load_project,
)

__all__ = [
    "LOCK_FILE",
    "PROJECT_FILE",
    "SECRETS_FILE",
    "Inventory",
    "RouterInfo",
    "load_inventory",
    "load_project",
]
