"""What greios owns in a router's config, and its key lines (redaction: :mod:`greios.redact`).

Ownership model (data-driven, see :mod:`greios.platforms.ios.rules`):

* **whole-owned** top-level sections: named crypto objects whose name starts with
  ``GREIOS-``, ``interface TunnelN`` whose description starts with ``greios:``, and any
  tunnel / named crypto object / ``crypto isakmp policy N`` listed in intended or retired.
  greios owns every line inside them.
* **line-owned** sections and top-level lines: anything else listed in intended or retired
  (``router ospf 1``, a LAN interface, ``ip route ...``). greios owns only the lines it
  renders (intended), the lines it rendered before (retired) and the running lines an
  intended single-value line replaces in place.
* everything else is unmanaged and never touched.

Secrets: key lines (``pre-shared-key ...``, ``crypto isakmp key ...``) compare through a
``secret_equal`` callable. The default (:func:`default_secret_equal`) compares key text
after dropping a type-0 prefix, and treats a type-6/7 running key as equal to any clear
intended key (write-only semantics: greios cannot read an encrypted key back, so it never
re-pushes a key just because the device shows it encrypted; pass a ``secret_equal`` that
knows the previous key to detect rotation against encrypted running keys).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from greios.errors import ConfigParseError
from greios.platforms.ios.rules import (
    GREIOS_DESCRIPTION,
    GREIOS_PREFIX,
    KEY_LINES,
    NORMALISE,
    WHOLE_OWNED_KINDS,
    greios_driver,
    object_kind,
)
from greios.redact import redact_line

if TYPE_CHECKING:
    from hier_config import HConfig
    from hier_config.child import HConfigChild

SecretEqual = Callable[[str, str], bool]
Key = tuple[str, str]  # (kind, name) of a top-level object


# --- key lines ----------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyLine:
    """A parsed key line: ``pre`` + [``type`` ] + ``key`` + ``post``."""

    pre: str
    type: str | None
    key: str
    post: str


def parse_key_line(line: str) -> KeyLine | None:
    """Split a PSK line into its parts, or None if it carries no PSK.

    >>> parse_key_line(" pre-shared-key 6 ABC").type
    '6'
    >>> parse_key_line("crypto isakmp key s3cr3t address 10.0.0.1").post
    ' address 10.0.0.1'
    """
    for rx in KEY_LINES:
        if m := rx.match(line):
            return KeyLine(m["pre"], m["type"], m["key"], m["post"])
    return None


def default_secret_equal(running_line: str, intended_line: str) -> bool:
    """Equal keys: same text after dropping type 0; an encrypted (6/7) running key
    equals a clear intended key (write-only semantics)."""
    run, want = parse_key_line(running_line), parse_key_line(intended_line)
    if run is None or want is None:
        return running_line.strip() == intended_line.strip()
    run_type = None if run.type == "0" else run.type
    want_type = None if want.type == "0" else want.type
    if run_type in ("6", "7") and want_type is None:
        return True
    return (run_type, run.key) == (want_type, want.key)


# --- parsing and normalisation ------------------------------------------------------------


def parse_config(text: str, *, what: str = "config") -> HConfig:
    """Parse IOS text into a normalised hier_config tree (greios driver)."""
    from hier_config import get_hconfig
    from hier_config.exceptions import DuplicateChildError

    try:
        try:
            tree = load_hconfig(text)
        except DuplicateChildError:
            # a section entered twice (IOS merges re-entered sections): parse per block
            tree = get_hconfig(greios_driver())
            tree.merge(load_hconfig(block) for block in _top_blocks(text))
    except DuplicateChildError as exc:
        raise ConfigParseError(f"{what}: duplicate line in one section: {exc}") from None
    except ValueError as exc:
        raise ConfigParseError(f"{what}: cannot parse: {exc}") from None
    normalise_tree(tree)
    return tree


def load_hconfig(text: str) -> HConfig:
    """``hier_config.get_hconfig(greios_driver(), text)``, the same tree built faster.

    hier_config's loader runs every per-line substitution (16 regexes for IOS) on every
    line; here one combined pattern tells which lines any of them touches and only those
    go through them in order. Everything else is hier_config's own loader loop. Falls back
    to ``get_hconfig`` for driver rules this does not model.
    """
    from hier_config import HConfig as _HConfig
    from hier_config import get_hconfig

    driver = greios_driver()
    rules = driver.rules
    try:
        from hier_config.constructors import (
            _analyze_indent,
            _config_from_string_lines_end_of_banner_test,
        )
    except ImportError:  # pragma: no cover - another hier_config layout
        return get_hconfig(driver, text)
    if _unmodelled_loader():
        return get_hconfig(driver, text)
    sub_rules = tuple((r.search, r.replace) for r in rules.per_line_sub)
    seen = _seen_lines(sub_rules)
    config = _HConfig(driver)
    _add_lines(config, text, seen, _line_reader(sub_rules, seen), _analyze_indent,
               _config_from_string_lines_end_of_banner_test)
    _delete_sectional_exits(config, _exit_texts(tuple(r.exit_text
                                                      for r in rules.sectional_exiting)))
    return config


def _line_reader(sub_rules: tuple[tuple[str, str], ...],
                 seen: dict[str, tuple[int, str]]) -> Callable[[str], tuple[int, str]]:
    """A line not in ``seen`` -> (indent, text after the per-line substitutions),
    remembered in ``seen`` where that is safe."""
    touched, subs = _line_subs(sub_rules)

    def read(line: str) -> tuple[int, str]:
        got = _substituted(line, touched, subs)
        if _rememberable(line):
            if len(seen) >= _SEEN_MAX:
                seen.clear()
            seen[line] = got
        return got

    return read


def _add_lines(config: HConfig, text: str, seen: dict[str, tuple[int, str]],
               read: Callable[[str], tuple[int, str]],
               analyze: Callable[..., tuple[Any, Any]],
               banner_ends: Callable[..., bool]) -> None:
    """hier_config's loader loop over ``text`` (banners kept whole): a line's substituted
    form from ``seen``, else from ``read``."""
    current_section: HConfig | HConfigChild = config
    most_recent_item: HConfig | HConfigChild = config
    temp_banner: list[str] = []
    banner_end_lines = {"EOF", "%", "!"}
    banner_end_contains: list[str] = []
    in_banner = False
    for line in text.splitlines():
        if in_banner:
            if line != "!":
                temp_banner.append(line)
            if banner_ends(line, frozenset(banner_end_lines), banner_end_contains):
                in_banner = False
                most_recent_item = config.add_child("\n".join(temp_banner))
                most_recent_item.real_indent_level = 0
                current_section = config
                temp_banner = []
            continue
        if line.startswith("banner ") and line != "banner motd ##":
            in_banner = True
            temp_banner.append(line)
            _open_banner(line, banner_end_lines, banner_end_contains)
            continue
        got = seen.get(line)
        this_indent, body = read(line) if got is None else got
        if body:
            most_recent_item, current_section = analyze(
                most_recent_item, current_section, this_indent, body)
    if in_banner:
        raise ValueError("we are still in a banner for some reason")


def _delete_sectional_exits(config: HConfig, exits: frozenset[str]) -> None:
    """hier_config asks every node for its sectional exit; only a node whose last child
    reads like an exit can lose it, so the others are not asked (same nodes, same order)."""
    nodes: list[HConfigChild] = []
    stack = list(reversed(_kids(config)))
    while stack:
        node = stack.pop()
        nodes.append(node)
        if kids := _kids(node):
            stack.extend(reversed(kids))
    for node in nodes:
        kids = _kids(node)
        if kids and kids[-1].text in exits:
            node.delete_sectional_exit()


def _kids(node: HConfig | HConfigChild) -> list[HConfigChild]:
    """``node``'s children as hier_config holds them (its list itself, live: no per-call
    Python ``__len__``/``__iter__`` of the children container), else a copy."""
    data = getattr(node.children, "_data", None)
    return data if isinstance(data, list) else list(node.children)


def _open_banner(line: str, end_lines: set[str], end_contains: list[str]) -> None:
    """A banner starts at ``line``: how hier_config's loader will recognise its end."""
    words = line.split()
    if len(words) > 2:
        end_contains.append(words[2])
        if words[2].startswith('"'):
            end_contains.append('"')
        end_lines.add(words[2][:1])
        end_lines.add(words[2][:2])


