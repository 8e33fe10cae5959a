"""Split running-config text into top-level blocks (fast, no ciscoconfparse).

Handles CRLF/CR, ``!`` comments, ``end``, banners with any delimiter (``^C``, ETX, ``#``,
...) whose body lines are not config, and ``crypto pki certificate chain`` hex bodies
(skipped wholesale up to ``quit``). Children are nested by indentation.

Pre-filter: with ``heads``, a top-level block whose first word is not in ``heads`` is skipped
with all its indented lines *without building nodes* (one ``isspace`` test per line). That is
what makes a 39k-line file of VLANs cheap. Kept blocks are nested exactly as without the
filter (the tree of a kept block never depends on a skipped one).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass


@dataclass(slots=True, init=False)
class Node:
    text: str  # stripped line
    line: int  # 1-based line number in the source
    children: list[Node]

    # written out: the generated one's default_factory check costs a third of a node, and a
    # 39k-line config makes ~22,000 of them
    def __init__(self, text: str, line: int, children: list[Node] | None = None) -> None:
        self.text = text
        self.line = line
        self.children = [] if children is None else children

    def words(self) -> list[str]:
        return self.text.split()


def _banner_end(rest: str) -> tuple[str, bool]:
    """Delimiter of a banner and whether the banner closes on its first line."""
    rest = rest.lstrip()
    if rest.startswith("^C"):
        delim = "^C"
    elif rest:
        delim = rest[0]
    else:
        return "", True
    return delim, delim in rest[len(delim):]


_CERT = ("crypto pki certificate chain", "crypto ca certificate chain")
_SPECIAL_TOP = ("banner ", *_CERT)  # the top-level lines after which others are no config


def _special_top(stripped: str, idx: int, heads: Collection[str] | None,
                 roots: list[Node]) -> tuple[str | None, bool]:
    """Take a top-level ``banner`` or certificate-chain line (line number ``idx``) into
    ``roots`` if kept; returns what the lines after it are: (inside a banner until this
    delimiter, inside a certificate)."""
    if heads is None or stripped.split(None, 1)[0] in heads:
        roots.append(Node(stripped, idx))
    if stripped.startswith(_CERT):
        return None, True
    parts = stripped.split(None, 2)
    if len(parts) == 3:
        delim, closed = _banner_end(parts[2])
        if not closed:
            return delim, False
    return None, False


def split_blocks(text: str, heads: Collection[str] | None = None) -> tuple[list[Node], int]:
    """Return the top-level nodes (with nested children) and the number of lines.

    ``heads``: keep only top-level blocks whose first word is in it (``None`` keeps all).
    Banners and certificate bodies are still recognised (and skipped) either way.
    """
    lines = text.splitlines()
    roots: list[Node] = []
    stack: list[tuple[int, Node]] = []  # (indent, node)
    banner_delim: str | None = None
    in_cert = False
    skipping = False  # inside an unwanted top-level block: drop indented lines
    for idx, raw in enumerate(lines, 1):
        if skipping:
            if not raw or raw[0].isspace():
                continue
            skipping = False
        if banner_delim is not None:
            if banner_delim in raw:
                banner_delim = None
            continue
        body = raw.lstrip()
        if not body:
            continue
        indent = len(raw) - len(body)
        stripped = body.rstrip()
        if in_cert:
            if indent > 0 or stripped == "quit":
                continue
            in_cert = False
        if stripped[0] == "!":
            if indent == 0:
                stack.clear()
            continue
        if indent == 0:
            stack.clear()
            if stripped == "end":
                pass
            elif stripped.startswith(_SPECIAL_TOP):
                banner_delim, in_cert = _special_top(stripped, idx, heads, roots)
            elif heads is None or stripped.split(None, 1)[0] in heads:
                node = Node(stripped, idx)
                roots.append(node)
                stack.append((0, node))
            else:
                skipping = True
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        node = Node(stripped, idx)
        if stack:
            stack[-1][1].children.append(node)
            stack.append((indent, node))
        else:  # indented line with no parent (e.g. after a comment): treat as top level
            if heads is None or stripped.split(None, 1)[0] in heads:
                roots.append(node)
            stack.append((indent, node))
    return roots, len(lines)
