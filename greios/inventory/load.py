"""Load ``sites/``: the project file, every site file, and turn errors into precise messages.

Reading only: the object checks are :mod:`greios.inventory.checks`, the two together
:func:`greios.inventory.checked.load_checked`.
"""

from __future__ import annotations

import difflib
import errno
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from greios.errors import InventoryError
from greios.inventory.models import Project, Router, Routing, Site
from greios.inventory.names import LOCK_FILE as LOCK_FILE
from greios.inventory.names import PROJECT_FILE as PROJECT_FILE
from greios.inventory.names import SECRETS_FILE as SECRETS_FILE
from greios.inventory.yamlsrc import Path_, YamlDoc, display_path, load_yaml, os_reason

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class RouterInfo:
    """A router with everything resolved that other layers need."""

    name: str
    site: str
    model: Router
    file: Path  # the site file it was declared in
    index: int  # position in the site file's routers list
    underlay_mtu: int
    routing: Routing
    snapshot: Path | None

    @property
    def behind_nat(self) -> bool:
        return self.model.underlay.behind_nat

    @property
    def ipv6_underlay(self) -> bool:
        return self.model.underlay.ipv6


@dataclass
class Inventory:
    """The validated inventory of one ``sites/`` directory."""

    root: Path
    project: Project
    project_doc: YamlDoc
    sites: dict[str, Site] = field(default_factory=dict)
    site_docs: dict[str, YamlDoc] = field(default_factory=dict)
    routers: list[RouterInfo] = field(default_factory=list)
    broken_sites: set[str] = field(default_factory=set)  # site files that failed the schema
    # what the layers above computed from this inventory, by their module name (the
    # topology's pairs, the overlay's lock and allocation), so that no caller computes it
    # twice; the inventory does not know what they hold
    derived: dict[str, object] = field(default_factory=dict, repr=False, compare=False)
    _by_name: dict[str, RouterInfo] = field(default_factory=dict, repr=False)
    _by_site: dict[str, list[RouterInfo]] = field(default_factory=dict, repr=False)
    _indexed: int = field(default=-1, repr=False)

    @property
    def lock_path(self) -> Path:
        return self.root / LOCK_FILE

    @property
    def secrets_path(self) -> Path:
        return self.root / SECRETS_FILE

    @property
    def waivers(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.project.waivers.items()}

    def _index(self) -> None:
        if self._indexed == len(self.routers):
            return
        self._by_name, self._by_site = {}, {}
        for r in self.routers:
            self._by_name.setdefault(r.name, r)  # the first one, like a scan would find
            self._by_site.setdefault(r.site, []).append(r)
        self._indexed = len(self.routers)

    def router(self, name: str) -> RouterInfo:
        self._index()
        return self._by_name[name]

    def site_routers(self, site: str) -> list[RouterInfo]:
        self._index()
        return list(self._by_site.get(site, ()))


def _loc_to_path(data: Any, loc: tuple[int | str, ...]) -> Path_:
    """Map a pydantic error location onto the YAML data path (dropping union tags)."""
    out: list[str | int] = []
    cur: Any = data
    for i, part in enumerate(loc):
        in_map = isinstance(cur, dict) and isinstance(part, str) and part in cur
        in_list = isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur)
        nxt = loc[i + 1] if i + 1 < len(loc) else None
        if (in_map and isinstance(nxt, str) and nxt in cur
                and not isinstance(cur[part], dict)):
            continue  # a union tag that is also a key (``pair``) before a sibling field
        if in_map or in_list:
            out.append(part)
            cur = cur[part]
        elif i == len(loc) - 1:
            out.append(part)
    return tuple(out)


def _message(err: Any, model: type[BaseModel], path: Path_) -> str:
    kind = err["type"]
    msg = str(err["msg"])
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        known = _known_keys(model, path[:-1])
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        if key.lower() in {"password", "secret", "psk", "pre_shared_key", "key", "username"}:
            hint = (" (credentials are never stored in YAML: name environment variables in "
                    "username_env / password_env)")
        return f"unknown key '{key}'{hint}"
    if kind == "missing":
        return "required key is missing"
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if kind in {"literal_error", "enum"}:
        return f"{msg}, got {err.get('input')!r}"
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        return f"{msg}, got {err.get('input')!r}"
    if kind == "string_pattern_mismatch":
        return f"invalid value {err.get('input')!r} (allowed: letters, digits and _ . -)"
    return msg


def _known_keys(model: type[BaseModel], path: Path_) -> list[str]:
    """Field names of the sub-model at ``path`` (best effort, for 'did you mean')."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return []
        ann = fields[part].annotation
        current = _first_model(ann)
        if current is None:
            return []
    fields = getattr(current, "model_fields", None)
    return list(fields) if fields else []


def _first_model(ann: Any) -> Any:
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann
    for arg in getattr(ann, "__args__", ()) or ():
        found = _first_model(arg)
        if found is not None:
            return found
    return None


def validate_doc(doc: YamlDoc, model: type[M], problems: list[str]) -> M | None:
    """Validate a YAML document against ``model``; append located messages on failure."""
    if doc.problems:
        problems.extend(doc.problems)
        return None
    if not isinstance(doc.data, dict):
        problems.append(f"{display_path(doc.file)}:{doc.line_of(())}: expected a mapping "
                        "(key: value lines) at the top level")
        return None
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        for err in exc.errors():
            path = _loc_to_path(doc.data, tuple(err["loc"]))
            problems.append(f"{doc.where(path)}: {_message(err, model, path)}")
        return None


def site_files(root: Path) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` next to the project file (not hidden, not greios.yaml).

    Entries that are not regular files (a directory named ``x.yaml``, a dangling symlink
    or a symlink loop) are returned too, so that reading them reports why.
    """
    return sorted(
        p
        for p in root.iterdir()
        if p.suffix in {".yaml", ".yml"}
        and not p.name.startswith(".")
        and p.name != PROJECT_FILE
    )


