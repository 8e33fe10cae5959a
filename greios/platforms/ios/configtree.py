"""IOS-like configuration tree: parse (by indentation), render, apply typed lines.

* :func:`parse_config` reads a running-config file permissively: the tree follows the
  indentation, unknown lines are kept verbatim under the current block, banners are kept
  with their bodies. Used to seed a device and for ``configure replace``.
* :func:`render_config` prints the tree in IOS style (one-space indents, ``!`` after
  blocks, ``end``). ``parse_config(render_config(t))`` rebuilds ``t`` exactly.
* :class:`ConfigApplier` applies lines as typed in ``configure terminal`` (or by
  ``copy flash:f running-config``) through the per-mode grammar in
  :mod:`greios.platforms.ios.grammar`: sub-modes, implicit exit to a parent mode, ``no`` forms,
  single-value replacement, ``exit``/``end``, strict rejection of unknown lines.
"""

from __future__ import annotations

import gc
import re
from bisect import bisect_left, insort
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from greios.platforms.ios.display import interface_display, ip_display
from greios.platforms.ios.grammar import (
    BUILTIN,
    EXIT_WORDS,
    IN_USE,
    PROMPTS,
    REFS,
    Ref,
    Rule,
    find_rule,
    known_first_word,
    prefix_rule,
    transform_error,
)

_SKIP = re.compile(
    r"^(Building configuration\.\.\.|Current configuration\s*:.*|end|"
    r"Using \d+ out of \d+ bytes.*)$"
)
_BANNER = re.compile(r"^banner\s+(\S+)\s+(\^C|\S)(.*)$")

# Rough IOS running-config order, used only to place new top-level blocks.
_ORDER: list[tuple[str, int]] = [
    ("version", 0), ("service", 1), ("no service", 1), ("platform", 2), ("hostname", 3),
    ("boot", 4), ("vrf definition", 8), ("ip vrf", 8), ("logging", 10), ("enable", 11),
    ("aaa", 12), ("clock", 13), ("ip domain", 20), ("ip ", 21), ("ipv6 ", 22),
    ("multilink", 23), ("file", 24), ("key chain", 25), ("crypto pki", 26),
    ("license", 27), ("username", 30), ("redundancy", 31), ("archive", 32),
    ("ip ssh", 33), ("crypto keyring", 40), ("crypto ikev2 proposal", 41),
    ("crypto ikev2 policy", 42), ("crypto ikev2 keyring", 43), ("crypto ikev2 profile", 44),
    ("crypto ikev2", 45), ("crypto isakmp policy", 46), ("crypto isakmp key", 47),
    ("crypto isakmp", 48), ("crypto ipsec transform-set", 50), ("crypto ipsec profile", 51),
    ("crypto ipsec", 52), ("crypto map", 53), ("crypto", 54), ("interface", 60),
    ("router", 70), ("ip forward-protocol", 75), ("ip http", 76), ("ip route", 80),
    ("ip access-list", 82), ("ip prefix-list", 83), ("access-list", 84), ("route-map", 85),
    ("snmp-server", 86), ("control-plane", 88), ("banner", 90), ("line", 92), ("ntp", 95),
]


@dataclass
class Node:
    """One configuration line and its children (``body`` holds a banner's raw lines)."""

    text: str
    children: list[Node] = field(default_factory=list)
    body: list[str] | None = None

    def copy(self) -> Node:
        return Node(self.text, [c.copy() for c in self.children],
                    None if self.body is None else list(self.body))

    def find(self, text: str) -> Node | None:
        for child in self.children:
            if child.text == text:
                return child
        return None

    def walk(self, depth: int = 0) -> Iterator[tuple[int, Node]]:
        for child in self.children:
            yield depth, child
            yield from child.walk(depth + 1)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Node):
            return NotImplemented
        return (self.text, self.children, self.body) == (other.text, other.children, other.body)

    __hash__ = None  # type: ignore[assignment]


def parse_config(text: str) -> Node:
    """Parse a running-config (any indentation, CRLF ok) into a tree; never fails."""
    root = Node("")
    stack: list[tuple[int, Node]] = [(-1, root)]
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    i = 0
    while i < len(lines):
        raw = lines[i].expandtabs(1).rstrip()
        i += 1
        stripped = raw.lstrip()
        if not stripped or stripped.startswith("!") or (not raw[0].isspace()
                                                          and _SKIP.match(stripped)):
            continue
        indent = len(raw) - len(stripped)
        if indent == 0:
            m = _BANNER.match(stripped)
            if m:
                node, i = _read_banner(m, lines, i)
                root.children.append(node)
                stack = [(-1, root)]
                continue
        while stack[-1][0] >= indent:
            stack.pop()
        node = Node(stripped)
        stack[-1][1].children.append(node)
        stack.append((indent, node))
    return root


