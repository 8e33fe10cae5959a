"""Staged apply (issue #13): a hub with spokes larger than --parallelism, real napalm
against the lab (R1 = hub, R2..R4 = spokes). --parallelism is honoured (the lab's own
connection log), every tunnel is verified from both ends, a failure rolls back only what it
must and the results name the unverified tunnel."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from greios.deploy.apply import RouterChange, TunnelCheck, apply_changes
from greios.deploy.fingerprint import fingerprint
from greios.errors import ExitCode

from .conftest import Lab, has_tunnel
from .labcfg import peer_address, resolve, tunnel_change

pytestmark = [pytest.mark.lab, pytest.mark.slow]

SPOKES = (2, 3, 4)


def hub_change(*, fail_converged: bool = False) -> RouterChange:
    text = "".join(tunnel_change(1, s, tunnel=10 + s) for s in SPOKES)
    return RouterChange(
        "R1", text, None,
        (lambda _r: "Tunnel12 has no ip mtu") if fail_converged else has_tunnel(12),
        tuple(TunnelCheck(f"Tunnel{10 + s}", f"R{s}", peer_address(1, s), 1400,
                          peer_interface="Tunnel10") for s in SPOKES))


def spoke_change(s: int, ping_size: int = 1400) -> RouterChange:
    return RouterChange(f"R{s}", tunnel_change(s, 1), None, has_tunnel(10),
                        (TunnelCheck("Tunnel10", "R1", peer_address(s, 1), ping_size,
                                     peer_interface=f"Tunnel{10 + s}"),))


def staged(lab: Lab, state_dir: Path, changes: list[RouterChange],
           **kw: object) -> tuple[list, dict[str, object], int]:
    stats: dict[str, object] = {}
    since = time.monotonic()
    results = apply_changes(changes, lab.targets(*(c.router for c in changes)),
                            state_dir=state_dir, resolve=resolve, parallelism=2,
                            tunnel_wait=4.0, stats=stats, **kw)  # type: ignore[arg-type]
    return results, stats, lab.peak_in_flight(since, ("R1", "R2", "R3", "R4"))


def pinged(lab: Lab, router: str, address: str) -> bool:
    return any(c.startswith(f"ping {address} size 1400 df-bit") for c in lab.commands(router))


def test_hub_and_spokes_at_parallelism_2(lab: Lab, state_dir: Path) -> None:
    seen: list[tuple[str, str]] = []
    results, stats, peak = staged(lab, state_dir,
                                  [spoke_change(2), hub_change(), spoke_change(3),
                                   spoke_change(4)],
                                  progress=lambda r, m: seen.append((r, m)))
    assert [(r.router, r.status) for r in results] == \
        [("R2", "applied"), ("R1", "applied"), ("R3", "applied"), ("R4", "applied")]
    assert stats["staged"][0] == "R1"  # the hub goes first  # type: ignore[index]
    assert stats["peak_in_flight"] == 2 and peak <= 2  # greios's slots and the lab's log
    for s in SPOKES:  # every tunnel from both ends: the hub pings each spoke and vice versa
        assert pinged(lab, "R1", peer_address(1, s)), s
        assert pinged(lab, f"R{s}", peer_address(s, 1)), s
        assert lab.device(f"R{s}").revert is None and "Tunnel10" in lab.device(f"R{s}").startup
    hub = results[1]
    assert "verified 3 of 3 tunnels to the routers after it from both ends" in hub.message
    assert lab.device("R1").revert is None and "Tunnel14" in lab.device("R1").startup
    assert ("R1", "serving: checks its end of each new tunnel as the 3 routers after it "
            "land") in seen


def test_spoke_failures_roll_back_only_that_spoke(lab: Lab, state_dir: Path) -> None:
    before = {n: fingerprint(lab.running(n)) for n in ("R3", "R4")}
    lab.device("R4").faults.reject_lines.append(r"^tunnel destination ")
    # R3's plan believes 1476 bytes fit: its own DF ping fails, the tunnel is not verified
    results, _stats, peak = staged(lab, state_dir, [hub_change(), spoke_change(2),
                                                    spoke_change(3, ping_size=1476),
                                                    spoke_change(4)])
    by = {r.router: r for r in results}
    assert peak <= 2
    assert (by["R3"].status, by["R3"].exit_code) == ("rolled-back", ExitCode.VERIFY_FAILED)
    assert "DF ping of 1476 bytes" in by["R3"].message
    assert (by["R4"].status, by["R4"].exit_code) == ("rolled-back", ExitCode.COMMIT_FAILED)
    assert {n: fingerprint(lab.running(n)) for n in ("R3", "R4")} == before
    assert by["R2"].status == "applied" and by["R1"].status == "applied"
    assert "verified 1 of 3 tunnels" in by["R1"].message
    assert "Tunnel13 to R3 NOT verified" in by["R1"].message
    assert "Tunnel14 to R4 NOT verified" in by["R1"].message
    assert lab.device("R1").revert is None and "Tunnel12" in lab.device("R1").startup


def test_hub_failure_rolls_back_the_hub_and_starts_no_spoke(lab: Lab, state_dir: Path) -> None:
    before = {n: fingerprint(lab.running(n)) for n in ("R1", "R2", "R3", "R4")}
    results, _stats, _peak = staged(lab, state_dir, [hub_change(fail_converged=True),
                                                     spoke_change(2), spoke_change(3),
                                                     spoke_change(4)])
    hub, *spokes = results
    assert (hub.status, hub.exit_code) == ("rolled-back", ExitCode.VERIFY_FAILED)
    assert "not converged after commit" in hub.message
    for r in spokes:
        assert (r.status, r.exit_code) == ("skipped", ExitCode.VERIFY_FAILED)
        assert "not started" in r.message and "R1" in r.message and "NOT verified" in r.message
        assert lab.commands(r.router) == []  # never connected
    assert {n: fingerprint(lab.running(n)) for n in ("R1", "R2", "R3", "R4")} == before
    assert lab.device("R1").revert is None


def test_hub_whose_first_checks_all_fail_stops_and_rolls_back(lab: Lab,
                                                              state_dir: Path) -> None:
    """Every spoke's tunnel fails (the hub's key is wrong for all): after the canary the
    hub rolls back and the spokes that landed roll back with it; nothing stays changed."""
    before = {n: fingerprint(lab.running(n)) for n in ("R1", "R2", "R3", "R4")}
    hub = hub_change()
    bad = RouterChange(hub.router, hub.commands.replace("pre-shared-key <secret:psk/R1--",
                                                        "pre-shared-key <secret:psk/X1--"),
                       None, hub.converged, hub.tunnels)
    results = apply_changes([bad, spoke_change(2), spoke_change(3), spoke_change(4)],
                            lab.targets("R1", "R2", "R3", "R4"), state_dir=state_dir,
                            resolve=lambda t: re.sub(r"<secret:psk/X1--(R\d)>",
                                                     r"Wrong-key-\1-0123456789", resolve(t)),
                            parallelism=2, tunnel_wait=2.0)
    by = {r.router: r for r in results}
    assert by["R1"].status == "rolled-back" and by["R1"].exit_code == ExitCode.VERIFY_FAILED
    for s in SPOKES:
        assert by[f"R{s}"].status in ("rolled-back", "skipped"), by[f"R{s}"]
    assert {n: fingerprint(lab.running(n)) for n in ("R1", "R2", "R3", "R4")} == before


def test_ctrl_c_starts_no_new_spoke_and_the_hub_keeps_what_verified(lab: Lab,
                                                                    state_dir: Path) -> None:
    from greios.deploy.interrupt import Cancel

    cancel = Cancel()
    first: list[str] = []

    def progress(router: str, message: str) -> None:
        # one Ctrl-C while the first spoke commits (which spoke gets the slot first is up to
        # the scheduler: the test follows whichever it is)
        if router != "R1" and message.startswith("committing") and not first:
            first.append(router)
            cancel.request()

    results, _stats, _peak = staged(lab, state_dir, [hub_change(), spoke_change(2),
                                                     spoke_change(3), spoke_change(4)],
                                    progress=progress, cancel=cancel)
    by = {r.router: r for r in results}
    assert len(first) == 1
    (landed,) = first
    assert by[landed].status == "applied" and by["R1"].status == "applied"
    assert "verified 1 of 3 tunnels" in by["R1"].message
    for s in SPOKES:
        if f"R{s}" == landed:
            continue
        assert (by[f"R{s}"].status, by[f"R{s}"].exit_code) == ("interrupted",
                                                               ExitCode.INTERRUPTED)
        # no command reached it; a spoke whose session was already opening when Ctrl-C came
        # (parallelism 2: the other slot of the first wave) only closes it ("exit")
        assert [c for c in lab.commands(f"R{s}") if c != "exit"] == []
        assert f"Tunnel1{s} to R{s} NOT verified" in by["R1"].message
    assert all(lab.device(f"R{n}").revert is None for n in (1, 2, 3, 4))