@lru_cache(maxsize=4)
def _exit_texts(rule_texts: tuple[str | None, ...]) -> frozenset[str]:
    """Every text ``delete_sectional_exit`` can remove: a rule's exit text or ``exit``."""
    return frozenset({t for t in rule_texts if t} | {"exit"})


def relevant_text(text: str, keep: Callable[[Key], bool]) -> str | None:
    """The top-level blocks of ``text`` whose :func:`top_key` ``keep`` accepts, as text that
    :func:`parse_config` turns into exactly those blocks of ``parse_config(text)``.

    Walks the lines the way hier_config's loader does (banners, per-line substitutions,
    indentation) without building nodes, so a plan parses only the few blocks of a
    running config it can touch. ``None`` when the shortcut cannot promise the same tree
    (a repeated line within a section, an unterminated banner, loader rules it does not
    model): then the caller parses everything.
    """
    if _unmodelled_loader():
        return None
    touched, subs = _line_subs(tuple((r.search, r.replace)
                                     for r in greios_driver().rules.per_line_sub))
    lines = text.splitlines()
    banner_end_lines = {"EOF", "%", "!"}
    banner_end_contains: list[str] = []
    in_banner = False
    # the loader's state: sections (indent level, children seen), the last item's level
    sections: list[tuple[int, set[str]]] = [(-1, set())]
    recent_level = -1  # the root's level; a new item opens no section under the root itself
    recent_is_root = True
    starts: list[tuple[int, str]] = []  # (first raw line, top-level text) of every block
    banner_start = 0
    temp_banner: list[str] = []
    for i, raw in enumerate(lines):
        if in_banner:
            if raw != "!":
                temp_banner.append(raw)
            if _banner_ends(raw, banner_end_lines, banner_end_contains):
                in_banner = False
                if not _close_banner(temp_banner, sections, starts, banner_start):
                    return None  # a repeated banner
                temp_banner = []
                recent_level, recent_is_root = 0, False
            continue
        if raw.startswith("banner ") and raw != "banner motd ##":
            in_banner = True
            banner_start = i
            temp_banner.append(raw)
            _open_banner(raw, banner_end_lines, banner_end_contains)
            continue
        level, line = _substituted(raw, touched, subs)
        if not line:
            continue
        while level <= sections[-1][0]:
            sections.pop()
        if level > recent_level and not recent_is_root:
            sections.append((recent_level, set()))  # the last item opens a section
        siblings = sections[-1][1]
        if line in siblings:
            return None  # hier_config refuses or keeps a repeated line: parse it all
        siblings.add(line)
        if len(sections) == 1:
            starts.append((i, line))
        recent_level, recent_is_root = level, False
    if in_banner:
        return None
    return _kept_blocks(lines, starts, keep)


