"""greios's IOS knowledge for the plan engine, as data.

Everything the remediation engine knows about IOS GRE/IPsec objects lives here:

* :data:`OBJECT_KINDS` - how a top-level line names an object (kind, name) and its
  dependency *rank*: objects are created in ascending rank (referenced objects first)
  and destroyed in descending rank (referencing objects first);
* :data:`SINGLE_VALUE` - sub-mode lines that hold one value and are changed in place
  (re-entered, never ``no`` + re-add); they become hier_config ``IdempotentCommandsRule``;
* :data:`NEGATIONS` - how IOS wants some lines negated (hier_config ``NegationSubRule``);
* :data:`NORMALISE` - running-config spelling vs typed spelling;
* :data:`REFERENCES` - which line references which object (used by ordering checks);
* :func:`greios_driver` - hier_config's Cisco IOS driver extended with all of the above.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from hier_config.child import HConfigChild
    from hier_config.models import (
        IdempotentCommandsRule,
        MatchRule,
        NegationSubRule,
        OrderingRule,
        ParentAllowsDuplicateChildRule,
    )
    from hier_config.platforms.driver_base import HConfigDriverBase, HConfigDriverRules


@dataclass(frozen=True)
class ObjectKind:
    """A top-level IOS object: ``pattern`` matches its header, group 1 is its name."""

    kind: str
    pattern: str
    rank: int
    #: crypto objects named by greios (GREIOS-...) are whole-owned
    named: bool = False
    #: a changed header (same name) is re-entered in place instead of replaced
    reenter_header: bool = False


#: Ordered: the first matching pattern wins.
OBJECT_KINDS: tuple[ObjectKind, ...] = (
    ObjectKind("ikev2-proposal", r"^crypto ikev2 proposal (\S+)", 10, named=True),
    ObjectKind("ikev2-keyring", r"^crypto ikev2 keyring (\S+)", 10, named=True),
    # [U] re-entering with another "vrf X" is assumed to move the keyring in place
    ObjectKind("isakmp-keyring", r"^crypto keyring (\S+)", 10, named=True, reenter_header=True),
    ObjectKind("isakmp-policy", r"^crypto isakmp policy (\d+)", 10),
    ObjectKind("isakmp-key", r"^crypto isakmp key .*\baddress (\S+(?: \d+\.\d+\.\d+\.\d+)?)", 10),
    ObjectKind(
        "transform-set", r"^crypto ipsec transform-set (\S+)", 10, named=True, reenter_header=True
    ),
    ObjectKind("ikev2-policy", r"^crypto ikev2 policy (\S+)", 20, named=True),
    ObjectKind("ikev2-profile", r"^crypto ikev2 profile (\S+)", 20, named=True),
    ObjectKind("isakmp-profile", r"^crypto isakmp profile (\S+)", 20, named=True),
    ObjectKind("ipsec-profile", r"^crypto ipsec profile (\S+)", 30, named=True),
    ObjectKind("interface", r"^interface (?!Tunnel\d)(\S+)", 35),
    ObjectKind("tunnel", r"^interface (Tunnel\d+)$", 40),
    ObjectKind("routing", r"^(router (?:ospf|eigrp|bgp|rip)\b.*)", 50),
    ObjectKind("static-route", r"^(ip route .*)", 50),
)

#: kinds that greios owns whole when listed in intended/retired (tunnels also when their
#: description starts with :data:`GREIOS_DESCRIPTION`, named kinds when the name starts
#: with :data:`GREIOS_PREFIX`)
WHOLE_OWNED_KINDS = frozenset(
    {k.kind for k in OBJECT_KINDS if k.named} | {"tunnel", "isakmp-policy"}
)
GREIOS_PREFIX = "GREIOS-"
GREIOS_DESCRIPTION = "description greios:"
DEFAULT_RANK = 60

# --- single-value lines: (parent header prefixes..., child regex) ------------------------
# A regex without groups keys on the matched text; with groups, on the captured groups.
_TUNNEL = ("interface Tunnel",)
_IPSEC_PROFILE = ("crypto ipsec profile ",)
_IKEV2_PROFILE = ("crypto ikev2 profile ",)
_ISAKMP_PROFILE = ("crypto isakmp profile ",)
_PROPOSAL = ("crypto ikev2 proposal ",)
_ISAKMP_POLICY = ("crypto isakmp policy ",)
_PEER = ("crypto ikev2 keyring ", "peer ")

SINGLE_VALUE: tuple[tuple[tuple[str, ...], str], ...] = (
    *(
        (_TUNNEL, rf"^{w} ")
        for w in (
            "tunnel destination",
            "tunnel source",
            "tunnel mode",
            "tunnel vrf",
            "tunnel protection ipsec profile",
            "tunnel key",
            "ip address",
            "ip mtu",
            "ip tcp adjust-mss",
            "description",
            "ip ospf network",
            "ip ospf cost",
            "vrf forwarding",
            "bandwidth",
            "keepalive",
        )
    ),
    (("interface ",), r"^description "),
    (("interface ",), r"^ip address (?!.* secondary$)"),
    *(
        (_IPSEC_PROFILE, rf"^{w} ")
        for w in (
            "set transform-set",
            "set pfs",
            "set ikev2-profile",
            "set isakmp-profile",
            "set security-association lifetime seconds",
            "set security-association lifetime kilobytes",
        )
    ),
    *(
        (_IKEV2_PROFILE, rf"^{w} ")
        for w in (
            # not `match identity remote`: IOS keeps every one (a profile matches a list)
            "keyring local",
            "identity local",
            "lifetime",
            "dpd",
            "match fvrf",
            "ivrf",
            "description",
        )
    ),
    (_IKEV2_PROFILE, r"^authentication (local|remote) "),
    *(
        (_ISAKMP_PROFILE, rf"^{w} ")
        for w in (
            "keyring",
            "self-identity",
            "local-address",
            "keepalive",
            "lifetime",
            "vrf",
        )
    ),
    *((_PROPOSAL, rf"^{w} ") for w in ("encryption", "prf", "integrity", "group")),
    *((_ISAKMP_POLICY, rf"^{w} ") for w in ("encr", "hash", "group", "authentication", "lifetime")),
    (("crypto ipsec transform-set ",), r"^mode "),
    (("crypto ikev2 policy ",), r"^match fvrf "),
    (_PEER, r"^address "),
    (_PEER, r"^description "),
    (_PEER, r"^pre-shared-key(?: (local|remote))?(?= )"),
    (("crypto keyring ",), r"^pre-shared-key address (\S+(?: \d+\.\d+\.\d+\.\d+)?) key "),
    (("crypto keyring ",), r"^local-address "),
    ((), r"^crypto isakmp key .*\baddress (\S+(?: \d+\.\d+\.\d+\.\d+)?)"),
)

# --- negation forms: (parent prefixes..., regex on the line, replacement of "no <line>") ---
NEGATIONS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    ((), r"^no crypto ipsec transform-set (\S+) .*$", r"no crypto ipsec transform-set \1"),
    ((), r"^no crypto keyring (\S+) .*$", r"no crypto keyring \1"),
    (
        ("crypto keyring ",),
        r"^no pre-shared-key address (\S+(?: \d+\.\d+\.\d+\.\d+)?) key .*$",
        r"no pre-shared-key address \1",
    ),
    (_PEER, r"^no pre-shared-key( local| remote)? .*$", r"no pre-shared-key\1"),
)

# --- running spelling: (parent prefixes..., regex, replacement) applied to every line ----
NORMALISE: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (_ISAKMP_POLICY, r"^encryption ", "encr "),
    (_PEER, r"^pre-shared-key( local| remote)? 0 ", r"pre-shared-key\1 "),
    (("crypto keyring ",), r"^(pre-shared-key address .* key) 0 ", r"\1 "),
    ((), r"^crypto isakmp key 0 ", "crypto isakmp key "),
)

# --- references: (kind of the referencing object, regex on a line, referenced kind) ------
REFERENCES: tuple[tuple[str, str, str], ...] = (
    ("ikev2-policy", r"^proposal (\S+)", "ikev2-proposal"),
    ("ikev2-profile", r"^keyring local (\S+)", "ikev2-keyring"),
    ("isakmp-profile", r"^keyring (\S+)", "isakmp-keyring"),
    ("ipsec-profile", r"^set transform-set (.+)", "transform-set"),
    ("ipsec-profile", r"^set ikev2-profile (\S+)", "ikev2-profile"),
    ("ipsec-profile", r"^set isakmp-profile (\S+)", "isakmp-profile"),
    ("tunnel", r"^tunnel protection ipsec profile (\S+)", "ipsec-profile"),
    ("static-route", r"^ip route .*\b(Tunnel\d+)\b", "tunnel"),
)

# --- key lines (secrets) ----------------------------------------------------------------
#: (regex, group index of the key type, group index of the key) - the key type group is
#: optional; everything after the key (e.g. ``address A``) is not secret.
KEY_LINES: tuple[re.Pattern[str], ...] = (
    re.compile(
        r"^(?P<pre>\s*(?:no )?pre-shared-key (?:address|hostname) \S+(?: \d+\.\d+\.\d+\.\d+)? key )"
        r"(?:(?P<type>[067]) )?(?P<key>\S+)(?P<post>.*)$"
    ),
    re.compile(
        r"^(?P<pre>\s*(?:no )?pre-shared-key(?: local| remote)? )(?!address )"
        r"(?:(?P<type>[067]) )?(?P<key>\S+)(?P<post>.*)$"
    ),
    re.compile(
        r"^(?P<pre>\s*(?:no )?crypto isakmp key )(?:(?P<type>[067]) )?(?P<key>\S+)"
        r"(?P<post> .*)$"
    ),
)

_TYPE = r"(?:[0-9]\s+)?"
_KEY_TYPE = r"(?:(?P<type>[0-9])\s+)?"  # a key line's type goes with the key when redacted
#: Every line of an IOS config that holds a secret (the platform's contribution to
#: :mod:`greios.redact`): group ``key`` of a ``search`` is the secret (with ``type``, when
#: the pattern has one, redacted along), the rest of the line is not. Case-insensitive;
#: each pattern needs one of :data:`greios.redact.HINT_WORDS`. The three key-line forms
#: come first (``no`` forms included: plan commands negate them).
SECRET_LINES: tuple[re.Pattern[str], ...] = tuple(re.compile(p, re.IGNORECASE) for p in (
    # crypto isakmp key [0|6|7] KEY address|hostname ...
    rf"^\s*(?:no\s+)?crypto\s+isakmp\s+key\s+{_KEY_TYPE}(?P<key>\S+)\s+(?:address|hostname)\b",
    # keyring (IKEv1): pre-shared-key address|hostname X [mask] key [type] KEY
    rf"^\s*(?:no\s+)?pre-shared-key\s+(?:address|hostname)\s+.*?\bkey\s+{_KEY_TYPE}"
    rf"(?P<key>\S+)",
    # IKEv2 keyring peer / profile: pre-shared-key [local|remote] [type] KEY
    rf"^\s*(?:no\s+)?pre-shared-key\s+(?:local\s+|remote\s+)?(?!(?:address|hostname)\s)"
    rf"{_KEY_TYPE}(?P<key>\S+)",
    # passwords and secrets: username/enable/line/tacacs/radius/ntp/bgp neighbor/snmp
    rf"\b(?:password|secret)\s+{_TYPE}(?P<key>\S+)",
    rf"^\s*(?:tacacs-server|radius-server|server-private).*?\bkey\s+{_TYPE}(?P<key>\S+)",
    # the type-6 master key: key config-key password-encrypt KEY
    r"^\s*key\s+config-key\s+password-encrypt\s+(?P<key>\S+)",
    rf"^\s*key\s+{_TYPE}(?P<key>\S+)\s*$",
    rf"^\s*key-string\s+{_TYPE}(?P<key>\S+)",
    r"^\s*ntp\s+authentication-key\s+\d+\s+\S+\s+(?P<key>\S+)",
    r"^\s*snmp-server\s+community\s+(?P<key>\S+)",
    r"^\s*ip\s+ospf\s+(?:message-digest-key\s+\d+\s+md5|authentication-key)\s+"
    rf"{_TYPE}(?P<key>\S+)",
))


@lru_cache(maxsize=1)
def _object_rx() -> tuple[tuple[ObjectKind, re.Pattern[str]], ...]:
    """(kind, pattern) in :data:`OBJECT_KINDS` order, compiled on first use (an audit, which
    imports this module for :data:`SECRET_LINES`, never needs them)."""
    return tuple((kind, re.compile(kind.pattern)) for kind in OBJECT_KINDS)


#: every object pattern starts with one of these words: other lines are rejected with one
#: ``str.startswith`` (most lines of a running config are no object greios knows)
_OBJECT_HEADS: tuple[str, ...] = tuple(sorted(
    {re.sub(r"^\^\(?", "", kind.pattern).split(" ", 1)[0] + " " for kind in OBJECT_KINDS}
))


def object_kind(header: str) -> tuple[ObjectKind, str] | None:
    """Return the kind and name of a top-level line, or None for other config.

    >>> kind, name = object_kind("crypto ipsec transform-set GREIOS-GCM256 esp-gcm 256")
    >>> (kind.kind, name)
    ('transform-set', 'GREIOS-GCM256')
    """
    if not header.startswith(_OBJECT_HEADS):
        return None
    return _object_kind(header)


@lru_cache(maxsize=1 << 16)
def _object_kind(header: str) -> tuple[ObjectKind, str] | None:
    for kind, rx in _object_rx():
        if m := rx.match(header):
            return kind, m.group(1)
    return None


def _literal(pattern: str) -> str:
    """Text every line the (``^``-anchored) pattern matches starts with ("" if unsure)."""
    m = re.match(r"\^([A-Za-z0-9 _-]*)", pattern)
    if m is None or _top_level_bar(pattern):
        return ""
    literal = m.group(1)
    if pattern[m.end():m.end() + 1] in ("?", "*", "+", "{"):
        literal = literal[:-1]  # the last character is optional
    return literal


def _top_level_bar(pattern: str) -> bool:
    depth, escaped = 0, False
    for ch in pattern:
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            return True
    return False


Rule = tuple[int, re.Pattern[str], str, str]  # position, line regex, its pattern, literal
Rules = tuple[Rule, ...]

@lru_cache(maxsize=1)
def _idempotent() -> tuple[tuple[int, tuple[str, ...], re.Pattern[str], str, str], ...]:
    """:data:`SINGLE_VALUE` compiled on first use: (position, parent prefixes, line regex,
    pattern, literal)."""
    return tuple((i, parents, re.compile(child), child, _literal(child))
                 for i, (parents, child) in enumerate(SINGLE_VALUE))


#: every parent prefix a single-value rule names
_PREFIXES: tuple[str, ...] = tuple(sorted({p for parents, _ in SINGLE_VALUE for p in parents}))


@lru_cache(maxsize=1 << 12)
def _signature(parents: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Which rule prefixes each parent starts with: all that rule matching depends on
    (a hub has thousands of distinct ``interface TunnelN`` parents and one signature)."""
    return tuple(tuple(p for p in _PREFIXES if text.startswith(p)) for text in parents)


