"""Read an inventory and check it: the loading entry point of the inventory package.

The inventory package only loads and checks the objects of the inventory. Checks that need
the layers above it (topology, the lock file, allocation feasibility) live in
:mod:`greios.overlay`, which hands them to :func:`load_checked` as ``also`` so that every
problem of a ``sites/`` directory is still reported at once.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from greios.errors import InventoryError
from greios.inventory.checks import check_inventory
from greios.inventory.load import Inventory, read_inventory


def load_checked(root: Path, *, check: bool = True,
                 also: Callable[[Inventory], list[str]] | None = None) -> Inventory:
    """Load and check ``root`` (a ``sites/`` directory). Raises InventoryError listing every
    problem found.

    ``check`` runs the object checks (:func:`greios.inventory.checks.check_inventory`), then
    ``also`` (the checks of a layer above). Neither runs when a file did not parse as YAML.
    """
    loaded = read_inventory(root)
    problems = loaded.problems
    if check and loaded.readable:
        problems.extend(check_inventory(loaded.inventory))
        if also is not None:
            problems.extend(also(loaded.inventory))
    if problems:
        raise InventoryError(problems)
    return loaded.inventory