def _close_banner(temp_banner: list[str], sections: list[tuple[int, set[str]]],
                  starts: list[tuple[int, str]], banner_start: int) -> bool:
    """A banner ended: it is a new top-level item (False when it repeats one)."""
    banner = "\n".join(temp_banner)
    if banner in sections[0][1]:
        return False
    sections[0][1].add(banner)
    del sections[1:]
    starts.append((banner_start, banner))
    return True


def _kept_blocks(lines: list[str], starts: list[tuple[int, str]],
                 keep: Callable[[Key], bool]) -> str | None:
    """The text of the top-level blocks (``starts``: first line, header) ``keep`` accepts;
    ``None`` when one of them is a banner."""
    out: list[str] = []
    for n, (first, head) in enumerate(starts):
        if keep(top_key(normalise_text(head, ()))):
            if "\n" in head or head.startswith("banner "):
                return None  # a banner's end depends on the banners before it
            end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
            out.extend(lines[first:end])
    return "\n".join(out) + ("\n" if out else "")


def _substituted(raw: str, touched: re.Pattern[str] | None,
                 subs: list[tuple[re.Pattern[str], str]]) -> tuple[int, str]:
    """(indentation, text) of a raw line after the loader's per-line substitutions; the
    text is "" for a line the loader skips."""
    body = raw.lstrip()
    indent = len(raw) - len(body)
    line = " ".join(body.split())
    full = " " * indent + line  # the line as hier_config's substitutions see it
    if touched is None or touched.search(full):
        for rx, replace in subs:
            full = rx.sub(replace, full)
        full = full.rstrip()
        line = full.lstrip()
        indent = len(full) - len(line)
    return indent, line  # (untouched: joined words carry no outer blanks)


