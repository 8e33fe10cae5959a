"""Round-trip, ownership and ordering properties of the remediation engine (hypothesis).

Intended configs are rendered from random pairs (IKEv1/IKEv2, FVRF, crypto choices,
OSPF/static routing); running configs (as IOS displays them) mix unmanaged operator noise
with a partially stale earlier greios rendering (given as ``retired``). Configs are applied
by the platform's one config engine (the simulated router's).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greios.plan import format_commands, format_plan, plan_router
from greios.platforms import get
from greios.platforms.ios.ownership import (
    canonical,
    key_insensitive,
    owned_tree,
    parse_config,
    unmanaged_tree,
)
from greios.platforms.ios.rules import REFERENCES, object_kind

#: how IOS applies config lines: the platform's one engine (the simulated router's too)
apply_lines = get("ios").apply_lines

Block = tuple[str, list[str]]

PROPOSALS = {
    "GREIOS-NGE": ["encryption aes-gcm-256", "prf sha384", "group 20 19"],
    "GREIOS-CBC": ["encryption aes-cbc-256", "integrity sha256", "group 14"],
}
TSETS = {
    "GREIOS-GCM256": "esp-gcm 256",
    "GREIOS-AES256": "esp-aes 256 esp-sha256-hmac",
}


@st.composite
def peers(draw: st.DrawFn) -> list[dict[str, object]]:
    n = draw(st.integers(0, 3))
    names = draw(
        st.lists(
            st.sampled_from(["hongkong", "seoul", "sydney", "osaka", "taipei"]),
            min_size=n,
            max_size=n,
            unique=True,
        )
    )
    out = []
    for i, name in enumerate(names):
        out.append(
            {
                "name": f"{name}-rtr1",
                "addr": f"10.{draw(st.integers(1, 3))}.{draw(st.integers(0, 2))}.{10 + i}",
                "tunnel": 100 + draw(st.integers(0, 4)) * 10 + i,
                "net": draw(st.integers(0, 60)) * 4 + i * 256,
                "mtu": draw(st.sampled_from([1400, 1440])),
                "psk": draw(st.sampled_from(["PskAlpha1", "PskBravo2", "PskCharlie3"])),
                "tset": draw(st.sampled_from(sorted(TSETS))),
                "pfs": draw(st.sampled_from(["group14", "group20"])),
                "routing": draw(st.sampled_from(["ospf", "static"])),
            }
        )
    return out


@st.composite
def intents(draw: st.DrawFn) -> list[Block]:
    """One router's intended config as blocks (header, child lines)."""
    pairs = draw(peers())
    ike = draw(st.sampled_from([1, 2]))
    fvrf = draw(st.sampled_from([None, "INET"]))
    tset_mode = draw(st.sampled_from(["transport", "tunnel"]))
    blocks: list[Block] = []
    if not pairs:
        return blocks
    used_tsets = sorted({str(p["tset"]) for p in pairs})
    if ike == 2:
        prop = draw(st.sampled_from(sorted(PROPOSALS)))
        blocks.append((f"crypto ikev2 proposal {prop}", PROPOSALS[prop]))
        blocks.append((f"crypto ikev2 policy {prop}", [f"proposal {prop}"]))
        kr: list[str] = []
        for p in pairs:
            kr += [f"peer {p['name']}", f" address {p['addr']}", f" pre-shared-key {p['psk']}"]
        blocks.append(("crypto ikev2 keyring GREIOS-KR", kr))
        for p in pairs:
            lines = [f"match identity remote address {p['addr']} 255.255.255.255"]
            if fvrf:
                lines.append(f"match fvrf {fvrf}")
            lines += [
                "identity local address 10.132.75.79",
                "authentication remote pre-share",
                "authentication local pre-share",
                "keyring local GREIOS-KR",
                "lifetime 86400",
                "dpd 10 3 on-demand",
            ]
            blocks.append((f"crypto ikev2 profile GREIOS-{p['name']}", lines))
    else:
        blocks.append(
            (
                "crypto isakmp policy 10",
                ["encryption aes 256", "hash sha256", "authentication pre-share", "group 14"],
            )
        )
        kr_header = "crypto keyring GREIOS-KR" + (f" vrf {fvrf}" if fvrf else "")
        blocks.append(
            (kr_header, [f"pre-shared-key address {p['addr']} key {p['psk']}" for p in pairs])
        )
        for p in pairs:
            blocks.append(
                (
                    f"crypto isakmp profile GREIOS-{p['name']}",
                    [
                        "keyring GREIOS-KR",
                        f"match identity address {p['addr']} 255.255.255.255"
                        + (f" {fvrf}" if fvrf else ""),
                    ],
                )
            )
    for ts in used_tsets:
        blocks.append((f"crypto ipsec transform-set {ts} {TSETS[ts]}", [f"mode {tset_mode}"]))
    for p in pairs:
        prof = "ikev2-profile" if ike == 2 else "isakmp-profile"
        blocks.append(
            (
                f"crypto ipsec profile GREIOS-{p['name']}",
                [
                    f"set transform-set {p['tset']}",
                    f"set pfs {p['pfs']}",
                    f"set {prof} GREIOS-{p['name']}",
                ],
            )
        )
    routes: list[Block] = []
    ospf: list[str] = []
    for p in pairs:
        net = int(str(p["net"]))
        ip = f"192.168.{net // 256}.{net % 256 + 1}"
        lines = [
            f"description greios: tokyo-rtr1 <-> {p['name']}",
            f"ip address {ip} 255.255.255.252",
            f"ip mtu {p['mtu']}",
            f"ip tcp adjust-mss {int(str(p['mtu'])) - 40}",
            "tunnel source GigabitEthernet0/0/0",
            f"tunnel destination {p['addr']}",
        ]
        if fvrf:
            lines.append(f"tunnel vrf {fvrf}")
        lines.append(f"tunnel protection ipsec profile GREIOS-{p['name']}")
        blocks.append((f"interface Tunnel{p['tunnel']}", lines))
        if p["routing"] == "ospf":
            ospf.append(f"network 192.168.{net // 256}.{net % 256} 0.0.0.3 area 0")
        else:
            routes.append(
                (
                    f"ip route 172.16.{10 + int(str(p['tunnel'])) % 100}.0 255.255.255.0 "
                    f"Tunnel{p['tunnel']}",
                    [],
                )
            )
    if ospf:
        blocks.append(("router ospf 1", ospf))
    return blocks + routes