def _read_banner(m: re.Match[str], lines: list[str], i: int) -> tuple[Node, int]:
    kind, delim, rest = m.group(1), m.group(2), m.group(3)
    if delim in rest:  # one-line banner: banner motd #text#
        return Node(m.group(0)), i
    body: list[str] = [rest] if rest else []
    while i < len(lines):
        line = lines[i].rstrip("\r")
        i += 1
        if delim in line:
            before = line.split(delim, 1)[0]
            if before:
                body.append(before)
            break
        body.append(line)
    return Node(f"banner {kind} {delim}", body=body), i


def render_config(root: Node) -> str:
    """Render in IOS style, ending in ``end``."""
    out: list[str] = []
    for node in root.children:
        _render(node, 0, out)
        if node.children or node.body is not None:
            out.append("!")
    out.append("end")
    return "\n".join(out) + "\n"


def _render(node: Node, depth: int, out: list[str]) -> None:
    out.append(" " * depth + node.text)
    if node.body is not None:
        out.extend(node.body)
        out.append(node.text.rsplit(" ", 1)[-1])
    for child in node.children:
        _render(child, depth + 1, out)


def iter_lines(root: Node) -> Iterator[str]:
    """Every rendered line (with indentation), without ``!`` and ``end``."""
    out: list[str] = []
    for node in root.children:
        _render(node, 0, out)
    yield from out


# --------------------------------------------------------------------------- applying


class ConfigLineError(Exception):
    """A typed line the grammar rejects (rendered as the IOS caret error).

    ``message`` is set when IOS answers with its own text instead of the caret
    (:class:`ConfigRefusedError`)."""

    message: str | None = None

    def __init__(self, line: str, position: int = 0) -> None:
        super().__init__(line)
        self.line = line
        self.position = position


class ConfigRefusedError(ConfigLineError):
    """A valid command IOS refuses with a message: an undefined reference, or deleting an
    object still in use (grammar ``REFS`` / ``IN_USE``)."""

    def __init__(self, line: str, message: str) -> None:
        super().__init__(line, 0)
        self.message = message


def caret_error(line: str, position: int, indent: int = 0) -> str:
    return f"{' ' * (indent + position)}^\n% Invalid input detected at '^' marker.\n"


def mode_of(parent_mode: str, header: str) -> str:
    """The sub-mode a block header opens (``unknown`` for verbatim blocks)."""
    rule = find_rule(parent_mode, header)
    if rule is not None and rule.opens:
        return rule.opens
    return "unknown"


_IF_HEADER = re.compile(r"^(interface|tunnel source|ip unnumbered)\s+(\S+)(.*)$", re.I)


def normalize(line: str) -> str:
    """IOS normalisations of a typed line that hold in every mode (collapsed blanks, full
    interface names, ACL sequence numbers); the mode-aware ones are :func:`display`."""
    low = line.lower()
    if ("key" in low or "secret" in low or "password" in low or "community" in low
            or not line.isascii()):
        return _normalize(line)  # may hold a secret: not kept in the cache
    return _normalize_cached(line)  # lines repeat within and across configs


def _normalize(line: str) -> str:
    line = " ".join(line.split())
    m = _IF_HEADER.match(line)
    if m and not re.match(r"^\d+\.\d+\.\d+\.\d+$", m.group(2)):
        line = f"{m.group(1).lower()} {interface_display(m.group(2))}{m.group(3)}"
    if re.match(r"\d+ (permit|deny|remark) ", line):  # ACL sequence numbers are not shown
        line = line.split(" ", 1)[1]
    return line


_normalize_cached = lru_cache(maxsize=1 << 16)(_normalize)

_V6_TOKEN = re.compile(r"(?<![\w:.])([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}"
                       r"(?:/\d{1,3})?)(?![\w:.])")
_KEY_TYPE_0 = (
    ("ikev2-keyring-peer", re.compile(r"^(pre-shared-key(?: local| remote)?) 0 ")),
    ("keyring", re.compile(r"^(pre-shared-key (?:address|hostname) .*? key) 0 ")),
    ("global", re.compile(r"^(crypto isakmp key) 0 ")),
)
_MASKLESS = (
    ("ikev2-profile", re.compile(r"^match identity remote address \d+\.\d+\.\d+\.\d+$")),
    ("isakmp-profile", re.compile(r"^match identity address \d+\.\d+\.\d+\.\d+$")),
)

