"""End-to-end audit throughput vs a bare ``CiscoConfParse(lines)`` of the same files.

Usage: .venv/bin/python bench/audit_bench.py [corpus_dir]   (prints lines/s and ratios)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from greios.audit.engine import audit_texts

FIX = Path(__file__).resolve().parents[1] / "tests/audit/fixtures"


def _fleet(n: int) -> list[tuple[str, str]]:
    base = (FIX / "v2-site-a.cfg").read_text()
    filler = "".join(f"interface GigabitEthernet0/1/{i}\n description access {i}\n"
                     f" ip address 10.{i}.0.1 255.255.255.0\n!\n" for i in range(40))
    out = []
    for i in range(n):
        a, b = f"100.{i // 250}.{i % 250}.1", f"101.{i // 250}.{i % 250}.2"
        text = base.replace("site-a", f"r{i:03d}").replace("198.51.100.1", a) \
            .replace("203.0.113.2", b) + filler
        out.append((f"r{i:03d}.cfg", text))
    return out


def _bare_ccp(items: list[tuple[str, str]]) -> float:
    from loguru import logger

    logger.disable("ciscoconfparse")
    from ciscoconfparse import CiscoConfParse

    t0 = time.perf_counter()
    for _, text in items:
        CiscoConfParse(text.splitlines(), syntax="ios", ignore_blank_lines=False)
    return time.perf_counter() - t0


def run(name: str, items: list[tuple[str, str]]) -> None:
    lines = sum(t.count("\n") + 1 for _, t in items)
    t0 = time.perf_counter()
    audit_texts(items)
    ours = time.perf_counter() - t0
    ccp = _bare_ccp(items)
    print(f"{name}: {len(items)} files, {lines} lines | audit {ours:.3f}s "
          f"({lines / ours:,.0f} lines/s) | bare CiscoConfParse {ccp:.3f}s "
          f"({lines / ccp:,.0f} lines/s) | ratio {ccp / ours:.1f}x")


if __name__ == "__main__":
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] \
        / "shared/corpus"
    large = [(str(p), p.read_text(errors="replace")) for p in sorted((corpus / "large").iterdir())]
    run("corpus/large", large)
    for n in (50, 200):
        run(f"fleet-{n}", _fleet(n))
