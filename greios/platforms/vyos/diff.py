"""Differences between two VyOS configuration trees.

:func:`diff_commands` turns ``old`` into ``new`` with ``delete`` lines first, then
``set`` lines, each group in VyOS tree order — the layout of vyatta-cfg's
``show_cmds_diff`` and of ``compare commands`` on 1.4+. Rules (same as vyatta-cfg's
``_get_cmds_diff``):

* a subtree only in ``old`` is deleted once, at its top (``delete interfaces tunnel tun1``);
* a subtree only in ``new`` is set leaf by leaf;
* a changed single value is simply set again;
* a multi-value leaf whose values changed loses the removed values one by one and gets
  the added ones, unless that would leave the values in a different order than ``new``;
  then it is deleted and set again value by value (vyatta-cfg always does the latter).

:func:`compare_text` is the ``compare`` output of configuration mode: a context diff
with ``[edit <path>]`` headers and ``+``/``-`` (and ``>`` for a changed value on
1.2/1.3) prefixes, an approximation of vyatta-cfg / libvyosconfig layout.
"""

from __future__ import annotations

from greios.platforms.vyos.render import command_line, render_curly
from greios.platforms.vyos.tree import ConfigTree, Node, Path, lexical_numeric_key

Command = tuple[str, Path, "str | None"]  # (verb, path, value)


def diff(old: ConfigTree, new: ConfigTree) -> list[Command]:
    deletes: list[Command] = []
    sets: list[Command] = []
    _diff_node(old.root, new.root, (), deletes, sets)
    return deletes + sets


def diff_commands(old: ConfigTree, new: ConfigTree) -> list[str]:
    """``delete``/``set`` lines turning ``old`` into ``new`` (empty when equal)."""
    return [command_line(verb, path, value) for verb, path, value in diff(old, new)]


def _subtree_sets(node: Node, path: Path, sets: list[Command]) -> None:
    sub = ConfigTree(Node("", {node.name: node}))
    for leaf_path, value in sub.leaf_paths():
        sets.append(("set", (*path, *leaf_path), value))


def _diff_node(old: Node, new: Node, path: Path, deletes: list[Command],
               sets: list[Command]) -> None:
    names = sorted(set(old.children) | set(new.children), key=lexical_numeric_key)
    for name in names:
        o, n = old.children.get(name), new.children.get(name)
        here = (*path, name)
        if n is None:
            assert o is not None
            deletes.append(("delete", here, None))
        elif o is None:
            _subtree_sets(n, path, sets)
        elif o.children or n.children:
            leaf_to_node = not o.children and (o.values or o.leaf)
            node_to_leaf = not n.children and (n.values or n.leaf)
            if leaf_to_node or node_to_leaf:
                deletes.append(("delete", here, None))
                _subtree_sets(n, path, sets)
            else:
                _diff_node(o, n, here, deletes, sets)
        else:
            _diff_leaf(o, n, here, deletes, sets)


def _diff_leaf(o: Node, n: Node, here: Path, deletes: list[Command],
               sets: list[Command]) -> None:
    if o.values == n.values:
        return
    if not n.values:
        deletes.append(("delete", here, None))
        sets.append(("set", here, None))
        return
    if len(o.values) <= 1 and len(n.values) == 1:
        sets.append(("set", here, n.values[0]))
        return
    removed = [val for val in o.values if val not in n.values]
    kept = [val for val in o.values if val in n.values]
    added = [val for val in n.values if val not in o.values]
    if kept + added == n.values and kept:
        deletes.extend(("delete", here, val) for val in removed)
        sets.extend(("set", here, val) for val in added)
        return
    deletes.append(("delete", here, None))
    sets.extend(("set", here, val) for val in n.values)


# ---------------------------------------------------------------------- compare
def compare_text(old: ConfigTree, new: ConfigTree, version: str = "1.4") -> str:
    """Context diff of ``new`` against ``old`` ('' when equal)."""
    out: list[str] = []
    legacy = version in ("1.2", "1.3")
    _compare(old.root, new.root, (), out, legacy, [None])
    return "".join(out)


def _context(path: Path, out: list[str], last: list[Path | None]) -> None:
    if last[0] != path:
        out.append("[edit" + "".join(f" {w}" for w in path) + "]\n")
        last[0] = path


def _block(prefix: str, node: Node) -> list[str]:
    text = render_curly(ConfigTree(Node("", {node.name: node})))
    return [prefix + line + "\n" for line in text.splitlines()]


def _compare(old: Node, new: Node, path: Path, out: list[str], legacy: bool,
             last: list[Path | None]) -> None:
    names = sorted(set(old.children) | set(new.children), key=lexical_numeric_key)
    for name in names:
        o, n = old.children.get(name), new.children.get(name)
        if o is not None and n is not None and (o.children or n.children) \
                and not (o.leaf or n.leaf):
            _compare(o, n, (*path, name), out, legacy, last)
            continue
        if o is not None and n is not None and o.same_as(n):
            continue
        _context(path, out, last)
        if o is not None and n is not None and len(o.values) == len(n.values) == 1 and legacy:
            out.append(f">{name} {n.values[0]}\n")
            continue
        if o is not None and n is not None and not o.children and not n.children:
            for val in o.values:
                if val not in n.values:
                    out.append(f"-{name} {val}\n")
            for val in n.values:
                if val not in o.values:
                    out.append(f"+{name} {val}\n")
            continue
        if o is not None:
            out.extend(_block("-", o))
        if n is not None:
            out.extend(_block("+", n))
