"""The VyOS configuration tree: nodes, tag nodes, leaves and their values.

A :class:`ConfigTree` holds one configuration the way VyOS's own config tree does
(libvyosconfig ``Config_tree``, vyatta-cfg ``cstore``):

* every node has a name and children; a **tag node** (``tunnel``, ``peer``, ``proposal``)
  has one child per tag value (``tun0``), rendered ``tunnel tun0 {`` in curly format;
* a **leaf** holds a list of values: none for a valueless leaf (``enable-multicast``), one
  for an ordinary leaf, several for a multi-value leaf (``address``);
* children are always presented in VyOS's lexical-numeric order (``tun2`` before
  ``tun10``, ``100.66.8.36/32`` before ``100.66.24.36/32``); the values of a multi-value
  leaf keep the order they were set in (see ``smoketest/config-tests/
  bgp-azure-ipsec-gateway`` in vyos-1x, where ``id '51.105.0.1'`` precedes
  ``id '192.0.2.189'``).

Pure data structure, no I/O. Paths are tuples of words without the value:
``("interfaces", "tunnel", "tun0", "address")``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

Path = tuple[str, ...]


def _digit_run(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end].isdigit():
        end += 1
    return end


def lexical_numeric_compare(a: str, b: str) -> int:
    """VyOS's node ordering: byte-wise, except that runs of digits met at the same
    position in both strings compare as numbers (``eth2`` < ``eth10``).

    Written from the behaviour of vyos1x-config ``lexical_numeric_compare``.

    >>> sorted(["tun10", "tun2", "eth0"], key=lexical_numeric_key)
    ['eth0', 'tun2', 'tun10']
    """
    i = j = 0
    while i < len(a) and j < len(b):
        ca, cb = a[i], b[j]
        if ca.isdigit() and cb.isdigit():
            ei, ej = _digit_run(a, i), _digit_run(b, j)
            na, nb = int(a[i:ei]), int(b[j:ej])
            if na != nb:
                return -1 if na < nb else 1
            if ei - i != ej - j:  # same number, different spelling ("01" vs "1")
                return -1 if ei - i < ej - j else 1
            i, j = ei, ej
            continue
        if ca != cb:
            return -1 if ca.encode() < cb.encode() else 1
        i += 1
        j += 1
    rest_a, rest_b = len(a) - i, len(b) - j
    return (rest_a > rest_b) - (rest_a < rest_b)


lexical_numeric_key = functools.cmp_to_key(lexical_numeric_compare)


@dataclass
class Node:
    """One node of the tree. ``leaf`` nodes carry ``values``; ``tag`` nodes' children
    are tag values."""

    name: str
    children: dict[str, Node] = field(default_factory=dict)
    values: list[str] = field(default_factory=list)
    leaf: bool = False
    tag: bool = False

    def sorted_children(self) -> list[Node]:
        return [self.children[k] for k in sorted(self.children, key=lexical_numeric_key)]

    def copy(self) -> Node:
        return Node(self.name, {k: v.copy() for k, v in self.children.items()},
                    list(self.values), self.leaf, self.tag)

    def same_as(self, other: Node) -> bool:
        """Structural equality (values in order, children in any order). A valueless
        leaf equals an empty node: set-lines cannot tell them apart."""
        if self.values != other.values:
            return False
        if self.leaf != other.leaf and (self.children or other.children):
            return False
        if self.children.keys() != other.children.keys():
            return False
        return all(c.same_as(other.children[k]) for k, c in self.children.items())


class ConfigTree:
    """A whole VyOS configuration (the root node has no name)."""

    def __init__(self, root: Node | None = None) -> None:
        self.root = root if root is not None else Node("")

    # ------------------------------------------------------------------ queries
    def copy(self) -> ConfigTree:
        return ConfigTree(self.root.copy())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ConfigTree) and self.root.same_as(other.root)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"ConfigTree({len(list(self.leaf_paths()))} leaves)"

    def get(self, path: Sequence[str]) -> Node | None:
        node = self.root
        for word in path:
            child = node.children.get(word)
            if child is None:
                return None
            node = child
        return node

    def exists(self, path: Sequence[str], value: str | None = None) -> bool:
        node = self.get(path)
        if node is None:
            return False
        return value is None or value in node.values

    def values(self, path: Sequence[str]) -> list[str]:
        """Values of the leaf at ``path`` (empty when absent or valueless)."""
        node = self.get(path)
        return list(node.values) if node is not None else []

    def value(self, path: Sequence[str]) -> str | None:
        vals = self.values(path)
        return vals[0] if vals else None

    def children(self, path: Sequence[str]) -> list[str]:
        """Child names at ``path`` in VyOS order (tag values for a tag node)."""
        node = self.get(path)
        return [c.name for c in node.sorted_children()] if node is not None else []

    def is_empty(self) -> bool:
        return not self.root.children

    def leaf_paths(self) -> Iterator[tuple[Path, str | None]]:
        """Every ``(path, value)`` the set-command rendering would print, in VyOS order;
        ``value`` is None for valueless leaves and empty non-leaf nodes."""
        yield from _walk(self.root, ())

    # ------------------------------------------------------------------ changes
    def set(self, path: Sequence[str], value: str | None = None, *, multi: bool = False,
            leaf: bool | None = None, tags: Sequence[int] = ()) -> bool:
        """Create ``path`` (and any missing parents) and set ``value`` on its last node.

        ``multi`` appends the value to a multi-value leaf, otherwise it replaces the
        leaf's value. ``leaf`` marks the last node as a leaf (default: when a value is
        given). ``tags`` are indices into ``path`` of tag nodes. Returns False when
        nothing changed (the path/value already existed).
        """
        if not path:
            raise ValueError("empty configuration path")
        tagset = set(tags)
        node = self.root
        created = False
        for idx, word in enumerate(path):
            child = node.children.get(word)
            if child is None:
                child = Node(word)
                node.children[word] = child
                created = True
            if idx in tagset:
                child.tag = True
            node = child
        is_leaf = leaf if leaf is not None else value is not None
        if is_leaf:
            node.leaf = True
        if value is None:
            return created
        if multi:
            if value in node.values:
                return created
            node.values.append(value)
            return True
        if node.values == [value]:
            return created
        node.values = [value]
        return True

    def delete(self, path: Sequence[str], value: str | None = None) -> bool:
        """Delete ``path`` (a whole subtree) or one value of a multi-value leaf; parents
        left empty are kept, as VyOS keeps them (``set interfaces loopback lo``).
        Returns False when there was nothing to delete."""
        if not path:
            raise ValueError("empty configuration path")
        parent = self.get(path[:-1])
        if parent is None or path[-1] not in parent.children:
            return False
        node = parent.children[path[-1]]
        if value is not None:
            if value not in node.values:
                return False
            if len(node.values) > 1:
                node.values.remove(value)
                return True
        del parent.children[path[-1]]
        self._prune_tag_parent(path[:-1])
        return True

    def _prune_tag_parent(self, path: Sequence[str]) -> None:
        # libvyosconfig prune_delete: a tag node left without tag values goes away
        node = self.get(path)
        if path and node is not None and node.tag and not node.children:
            parent = self.get(path[:-1])
            if parent is not None:
                del parent.children[path[-1]]

    def merge(self, other: ConfigTree) -> None:
        """Add every node and value of ``other`` (values of ``other`` win for
        single-value leaves)."""
        _merge(self.root, other.root)


def _merge(dst: Node, src: Node) -> None:
    dst.leaf = dst.leaf or src.leaf
    dst.tag = dst.tag or src.tag
    if src.values:
        if len(src.values) == 1 and len(dst.values) <= 1:
            dst.values = list(src.values)
        else:
            dst.values.extend(v for v in src.values if v not in dst.values)
    for name, child in src.children.items():
        if name not in dst.children:
            dst.children[name] = child.copy()
        else:
            _merge(dst.children[name], child)


def _walk(node: Node, prefix: Path) -> Iterator[tuple[Path, str | None]]:
    for child in node.sorted_children():
        path = (*prefix, child.name)
        if child.children:
            yield from _walk(child, path)
        elif child.values:
            for value in child.values:
                yield path, value
        else:
            yield path, None