NOISE: list[Block] = [
    ("hostname tokyo-rtr1", []),
    (
        "interface GigabitEthernet0/0/0",
        ["description WAN", "ip address 10.132.75.79 255.255.255.0"],
    ),
    ("interface GigabitEthernet0/0/1", ["description LAN", "ip address 172.16.0.1 255.255.255.0"]),
    (
        "interface Tunnel5",
        [
            "description operator backup",
            "ip address 10.9.9.1 255.255.255.252",
            "tunnel source GigabitEthernet0/0/0",
            "tunnel destination 10.77.0.1",
            "tunnel protection ipsec profile OPS-VPN",
        ],
    ),
    ("crypto isakmp policy 99", ["encr 3des", "hash md5", "group 2"]),
    ("crypto ipsec transform-set OPS-TS esp-aes esp-sha-hmac", ["mode tunnel"]),
    ("crypto ipsec profile OPS-VPN", ["set transform-set OPS-TS"]),
    ("crypto isakmp key 6 T3BzS2V5SGFzaA== address 10.77.0.1", []),
    (
        "router ospf 1",
        [
            "router-id 10.132.75.79",
            "passive-interface GigabitEthernet0/0/1",
            "network 172.16.0.0 0.0.0.255 area 0",
        ],
    ),
    ("ip route 0.0.0.0 0.0.0.0 10.132.75.1", []),
    (
        "ip access-list extended WAN-IN",
        [
            "permit esp any any",
            "permit udp any any eq isakmp",
            "permit gre any any",
            "deny ip any any log",
        ],
    ),
    ("username admin privilege 15 secret 9 $9$abc$def", []),
    ("snmp-server community N0tPublic RO", []),
]