def _snapshot_path(doc: YamlDoc, index: int, snapshot: str,
                   problems: list[str]) -> Path | None:
    """Absolute path of a router's snapshot; a located problem when it cannot be resolved.
    (The location is made only for a problem: it resolves the site file's path, a few
    system calls per router.)"""
    def where() -> str:
        return doc.where(("routers", index, "snapshot"))

    if "\x00" in snapshot:
        problems.append(f"{where()}: invalid file name")
        return None
    try:
        return (doc.file.parent / snapshot).resolve()
    except OSError as exc:
        problems.append(f"{where()}: cannot resolve the snapshot path: {os_reason(exc)}")
    except RuntimeError:  # Python < 3.13: symlink loop
        problems.append(f"{where()}: cannot resolve the snapshot path: symlink loop")
    return None


@dataclass(frozen=True)
class LoadedInventory:
    """An inventory as read, before the semantic checks, with the problems found so far."""

    inventory: Inventory
    problems: list[str]
    readable: bool  # every file parsed as YAML (else the cross-file checks are skipped)


def _open_root(root: Path) -> Path:
    """The project file of ``root``; a located InventoryError when there is none."""
    if not root.is_dir():
        try:
            root.stat()
        except OSError as exc:
            if os.path.lexists(root) or exc.errno not in (errno.ENOENT, errno.ENOTDIR):
                raise InventoryError(f"{display_path(root)}: cannot open the inventory "
                                     f"directory: {os_reason(exc)}") from None
        raise InventoryError(f"{display_path(root)}: inventory directory not found")
    project_path = root / PROJECT_FILE
    if not os.path.lexists(project_path):
        raise InventoryError(
            f"{display_path(project_path)}: project file not found (every sites/ directory "
            f"needs a {PROJECT_FILE}; see docs/inventory.md)"
        )
    return project_path


@dataclass
class _SiteFiles:
    sites: dict[str, Site] = field(default_factory=dict)
    docs: dict[str, YamlDoc] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)
    readable: bool = True


def _read_sites(root: Path, problems: list[str]) -> _SiteFiles:
    """Every site file, validated against the schema; duplicate site names reported."""
    out = _SiteFiles()
    files = site_files(root)
    if not files:
        problems.append(f"{display_path(root)}: no site files (*.yaml) next to {PROJECT_FILE}")
    for f in files:
        doc = load_yaml(f)
        out.readable = out.readable and not doc.fatal
        site = validate_doc(doc, Site, problems)
        if site is None:
            if isinstance(doc.data, dict) and isinstance(doc.data.get("site"), str):
                out.broken.add(doc.data["site"])
            continue
        if site.site in out.sites:
            first = out.docs[site.site]
            problems.append(
                f"{doc.where(('site',))}: duplicate site '{site.site}' "
                f"(already declared in {display_path(first.file)})"
            )
            continue
        out.sites[site.site] = site
        out.docs[site.site] = doc
    return out


def _add_routers(inv: Inventory, problems: list[str]) -> None:
    """Resolve every site's routers (defaults, snapshot paths) into ``inv.routers``."""
    project = inv.project
    for site_name, site in inv.sites.items():
        doc = inv.site_docs[site_name]
        for i, r in enumerate(site.routers):
            snap = _snapshot_path(doc, i, r.snapshot, problems) if r.snapshot else None
            inv.routers.append(
                RouterInfo(
                    name=r.name,
                    site=site_name,
                    model=r,
                    file=doc.file,
                    index=i,
                    underlay_mtu=r.underlay.mtu or project.defaults.underlay_mtu,
                    routing=r.routing or project.routing,
                    snapshot=snap,
                )
            )


def read_inventory(root: Path) -> LoadedInventory:
    """Read ``root`` (a ``sites/`` directory) without the semantic checks. Raises
    InventoryError only when there is no inventory to speak of (no directory, no project
    file, an invalid project file); every other problem is returned, located."""
    root = Path(root)
    project_path = _open_root(root)
    problems: list[str] = []
    project_doc = load_yaml(project_path)
    project = validate_doc(project_doc, Project, problems)
    found = _read_sites(root, problems)
    if project is None:
        raise InventoryError(problems)
    inv = Inventory(root=root, project=project, project_doc=project_doc, sites=found.sites,
                    site_docs=found.docs, broken_sites=found.broken)
    _add_routers(inv, problems)
    return LoadedInventory(inv, problems, readable=found.readable and not project_doc.fatal)
