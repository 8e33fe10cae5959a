"""``greios validate``: every problem of a ``sites/`` directory, or a one-line summary.

Checks the inventory's objects, the overlay (topology, lock file, allocation feasibility)
and the pre-shared keys (secrets file, ``GREIOS_PSK_*`` variables). Nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from greios import overlay as _overlay
from greios.errors import InventoryError, SecretError, SecretFileError
from greios.gcpause import no_cyclic_gc
from greios.inventory.load import SECRETS_FILE, Inventory
from greios.overlay import Overlay, overlay_of
from greios.secrets import SecretStore


@dataclass(frozen=True)
class ValidateReport:
    """What a valid inventory holds, and the warnings to show."""

    sites: int
    routers: int
    tunnels: int
    new: int  # pairs not in the lock file yet
    lock_name: str
    warnings: list[str]

    def summary(self) -> str:
        new = f", {self.new} new (not in {self.lock_name} yet)" if self.new else ""
        return f"ok: {self.sites} sites, {self.routers} routers, {self.tunnels} tunnels{new}"


def validate_sites(sites: Path) -> ValidateReport:
    """Check ``sites``; raises InventoryError with every problem found (inventory, overlay and
    keys together)."""
    with no_cyclic_gc():  # the inventory's many small objects hold no cycles
        return _validate(sites)


def _validate(sites: Path) -> ValidateReport:
    problems: list[str] = []
    inv = _load(sites, problems)
    store = _secret_store(Path(sites) / SECRETS_FILE, problems)
    warnings: list[str] = []
    overlay: Overlay | None = None
    if inv is not None:
        overlay = overlay_of(inv)  # computed by the checks: the lock is read once
        if store is not None:
            env_problems, warnings = store.check(p.key for p in overlay.pairs)
            problems += env_problems
    if problems or overlay is None:
        raise InventoryError(problems)
    res = overlay.allocation
    inv = overlay.inventory
    return ValidateReport(sites=len(inv.sites), routers=len(inv.routers),
                          tunnels=len(overlay.pairs), new=len(res.new),
                          lock_name=inv.lock_path.name,
                          warnings=[*res.warnings, *warnings, *plain_gre_warnings(overlay)])


def plain_gre_warnings(overlay: Overlay) -> list[str]:
    """One warning per plain GRE pair (``crypto: none``): its traffic is not encrypted."""
    doc = overlay.inventory.project_doc
    return [f"{doc.where(p.where)}: {p.a} <-> {p.b} is plain GRE (crypto: none): its traffic "
            "crosses the underlay UNENCRYPTED, with no IPsec" for p in overlay.pairs
            if not p.encrypted]


def _load(sites: Path, problems: list[str]) -> Inventory | None:
    """The checked inventory, or None after adding its problems (a missing directory is
    raised: there is nothing else to check)."""
    try:
        # looked up on the module so tests can hook in
        return _overlay.load_inventory(sites)
    except InventoryError as exc:
        if not Path(sites).is_dir():
            raise
        problems += exc.problems
        return None


def _secret_store(path: Path, problems: list[str]) -> SecretStore | None:
    try:
        return SecretStore(path)
    except SecretFileError as exc:
        problems += exc.problems
    except SecretError as exc:
        problems.append(str(exc))
    return None
