"""The background lab's cached tunnel state (``LabNetwork(cached=True)``, re-evaluated per
tunnel when one of its ends changes) reports what the uncached network computes from
scratch, through a sequence of changes on a hub and its spokes."""

from __future__ import annotations

from greios.lab.network import LabNetwork
from greios.platforms.ios.lab.device import Device
from greios.platforms.ios.lab.session import CliSession
from tests.deploy.labcfg import peer_address, resolve, seed, tunnel_change

HUB, SPOKES = 1, (2, 3, 4)


def _network(cached: bool) -> tuple[dict[int, CliSession], dict[int, Device]]:
    net = LabNetwork(cached=cached)
    sessions: dict[int, CliSession] = {}
    devices: dict[int, Device] = {}
    for n in (HUB, *SPOKES):
        dev = Device.from_config(seed(n))
        net.add(dev)
        devices[n] = dev
        sessions[n] = CliSession(dev, "greios", lambda _t: None, lambda: None)
    return sessions, devices


def _configure(session: CliSession, text: str) -> None:
    session.feed("configure terminal\n")
    for line in text.splitlines():
        if line.strip():
            session.feed(line + "\n")
    session.feed("end\n")


def _state(sessions: dict[int, CliSession]) -> dict[int, tuple[str, ...]]:
    out: dict[int, tuple[str, ...]] = {}
    for n, s in sessions.items():
        brief = str(s._exec("show ip interface brief"))
        pings = tuple(str(s._exec(f"ping {peer_address(n, p)} size 1400 df-bit repeat 2"))
                      .splitlines()[-1] for p in (HUB, *SPOKES) if p != n)
        out[n] = (brief, *pings)
    return out


def _steps() -> list[tuple[int, str]]:
    steps = [(HUB, resolve(tunnel_change(HUB, s, tunnel=10 + s))) for s in SPOKES]
    steps += [(s, resolve(tunnel_change(s, HUB, tunnel=10 + s))) for s in SPOKES]
    steps += [
        (3, "interface Tunnel13\n shutdown"),  # one spoke goes down, the others stay up
        (3, "interface Tunnel13\n no shutdown"),
        (2, "interface Tunnel12\n tunnel key 7"),  # mismatch with the hub's end
        (HUB, "interface Tunnel12\n tunnel key 7"),  # the hub follows: up again
        (4, "interface Tunnel14\n tunnel destination 198.51.100.9"),  # no mirrored peer
        (HUB, "hostname HUB"),
        (4, "interface Tunnel14\n tunnel destination 198.51.100.1"),
    ]
    return steps


def test_cached_network_reports_what_the_uncached_one_computes() -> None:
    cached, cached_devs = _network(cached=True)
    plain, _ = _network(cached=False)
    ups = []
    for router, text in _steps():
        _configure(cached[router], text)
        _configure(plain[router], text)
        want = _state(plain)
        assert _state(cached) == want, f"after {text.splitlines()[0]!r} on R{router}"
        assert _state(cached) == want  # and again, from the caches
        ups.append(sum(line.endswith(" up") for line in want[HUB][0].splitlines()
                       if line.startswith("Tunnel")))
    assert max(ups) == 3 and 2 in ups  # the sequence did move the hub's tunnels
    assert cached_devs[HUB].generation > 1


def test_a_new_cached_network_never_reuses_a_freed_routers_model() -> None:
    """Two labs one after the other, the same number of changes (so the same generations),
    the second with a GRE key mismatch: its routers may get the first one's freed ids
    (CPython reuses addresses at once), never its parsed configs."""
    import gc

    def tunnels_up(key: int) -> int:
        sessions, _ = _network(cached=True)
        _configure(sessions[HUB], resolve(tunnel_change(HUB, 2, tunnel=12)))
        _configure(sessions[2], resolve(tunnel_change(2, HUB, tunnel=12)))
        _configure(sessions[HUB], "interface Tunnel12\n tunnel key 5")
        _configure(sessions[2], f"interface Tunnel12\n tunnel key {key}")
        brief = str(sessions[HUB]._exec("show ip interface brief"))
        up = sum(line.startswith("Tunnel12") and line.endswith(" up")
                 for line in brief.splitlines())
        for s in sessions.values():
            s.finish()
        return up

    for _ in range(40):
        assert tunnels_up(5) == 1
        gc.collect()
        assert tunnels_up(7) == 0  # mismatched key: down, whatever the ids
        gc.collect()