@lru_cache(maxsize=1 << 10)
def _rules_by_signature(signature: tuple[tuple[str, ...], ...]) -> Rules:
    """The single-value rules whose parent prefixes match (same depth, rule order kept):
    what hier_config's lineage match decides per rule."""
    return tuple(
        (i, rx, pattern, literal) for i, prefixes, rx, pattern, literal in _idempotent()
        if len(prefixes) == len(signature)
        and all(p in matched for p, matched in zip(prefixes, signature, strict=True))
    )


@lru_cache(maxsize=1 << 10)
def _dispatch(signature: tuple[tuple[str, ...], ...]) -> tuple[dict[str, Rules], Rules]:
    """:func:`_rules_by_signature` by the first word a matching line must have (rules whose literal
    holds a space), plus the rules that need a closer look (``startswith`` their literal)."""
    by_word: dict[str, list[Rule]] = {}
    loose: list[Rule] = []
    for rule in _rules_by_signature(signature):
        literal = rule[3]
        if " " in literal:
            by_word.setdefault(literal.split(" ", 1)[0], []).append(rule)
        else:
            loose.append(rule)
    return {w: tuple(r) for w, r in by_word.items()}, tuple(loose)


def _line_rules(parents: tuple[str, ...], text: str) -> Rules:
    """The rules of :func:`_rules_by_signature` that may match ``text`` (rule order kept)."""
    by_word, loose = _dispatch(_signature(parents))
    first = by_word.get(text.split(" ", 1)[0], ())
    if not loose:
        return first
    near = tuple(r for r in loose if text.startswith(r[3]))
    return tuple(sorted(first + near)) if first and near else first or near


