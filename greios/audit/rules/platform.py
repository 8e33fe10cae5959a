"""Rules about what a platform does with a configuration (VyOS: #12).

VyOS configs reach the audit through the VyOS parser (``greios.platforms.vyos``), which records
what VyOS would not apply as written in ``DeviceConfig.warnings`` and the dialect the lines are
written in as ``DeviceConfig.version`` (``VyOS 1.2`` ...).
"""

from __future__ import annotations

from collections.abc import Iterator

from greios.audit.catalog import Hit, rule
from greios.audit.rules.ctx import DevCtx

_VYOS = "VyOS "


def _vyos_version(c: DevCtx) -> str | None:
    v = c.cfg.version or ""
    return v[len(_VYOS):] if v.startswith(_VYOS) else None


@rule("VYO-001", "warning", "dev", "VyOS configuration that does not work as written",
      "Follow the message: e.g. use ESP transport mode with 'tunnel N protocol gre' "
      "(tunnel mode drops the GRE selector).")
def vyo_001(c: DevCtx) -> Iterator[Hit]:
    if _vyos_version(c) is None:
        return
    for w in c.cfg.warnings:
        yield Hit("vpn ipsec", None, w)


def _major_minor(v: str) -> str:
    return "rolling" if v.startswith("rolling") or "rolling" in v else ".".join(
        v.split(".")[:2])


@rule("VYO-002", "warning", "inv", "VyOS syntax of another version than the inventory's",
      "Write the configuration in the dialect of the router's vyos_version (docs/vyos.md, "
      "keyword map); older syntax is migrated or refused by newer VyOS.", needs_facts=True)
def vyo_002(c: DevCtx) -> Iterator[Hit]:
    seen = _vyos_version(c)
    declared = c.facts.vyos_version
    if seen is None or not declared:
        return
    want = _major_minor(declared)
    if want in ("1.5", "rolling") and seen in ("1.4", "1.5", "rolling"):
        return  # 1.4 and 1.5/rolling share the interface and IPsec syntax greios uses
    if _major_minor(seen) != want:
        yield Hit("configuration", None,
                  f"the configuration is written in VyOS {seen} syntax; the inventory says "
                  f"vyos_version {declared}")
