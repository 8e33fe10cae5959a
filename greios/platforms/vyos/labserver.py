"""paramiko SSH server for one simulated VyOS router (127.0.0.1 only).

::

    with VyosLabServer(VyosDevice(version="1.4")) as srv:
        ConnectHandler(device_type="vyos", host="127.0.0.1", port=srv.port,
                       username="vyos", password="vyos")

Password auth against the device's credentials; ``shell`` channels run a
:class:`~greios.platforms.vyos.labcli.VyosSession`; ``exec`` channels run one operational
command. Any number of concurrent connections (napalm-vyos opens two). The host key is
the IOS lab's (:func:`greios.platforms.ios.lab.server.host_key`); the rest is separate from the IOS
lab server because that one is bound to the IOS device and CLI classes.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from types import TracebackType
from typing import Any

import paramiko
from paramiko.common import (
    AUTH_FAILED,
    AUTH_SUCCESSFUL,
    OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED,
    OPEN_SUCCEEDED,
)

from greios.platforms.ios.lab.server import host_key
from greios.platforms.vyos.labcli import VyosSession
from greios.platforms.vyos.labdevice import VyosDevice

_LOG_NAME = "greios.platforms.vyos.ssh"
_LOG = logging.getLogger(_LOG_NAME)
_LOG.addHandler(logging.NullHandler())
_LOG.propagate = False
_LOG.setLevel(logging.CRITICAL)


class _Iface(paramiko.ServerInterface):
    def __init__(self, server: VyosLabServer) -> None:
        self.server = server
        self.username = ""

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_auth_password(self, username: str, password: str) -> int:
        if self.server.device.check_password(username, password):
            self.username = username
            return int(AUTH_SUCCESSFUL)
        return int(AUTH_FAILED)

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return int(OPEN_SUCCEEDED)
        return int(OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED)

    def check_channel_pty_request(self, channel: paramiko.Channel, term: bytes, width: int,
                                  height: int, pixelwidth: int, pixelheight: int,
                                  modes: bytes) -> bool:
        return True

    def check_channel_window_change_request(self, channel: paramiko.Channel, width: int,
                                            height: int, pixelwidth: int,
                                            pixelheight: int) -> bool:
        return True

    def check_channel_shell_request(self, channel: paramiko.Channel) -> bool:
        self.server.spawn(self.server.run_shell, channel, self.username)
        return True

    def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
        text = command.decode("utf-8", "replace")
        self.server.spawn(self.server.run_exec, channel, self.username, text)
        return True


class VyosLabServer:
    """SSH server for ``device`` on 127.0.0.1 (port 0 = ephemeral; see ``.port``)."""

    def __init__(self, device: VyosDevice, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost"):
            raise ValueError("the lab only listens on 127.0.0.1")
        self.device = device
        self.host = "127.0.0.1"
        self._requested_port = port
        self.port = 0
        self._sock: socket.socket | None = None
        self._stop = threading.Event()
        self._transports: set[paramiko.Transport] = set()
        self._lock = threading.Lock()
        self.connections = 0

    def start(self) -> VyosLabServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        sock.listen(16)
        sock.settimeout(0.2)
        self._sock = sock
        self.port = sock.getsockname()[1]
        host_key()
        self.spawn(self._accept_loop)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
        with self._lock:
            transports = list(self._transports)
        for transport in transports:
            with contextlib.suppress(Exception):
                transport.close()
        self.device.close()

    def __enter__(self) -> VyosLabServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def spawn(self, target: Any, *args: Any) -> None:
        threading.Thread(target=target, args=args, daemon=True).start()

    def _accept_loop(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _addr = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.connections += 1
            self.spawn(self._serve, conn)

    def _serve(self, conn: socket.socket) -> None:
        transport = paramiko.Transport(conn)
        transport.set_log_channel(_LOG_NAME)
        transport.add_server_key(host_key())
        with self._lock:
            self._transports.add(transport)
        try:
            transport.start_server(server=_Iface(self))
            while transport.is_active() and not self._stop.is_set():
                transport.join(0.5)
        except (paramiko.SSHException, EOFError, OSError):
            pass
        finally:
            with self._lock:
                self._transports.discard(transport)
            with contextlib.suppress(Exception):
                transport.close()

    def run_shell(self, chan: paramiko.Channel, username: str) -> None:
        def send(text: str) -> None:
            with contextlib.suppress(OSError, EOFError):
                chan.sendall(text.encode("utf-8", "replace"))

        def drop() -> None:
            transport = chan.get_transport()
            with contextlib.suppress(Exception):
                chan.close()
            if transport is not None:
                with contextlib.suppress(Exception):
                    transport.close()

        session = VyosSession(self.device, username, send, drop)
        try:
            session.start()
            while not session.closed:
                try:
                    data = chan.recv(65536)
                except (OSError, EOFError):
                    break
                if not data:
                    break
                session.feed(data.decode("utf-8", "replace"))
        finally:
            session.finish()
            with contextlib.suppress(Exception):
                chan.close()

    def run_exec(self, chan: paramiko.Channel, username: str, command: str) -> None:
        out: list[str] = []
        session = VyosSession(self.device, username, out.append, lambda: None)
        try:
            text = session.dispatch(command.strip())
            chan.sendall(text.replace("\n", "\r\n").encode())
            chan.send_exit_status(0)
        except Exception:
            with contextlib.suppress(Exception):
                chan.send_exit_status(1)
        finally:
            session.finish()
            time.sleep(0.05)  # let the exec reply reach the client before closing
            with contextlib.suppress(Exception):
                chan.close()
