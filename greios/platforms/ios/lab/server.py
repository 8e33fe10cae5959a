"""paramiko SSH server for one simulated router (127.0.0.1 only).

::

    with LabServer(Device.from_config(text)) as srv:
        napalm.get_network_driver("ios")("127.0.0.1", "greios", "greios-lab",
                                          optional_args={"port": srv.port})

Password auth against the device's credentials; ``shell`` channels run a
:class:`~.session.CliSession`, ``exec`` channels run either the SCP sink or a
single exec command. TCP_NODELAY is set on accepted sockets (napalm-ios-contract P7);
connections that authenticate and never open a channel are fine.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
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

from greios.platforms.ios.lab.device import Device
from greios.platforms.ios.lab.scp import is_scp_sink, scp_sink
from greios.platforms.ios.lab.session import CliSession

_LOG = logging.getLogger("greios.lab.ssh")
_LOG.addHandler(logging.NullHandler())
_LOG.propagate = False
_LOG.setLevel(logging.CRITICAL)
_HOST_KEY: paramiko.PKey | None = None
_HOST_KEY_LOCK = threading.Lock()


def host_key() -> paramiko.PKey:
    """One ECDSA host key per process (generated on first use, ~ms)."""
    global _HOST_KEY
    with _HOST_KEY_LOCK:
        if _HOST_KEY is None:
            _HOST_KEY = paramiko.ECDSAKey.generate(bits=256)
        return _HOST_KEY


class _Acceptor:
    """One thread accepts the connections of every listening router of the process.

    (A thread per router polling ``accept`` with a timeout costs 5 wake-ups per second
    per router: 1,000 a second for a 200-router lab doing nothing.)
    """

    def __init__(self) -> None:
        self._sel = selectors.DefaultSelector()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, sock: socket.socket, server: LabServer) -> None:
        sock.setblocking(False)
        with self._lock:
            self._sel.register(sock, selectors.EVENT_READ, server)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, daemon=True,
                                                name="greios-lab-accept")
                self._thread.start()

    def remove(self, sock: socket.socket) -> None:
        with self._lock, contextlib.suppress(KeyError, ValueError, OSError):
            self._sel.unregister(sock)

    def _loop(self) -> None:
        while True:
            try:
                events = self._sel.select(timeout=1.0)
            except OSError:  # a socket closed under us: the next round sees the new set
                time.sleep(0.01)
                continue
            for key, _mask in events:
                server: LabServer = key.data
                try:
                    conn, _addr = key.fileobj.accept()  # type: ignore[union-attr]
                except OSError:  # BlockingIOError (another accept won) or closed
                    continue
                server.accepted(conn)


_ACCEPTOR = _Acceptor()


class _Iface(paramiko.ServerInterface):
    def __init__(self, server: LabServer) -> None:
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
        if is_scp_sink(text):
            self.server.spawn(scp_sink, channel, self.server.device, text)
        else:
            self.server.spawn(self.server.run_exec, channel, self.username, text)
        return True


class LabServer:
    """SSH server for ``device`` on ``host:port`` (port 0 = ephemeral; see ``.port``)."""

    def __init__(self, device: Device, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost"):
            raise ValueError("the lab only listens on 127.0.0.1")
        self.device = device
        self.host = "127.0.0.1"
        self._requested_port = port
        self.port = 0
        self._sock: socket.socket | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._transports: set[paramiko.Transport] = set()
        self._lock = threading.Lock()
        self.connections = 0

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> LabServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        sock.listen(64)
        self._sock = sock
        self.port = sock.getsockname()[1]
        host_key()
        _ACCEPTOR.add(sock, self)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._sock is not None:
            _ACCEPTOR.remove(self._sock)
            with contextlib.suppress(OSError):
                self._sock.close()
        with self._lock:
            transports = list(self._transports)
        for t in transports:
            with contextlib.suppress(Exception):
                t.close()
        self.device.close()

    def __enter__(self) -> LabServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def spawn(self, target: Any, *args: Any) -> None:
        t = threading.Thread(target=target, args=args, daemon=True)
        t.start()

    # ------------------------------------------------------------------ connections
    def accepted(self, conn: socket.socket) -> None:
        if self._stop.is_set():
            with contextlib.suppress(OSError):
                conn.close()
            return
        conn.setblocking(True)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.connections += 1
        self.spawn(self._serve, conn)

    def _serve(self, conn: socket.socket) -> None:
        entry: list[float | None] = [time.monotonic(), None]
        with self._lock:
            self.device.connections.append(entry)
        try:
            self._serve_transport(conn)
        finally:
            entry[1] = time.monotonic()

    def _serve_transport(self, conn: socket.socket) -> None:
        transport = paramiko.Transport(conn)
        transport.set_log_channel("greios.lab.ssh")  # quiet: clients drop connections at will
        transport.add_server_key(host_key())
        with self._lock:
            self._transports.add(transport)
        try:
            transport.start_server(server=_Iface(self))
            # Channels are driven from the interface callbacks; this thread only waits.
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

        def close() -> None:
            with contextlib.suppress(Exception):
                chan.close()

        session = CliSession(self.device, username, send, close)

        def drop() -> None:
            transport = chan.get_transport()
            if transport is not None:
                transport.close()

        session.drop = drop
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
            close()

    def run_exec(self, chan: paramiko.Channel, username: str, command: str) -> None:
        out: list[str] = []
        session = CliSession(self.device, username, out.append, lambda: None)
        try:
            result = session._exec(command.strip())
            text = result if isinstance(result, str) else ""
            chan.sendall(text.replace("\n", "\r\n").encode())
            chan.send_exit_status(0)
        except Exception:
            with contextlib.suppress(Exception):
                chan.send_exit_status(1)
        finally:
            session.finish()
            # the exec request's reply goes out after the callback returns: do not close
            # the channel before the client has seen it
            time.sleep(0.1)
            with contextlib.suppress(Exception):
                chan.close()
