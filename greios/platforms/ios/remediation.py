"""IOS remediation (``PLATFORM.plan``): running + intended (+ retired) text in, ordered IOS
out, as a :class:`~greios.plan.model.RouterPlan`.

Pure: no device I/O. Built on hier_config 3 trees, diffs and negation rules with greios's
IOS rules (:mod:`greios.platforms.ios.rules`) and ownership model
(:mod:`greios.platforms.ios.ownership`). The config the commands lead to (and the rollback
computed from it) comes from the platform's one config engine
(:func:`greios.platforms.ios.configtree.apply_text`).

Ordering of :attr:`RouterPlan.commands`:

1. objects created, replaced or updated with additions, by ascending rank (referenced
   objects first: proposal/keyring/transform-set -> policy/IKE profile -> IPsec profile ->
   tunnel -> routing), each in intended order;
2. objects destroyed and updates that only remove lines, by descending rank (routes and
   tunnels first, then IPsec profiles, IKE profiles, policies, keyrings/proposals/sets).

Inside a section, additions and in-place changes come before removals (make before break:
``proposal PROP-2`` is added before ``no proposal PROP-1``). Single-value lines are changed
in place (the new line is entered, no ``no`` line).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from greios.errors import ConfigParseError
from greios.gcpause import no_cyclic_gc
from greios.plan.model import Action, LineChange, ObjectChange, RouterPlan, object_lines_wanted
from greios.platforms.ios.configtree import apply_text
from greios.platforms.ios.ownership import (
    Key,
    _kids,
    default_secret_equal,
    is_whole_kind,
    keys_of,
    normalise_text,
    owned_tree,
    owned_view,
    parse_config,
    parse_key_line,
    relevant_text,
    top_key,
)
from greios.platforms.ios.rules import (
    DEFAULT_RANK,
    greios_driver,
    no_last_depths,
    object_kind,
)
from greios.redact import redact_line

if TYPE_CHECKING:
    from hier_config import HConfig
    from hier_config.child import HConfigChild

#: top-level objects that are single lines (destroyed by ``no <line>``)
_LEAF_KINDS = frozenset({"static-route", "isakmp-key", "other"})


@dataclass
class _Step:
    key: Key
    action: Action
    header: str
    kind: str
    rank: int
    order: int
    commands: list[str]
    lines: list[LineChange] = field(default_factory=list)
    text: str = ""  # the object's header as in the tree (unredacted)

    @property
    def removal_phase(self) -> bool:
        if self.action == "destroy":
            return True
        return (
            self.action == "update"
            and all(c.lstrip().startswith("no ") for c in self.commands if c.startswith(" "))
            and any(c.startswith(" ") for c in self.commands)
        )


def plan_router(
    running: str,
    intended: str,
    *,
    retired: str = "",
    secret_equal: Callable[[str, str], bool] | None = None,
) -> RouterPlan:
    """Plan the change that takes ``running`` to ``intended`` on the objects greios owns.

    ``retired`` lists lines greios rendered earlier for pairs that left the inventory;
    they are removed from shared (line-owned) sections. ``secret_equal(running_line,
    intended_line)`` decides whether two key lines hold the same key (default:
    :func:`greios.platforms.ios.ownership.default_secret_equal`).
    """
    trees: list[HConfig] = []
    with no_cyclic_gc():
        try:
            return _plan(running, intended, retired, secret_equal, trees)
        finally:
            _dispose(trees)


def _plan(running: str, intended: str, retired: str,
          secret_equal: Callable[[str, str], bool] | None, trees: list[HConfig]) -> RouterPlan:
    try:
        want = parse_config(intended, what="intended config")
        trees.append(want)
        ret = parse_config(retired, what="retired config")
        trees.append(ret)
    except ConfigParseError:
        parse_config(running, what="running config")  # its error comes first, as ever
        raise
    # only the running blocks greios may own or touch: named or listed objects (a plan
    # never reads the rest; the full future config is built if asked for)
    listed = set(keys_of(want)) | set(keys_of(ret))
    subset = relevant_text(running, lambda key: key in listed or is_whole_kind(key))
    run = parse_config(running if subset is None else subset, what="running config")
    trees.append(run)
    view = owned_view(run, want, ret)
    trees.append(view)
    steps = _diff(view, want, secret_equal or default_secret_equal, frozenset(),
                  copy_want=False, with_lines=object_lines_wanted())
    commands = _ordered_commands(steps)
    pushed = tuple(commands)
    if (rollback := _fresh_rollback(run, ret, steps)) is not None:
        return RouterPlan(commands=pushed, rollback=rollback,
                          future=lambda: apply_text(running, pushed, what="running config"),
                          objects=tuple(ObjectChange(s.action, s.header, s.kind, tuple(s.lines))
                                        for s in _ordered(steps)))
    future_text = apply_text(running if subset is None else subset, pushed,
                             what="running config")
    future = parse_config(future_text, what="future config")
    trees.append(future)

    # rollback: from future back to what greios owned in running
    back_target = owned_tree(run, want, ret)
    trees.append(back_target)
    if ret.children:
        from hier_config import HConfig as _HConfig

        back_retired = _HConfig(run.driver)
        back_retired.merge([want, ret])
        trees.append(back_retired)
    else:  # merging want with nothing is a copy of want: only read below
        back_retired = want
    created = frozenset(s.key for s in steps if s.action == "create")
    # exact key comparison aligns nothing, so back_target needs no copy; lines are not shown
    back_view = owned_view(future, back_target, back_retired)
    trees.append(back_view)
    back = _diff(back_view, back_target, _exact_equal, created, copy_want=False,
                 with_lines=False)
    return RouterPlan(
        commands=pushed,
        rollback=tuple(_ordered_commands(back)),
        future=future_text if subset is None else (
            lambda: apply_text(running, pushed, what="running config")),
        objects=tuple(
            ObjectChange(s.action, s.header, s.kind, tuple(s.lines)) for s in _ordered(steps)
        ),
    )


def _fresh_rollback(run: HConfig, ret: HConfig, steps: list[_Step]) -> tuple[str, ...] | None:
    """The rollback when the running config holds nothing the plan can touch (a router's
    first rollout), without building the future config; ``None`` otherwise.

    Then the future's top-level objects are exactly the created ones, in command order, each
    under its header as :func:`_apply` enters it; all of them are listed in intended, so the
    rollback destroys each (its negated header), referencing objects first: what
    ``_diff(owned_view(future, {}, intended), {}, ...)`` computes. Taken only when entering
    a header leaves it unchanged (else the general path decides).
    """
    if run.children or ret.children or any(s.action != "create" for s in steps):
        return None
    built = _ordered(steps)
    if any(normalise_text(" ".join(s.text.split()), ()) != s.text or s.text in ("exit", "end")
           or s.text.startswith(("no ", "!")) for s in built):
        return None  # _apply would not enter this header as it is
    order = sorted(range(len(built)), key=lambda i: (-built[i].rank, i))
    return tuple(_negated(built[i].text) for i in order)


def _dispose(trees: list[HConfig]) -> None:
    """Break the parent/child cycles of trees nothing refers to any more: every node that
    has children lets go of them (a leaf's link to its parent is then one-way)."""
    stack: list[HConfig | HConfigChild] = list(trees)
    pop, push = stack.pop, stack.extend
    while stack:
        children = pop().children
        kids = getattr(children, "_data", None)  # hier_config's list, else iterate
        if kids is None:
            kids = list(children)
        if kids:
            push(kids)
            children.clear()
    trees.clear()


# --- diff ---------------------------------------------------------------------------------


def _exact_equal(running_line: str, intended_line: str) -> bool:
    return running_line.strip() == intended_line.strip()


def _diff(
    owned: HConfig,
    want: HConfig,
    secret_equal: Callable[[str, str], bool],
    destroy_keys: frozenset[Key],
    *,
    copy_want: bool = True,
    with_lines: bool = True,
) -> list[_Step]:
    """Steps from ``owned`` (the part of a config greios owns, see :func:`owned_tree`) to
    ``want``. Key lines of ``want`` take the running spelling where ``secret_equal`` says
    equal; without ``copy_want`` that happens in place and is undone before returning."""
    if copy_want:
        want = want.deep_copy()
    undo: list[tuple[HConfigChild, str]] = []
    try:
        _align_keys(owned, want, secret_equal, undo)
        have, wanted = keys_of(owned), keys_of(want)
        steps: list[_Step] = []
        order = [*wanted, *(k for k in have if k not in wanted)]
        for index, key in enumerate(order):
            r, w = have.get(key), wanted.get(key)
            step = _object_step(key, r, w, destroy_keys, with_lines)
            if step is not None:
                step.order = index
                steps.append(step)
        return steps
    finally:
        for node, text in reversed(undo):
            node.text = text


def _align_keys(
    have: HConfig | HConfigChild,
    want: HConfig | HConfigChild,
    secret_equal: Callable[[str, str], bool],
    undo: list[tuple[HConfigChild, str]],
) -> None:
    """Give intended key lines the running spelling where ``secret_equal`` says equal."""
    is_root = have.depth() == 0
    have_by_key = keys_of(have) if is_root else {}  # type: ignore[arg-type]
    for w in list(want.children):
        r = have_by_key.get(top_key(w.text)) if is_root else have.children.get(w.text)
        if r is None and not w.children:
            r = have.driver.idempotent_for(w, have.children)
        if r is None:
            continue
        if w.children or r.children:
            _align_keys(r, w, secret_equal, undo)
        elif (
            r.text != w.text
            and parse_key_line(w.text) is not None
            and parse_key_line(r.text) is not None
            and secret_equal(r.text, w.text)
        ):
            undo.append((w, w.text))
            w.text = r.text


def _mini(child: HConfigChild | None, header: str | None = None) -> HConfig:
    from hier_config import HConfig as _HConfig

    root = _HConfig(greios_driver())
    if child is not None:
        copy = root.add_deep_copy_of(child)
        if header is not None and header != copy.text:
            copy.text = header
    return root


def _delta_commands(r: HConfig, w: HConfig) -> list[str]:
    """hier_config's remediation from ``r`` to ``w`` (throwaway :func:`_mini` copies), as
    commands; the three trees are disposed of (:func:`_dispose`) afterwards."""
    delta = r.config_to_get_to(w)
    delta.set_order_weight()
    commands = [c.cisco_style_text() for c in delta.all_children_sorted()]
    _dispose([delta, r, w])
    return commands


def _object_step(
    key: Key,
    r: HConfigChild | None,
    w: HConfigChild | None,
    destroy_keys: frozenset[Key],
    with_lines: bool = True,
) -> _Step | None:
    text = (w or r).text  # type: ignore[union-attr]
    found = object_kind(text)
    kind = found[0].kind if found else "other"
    rank = found[0].rank if found else DEFAULT_RANK
    header = redact_line(text)

    def step(action: Action, commands: list[str], lines: Callable[[], list[LineChange]]
             ) -> _Step:
        return _Step(key, action, header, kind, rank, 0, commands,
                     lines() if with_lines else [], text)

    if r is None:
        assert w is not None
        return step("create", _create_commands(w), lambda: _all_lines_nested(w, "+", ""))
    if w is None:
        if is_whole_kind(key) or key in destroy_keys or (kind in _LEAF_KINDS and not r.children):
            return step("destroy", [_negated(r.text)], lambda: _all_lines_nested(r, "-", ""))
        empty = _mini(r)
        for c in list(empty.children[0].children):
            c.delete()
        removed = _line_changes(r, empty.children[0], "") if with_lines else []
        commands = _delta_commands(_mini(r), empty)
        return step("update", commands, lambda: removed) if commands else None
    if r.text == w.text and _same_tree(r, w):
        return None  # converged: no delta, no line changes
    if kind == "ikev2-proposal" and r.text == w.text:
        commands, changes = _proposal_delta(r, w)
        return step("update", commands, lambda: changes) if commands else None
    if r.text != w.text and not (found and found[0].reenter_header) and r.children:
        commands = [
            *_delta_commands(_mini(r), _mini(None)),
            *_create_commands(w),
        ]
        return step("replace", commands,
                    lambda: [*_all_lines_nested(r, "-", ""), *_all_lines_nested(w, "+", "")])
    lines: list[LineChange] = []
    if r.text != w.text:
        lines.append(LineChange("~", redact_line(w.text), redact_line(r.text)))
    commands = _delta_commands(_mini(r, header=w.text), _mini(w))
    if r.text != w.text and not commands:
        commands = [w.text]
    if with_lines and (r.children or w.children):
        lines.extend(_line_changes(r, w, ""))
    return step("update", commands, lambda: lines) if commands else None


#: an IKEv2 proposal's algorithm lists (docs/ios-fidelity.md row 10)
_PROPOSAL_LISTS = ("encryption", "integrity", "prf", "group")


def _proposal_delta(r: HConfigChild, w: HConfigChild) -> tuple[list[str], list[LineChange]]:
    """Commands taking proposal ``r`` to ``w`` that converge whether IOS replaces an
    algorithm list or adds to it (no source settles it, docs/ios-fidelity.md row 10).

    Lists are compared as sets. A list that loses algorithms gets ``no <kw> <removed...>``
    and then ``<kw> <the whole new list>``: union semantics remove the old ones and add
    nothing more, replace semantics end on the new list whatever the ``no`` did. A list
    that only gains algorithms gets the whole new list (the same under both). Other lines
    of the proposal go through hier_config as usual."""
    def lists(node: HConfigChild) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for c in node.children:
            words = c.text.split()
            if words and words[0] in _PROPOSAL_LISTS:
                out.setdefault(words[0], []).extend(v for v in words[1:]
                                                     if v not in out.get(words[0], []))
        return out

    have, want = lists(r), lists(w)
    body: list[str] = []
    changes: list[LineChange] = []
    for kw in _PROPOSAL_LISTS:
        old, new = have.get(kw, []), want.get(kw, [])
        if set(old) == set(new):
            continue
        removed = [v for v in old if v not in new]
        if removed:
            body.append(f" no {kw} {' '.join(removed)}")
        if new:
            body.append(f" {kw} {' '.join(new)}")
            changes.append(LineChange("~", f"{kw} {' '.join(new)}", f"{kw} {' '.join(old)}")
                           if old else LineChange("+", f"{kw} {' '.join(new)}"))
        else:
            changes.append(LineChange("-", f"{kw} {' '.join(old)}"))
    rest_r, rest_w = _mini(r), _mini(w)
    for tree in (rest_r, rest_w):
        for c in list(tree.children[0].children):
            if c.text.split()[:1] and c.text.split()[0] in _PROPOSAL_LISTS:
                c.delete()
    rest_changes = _line_changes(rest_r.children[0], rest_w.children[0], "")
    rest = _delta_commands(rest_r, rest_w)
    if rest:
        body.extend(rest[1:])
        changes.extend(rest_changes)
    return ([r.text, *body] if body else []), changes


def _same_tree(r: HConfigChild, w: HConfigChild) -> bool:
    """Same children, same order, recursively (then hier_config finds no delta)."""
    rc, wc = list(r.children), list(w.children)
    return len(rc) == len(wc) and all(
        a.text == b.text and _same_tree(a, b) for a, b in zip(rc, wc, strict=True)
    )


def _create_commands(w: HConfigChild) -> list[str]:
    """``_delta_commands(_mini(None), _mini(w))`` without building trees: hier_config's
    delta from nothing is a copy of ``w``, sorted by the driver's ordering rules (``no``
    lines last at the depths :func:`~greios.platforms.ios.rules.no_last_depths` names)."""
    depths = no_last_depths()
    if depths is None:  # ordering rules this shortcut does not know: ask hier_config
        return _delta_commands(_mini(None), _mini(w))
    out: list[str] = []
    _copy_lines(w, 1, depths, " " * greios_driver().rules.indentation, out)
    return out


def _copy_lines(node: HConfigChild, depth: int, depths: Collection[int], indent: str,
                out: list[str]) -> None:
    """:func:`_create_commands`'s walk (a module function: a nested recursive one is a
    reference cycle per call, left to the cyclic garbage collector)."""
    out.append(indent * (depth - 1) + node.text)
    children = _kids(node)  # hier_config's own list: read, never reordered here
    if not children:
        return
    if depth + 1 in depths:
        children = sorted(children, key=lambda c: c.text.startswith("no "))
    for child in children:
        _copy_lines(child, depth + 1, depths, indent, out)


def _negated(text: str) -> str:
    """``_delta_commands(_mini(r), _mini(None))`` of a top-level object: hier_config negates
    the header alone (its lines play no part), so only the header is built. Headers repeat
    across routers (``interface Tunnel1000``): remembered, unless they hold a key."""
    if parse_key_line(text) is not None:
        return _negate(text)
    return _negate_cached(text)


def _negate(text: str) -> str:
    from hier_config import HConfig as _HConfig

    root = _HConfig(greios_driver())
    negated = root.add_child(text).negate().cisco_style_text()
    _dispose([root])  # no parent/child cycle left for the cyclic collector
    return negated


_negate_cached = lru_cache(maxsize=1 << 14)(_negate)


def _line_changes(r: HConfigChild, w: HConfigChild, indent: str) -> list[LineChange]:
    out: list[LineChange] = []
    consumed: set[int] = set()
    r_children = list(r.children)
    for wc in w.children:
        rc = r.children.get(wc.text)
        if rc is not None:
            consumed.add(id(rc))
            sub = _line_changes(rc, wc, indent + " ") if (rc.children or wc.children) else []
            if sub:
                out.append(LineChange("~", indent + redact_line(wc.text)))
                out.extend(sub)
            continue
        old = r.driver.idempotent_for(wc, r_children)
        if old is not None and w.children.get(old.text) is None and not wc.children:
            consumed.add(id(old))
            out.append(
                LineChange("~", indent + redact_line(wc.text), indent + redact_line(old.text))
            )
        else:
            out.append(LineChange("+", indent + redact_line(wc.text)))
            out.extend(_all_lines_nested(wc, "+", indent + " "))
    for rc in r_children:
        if id(rc) not in consumed and w.children.get(rc.text) is None:
            out.append(LineChange("-", indent + redact_line(rc.text)))
            out.extend(_all_lines_nested(rc, "-", indent + " "))
    return out


def _all_lines_nested(node: HConfigChild, sign: Literal["+", "-"], indent: str) -> list[LineChange]:
    out: list[LineChange] = []
    for c in node.children:
        out.append(LineChange(sign, indent + redact_line(c.text)))
        out.extend(_all_lines_nested(c, sign, indent + " "))
    return out


def _ordered(steps: list[_Step]) -> list[_Step]:
    build = sorted((s for s in steps if not s.removal_phase), key=lambda s: (s.rank, s.order))
    tear = sorted((s for s in steps if s.removal_phase), key=lambda s: (-s.rank, s.order))
    return [*build, *tear]


def _ordered_commands(steps: list[_Step]) -> list[str]:
    return [c for s in _ordered(steps) for c in s.commands]