#: the modes :func:`display` has a rewrite for besides ``isakmp-policy``'s ``encryption``
_DISPLAY_MODES = frozenset(m for m, _ in (*_KEY_TYPE_0, *_MASKLESS))


def display(mode: str, line: str) -> str:
    """How IOS shows ``line`` typed in ``mode`` (docs/ios-fidelity.md rows 5, 13, 14).

    ``encryption`` becomes ``encr`` in ISAKMP policies only (an IKEv2 proposal keeps
    ``encryption 3des``); a typed key type ``0`` is dropped; IPv4 ``match identity`` lines
    get their host mask; IPv6 literals are upper-case (never inside a key line's key).

    >>> display("isakmp-policy", "encryption aes 256"), display("ikev2-proposal",
    ...     "encryption 3des")
    ('encr aes 256', 'encryption 3des')
    >>> display("if", "ipv6 address 2001:db8:acad:a::1/64")
    'ipv6 address 2001:DB8:ACAD:A::1/64'
    """
    if mode == "isakmp-policy" and line.startswith("encryption "):
        return "encr " + line[len("encryption "):]
    if mode in _DISPLAY_MODES:
        for m_mode, rx in _KEY_TYPE_0:
            if m_mode == mode and rx.match(line):
                return rx.sub(r"\1 ", line, count=1)
        for m_mode, rx in _MASKLESS:
            if m_mode == mode and rx.match(line):
                return line + " 255.255.255.255"
    if ":" in line and not line.startswith(("description ", "remark ")):
        return _upper_ipv6(line)
    return line


def _upper_ipv6(line: str) -> str:
    if "key" in line.lower():  # never touch a key: only the address after `address ipv6`
        m = re.match(r"^(.*?\baddress ipv6 )(\S+)(.*)$", line)
        return m.group(1) + ip_display(m.group(2)) + m.group(3) if m else line
    return _V6_TOKEN.sub(lambda m: ip_display(m.group(1)), line)


def _insert_top(root: Node, node: Node) -> None:
    rank = _rank(node.text)
    same = [i for i, c in enumerate(root.children) if _rank(c.text) == rank]
    if same:
        root.children.insert(same[-1] + 1, node)
        return
    for i, c in enumerate(root.children):
        if _rank(c.text) > rank:
            root.children.insert(i, node)
            return
    root.children.append(node)


@lru_cache(maxsize=1 << 16)
def _rank(text: str) -> int:
    best, best_len = 50, -1
    for prefix, rank in _ORDER:
        if text.startswith(prefix) and len(prefix) > best_len:
            best, best_len = rank, len(prefix)
    return best


@lru_cache(maxsize=64)
def _refs_of(mode: str) -> tuple[Ref, ...]:
    """The grammar's ``REFS`` of ``mode``, in their order (the grammar is fixed data)."""
    return tuple(ref for ref in REFS if ref.mode == mode)


@lru_cache(maxsize=1 << 16)
def _rule(mode: str, text: str) -> Rule | None:
    """:func:`~greios.platforms.ios.grammar.find_rule`, remembered (the grammar is fixed data)."""
    return find_rule(mode, text)


#: a parent gets an index (batch mode) once it holds this many children
_INDEX_MIN = 8  # a tunnel interface block (12-15 lines) is indexed: 40 -> 28 ms per mesh router


