"""Plain GRE pairs on IOS (crypto policy ``none``): a tunnel without ``tunnel protection``,
no crypto objects for it, ip mtu/MSS from the GRE overhead alone, and a plan that removes
the crypto objects greios owned when a protected pair turns plain (applied with the strict
engine, so the deletion order is checked too). The inventory side of ``crypto: none`` is
the inventory's; these tests map the pair to it at the intent layer."""

from __future__ import annotations

from pathlib import Path

from greios.app.pipeline import build
from greios.intent import PLAIN_GRE, build_intents
from greios.plan import plan_router
from greios.platforms import get
from greios.render import render_router


def _plain_intents(sites: Path, plain: str):  # type: ignore[no-untyped-def]
    b = build(sites)
    crypto_of = {p.key: (PLAIN_GRE if p.key == plain else p.crypto) for p in b.pairs}
    return b, build_intents(b.inventory, b.allocation.active, crypto_of, b.store)


def test_plain_pair_renders_no_protection_and_no_crypto(sites: Path) -> None:
    _, intents = _plain_intents(sites, "hongkong-rtr1--tokyo-rtr1")
    tk = render_router(intents["tokyo-rtr1"])
    assert "crypto" not in tk and "tunnel protection" not in tk
    assert " ip mtu 1476\n ip tcp adjust-mss 1436\n" in tk
    # the hub keeps its protected spokes
    sg = render_router(intents["singapore-rtr1"])
    assert sg.count("tunnel protection ipsec profile") == 3


def test_plain_gre_with_key_loses_four_bytes(sites: Path, edit) -> None:
    edit("greios.yaml", lambda d: d["tunnels"].__setitem__("gre_key", True))
    _, intents = _plain_intents(sites, "hongkong-rtr1--tokyo-rtr1")
    assert " ip mtu 1472\n ip tcp adjust-mss 1432\n" in render_router(intents["tokyo-rtr1"])


def test_protected_pair_turning_plain_removes_owned_crypto(sites: Path) -> None:
    ios = get("ios")
    b = build(sites)
    running = (sites / "snapshots" / "tokyo-rtr1.cfg").read_text()
    protected = b.render("tokyo-rtr1", secrets="reveal")
    converged = ios.apply_lines(running, list(plan_router(running, protected).commands))
    assert "tunnel protection" in converged
    _, intents = _plain_intents(sites, "hongkong-rtr1--tokyo-rtr1")
    plain = render_router(intents["tokyo-rtr1"], secrets="reveal")
    plan = plan_router(converged, plain)
    after = ios.apply_lines(converged, list(plan.commands))  # strict: in-use order checked
    assert "GREIOS-" not in after and "tunnel protection" not in after
    assert "interface Tunnel100\n" in after and " ip mtu 1476\n" in after
    assert plan_router(after, plain).is_empty
