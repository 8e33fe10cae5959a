"""``reach.route_via`` is worked out once per interface of a config (GRE-016 and both
sessions of a pair ask): the same answer as worked out afresh, for routable, unroutable and
recursive destinations, and an interface that is not the config's own is not remembered."""

from __future__ import annotations

import dataclasses

from greios.audit import reach
from greios.platforms.ios.config.parser import parse_config


def _config() -> str:
    lines = ["hostname hub", "interface GigabitEthernet1", " ip address 100.64.0.1 255.255.255.0",
             "ip route 198.51.100.0 255.255.255.0 10.0.0.2"]
    for i in range(1, 13):
        dest = {0: f"100.64.0.{i + 10}", 1: f"203.0.113.{i}", 2: f"198.51.100.{i}"}[i % 3]
        lines += [f"interface Tunnel{i}", f" ip address 10.0.{i - 1}.1 255.255.255.0",
                  " tunnel source GigabitEthernet1", f" tunnel destination {dest}"]
    return "\n".join(lines) + "\n"


def test_remembered_answer_is_the_fresh_one() -> None:
    cfg = parse_config(_config())
    fresh = {t.name: reach._route_via(cfg, t) for t in cfg.tunnels}
    assert {None, reach.NO_ROUTE, reach.RECURSIVE} == {
        v[0] if v else None for v in fresh.values()}
    for _ in range(2):
        assert {t.name: reach.route_via(cfg, t) for t in cfg.tunnels} == fresh
    assert all(f"reach:via:{t.name}" in cfg._memo for t in cfg.tunnels)


def test_an_interface_not_of_the_config_is_not_remembered() -> None:
    cfg = parse_config(_config())
    t1 = cfg.interfaces["Tunnel3"]  # destination 100.64.0.13: connected, routable
    assert reach.route_via(cfg, t1) is None
    assert t1.tunnel is not None
    moved = dataclasses.replace(t1, tunnel=dataclasses.replace(t1.tunnel,
                                                               destination="203.0.113.99"))
    got = reach.route_via(cfg, moved)
    assert got is not None and got[0] == reach.NO_ROUTE
    assert reach.route_via(cfg, t1) is None
