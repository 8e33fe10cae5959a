"""IOS running-config parser and typed model.

``parse_config`` imports ciscoconfparse lazily; importing this package (or
:mod:`greios.devmodel.model`) has no ciscoconfparse side effects.
"""

from __future__ import annotations

from greios.devmodel.model import DeviceConfig, Interface, Tunnel
from greios.devmodel.secrets import Psk
from greios.platforms.ios.config.parser import parse_config

__all__ = ["DeviceConfig", "Interface", "Psk", "Tunnel", "parse_config"]
