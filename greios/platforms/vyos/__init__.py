"""VyOS support building blocks: a configuration model and a simulated VyOS router.

Pure model (no I/O):

* :mod:`greios.platforms.vyos.tree` — :class:`ConfigTree`, VyOS's node ordering;
* :mod:`greios.platforms.vyos.parse` — ``show configuration commands`` set-lines and curly
  ``config.boot`` of VyOS 1.2 / 1.3 / 1.4 / 1.5 into one tree;
* :mod:`greios.platforms.vyos.render` — set-commands, curly (vyatta-cfg and libvyosconfig styles),
  ``config.boot`` with the version footer;
* :mod:`greios.platforms.vyos.diff` — ordered ``delete``/``set`` commands and ``compare`` output;
* :mod:`~.schema` / :mod:`~.values` — per-version node schema and
  VyOS's ``set`` error texts.

Simulated router (127.0.0.1 only): :mod:`greios.platforms.vyos.labdevice`,
:mod:`~.labcli`, :mod:`~.labshows`, :mod:`~.labserver`.

Sources (read, never copied; vyos-1x is GPL): ../shared/docs/vyos-reference.md;
github.com/vyos/vyos-1x (crux … current: ``interface-definitions``,
``python/vyos/config_mgmt.py``, ``python/vyos/component_version.py``,
``src/op_mode/interfaces.py``, ``smoketest/configs`` and ``smoketest/config-tests``);
vyos/vyatta-cfg (``functions/interpreter/vyatta-cfg-run``, ``src/cstore/cstore.cpp``,
``src/cnode/cnode-algorithm.cpp``); vyos/vyos1x-config (``config_tree.ml``,
``vytree.ml``, ``util.ml``, ``lexical_numeric_compare.c``); vyos/vyatta-cfg-system and
vyos/vyatta-cfg-vpn (crux/equuleus ``node.def`` templates); vyos/vyos-documentation
(``docs/cli.rst``); netmiko 4.8 ``netmiko/vyos/vyos_ssh.py``. See docs/vyos.md.

:data:`PLATFORM` is VyOS behind :class:`greios.platforms.base.Platform`: configs are
``show configuration commands`` set-lines (curly ``config.boot`` is read too), applied with
VyOS's set/delete semantics (:mod:`~.config`), read into the shared device model
(:mod:`~.devmodel`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from greios.devmodel.model import DeviceConfig
    from greios.intent import RouterIntent
    from greios.inventory.load import Inventory
    from greios.plan.model import RouterPlan
    from greios.render import SecretMode

#: VyOS lines holding a secret (set-lines and curly): PSKs (1.2/1.3 ``pre-shared-secret``,
#: 1.4+ ``authentication psk NAME secret``), passwords, keys
SECRET_LINES: tuple[re.Pattern[str], ...] = tuple(re.compile(p) for p in (
    r"\b(?:pre-shared-secret|secret)\s+'(?P<key>(?:[^'\\]|\\.)*)'",
    r"\b(?:pre-shared-secret|secret)\s+\"(?P<key>(?:[^\"\\]|\\.)*)\"",
    r"^\s*(?:pre-shared-secret|secret)\s+(?P<key>[^\s'\"]\S*)\s*$",
    r"\b(?:plaintext-password|encrypted-password)\s+'(?P<key>[^']*)'",
))


class VyosPlatform:
    name = "vyos"
    display_name = "VyOS"
    templates = "vyos"
    secret_patterns = SECRET_LINES

    def tunnel_interface(self, number: int) -> str:
        """Tunnel ``number``'s interface name (``tunN``)."""
        return f"tun{number}"

    def parse(self, text: str, *, source: str | None = None) -> DeviceConfig:
        from greios.platforms.vyos.devmodel import parse_device_config

        return parse_device_config(text, source=source)

    def recognises(self, text: str) -> bool:
        from greios.platforms.vyos.devmodel import looks_like_vyos

        return looks_like_vyos(text)

    def apply_lines(self, running: str, lines: Iterable[str]) -> str:
        from greios.platforms.vyos.config import apply_text

        return apply_text(running, lines)

    def inventory_problems(self, inv: Inventory) -> list[str]:
        return []  # VyOS's constraints are checked with the inventory (inventory/checks.py)

    def normalise(self, text: str) -> str:
        from greios.platforms.vyos.config import normalise

        return normalise(text)

    def plan(self, running: str, intended: str, *, retired: str = "",
             secret_equal: Callable[[str, str], bool] | None = None) -> RouterPlan:
        from greios.platforms.vyos.remediation import plan

        return plan(running, intended, retired=retired, secret_equal=secret_equal)

    def render_intent(self, intent: RouterIntent, *, secrets: SecretMode = "redact") -> str:
        """The router's intended greios config as set-commands of its VyOS dialect."""
        from greios.platforms.vyos.intended import render_intent

        return render_intent(intent, secrets=secrets)


PLATFORM = VyosPlatform()