def _banner_ends(raw: str, end_lines: set[str], end_contains: list[str]) -> bool:
    return raw.startswith("^") or raw in end_lines or any(c in raw for c in end_contains)


def _unmodelled_loader() -> bool:
    """Does the driver use loader rules that :func:`load_hconfig` / :func:`relevant_text`
    do not model?"""
    driver = greios_driver()
    rules = driver.rules
    return bool(rules.full_text_sub or rules.indent_adjust or rules.post_load_callbacks or (
        type(driver).config_preprocessor is not _base_preprocessor()))


def _base_preprocessor() -> object:
    from hier_config.platforms.driver_base import HConfigDriverBase

    return HConfigDriverBase.config_preprocessor


@lru_cache(maxsize=4)
def _seen_lines(rules: tuple[tuple[str, str], ...]) -> dict[str, tuple[int, str]]:
    """Raw line -> :func:`_substituted` under these substitutions, for lines seen before
    (lines repeat within a config and across routers: ``ip mtu 1400``, ``dpd 10 3``)."""
    return {}


_SEEN_MAX = 1 << 16


def _rememberable(line: str) -> bool:
    """May ``line`` be kept in :func:`_seen_lines`? Not a line that may hold a secret."""
    low = line.lower()
    return line.isascii() and not ("key" in low or "secret" in low or "password" in low
                                   or "community" in low)


@lru_cache(maxsize=4)
def _line_subs(rules: tuple[tuple[str, str], ...]
               ) -> tuple[re.Pattern[str] | None, list[tuple[re.Pattern[str], str]]]:
    """The loader's per-line substitutions compiled, and one pattern that matches a line
    iff some substitution would (a line none matches is left as it is by all of them)."""
    subs = [(re.compile(search), replace) for search, replace in rules]
    try:
        touched: re.Pattern[str] | None = re.compile(
            "|".join(f"(?:{search})" for search, _ in rules))
    except re.error:
        touched = None
    return touched, subs


def _top_blocks(text: str) -> list[str]:
    """Split config text into top-level blocks (a banner stays one block)."""
    blocks: list[list[str]] = []
    delimiter: str | None = None
    for line in text.splitlines():
        if delimiter is not None:
            blocks[-1].append(line)
            if delimiter in line:
                delimiter = None
            continue
        if not blocks or not (line[:1].isspace() or line.startswith(("!", "#"))):
            blocks.append([])  # (a comment line opens no block: the loader drops it)
        blocks[-1].append(line)
        words = line.split()
        if line.startswith("banner ") and len(words) > 2:
            delim = words[2][:2] if words[2].startswith("^C") else words[2][:1]
            after = words[2][len(delim) :] + line.split(words[2], 1)[1]
            delimiter = None if delim in after else delim
    return ["\n".join(b) for b in blocks]


#: :data:`NORMALISE` compiled once, by depth (number of parents), rule order kept
_NORMALISE_RX: dict[int, tuple[tuple[tuple[str, ...], re.Pattern[str], str], ...]] = {
    depth: tuple((parents, re.compile(rx), repl) for parents, rx, repl in NORMALISE
                 if len(parents) == depth)
    for depth in {len(parents) for parents, _, _ in NORMALISE}
}


def normalise_text(line: str, parents: tuple[str, ...]) -> str:
    """Rewrite one line (its ancestors' texts in ``parents``) to running-config spelling."""
    for rx, repl in _normalise_rules(parents):
        line = rx.sub(repl, line)
    return line