class _Index:
    """The children of one node by text, by (rule, key) and (lazily) sorted by text, so a
    batch of lines (``apply_lines``) does not scan every child per line: a hub's running
    config has thousands of top-level blocks and keyring peers."""

    def __init__(self, node: Node, mode: str) -> None:
        self.node = node  # keeps the node alive while its id() keys the index
        self.mode = mode
        self.by_text: dict[str, list[Node]] = {}
        self.by_key: dict[tuple[int, str], list[Node]] = {}
        self.negations: list[Node] = []
        self._sorted: list[str] | None = None
        for child in node.children:
            self.add(child)

    def _key(self, text: str) -> tuple[int, str] | None:
        rule = _rule(self.mode, text)
        if rule is None or rule.key_regex is None:
            return None
        return (id(rule), rule.key_of(text))

    def add(self, child: Node) -> None:
        self.add_keyed(child, self._key(child.text))

    def add_keyed(self, child: Node, key: tuple[int, str] | None) -> None:
        """Index ``child`` whose (rule, key) in this mode is ``key``."""
        same = self.by_text.setdefault(child.text, [])
        same.append(child)
        if len(same) == 1 and self._sorted is not None:
            insort(self._sorted, child.text)
        if key is not None:
            self.by_key.setdefault(key, []).append(child)
        if child.text.startswith("no "):
            self.negations.append(child)

    def discard(self, child: Node) -> None:
        text = child.text
        rest = [c for c in self.by_text.get(text, ()) if c is not child]
        if rest:
            self.by_text[text] = rest
        else:
            self.by_text.pop(text, None)
            if self._sorted is not None:
                i = bisect_left(self._sorted, text)
                if i < len(self._sorted) and self._sorted[i] == text:
                    del self._sorted[i]
        key = self._key(text)
        if key is not None:
            others = [c for c in self.by_key.get(key, ()) if c is not child]
            if others:
                self.by_key[key] = others
            else:
                self.by_key.pop(key, None)
        if text.startswith("no "):
            self.negations = [c for c in self.negations if c is not child]

    def starting_with(self, prefix: str) -> list[Node]:
        if self._sorted is None:
            self._sorted = sorted(self.by_text)
        out: list[Node] = []
        for i in range(bisect_left(self._sorted, prefix), len(self._sorted)):
            if not self._sorted[i].startswith(prefix):
                break
            out.extend(self.by_text[self._sorted[i]])
        return out

    def in_order(self, found: list[Node]) -> list[Node]:
        """``found`` (children, no repeats) in the node's child order."""
        if len(found) < 2:
            return found
        ids = {id(c) for c in found}
        return [c for c in self.node.children if id(c) in ids]


class _Ranks:
    """Runs of equal :func:`_rank` among the top-level children, so :func:`_insert_top`'s
    position is found per run instead of per child."""

    def __init__(self, children: list[Node]) -> None:
        self.runs: list[list[int]] = []  # [rank, count] in child order
        for c in children:
            r = _rank(c.text)
            if self.runs and self.runs[-1][0] == r:
                self.runs[-1][1] += 1
            else:
                self.runs.append([r, 1])

    def insert(self, rank: int) -> int:
        """Where :func:`_insert_top` puts a node of ``rank``; records it there."""
        pos = 0
        same: tuple[int, int] | None = None  # (run, end position) of the last run of rank
        greater: tuple[int, int] | None = None  # (run, start) of the first run above rank
        for i, (r, n) in enumerate(self.runs):
            if r == rank:
                same = (i, pos + n)
            elif r > rank and greater is None:
                greater = (i, pos)
            pos += n
        if same is not None:
            self.runs[same[0]][1] += 1
            return same[1]
        if greater is not None:
            self.runs.insert(greater[0], [rank, 1])
            return greater[1]
        self.runs.append([rank, 1])
        return pos

    def remove(self, at: int) -> None:
        pos = 0
        for i, run in enumerate(self.runs):
            if at < pos + run[1]:
                run[1] -= 1
                if not run[1]:
                    del self.runs[i]
                    if 0 < i < len(self.runs) and self.runs[i - 1][0] == self.runs[i][0]:
                        self.runs[i - 1][1] += self.runs.pop(i)[1]
                return
            pos += run[1]

    def add_at(self, at: int, rank: int) -> None:
        """Record a node of ``rank`` inserted at position ``at`` (not by :meth:`insert`)."""
        pos = 0
        for i, run in enumerate(self.runs):
            if at <= pos + run[1] and run[0] == rank and at >= pos:
                run[1] += 1
                return
            if at < pos + run[1]:
                if at > pos:  # split the run
                    tail = run[1] - (at - pos)
                    run[1] = at - pos
                    self.runs[i + 1:i + 1] = [[rank, 1], [run[0], tail]]
                elif i > 0 and self.runs[i - 1][0] == rank:
                    self.runs[i - 1][1] += 1
                else:
                    self.runs.insert(i, [rank, 1])
                return
            pos += run[1]
        if self.runs and self.runs[-1][0] == rank:
            self.runs[-1][1] += 1
        else:
            self.runs.append([rank, 1])


@dataclass
class _Frame:
    node: Node
    mode: str


#: How a line of an IKEv2 proposal's algorithm lists (``encryption``, ``integrity``, ``prf``,
#: ``group``) combines with the one already there (docs/ios-fidelity.md row 10; no source
#: settles which IOS does): ``"union"`` adds the typed algorithms to the list and
#: ``no <kw> <alg...>`` removes only those (Cisco's model: one leaf per algorithm);
#: ``"replace"`` makes the typed list the whole list and ``no <kw> ...`` removes it.
#: The planner's commands converge under both (tests/fidelity/test_proposal_lists.py).
PROPOSAL_LISTS: Literal["union", "replace"] = "union"
_LIST_KEYWORDS = frozenset({"encryption", "integrity", "prf", "group"})


