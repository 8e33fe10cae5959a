"""Cisco IOS / IOS-XE: greios's first platform (see :mod:`greios.platforms.base`).

Package map:

* ``config/`` — running-config parser into the shared model (:mod:`greios.devmodel`);
* ``configtree.py`` + ``grammar.py`` — config semantics: how IOS applies, negates and
  displays lines (the one engine used by the lab, ``audit --plan/--intended`` and the plan
  round-trip tests);
* ``rules.py`` — greios's IOS knowledge for the remediation engine (ownership, ordering,
  secret lines);
* ``ownership.py`` + ``remediation.py`` — the plan (``PLATFORM.plan``): what greios owns in
  a running config and the ordered commands and rollback (hier_config based);
* ``io.py`` (``IO``) — the I/O half: ``driver.py``, the napalm ``ios`` device session
  (deploy; napalm imported lazily), and the simulated router;
* ``lab/`` — the simulated IOS router (SSH server, CLI session, shows, SCP, flash).

Templates: ``templates/ios/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from greios.platforms.ios.rules import SECRET_LINES

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from greios.devmodel.model import DeviceConfig
    from greios.inventory.load import Inventory
    from greios.plan.model import RouterPlan


class IosPlatform:
    name = "ios"
    display_name = "Cisco IOS / IOS-XE"
    templates = "ios"
    secret_patterns = SECRET_LINES

    def parse(self, text: str, *, source: str | None = None) -> DeviceConfig:
        from greios.platforms.ios.config.parser import parse_config

        return parse_config(text, source=source)

    def tunnel_interface(self, number: int) -> str:
        return f"Tunnel{number}"

    def recognises(self, text: str) -> bool:
        return False  # the default platform: any text no other platform recognises

    def apply_lines(self, running: str, lines: Iterable[str]) -> str:
        from greios.platforms.ios.configtree import apply_text

        return apply_text(running, lines)

    def plan(self, running: str, intended: str, *, retired: str = "",
             secret_equal: Callable[[str, str], bool] | None = None) -> RouterPlan:
        from greios.platforms.ios.remediation import plan_router

        return plan_router(running, intended, retired=retired, secret_equal=secret_equal)

    def inventory_problems(self, inv: Inventory) -> list[str]:
        from greios.platforms.ios.fidelity_checks import check_inventory

        return check_inventory(inv)

    def normalise(self, text: str) -> str:
        from greios.platforms.ios.configtree import parse_config, render_config

        return render_config(parse_config(text))


PLATFORM = IosPlatform()
