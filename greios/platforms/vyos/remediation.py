"""VyOS remediation: the ``set``/``delete`` commands that take a running VyOS config to
greios's intended one, on the nodes greios owns only (the platform's ``plan``).

Ownership (docs/vyos.md, "Plan"): whole subtrees of the tunnels, IPsec peers and PSKs
greios renders or rendered (``retired``): ``interfaces tunnel tunN``, ``firewall options
interface tunN``, ``protocols ospf interface tunN``, ``vpn ipsec site-to-site peer P``,
``vpn ipsec authentication psk P``; every ``ike-group``/``esp-group`` named ``GREIOS-*``
(a stale one is removed, as IOS's ``GREIOS-`` objects); anywhere else single values
(``vpn ipsec interface``, OSPF ``network``): added when intended, removed only when
retired. Everything else on the router is left alone.

Ordering: VyOS commits a candidate as a whole and validates the result, so one commit of
``delete`` lines first, then ``set`` lines (vyatta-cfg's own diff order, :mod:`~.diff`) is
valid whenever the target config is; the target is checked against the version's schema
(a refused line raises, naming it). The rollback is the reverse diff. Pure.
"""

from __future__ import annotations

from collections.abc import Callable

from greios.plan.model import Action, LineChange, ObjectChange, RouterPlan
from greios.platforms.base import RejectedLinesError
from greios.platforms.vyos.config import apply_tree, guess_version
from greios.platforms.vyos.diff import diff_commands
from greios.platforms.vyos.parse import parse_config
from greios.platforms.vyos.render import command_line, render_commands
from greios.platforms.vyos.tree import ConfigTree

Path = tuple[str, ...]
#: owned subtree roots: a path prefix and the depth of the root (prefix + one tag value)
_ROOTS: tuple[Path, ...] = (
    ("interfaces", "tunnel"), ("firewall", "options", "interface"),
    ("protocols", "ospf", "interface"), ("vpn", "ipsec", "site-to-site", "peer"),
    ("vpn", "ipsec", "authentication", "psk"), ("vpn", "ipsec", "ike-group"),
    ("vpn", "ipsec", "esp-group"),
)
_SECRET_LEAVES = frozenset({"secret", "pre-shared-secret"})
_GROUPS = (("vpn", "ipsec", "ike-group"), ("vpn", "ipsec", "esp-group"))
_KINDS = {"tunnel": "tunnel", "interface": "interface", "peer": "ipsec peer",
          "psk": "ipsec psk", "ike-group": "ike-group", "esp-group": "esp-group"}


def owned_root(path: Path) -> Path | None:
    """The owned subtree ``path`` lies in (None: owned value by value)."""
    for prefix in _ROOTS:
        if path[:len(prefix)] == prefix and len(path) > len(prefix):
            return path[:len(prefix) + 1]
    return None


def _lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]


def _tree(text: str, version: str, *, strict: bool = True) -> ConfigTree:
    """The lines of ``text`` as a tree; a line VyOS ``version`` refuses raises (``strict``)
    or is skipped (retired text may hold lines of another platform's rendering)."""
    tree = ConfigTree()
    rejected = apply_tree(tree, _lines(text), version)
    if rejected and strict:
        from greios.redact import redact_line

        raise RejectedLinesError(rejected, render_commands(tree), redact=redact_line,
                                 what=f"VyOS {version} plan")
    return tree


def target_tree(running: ConfigTree, intended: ConfigTree, retired: ConfigTree,
                version: str) -> ConfigTree:
    """``running`` with greios's nodes replaced by ``intended``'s."""
    target = running.copy()
    roots: dict[Path, None] = {}
    for tree in (intended, retired):
        for path, _ in tree.leaf_paths():
            root = owned_root(path)
            if root is not None:
                roots.setdefault(root)
    for group in _GROUPS:
        for name in running.children(group):
            if name.startswith("GREIOS-"):
                roots.setdefault((*group, name))
    for root in list(roots):
        if root[:2] == ("interfaces", "tunnel"):  # its MSS clamp and OSPF settings too
            roots.setdefault(("firewall", "options", "interface", root[2]))
            roots.setdefault(("protocols", "ospf", "interface", root[2]))
    for root in roots:
        target.delete(root)
    for path, value in retired.leaf_paths():
        if owned_root(path) is None and not intended.exists(path, value):
            target.delete(path, value)
    sets = [command_line("set", path, value) for path, value in intended.leaf_paths()]
    rejected = apply_tree(target, sets, version)
    if rejected:
        from greios.redact import redact_line

        raise RejectedLinesError(rejected, render_commands(target), redact=redact_line,
                                 what=f"VyOS {version} plan")
    return target


def _keep_equal_secrets(running: ConfigTree, target: ConfigTree,
                        secret_equal: Callable[[str, str], bool] | None) -> None:
    """A secret leaf whose running value holds the same key stays as it is (a reference
    ``<secret:...>`` in the intent is resolved by ``secret_equal``)."""
    for path, value in list(target.leaf_paths()):
        if value is None or path[-1] not in _SECRET_LEAVES:
            continue
        have = running.value(path)
        if have is None or have == value:
            continue
        if secret_equal is not None and secret_equal(command_line("set", path, have),
                                                     command_line("set", path, value)):
            target.set(path, have, leaf=True)


def plan(running: str, intended: str, *, retired: str = "",
         secret_equal: Callable[[str, str], bool] | None = None) -> RouterPlan:
    """The plan of one VyOS router (see the module docstring)."""
    parsed = parse_config(running)
    version = parsed.version or guess_version(
        _merged(parsed.tree, parse_config("\n".join(_lines(intended)) or "").tree))
    current = parsed.tree
    target = target_tree(current, _tree(intended, version), _tree(retired, version, strict=False),
                         version)
    _keep_equal_secrets(current, target, secret_equal)
    commands = tuple(diff_commands(current, target))
    rollback = tuple(diff_commands(target, current))
    return RouterPlan(commands=commands, rollback=rollback,
                      future=lambda: render_commands(target),
                      objects=object_changes(current, target))


def _merged(a: ConfigTree, b: ConfigTree) -> ConfigTree:
    out = a.copy()
    out.merge(b)
    return out


def _subtree_lines(tree: ConfigTree, root: Path) -> list[str]:
    from greios.redact import redact_line

    head = command_line("set", root, None) + " "
    return [redact_line(command_line("set", p, v)).removeprefix(head)
            for p, v in tree.leaf_paths() if p[:len(root)] == root]


def object_changes(current: ConfigTree, target: ConfigTree) -> tuple[ObjectChange, ...]:
    """One Terraform-style object per owned subtree that changes (lines redacted)."""
    roots: dict[Path, None] = {}
    for tree in (current, target):
        for path, _ in tree.leaf_paths():
            root = owned_root(path)
            if root is not None:
                roots.setdefault(root)
    out: list[ObjectChange] = []
    for root in roots:
        old, new = _subtree_lines(current, root), _subtree_lines(target, root)
        if old == new:
            continue
        action: Action = "create" if not old else "destroy" if not new else "update"
        lines = [LineChange("-", ln) for ln in old if ln not in new] + [
            LineChange("+", ln) for ln in new if ln not in old]
        out.append(ObjectChange(action, " ".join(root), _KINDS.get(root[-2], root[-2]),
                                tuple(lines)))
    return tuple(out)
