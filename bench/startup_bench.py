"""Start-up time of the CLI: ``greios --help`` and ``greios mtu`` as whole processes.

Usage: .venv/bin/python bench/startup_bench.py [--repeat N]

Each command runs ``--repeat`` times (default 7) as a fresh ``python -m greios`` process;
the table shows the best and the median wall time, next to a bare ``python -c pass`` (the
interpreter's own start-up, measured the same way in the same run) and the ratio of the two.
Goal (issue #8): ``greios --help`` under 0.5 s. Results: docs/performance.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

GOAL_HELP_S = 0.5

COMMANDS: dict[str, list[str]] = {
    "python -c pass (baseline)": [sys.executable, "-c", "pass"],
    "greios --help": [sys.executable, "-m", "greios", "--help"],
    "greios mtu": [sys.executable, "-m", "greios", "mtu"],
}


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    results: dict[str, list[float]] = {
        name: [timed(cmd) for _ in range(args.repeat)] for name, cmd in COMMANDS.items()
    }
    base = statistics.median(results["python -c pass (baseline)"])
    print(f"{'command':<28} {'best s':>8} {'median s':>9} {'x python':>9}")
    for name, times in results.items():
        med = statistics.median(times)
        print(f"{name:<28} {min(times):>8.3f} {med:>9.3f} {med / base:>9.1f}")
    help_median = statistics.median(results["greios --help"])
    verdict = "met" if help_median < GOAL_HELP_S else "NOT met"
    print(f"goal: greios --help < {GOAL_HELP_S} s (median {help_median:.3f} s): {verdict}")
    return 0 if help_median < GOAL_HELP_S else 1


if __name__ == "__main__":
    sys.exit(main())