def _rule_ids_for(parents: tuple[str, ...]) -> frozenset[int]:
    return _rule_ids_by_signature(_signature(parents))


@lru_cache(maxsize=1 << 10)
def _rule_ids_by_signature(signature: tuple[tuple[str, ...], ...]) -> frozenset[int]:
    return frozenset(rule[0] for rule in _rules_by_signature(signature))


def idempotent_sibling(
    parents: tuple[str, ...], text: str, siblings: Iterable[HConfigChild]
) -> HConfigChild | None:
    """``greios_driver().idempotent_for`` of a line ``text`` that is not in the tree yet,
    under the parent whose path (outermost first, the parent itself last) is ``parents``,
    against that parent's children (same ancestors, so their rules are the line's)."""
    rules = _line_rules(parents, text)
    if not rules:
        return None
    listed: list[HConfigChild] | None = None
    for _, rx, pattern, literal in rules:
        if rx.search(text) is None:
            continue
        key = _regex_key(pattern, rx, text)
        if listed is None:
            listed = list(siblings)
        for other in listed:
            other_text = other.text
            if (other_text.startswith(literal) and rx.search(other_text) is not None
                    and _regex_key(pattern, rx, other_text) == key):
                return other
    return None


def _regex_key(pattern: str, rx: re.Pattern[str], text: str) -> str | None:
    """The line's part of hier_config's idempotency key (its ``_key_from_regex``; the key
    parts of the parents are the rule's constant prefixes)."""
    normalized = text.removeprefix("no ")  # the IOS driver's negation prefix
    match = rx.search(normalized)
    source = normalized
    if match is None:
        match = rx.search(text)
        source = text
    if match is None:
        return None
    return _normalize_key()(pattern, source, match)


