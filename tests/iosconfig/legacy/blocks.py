"""Split running-config text into top-level blocks (fast, no ciscoconfparse).

Handles CRLF/CR, ``!`` comments, ``end``, banners with any delimiter (``^C``, ETX, ``#``,
...) whose body lines are not config, and ``crypto pki certificate chain`` hex bodies
(skipped wholesale up to ``quit``). Children are nested by indentation.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Node:
    text: str  # stripped line
    line: int  # 1-based line number in the source
    children: list[Node] = field(default_factory=list)

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


def split_blocks(text: str) -> tuple[list[Node], int]:
    """Return the top-level nodes (with nested children) and the number of lines."""
    lines = text.splitlines()
    roots: list[Node] = []
    stack: list[tuple[int, Node]] = []  # (indent, node)
    banner_delim: str | None = None
    in_cert = False
    for idx, raw in enumerate(lines, 1):
        if banner_delim is not None:
            if banner_delim in raw:
                banner_delim = None
            continue
        stripped = raw.strip()
        if not stripped:
            continue
        indent = len(raw) - len(raw.lstrip())
        if in_cert:
            if indent > 0 or stripped == "quit":
                continue
            in_cert = False
        if stripped[0] == "!":
            if indent == 0:
                stack.clear()
            continue
        if indent == 0:
            if stripped == "end":
                stack.clear()
                continue
            if stripped.startswith("banner "):
                parts = stripped.split(None, 2)
                if len(parts) == 3:
                    delim, closed = _banner_end(parts[2])
                    if not closed:
                        banner_delim = delim
                roots.append(Node(stripped, idx))
                stack.clear()
                continue
            if stripped.startswith(("crypto pki certificate chain", "crypto ca certificate chain")):
                roots.append(Node(stripped, idx))
                stack.clear()
                in_cert = True
                continue
            node = Node(stripped, idx)
            roots.append(node)
            stack[:] = [(0, node)]
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        node = Node(stripped, idx)
        if stack:
            stack[-1][1].children.append(node)
            stack.append((indent, node))
        else:  # indented line with no parent (e.g. after a comment): treat as top level
            roots.append(node)
            stack[:] = [(indent, node)]
    return roots, len(lines)