@lru_cache(maxsize=1 << 12)
def _normalise_rules(parents: tuple[str, ...]) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The :data:`NORMALISE` rules that apply under ``parents``, in order."""
    return tuple(
        (rx, repl) for rule_parents, rx, repl in _NORMALISE_RX.get(len(parents), ())
        if all(p.startswith(rp) for p, rp in zip(parents, rule_parents, strict=True))
    )


def normalise_tree(node: HConfig | HConfigChild, parents: tuple[str, ...] = ()) -> None:
    """Running spelling in place; a line that then repeats a sibling (``encr 3des`` next to
    ``encryption 3des``) is dropped: the device holds it once."""
    for child in list(node.children):
        new = normalise_text(child.text, parents)
        if new != child.text:
            if not child.children and node.children.get(new) is not None:
                child.delete()
                continue
            child.text = new
        if child.children:
            path = (*parents, child.text)
            if _rules_below(path):  # else no rule can rewrite anything under it
                normalise_tree(child, path)


def _rules_below(path: tuple[str, ...]) -> bool:
    """Could a :data:`NORMALISE` rule apply to some line below ``path``?"""
    return any(len(rule_parents) >= len(path)
               and all(p.startswith(rp) for p, rp in zip(path, rule_parents, strict=False))
               for rule_parents, _, _ in NORMALISE)


# --- ownership ----------------------------------------------------------------------------


def top_key(text: str) -> Key:
    """Identity of a top-level line: (kind, name) for known objects, else ("line", text)."""
    found = object_kind(text)
    if found is None:
        return ("line", text)
    kind, name = found
    return (kind.kind, name)


def keys_of(tree: HConfig) -> dict[Key, HConfigChild]:
    return {top_key(c.text): c for c in tree.children}


def is_whole_owned(child: HConfigChild, listed: Iterable[Key], key: Key | None = None) -> bool:
    """Does greios own this running top-level section whole? (``key``: its
    :func:`top_key`, when the caller has it)"""
    kind, name = key if key is not None else top_key(child.text)
    if kind not in WHOLE_OWNED_KINDS:
        return False
    if (kind, name) in (listed if isinstance(listed, (set, frozenset, dict)) else set(listed)):
        return True
    if name.startswith(GREIOS_PREFIX) and kind != "tunnel" and kind != "isakmp-policy":
        return True
    return kind == "tunnel" and any(c.text.startswith(GREIOS_DESCRIPTION) for c in child.children)


def is_whole_kind(key: Key) -> bool:
    return key[0] in WHOLE_OWNED_KINDS


def restrict(
    running: HConfig | HConfigChild,
    target: HConfig | HConfigChild | None,
    retired: HConfig | HConfigChild | None,
    out: HConfig | HConfigChild,
) -> None:
    """Copy into ``out`` the lines of a line-owned ``running`` section greios owns: those in
    ``target`` or ``retired`` and those an intended single-value line replaces in place."""
    target_children = list(target.children) if target is not None else []
    for child in running.children:
        t = target.children.get(child.text) if target is not None else None
        r = retired.children.get(child.text) if retired is not None else None
        if t is not None or r is not None:
            copy = out.add_shallow_copy_of(child)
            if child.children:
                restrict(child, t, r, copy)
        elif target is not None and child.driver.idempotent_for(child, target_children):
            out.add_deep_copy_of(child)


def owned_tree(config: HConfig, intended: HConfig, retired: HConfig) -> HConfig:
    """The part of ``config`` greios owns, given intended and retired."""
    return _owned(config, intended, retired, share=False)


def owned_view(config: HConfig, intended: HConfig, retired: HConfig) -> HConfig:
    """:func:`owned_tree` for reading only: sections greios owns whole are ``config``'s own
    nodes (not copies; their ``parent`` stays in ``config``), so nothing of it may be
    changed. A hub owns thousands of sections: copying them was most of a plan's time."""
    return _owned(config, intended, retired, share=True)


