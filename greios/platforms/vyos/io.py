"""The I/O half of the VyOS platform (:class:`greios.platforms.base.PlatformIO`).

``driver(target)`` is the deploy side (:class:`~greios.platforms.vyos.driver.VyosSession`,
netmiko ``vyos``); ``lab_device`` / ``lab_server`` build a simulated VyOS router and its SSH
server on 127.0.0.1 for the lab (``greios lab up``), ``lab_config`` / ``lab_startup`` give
the texts the lab persists. Everything is imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from greios.platforms.vyos.labdevice import TunnelState, VyosDevice
    from greios.platforms.vyos.labserver import VyosLabServer


class VyosIO:
    name = "vyos"

    def driver(self, target: Any, version: str | None = None) -> Any:
        """An unopened session; ``version`` (else ``target.optional_args["vyos_version"]``)
        is checked against the router's ``show version`` when it opens."""
        from greios.platforms.vyos.driver import VyosSession

        return VyosSession(target, version=version)

    def lab_device(self, config: str | None = None, *, version: str = "1.4",
                   username: str = "vyos", password: str | None = None,
                   time_scale: float = 60.0, name: str | None = None,
                   startup: str | None = None,
                   tunnel_state: TunnelState | None = None,
                   on_change: Callable[[VyosDevice], None] | None = None) -> VyosDevice:
        """A simulated VyOS router: ``config`` (set-lines or config.boot; None = a fresh
        router named ``name``), ``startup`` its saved config, ``time_scale`` seconds per
        commit-confirm minute, ``tunnel_state`` the lab network's tunnel oracle,
        ``on_change`` called after every commit, save and revert (persistence)."""
        from greios.platforms.vyos.labdevice import DEFAULT_PASSWORD, VyosDevice, default_config
        from greios.platforms.vyos.parse import parse_config

        tree = parse_config(config, version).tree if config is not None else default_config(
            hostname=name or "vyos", username=username)
        dev = VyosDevice(tree, version=version, username=username,
                         password=DEFAULT_PASSWORD if password is None else password,
                         minute=time_scale, tunnel_state=tunnel_state, name=name or "")
        if startup is not None:
            dev.saved = parse_config(startup, version).tree
        dev.on_change = on_change
        return dev

    def lab_server(self, device: VyosDevice, port: int = 0) -> VyosLabServer:
        """The SSH server of ``device`` on 127.0.0.1 (not started; ``.start()``)."""
        from greios.platforms.vyos.labserver import VyosLabServer

        return VyosLabServer(device, port=port)

    def lab_config(self, device: VyosDevice) -> str:
        """The running config as ``show configuration commands`` prints it."""
        from greios.platforms.vyos.render import render_commands

        with device.lock:
            return render_commands(device.running)

    def lab_startup(self, device: VyosDevice) -> str:
        """The saved config as ``/config/config.boot``."""
        with device.lock:
            return device.config_boot()


IO = VyosIO()