def render(blocks: Iterable[Block]) -> str:
    merged: dict[str, list[str]] = {}
    for header, lines in blocks:
        merged.setdefault(header, [])
        merged[header] += [line for line in lines if line not in merged[header]]
    out: list[str] = []
    for header, lines in merged.items():
        out.append(header)
        out += [" " + line for line in lines]
        out.append("!")
    return "\n".join(out) + "\n"


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[str, str, str]:
    intended = draw(intents())
    stale = draw(intents())
    keep = draw(st.lists(st.booleans(), min_size=len(stale), max_size=len(stale)))
    partial: list[Block] = []
    for (header, lines), whole in zip(stale, keep, strict=True):
        if not whole:
            drop = draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)))
            lines = [
                ln
                for ln, d in zip(lines, drop, strict=True)
                # (IOS always shows a transform set's mode: `mode tunnel` if none was set)
                if not d or ln.startswith(("peer ", " ", "mode "))
            ]
        partial.append((header, lines))
    noise = [
        b
        for b, k in zip(
            NOISE,
            draw(st.lists(st.booleans(), min_size=len(NOISE), max_size=len(NOISE))),
            strict=True,
        )
        if k
    ]
    order = draw(st.permutations(noise + partial))
    return render(order), render(intended), render(stale)


# --- checks -------------------------------------------------------------------------------


def _canon(text: str) -> list[str]:
    return canonical(parse_config(text))


def _refs(header: str, lines: Iterable[str]) -> set[tuple[str, str]]:
    found = object_kind(header)
    if found is None:
        return set()
    kind = found[0].kind
    out: set[tuple[str, str]] = set()
    for ref_kind, rx, target in REFERENCES:
        if ref_kind != kind:
            continue
        for line in [header, *lines]:
            if m := re.search(rx, line.strip()):
                out.update((target, name) for name in m.group(1).split())
    return out


def _objects(tree: object) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for child in tree.children:  # type: ignore[attr-defined]
        found = object_kind(child.text)
        if found is not None:
            out[(found[0].kind, found[1])] = [c.text for c in child.all_children()]
    return out


def check_order(running: str, commands: tuple[str, ...]) -> None:
    """No object referenced before it exists; none deleted while still referenced."""
    text = running
    state = parse_config(text)
    blocks: list[list[str]] = []
    for cmd in commands:
        if not cmd.startswith(" "):
            blocks.append([cmd])
        else:
            blocks[-1].append(cmd)
    for block in blocks:
        head = block[0]
        if head.startswith("no "):
            found = object_kind(head[3:])
            if found is not None:
                target = (found[0].kind, found[1])
                for key, lines in _objects(state).items():
                    header = next(
                        c.text
                        for c in state.children
                        if object_kind(c.text)
                        and (object_kind(c.text)[0].kind, object_kind(c.text)[1]) == key
                    )  # type: ignore[index]
                    assert target not in _refs(header, lines), (
                        f"{head!r} while {header!r} still references it"
                    )
        text = apply_lines(text, block)
        state = parse_config(text)
        if not head.startswith("no "):
            objs = _objects(state)
            for ref in _refs(
                head, [line.strip() for line in block[1:] if not line.strip().startswith("no ")]
            ):
                assert ref in objs, f"{head!r} references {ref} before it exists"


@settings(
    max_examples=int(os.environ.get("GREIOS_PLAN_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(scenarios())
def test_round_trip_and_ownership(scenario: tuple[str, str, str]) -> None:
    running, intended, retired = scenario
    plan = plan_router(running, intended, retired=retired)
    run, want, ret = (parse_config(t) for t in (running, intended, retired))
    future = parse_config(plan.future)

    # the owned part of future is exactly intended (keys compared redacted)
    owned = owned_tree(future, want, ret)
    for child in list(owned.children):  # a shared section emptied of greios lines stays
        if (
            not child.children
            and child.text.startswith("router ")
            and not want.children.get(child.text)
        ):
            child.delete()
    assert key_insensitive(canonical(owned)) == key_insensitive(canonical(want))
    # unmanaged config is never touched
    assert canonical(unmanaged_tree(future, want, ret)) == canonical(unmanaged_tree(run, want, ret))
    # future predicted == commands applied to running
    assert plan.future == apply_lines(running, plan.commands)
    # rollback restores running
    assert _canon(apply_lines(plan.future, plan.rollback)) == canonical(run)
    # converged after apply
    assert plan_router(plan.future, intended, retired=retired).is_empty
    # ordering
    check_order(running, plan.commands)
    check_order(plan.future, plan.rollback)
    # no key in anything presented
    shown = format_plan("r", plan) + format_commands(plan)
    for psk in ("PskAlpha1", "PskBravo2", "PskCharlie3", "T3BzS2V5SGFzaA==", "N0tPublic"):
        assert psk not in shown