def _owned(config: HConfig, intended: HConfig, retired: HConfig, *, share: bool) -> HConfig:
    from hier_config import HConfig as _HConfig

    int_keys, ret_keys = keys_of(intended), keys_of(retired)
    listed = set(int_keys) | set(ret_keys)
    out = _HConfig(config.driver)

    def whole(child: HConfigChild) -> None:
        if share:
            out.children.append(child)
        else:
            out.add_deep_copy_of(child)

    for child in config.children:
        key = top_key(child.text)
        if is_whole_owned(child, listed, key):
            whole(child)
        elif key in listed and not is_whole_kind(key):
            t, r = int_keys.get(key), ret_keys.get(key)
            if child.children or (t is not None and t.children) or (r is not None and r.children):
                copy = out.add_shallow_copy_of(child)
                restrict(child, t, r, copy)
            else:
                whole(child)
    return out


def unmanaged_tree(config: HConfig, intended: HConfig, retired: HConfig) -> HConfig:
    """``config`` minus :func:`owned_tree`; a section header stays while it holds
    unmanaged lines."""
    from hier_config import HConfig as _HConfig

    out = _HConfig(config.driver)
    _unmanaged(config, owned_tree(config, intended, retired), out)
    return out


def _unmanaged(
    node: HConfig | HConfigChild, owned: HConfig | HConfigChild, out: HConfig | HConfigChild
) -> None:
    for child in node.children:
        o = owned.children.get(child.text)
        if o is None:
            out.add_deep_copy_of(child)
        elif child.children:
            copy = out.add_shallow_copy_of(child)
            _unmanaged(child, o, copy)
            if not copy.children:
                copy.delete()


def canonical(tree: HConfig | HConfigChild, depth: int = 0) -> list[str]:
    """Order-independent text of a tree (children sorted), for comparisons."""
    out: list[str] = []
    for child in sorted(tree.children, key=lambda c: c.text):
        out.append(" " * depth + child.text)
        out.extend(canonical(child, depth + 1))
    return out


def key_insensitive(lines: Iterable[str]) -> list[str]:
    """Replace key material by ``<redacted>`` (compare configs regardless of key spelling)."""
    return [redact_line(line) for line in lines]


# --- numbered objects greios did not create (docs/ios-fidelity.md row 7) ------------------


_TUNNEL_RE = re.compile(r"^interface Tunnel(\d+)$")
_ISAKMP_RE = re.compile(r"^crypto isakmp policy (\d+)$")


@dataclass(frozen=True)
class NumberedObjects:
    """The numbered objects of a running config that a greios object could collide with:
    tunnels greios did not create (no ``description greios:``) and every ISAKMP policy
    with its lines (as IOS shows them)."""

    foreign_tunnels: frozenset[int]
    isakmp_policies: dict[int, frozenset[str]]
    #: the router carries a tunnel greios created (greios was deployed there before)
    has_greios: bool = False


def numbered_objects(text: str) -> NumberedObjects:
    """Scan ``text`` (a running config) for :class:`NumberedObjects`."""
    tunnels: dict[int, bool] = {}  # number -> has a greios description
    policies: dict[int, set[str]] = {}
    current: tuple[str, int] | None = None
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("!"):
            continue
        if not raw[:1].isspace():
            line = " ".join(raw.split())
            current = None
            if m := _TUNNEL_RE.match(line):
                current = ("tunnel", int(m[1]))
                tunnels.setdefault(current[1], False)
            elif m := _ISAKMP_RE.match(line):
                current = ("isakmp", int(m[1]))
                policies.setdefault(current[1], set())
            continue
        if current is None:
            continue
        kind, number = current
        child = normalise_text(" ".join(raw.split()), (f"crypto isakmp policy {number}",)
                               if kind == "isakmp" else (f"interface Tunnel{number}",))
        if kind == "tunnel" and f"{child}".startswith(GREIOS_DESCRIPTION):
            tunnels[number] = True
        elif kind == "isakmp":
            policies[number].add(child)
    return NumberedObjects(
        foreign_tunnels=frozenset(n for n, ours in tunnels.items() if not ours),
        isakmp_policies={n: frozenset(lines) for n, lines in policies.items()},
        has_greios=any(tunnels.values()))


def isakmp_policy_lines(intended: str) -> dict[int, frozenset[str]]:
    """The ISAKMP policies of an intended config (rendered text) with their lines."""
    return numbered_objects(intended).isakmp_policies

