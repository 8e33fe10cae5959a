"""IOS running-config parser and typed model.

``parse_config`` imports ciscoconfparse lazily; importing this package (or
:mod:`greios.iosconfig.model`) has no ciscoconfparse side effects.
"""

from __future__ import annotations

from greios.iosconfig.model import DeviceConfig, Interface, Tunnel
from greios.iosconfig.parser import parse_config
from greios.iosconfig.secrets import Psk

__all__ = ["DeviceConfig", "Interface", "Psk", "Tunnel", "parse_config"]
