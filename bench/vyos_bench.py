"""Benchmark greios's VyOS driver against bare netmiko on the simulated VyOS router.

One simulated VyOS 1.4 router (``greios.platforms.vyos.labdevice``) served on 127.0.0.1 in
this process. Each cycle applies a real change (the issue's tunnel, then a new tunnel MTU
per run) and ends with the router confirmed and saved:

* ``driver``: greios's :class:`~greios.platforms.vyos.driver.VyosSession` - open (with the
  ``show version`` check), ``load_merge`` (backup read + one line at a time with error
  detection), ``compare``, ``commit(60)`` (``commit-confirm 1`` + ``y``), ``confirm``
  (``confirm`` + ``save``), close;
* ``bare netmiko, same login``: the same commands with netmiko ``send_command(...,
  expect_string=...)`` and nothing else (no version check, no backup, no error checks)
  over the driver's connection class: the driver's overhead on its own;
* ``bare netmiko, tuned``: ``ConnectHandler(device_type="vyos")`` (netmiko's own login),
  then ``configure``/``send_config_set(enter_config_mode=False)``/``commit-confirm``/
  ``confirm``/``save``/``exit`` with ``expect_string``;
* ``bare netmiko, defaults``: ``ConnectHandler``, ``send_config_set`` (enters config mode
  itself), ``commit-confirm``/``y``/``confirm``/``save`` by ``send_command``,
  ``exit_config_mode()``, ``disconnect()`` - netmiko's documented API.

Goals (issue #12): a driver cycle <= 3 s and <= 1.3x a bare netmiko cycle.

Run: .venv/bin/python bench/vyos_bench.py [--runs 5] [--default-runs 1]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from collections.abc import Callable

from netmiko import ConnectHandler

from greios.deploy.target import DeviceTarget
from greios.platforms.vyos.driver import VyosSession, connection_class
from greios.platforms.vyos.labdevice import VyosDevice
from greios.platforms.vyos.labserver import VyosLabServer

PROMPT = r"vyos@vyos# ?$"
OP_PROMPT = r"vyos@vyos:~\$ ?$"
ERRORS = r"Set failed|Delete failed|is not valid"
EXAMPLE = [
    "set interfaces ethernet eth1 address '10.132.75.79/24'",
    "set interfaces tunnel tun0 address '192.168.0.1/30'",
    "set interfaces tunnel tun0 description 'GRE_TOK_TO_HKG'",
    "set interfaces tunnel tun0 encapsulation 'gre'",
    "set interfaces tunnel tun0 enable-multicast",
    "set interfaces tunnel tun0 source-address '10.132.75.79'",
    "set interfaces tunnel tun0 remote '10.111.147.74'",
]


class Bench:
    def __init__(self, port: int) -> None:
        self.port = port
        self.n = 0

    def lines(self) -> list[str]:
        """The example tunnel plus an MTU that differs on every cycle (a real change)."""
        self.n += 1
        return [*EXAMPLE, f"set interfaces tunnel tun0 mtu '{1300 + self.n}'"]

    def driver(self) -> None:
        target = DeviceTarget("vyostok1", "127.0.0.1", self.port, "vyos", "vyos", timeout=20)
        with VyosSession(target, version="1.4") as s:
            s.load_merge("\n".join(self.lines()))
            assert s.compare()
            s.commit(60)
            s.confirm()

    def _cycle(self, conn: object) -> None:
        send = conn.send_command  # type: ignore[attr-defined]
        send("configure", expect_string=r"\[edit\]")
        out = conn.send_config_set(self.lines(), error_pattern=ERRORS,  # type: ignore[attr-defined]
                                   enter_config_mode=False)
        assert "Set failed" not in out
        assert "Proceed" in send("commit-confirm 1", expect_string=r"\[Y/n\]")
        assert "Initialized" in send("y", expect_string=PROMPT)
        assert "stopped" in send("confirm", expect_string=PROMPT)
        assert "Done" in send("save", expect_string=PROMPT)
        send("exit", expect_string=OP_PROMPT)

    def bare_same_login(self) -> None:
        conn = connection_class()(device_type="vyos", host="127.0.0.1", port=self.port,
                                  username="vyos", password="vyos", fast_cli=True)
        self._cycle(conn)
        conn.disconnect()

    def bare_tuned(self) -> None:
        conn = ConnectHandler(device_type="vyos", host="127.0.0.1", port=self.port,
                              username="vyos", password="vyos", fast_cli=True)
        self._cycle(conn)
        conn.disconnect()

    def bare_defaults(self) -> None:
        conn = ConnectHandler(device_type="vyos", host="127.0.0.1", port=self.port,
                              username="vyos", password="vyos")
        conn.send_config_set(self.lines(), error_pattern=ERRORS)
        conn.send_command("commit-confirm 1", expect_string=r"\[Y/n\]")
        conn.send_command("y", expect_string=PROMPT)
        conn.send_command("confirm", expect_string=PROMPT)
        conn.send_command("save", expect_string=PROMPT)
        conn.exit_config_mode()
        conn.disconnect()


def measure(fn: Callable[[], None], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="vyos_bench")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--default-runs", type=int, default=1,
                        help="runs of the netmiko-defaults cycle (about 14 s each)")
    args = parser.parse_args(argv)
    logging.getLogger("paramiko").setLevel(logging.CRITICAL)  # resets at logout are normal
    device = VyosDevice(version="1.4", minute=60.0)
    with VyosLabServer(device) as server:
        bench = Bench(server.port)
        bench.driver()  # warm-up: imports, host key, the first tunnel
        rows = [("greios driver", measure(bench.driver, args.runs)),
                ("bare netmiko, same login", measure(bench.bare_same_login, args.runs)),
                ("bare netmiko, tuned", measure(bench.bare_tuned, args.runs))]
        if args.default_runs > 0:
            rows.append(("bare netmiko, defaults", measure(bench.bare_defaults,
                                                            args.default_runs)))
        assert device.running.value(("interfaces", "tunnel", "tun0", "mtu")) == \
            str(1300 + bench.n)
        assert device.saved == device.running and not device.confirm_pending()
    driver = statistics.median(rows[0][1])
    print(f"VyOS 1.4 lab apply cycle, {len(EXAMPLE) + 1} set-lines, median of runs")
    for label, times in rows:
        med = statistics.median(times)
        print(f"  {label:<26} {med:6.2f} s  (min {min(times):.2f}, n={len(times)})"
              f"  driver/this = {driver / med:.2f}x")
    same = statistics.median(rows[1][1])
    ok = driver <= 3.0 and driver <= 1.3 * same
    print(f"goal: driver <= 3 s and <= 1.3x bare netmiko (same login): "
          f"{'met' if ok else 'NOT met'} ({driver:.2f} s, {driver / same:.2f}x)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