def set_proposal_lists(mode: Literal["union", "replace"]) -> Literal["union", "replace"]:
    """Switch the engine's :data:`PROPOSAL_LISTS` semantics; returns the previous one."""
    global PROPOSAL_LISTS
    previous, PROPOSAL_LISTS = PROPOSAL_LISTS, mode
    return previous


def _list_line(frame_mode: str, line: str) -> tuple[str, list[str]] | None:
    """(keyword, algorithms) of an IKEv2 proposal list line under union semantics."""
    if frame_mode != "ikev2-proposal" or PROPOSAL_LISTS != "union":
        return None
    words = line.split()
    if len(words) < 2 or words[0] not in _LIST_KEYWORDS:
        return None
    return words[0], words[1:]


class ConfigApplier:
    """Applies typed configuration lines to ``root``, tracking the current sub-mode.

    ``reject`` is an optional predicate (fault injection) that makes a line fail like an
    unknown command. The applier only edits ``root``; the caller holds the device lock.

    ``indexed`` (used by :func:`apply_lines`, one batch under one lock) keeps indexes of
    large nodes' children for the applier's lifetime, so a batch costs time linear in its
    size; only the applier may change ``root`` meanwhile. Results are the same either way.
    """

    def __init__(self, root: Node, reject: Iterable[re.Pattern[str]] = (), *,
                 indexed: bool = False, vrf_refs: bool = True) -> None:
        self.root = root
        #: check that named VRFs exist (off where ``root`` is a subset of a running config
        #: that leaves VRF definitions out: the planner's future config)
        self.vrf_refs = vrf_refs
        self.stack: list[_Frame] = [_Frame(root, "global")]
        self.reject = list(reject)
        self.banner: Node | None = None
        self.banner_delim = ""
        self.changed = False
        self.indexed = indexed
        self._indexes: dict[int, _Index] = {}
        self._ranks: _Ranks | None = None
        self._find = _rule if indexed else find_rule  # (mode, line) -> rule

    @property
    def mode(self) -> str:
        return self.stack[-1].mode

    @property
    def prompt_suffix(self) -> str:
        return PROMPTS.get(self.mode, "config")

    def apply(self, raw: str) -> bool:
        """Apply one line. Returns False when the line was ``end`` (or exit at global).

        Raises :class:`ConfigLineError` for a line IOS would reject.
        """
        if self.banner is not None:
            return self._banner_line(raw)
        line = normalize(raw)
        if not line or line.startswith("!"):
            return True
        low = line.lower()
        if low == "end":
            self.stack = self.stack[:1]
            return False
        if low == "exit" or low in EXIT_WORDS:
            if len(self.stack) == 1:
                return low != "exit"
            self.stack.pop()
            return True
        for rx in self.reject:
            if rx.search(line):
                raise ConfigLineError(line, 0)
        m = _BANNER.match(line) if line.startswith("banner") else None
        if m and len(self.stack) >= 1:
            self.stack = self.stack[:1]
            self._start_banner(m)
            return True
        if low.startswith(("no ", "default ")):
            self._apply_no(line.split(" ", 1)[1])
            return True
        find = self._find
        for depth in range(len(self.stack) - 1, -1, -1):
            rule = find(self.stack[depth].mode, line)
            if rule is not None:
                del self.stack[depth + 1:]
                frame = self.stack[depth]
                line = self._strict(frame.mode, line)
                if line:
                    self._add(frame, rule, line)
                    self._after_add(frame, rule)
                return True
        raise ConfigLineError(line, self._error_position(line))

    # -- IOS strictness: display, transform sets, references, in-use deletes -------------

    def _strict(self, mode: str, line: str) -> str:
        """``line`` as IOS stores it, or an error IOS gives for it ("" = store nothing)."""
        line = display(mode, line)
        if mode == "global" and line.startswith("crypto ipsec transform-set "):
            words = line.split(" ")
            bad = transform_error(words[4:])
            if len(words) < 5 or bad is not None:
                at = min(4 + (bad or 0), len(words) - 1)
                raise ConfigLineError(line, len(" ".join(words[:at])) + 1)
        if mode == "if" and line.lower() == "tunnel mode gre ip":  # the default: hidden (R14)
            self._apply_no("tunnel mode")
            return ""
        for ref in _refs_of(mode):
            if ref.vrf and not self.vrf_refs:
                continue
            m = ref.regex.fullmatch(line)
            if m is None:
                continue
            for name in m.group(1).split():
                if not self._has_object(ref.targets, name):
                    raise ConfigRefusedError(line, ref.message.format(name=name))
        return line

    def _after_add(self, frame: _Frame, rule: Rule) -> None:
        """IOS shows ` mode tunnel` under a transform set without a mode (R1, row 1)."""
        if rule.opens == "transform-set":
            node = self.stack[-1].node
            if not any(c.text.startswith("mode ") for c in node.children):
                self._place(node, Node("mode tunnel"), at=0)

    def _top_starting(self, prefix: str) -> list[Node]:
        idx = self._index(self.root, "global")
        if idx is not None:
            return idx.starting_with(prefix)
        return [c for c in self.root.children if c.text.startswith(prefix)]

    def _has_object(self, prefixes: tuple[str, ...], name: str) -> bool:
        for prefix in prefixes:
            header = prefix + name
            if header in BUILTIN:
                return True
            if any(c.text == header or c.text.startswith(header + " ")
                   for c in self._top_starting(header)):
                return True
        return False

    def _refuse_in_use(self, body: str) -> None:
        """Raise when ``no <body>`` deletes an object another block still names (D1-D5)."""
        for rule in IN_USE:
            if not body.startswith(rule.header):
                continue
            name = body[len(rule.header):].split(" ", 1)[0]
            rx = re.compile(rule.pattern.format(name=re.escape(name)), re.I)
            for prefix in rule.users:
                for user in self._top_starting(prefix):
                    if any(rx.fullmatch(c.text) for c in user.children):
                        raise ConfigRefusedError("no " + body, rule.message.format(name=name))

    def _find_rule(self, mode: str, line: str) -> Rule | None:
        return _rule(mode, line) if self.indexed else find_rule(mode, line)

    def _error_position(self, line: str) -> int:
        words = line.split(" ")
        if len(words) > 1 and any(known_first_word(f.mode, words[0]) for f in self.stack):
            return len(words[0]) + 1
        return 0

    # -- child bookkeeping (indexes kept in step in indexed mode) --------------------------

    def _index(self, node: Node, mode: str) -> _Index | None:
        """The index of a large node's children (indexed mode only)."""
        if not self.indexed:
            return None
        idx = self._indexes.get(id(node))
        if idx is not None and idx.node is node and idx.mode == mode:
            return idx
        if idx is None and len(node.children) < _INDEX_MIN:
            return None
        idx = self._indexes[id(node)] = _Index(node, mode)
        return idx

    def _known(self, node: Node) -> _Index | None:
        idx = self._indexes.get(id(node))
        return idx if idx is not None and idx.node is node else None

    def _top_ranks(self) -> _Ranks:
        if self._ranks is None:
            self._ranks = _Ranks(self.root.children)
        return self._ranks

    def _place(self, parent: Node, child: Node, at: int | None = None,
               key: tuple[tuple[int, str] | None] | None = None) -> None:
        """Add ``child`` to ``parent`` (top level: at its rank; else at ``at`` or last);
        ``key``: ``(the child's (rule, key) in parent's mode,)`` when known."""
        if parent is self.root and at is None:
            if not self.indexed:
                _insert_top(parent, child)
                return
            parent.children.insert(self._top_ranks().insert(_rank(child.text)), child)
        elif at is not None:
            parent.children.insert(at, child)
            if parent is self.root and self._ranks is not None:
                self._ranks.add_at(at, _rank(child.text))
        else:
            parent.children.append(child)
        if (idx := self._known(parent)) is not None:
            if key is None:
                idx.add(child)
            else:
                idx.add_keyed(child, key[0])

    def _drop(self, parent: Node, child: Node) -> None:
        """``parent.children.remove(child)`` (the first equal child goes, as with list.remove)."""
        at = parent.children.index(child)
        gone = parent.children.pop(at)
        if (idx := self._known(parent)) is not None:
            idx.discard(gone)
        if parent is self.root and self._ranks is not None:
            self._ranks.remove(at)

    def _retext(self, parent: Node, child: Node, text: str) -> None:
        idx = self._known(parent)
        if idx is not None:
            idx.discard(child)
        if parent is self.root and self._ranks is not None and _rank(text) != _rank(child.text):
            at = next(i for i, c in enumerate(parent.children) if c is child)
            self._ranks.remove(at)
            self._ranks.add_at(at, _rank(text))
        child.text = text
        if idx is not None:
            idx.add(child)

    # -- lines -----------------------------------------------------------------------------

    def _add(self, frame: _Frame, rule: Rule, line: str) -> None:
        node = frame.node
        if (listed := _list_line(frame.mode, line)) is not None:
            line = self._union(frame, *listed)
        keyed = rule.key_regex is not None
        key = rule.key_of(line) if keyed else line
        idx = self._index(node, frame.mode)
        # a positive line removes a stored negation of itself (`no ip address`)
        negations = [c for c in (node.children if idx is None else idx.negations)
                     if c.text.startswith("no ") and line.startswith(c.text[3:])]
        for child in negations:  # (found first: removing one changes no other's text)
            self._drop(node, child)
            self.changed = True
        existing = None
        if idx is None:
            mode, find = frame.mode, self._find
            for child in node.children:
                text = child.text
                if text == line or (keyed and find(mode, text) is rule
                                    and rule.key_of(text) == key):
                    existing = child
                    break
        else:
            found = list(idx.by_text.get(line, ()))
            if keyed:
                found += [c for c in idx.by_key.get((id(rule), key), ())
                          if all(c is not f for f in found)]
            existing = next(iter(idx.in_order(found)), None)
        known = ((id(rule), key) if keyed else None,)
        if rule.opens:
            if existing is None:
                existing = Node(line)
                self._place(node, existing, key=known)
                self.changed = True
            elif existing.text != line:
                self._retext(node, existing, line)
                self.changed = True
            self.stack.append(_Frame(existing, rule.opens))
            return
        if existing is not None:
            if existing.text != line:
                self._retext(node, existing, line)
                self.changed = True
            return
        self._place(node, Node(line), key=known)
        self.changed = True

    def _union(self, frame: _Frame, keyword: str, values: list[str]) -> str:
        """The list line after adding ``values`` to ``keyword``'s algorithms."""
        have = next((c.text.split()[1:] for c in frame.node.children
                     if c.text.split()[:1] == [keyword]), [])
        return " ".join([keyword, *have, *(v for v in values if v not in have)])

    def _subtract(self, frame: _Frame, body: str) -> bool:
        """``no <kw> <alg...>`` under union semantics: drop only the named algorithms
        (True when that left some, so the line stays)."""
        listed = _list_line(frame.mode, body)
        if listed is None:
            return False
        keyword, values = listed
        line = next((c for c in frame.node.children if c.text.split()[:1] == [keyword]), None)
        if line is None:
            return False
        rest = [v for v in line.text.split()[1:] if v not in values]
        if not rest:
            return False
        self._retext(frame.node, line, " ".join([keyword, *rest]))
        self.changed = True
        return True

    def _insert(self, parent: Node, node: Node) -> None:
        self._place(parent, node)

    def _apply_no(self, body: str) -> None:
        # (a) a full command of some mode, deepest first; (b) an existing line it prefixes
        for depth in range(len(self.stack) - 1, -1, -1):
            frame = self.stack[depth]
            rule = self._find_rule(frame.mode, body)
            victims = self._victims(frame, body, rule)
            if rule is not None or victims:
                del self.stack[depth + 1:]
                if not self._subtract(frame, body):
                    self._remove(frame, body, rule, victims)
                return
        for depth in range(len(self.stack) - 1, -1, -1):
            rule = prefix_rule(self.stack[depth].mode, body)
            if rule is not None:
                del self.stack[depth + 1:]
                return
        raise ConfigLineError("no " + body, 3)

    def _victims(self, frame: _Frame, body: str, rule: Rule | None) -> list[Node]:
        """The children ``no <body>`` removes: the line itself (or lines with its key);
        failing those, the lines ``body`` is a partial command of (``no ip address``)."""
        key = rule.key_of(body) if rule is not None and rule.key_regex is not None else None
        idx = self._index(frame.node, frame.mode)
        if idx is not None:
            found = list(idx.by_text.get(body, ()))
            if key is not None and rule is not None:
                found += idx.by_key.get((id(rule), key), ())
            if not found:
                found = idx.starting_with(body + " ")
            unique = list({id(c): c for c in found}.values())
            return idx.in_order(unique)
        same: list[Node] = []
        longer: list[Node] = []
        for child in frame.node.children:
            text = child.text
            if text == body or (key is not None and rule is not None
                                and self._find_rule(frame.mode, text) is rule
                                and rule.key_of(text) == key):
                same.append(child)
            elif text.startswith(body + " "):
                longer.append(child)
        return same or longer

    def _remove(self, frame: _Frame, body: str, rule: Rule | None, victims: list[Node]) -> None:
        if frame.node is self.root and victims:
            self._refuse_in_use(body)
        at = frame.node.children.index(victims[0]) if victims else None
        for child in victims:
            self._drop(frame.node, child)
            self.changed = True
        if rule is None and victims:
            rule = prefix_rule(frame.mode, body)
        # IOS shows the negated command without its old value: `no ip address`
        m = rule.key_regex.match(body) if rule is not None and rule.key_regex else None
        stored = "no " + (m.group(0).strip() if m else body)
        if rule is not None and rule.neg and not rule.opens and not self._holds(frame, stored):
            if at is not None and frame.node is not self.root:
                self._place(frame.node, Node(stored), at)
            else:
                self._insert(frame.node, Node(stored))
            self.changed = True
        if frame.mode == "transform-set" and body.startswith("mode"):
            self._place(frame.node, Node("mode tunnel"), at=0)  # back to the default, shown

    def _holds(self, frame: _Frame, text: str) -> bool:
        idx = self._index(frame.node, frame.mode)
        if idx is not None:
            return text in idx.by_text
        return frame.node.find(text) is not None

    def _start_banner(self, m: re.Match[str]) -> None:
        kind, delim, rest = m.group(1), m.group(2), m.group(3)
        idx = self._index(self.root, "global")
        old = (list(self.root.children) if idx is None
               else idx.in_order(idx.starting_with(f"banner {kind} ")))
        for child in old:
            if child.text.startswith(f"banner {kind} "):
                self._drop(self.root, child)
        self.changed = True
        if delim in rest:
            self._place(self.root, Node(m.group(0)))
            return
        self.banner = Node(f"banner {kind} {delim}", body=[rest] if rest else [])
        self.banner_delim = delim

    def _banner_line(self, raw: str) -> bool:
        banner = self.banner
        assert banner is not None
        body: list[str] = banner.body if banner.body is not None else []
        banner.body = body
        if self.banner_delim in raw:
            before = raw.split(self.banner_delim, 1)[0]
            if before:
                body.append(before)
            self._place(self.root, banner)
            self.banner = None
            return True
        body.append(raw.rstrip("\r"))
        return True