@lru_cache(maxsize=1)
def _normalize_key() -> Callable[[str, str, re.Match[str]], str]:
    from hier_config.platforms.driver_base import HConfigDriverBase

    return HConfigDriverBase._normalize_regex_key


def _parent_texts(node: HConfigChild) -> tuple[str, ...]:
    """Texts of the ancestors of ``node`` (root excluded), outermost first."""
    out: list[str] = []
    parent: Any = node.parent
    while (grand := parent.parent) is not parent:  # the root is its own parent
        out.append(parent.text)
        parent = grand
    out.reverse()
    return tuple(out)


def _with_parents(
    children: Iterable[HConfigChild],
) -> list[tuple[HConfigChild, tuple[str, ...]]]:
    """Each child with its ancestors' texts (computed once per parent)."""
    seen: dict[int, tuple[str, ...]] = {}
    out: list[tuple[HConfigChild, tuple[str, ...]]] = []
    for child in children:
        parents = seen.get(id(child.parent))
        if parents is None:
            parents = seen[id(child.parent)] = _parent_texts(child)
        out.append((child, parents))
    return out


def _prefix_rules(prefixes: tuple[str, ...]) -> tuple[MatchRule, ...]:
    from hier_config.models import MatchRule

    return tuple(MatchRule(startswith=p) for p in prefixes)


