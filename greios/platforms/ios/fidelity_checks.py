"""Inventory checks for what IOS cannot do as asked (issue #10, docs/ios-fidelity.md).

Each check returns located messages (``file:line: path: message``) like
:func:`greios.inventory.checks.check_inventory`; :func:`check_inventory` runs them all. The
validation entry point calls it next to the inventory's own checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from greios.platforms.ios.display import canonical_interface

if TYPE_CHECKING:
    from greios.inventory.load import Inventory, RouterInfo

#: inventory ``platform`` values rendered by the IOS templates
IOS_PLATFORMS = frozenset({"ios", "ios-xe"})


def check_inventory(inv: Inventory) -> list[str]:
    """Every IOS fidelity problem of ``inv``: interface names, options IOS cannot render."""
    return [*interface_name_problems(inv), *ikev1_dpd_problems(inv)]


def _where(inv: Inventory, r: RouterInfo, *path: str | int) -> str:
    return inv.site_docs[r.site].where(("routers", r.index, *path))


def interface_name_problems(inv: Inventory) -> list[str]:
    """Interface names IOS would not recognise (row 6). Short forms it does recognise
    (``gi0/0/0``) are fine: the renderer writes the full name IOS stores."""
    problems: list[str] = []
    for r in inv.routers:
        if r.model.platform not in IOS_PLATFORMS:
            continue
        named: list[tuple[tuple[str | int, ...], str]] = [
            (("underlay", "interface"), r.model.underlay.interface)]
        named += [(("lan", j, "interface"), lan.interface)
                  for j, lan in enumerate(r.model.lan) if lan.interface]
        for path, name in named:
            if canonical_interface(name) is None:
                problems.append(
                    f"{_where(inv, r, *path)}: '{name}' is not an IOS interface name; write "
                    "the full name IOS shows (e.g. GigabitEthernet0/0/0)")
    return problems


def ikev1_dpd_problems(inv: Inventory) -> list[str]:
    """IKEv1 ``dpd.mode: periodic`` (row 8b).

    The ISAKMP profile's ``keepalive <s> retry <r>`` has no mode keyword; periodic DPD exists
    only as the global ``crypto isakmp keepalive <s> <r> periodic``, which changes DPD for
    every IKEv1 peer of the router, greios's or not. greios never changes what it does not
    own, so the option is refused instead of silently rendered as on-demand.
    """
    problems: list[str] = []
    for name, policy in inv.project.crypto_policies.items():
        if policy.ike_version == 1 and policy.dpd is not None and policy.dpd.mode == "periodic":
            at = inv.project_doc.where(("crypto_policies", name, "dpd", "mode"))
            problems.append(
                f"{at}: IKEv1 periodic DPD is only a router-wide setting on IOS (crypto isakmp "
                "keepalive ... periodic) that would change every other IKEv1 peer; use "
                "mode: on-demand, or IKEv2 (dpd ... periodic per profile)")
    return problems