def apply_lines(root: Node, lines: Iterable[str], reject: Iterable[re.Pattern[str]] = (), *,
                vrf_refs: bool = True) -> list[tuple[str, ConfigLineError]]:
    """Apply lines like ``copy <file> running-config``; return the rejected ones.

    The cyclic garbage collector is paused meanwhile: config trees hold no cycles (freed
    by reference counting) and its passes over a large heap cost more than the batch."""
    applier = ConfigApplier(root, reject, indexed=True, vrf_refs=vrf_refs)
    errors: list[tuple[str, ConfigLineError]] = []
    was = gc.isenabled()
    gc.disable()
    try:
        for raw in lines:
            try:
                if not applier.apply(raw) and raw.strip().lower() == "end":
                    break
            except ConfigLineError as exc:
                errors.append((raw.strip(), exc))
    finally:
        if was:
            gc.enable()
    return errors


def apply_text(running: str, lines: Iterable[str], *, what: str = "config") -> str:
    """``running`` after IOS applied ``lines`` (typed in config mode), as IOS displays it.

    The one engine for IOS config semantics (``PLATFORM.apply_lines``): the simulated
    router applies lines the same way. Raises
    :class:`~greios.platforms.base.RejectedLinesError` for lines IOS would refuse."""
    from greios.platforms.base import RejectedLinesError
    from greios.redact import redact_line

    root = parse_config(running)
    # the planner applies to the blocks greios may touch, without the VRF definitions
    # (greios never creates VRFs): their existence is checked by the lab on the full config
    errors = apply_lines(root, lines, vrf_refs=False)
    text = render_config(root)
    if errors:
        shown = [(line, getattr(exc, "message", None) or caret_error(line, exc.position).strip())
                 for line, exc in errors]
        raise RejectedLinesError(shown, text, redact=redact_line, what=what)
    return text


def diff_lines(root: Node, candidate: Node) -> list[str]:
    """Lines of ``candidate`` (with their parent headers) that ``root`` does not hold.

    This is what ``show archive config incremental-diffs`` prints for a merge file.
    """
    out: list[str] = []
    _diff(root, candidate, 0, out)
    return out


def _diff(have: Node | None, want: Node, depth: int, out: list[str]) -> None:
    for child in want.children:
        mine = have.find(child.text) if have is not None else None
        if mine is None or mine.body != child.body:
            _render(child, depth, out)
            continue
        sub: list[str] = []
        _diff(mine, child, depth + 1, sub)
        if sub:
            out.append(" " * depth + child.text)
            out.extend(sub)