def _idempotent_for(config: HConfigChild,
                    other_children: Iterable[HConfigChild]) -> HConfigChild | None:
    """hier_config's ``idempotent_for`` on :data:`SINGLE_VALUE` rules, compiled.

    Same result as the base method (first rule, in order, that matches ``config`` and a
    child of ``other_children`` with the same idempotency key; first such child): every
    rule is ``startswith`` on the parents plus ``re_search`` on the line, so a parent's key
    part is the rule's constant prefix and only the line's regex key is compared. Rules are
    bucketed by depth, so a line that no rule of its depth can match costs one dictionary
    lookup.
    """
    parents = _parent_texts(config)
    text = config.text
    rules = _line_rules(parents, text)
    if not rules:
        return None
    others: list[tuple[HConfigChild, tuple[str, ...]]] | None = None
    for index, rx, pattern, literal in rules:
        if rx.search(text) is None:
            continue
        key = _regex_key(pattern, rx, text)
        if others is None:
            others = _with_parents(other_children)
        for other, other_parents in others:
            if (
                other.text.startswith(literal)
                and index in _rule_ids_for(other_parents)
                and rx.search(other.text) is not None
                and _regex_key(pattern, rx, other.text) == key
            ):
                return other
    return None


def _idempotent_rules() -> list[IdempotentCommandsRule]:
    """:data:`SINGLE_VALUE` as hier_config rules."""
    from hier_config.models import IdempotentCommandsRule, MatchRule

    return [
        IdempotentCommandsRule(match_rules=(*_prefix_rules(parents), MatchRule(re_search=child)))
        for parents, child in SINGLE_VALUE
    ]


