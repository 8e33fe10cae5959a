"""Access-list entries, decoded lazily.

Most ACL lines of a real config (15k on corpus ``large/sample_05``) are never looked at by the
audit: only crypto-map ``match address`` ACLs are. Decoding an entry builds two
:class:`~ipaddress.IPv4Network` objects (~5 us), so :class:`AclEntries` keeps the split words
and decodes on first access, with exactly the eager rules (:func:`decode`).

Exactness: eager decoding can raise ``ValueError`` only on a non-ASCII digit or an octet with a
leading zero (``ipaddress`` rejects ``010.1.1.1``; :func:`~greios.devmodel.addr.is_ipv4`
accepts it). A line where that is possible (:func:`risky`) is decoded eagerly by the parser,
so the parse-time warning and truncation of the block stay what they were.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from ipaddress import IPv4Network
from typing import Any, Union, overload

from greios.devmodel.addr import acl_addr
from greios.devmodel.model import AclEntry

STANDARD, EXTENDED, NUMBERED = 0, 1, 2
Raw = tuple[int, list[str], int]  # (mode, words without sequence number, line)
Item = Union[AclEntry, Raw]  # noqa: UP007 - runtime alias, py3.10-safe

# a "0" not after a digit, before one (the "0" first: the engine looks for it, not at every
# position)
_LEADING_ZERO = re.compile(r"0(?<![0-9]0)[0-9]")


def risky(text: str) -> bool:
    """Could eager decoding of this line raise ``ValueError``? (conservative)"""
    return not text.isascii() or _LEADING_ZERO.search(text) is not None


def decode(name: str, mode: int, w: list[str], line: int) -> AclEntry | None:
    """One entry, as the eager parser decoded it (None: not an entry)."""
    if mode == STANDARD and w and w[0] in ("permit", "deny"):
        src, _ = acl_addr(w, 1)
        return AclEntry(w[0], "ip", src, IPv4Network("0.0.0.0/0"), line)
    if not w:
        return None
    if w[0] == "remark":
        return AclEntry("remark", "", None, None, line)
    if w[0] not in ("permit", "deny") or len(w) < 2:
        return None
    if mode == NUMBERED and name.isdigit() and int(name) < 100:  # standard numbered ACL
        src, _ = acl_addr(w, 1)
        return AclEntry(w[0], "ip", src, IPv4Network("0.0.0.0/0"), line)
    proto = w[1]
    src, i = acl_addr(w, 2)
    if i < len(w) and w[i] in ("eq", "gt", "lt", "neq"):
        i += 2
    elif i < len(w) and w[i] == "range":
        i += 3
    dst, _ = acl_addr(w, i)
    return AclEntry(w[0], proto, src, dst, line)


class AclEntries(Sequence[AclEntry]):
    """Immutable sequence of :class:`AclEntry`, decoded on first use; equal to the tuple of
    the same entries."""

    __slots__ = ("_done", "_items", "_name")

    def __init__(self, name: str, items: list[Item]) -> None:
        self._name = name
        self._items: list[Item] | None = items
        self._done: tuple[AclEntry, ...] | None = None

    def _all(self) -> tuple[AclEntry, ...]:
        if self._done is None:
            out: list[AclEntry] = []
            for it in self._items or ():
                if isinstance(it, AclEntry):
                    out.append(it)
                else:
                    e = decode(self._name, *it)
                    if e is not None:
                        out.append(e)
            self._done, self._items = tuple(out), None
        return self._done

    @overload
    def __getitem__(self, i: int) -> AclEntry: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[AclEntry, ...]: ...
    def __getitem__(self, i: int | slice) -> AclEntry | tuple[AclEntry, ...]:
        return self._all()[i]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[AclEntry]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AclEntries):
            return self._all() == other._all()
        if isinstance(other, tuple):
            return self._all() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __repr__(self) -> str:
        return repr(self._all())

    def __reduce__(self) -> tuple[Any, ...]:
        items = list(self._done) if self._done is not None else self._items
        return (AclEntries, (self._name, items))