def _negation_rules() -> list[NegationSubRule]:
    """:data:`NEGATIONS` as hier_config rules."""
    from hier_config.models import MatchRule, NegationSubRule

    return [
        NegationSubRule(
            match_rules=(*_prefix_rules(parents), MatchRule(re_search=rx.replace("^no ", "^", 1))),
            search=rx,
            replace=repl,
        )
        for parents, rx, repl in NEGATIONS
    ]


def _ordering_rules() -> list[OrderingRule]:
    """Inside a section: additions and in-place changes first, removals last."""
    from hier_config.models import MatchRule, OrderingRule

    return [
        OrderingRule(match_rules=(MatchRule(), MatchRule(startswith="no ")), weight=500),
        OrderingRule(
            match_rules=(MatchRule(), MatchRule(), MatchRule(startswith="no ")), weight=500
        ),
    ]


def _duplicate_rules() -> list[ParentAllowsDuplicateChildRule]:
    """Sections whose children may repeat (ACLs, certificate chains, banners, pubkeys)."""
    from hier_config.models import MatchRule, ParentAllowsDuplicateChildRule

    chains = ("crypto pki certificate chain ", "crypto ca certificate chain ")
    return [
        ParentAllowsDuplicateChildRule(match_rules=(MatchRule(startswith=p),))
        for p in ("ip access-list ", *chains, "banner ")
    ] + [
        ParentAllowsDuplicateChildRule(
            match_rules=(MatchRule(startswith=chains), MatchRule(startswith="certificate "))
        ),
        ParentAllowsDuplicateChildRule(
            match_rules=(
                MatchRule(startswith="crypto key pubkey-chain "),
                MatchRule(),
                MatchRule(startswith="key-string"),
            )
        ),
    ]


def _greios_rules(base: HConfigDriverRules) -> HConfigDriverRules:
    """The Cisco IOS driver's rules with greios's (1-space indentation, no ACL rewrites)."""
    return base.model_copy(
        update={
            "indentation": 1,
            "idempotent_commands": _idempotent_rules(),
            "negation_sub": _negation_rules(),
            "ordering": _ordering_rules(),
            "parent_allows_duplicate_child": [
                *base.parent_allows_duplicate_child,
                *_duplicate_rules(),
            ],
            "post_load_callbacks": [],
        }
    )


@lru_cache(maxsize=1)
def greios_driver() -> HConfigDriverBase:
    """hier_config's Cisco IOS driver plus greios's rules (1-space indentation, no ACL rewrites)."""
    from hier_config.platforms.cisco_ios.driver import HConfigDriverCiscoIOS

    class GreiosIOSDriver(HConfigDriverCiscoIOS):
        def idempotent_for(
            self, config: HConfigChild, other_children: Iterable[HConfigChild]
        ) -> HConfigChild | None:
            return _idempotent_for(config, other_children)

        @staticmethod
        def _instantiate_rules() -> HConfigDriverRules:
            return _greios_rules(HConfigDriverCiscoIOS._instantiate_rules())

    return GreiosIOSDriver()


@lru_cache(maxsize=1)
def no_last_depths() -> frozenset[int] | None:
    """The depths at which :func:`greios_driver`'s ordering rules put ``no`` lines last.

    Every ordering rule of the driver is ``(MatchRule(), ..., MatchRule(startswith="no "))``
    with a positive weight; the plan engine's shortcut for new objects relies on that and
    falls back to hier_config (``None``) if the rules ever look different.
    """
    from hier_config.models import MatchRule

    depths: set[int] = set()
    for rule in greios_driver().rules.ordering:
        *parents, last = rule.match_rules
        if (rule.weight <= 0 or any(m != MatchRule() for m in parents)
                or last != MatchRule(startswith="no ")):
            return None
        depths.add(len(rule.match_rules))
    return frozenset(depths)
