"""SCP sink (``scp -t flash:/f``) on an SSH exec channel (napalm-ios-contract §1.14)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from greios.platforms.ios.lab.flash import FlashError, flash_name

if TYPE_CHECKING:
    import paramiko

    from greios.platforms.ios.lab.device import Device

_CMD = re.compile(r"^scp(?: -\w+)* -t(?: -\w+)* (\S+)$")


def is_scp_sink(command: str) -> bool:
    return _CMD.match(command.strip()) is not None


class _ClosedError(Exception):
    pass


def _read_line(chan: paramiko.Channel) -> bytes:
    out = bytearray()
    while True:
        b = chan.recv(1)
        if not b:
            raise _ClosedError
        if b == b"\n":
            return bytes(out)
        out += b


def _read_exact(chan: paramiko.Channel, n: int) -> bytes:
    out = bytearray()
    while len(out) < n:
        chunk = chan.recv(min(65536, n - len(out)))
        if not chunk:
            raise _ClosedError
        out += chunk
    return bytes(out)


def scp_sink(chan: paramiko.Channel, device: Device, command: str) -> None:
    """Receive files into ``device.flash``; always ends with exit-status and close."""
    status = 1
    try:
        m = _CMD.match(command.strip())
        target = flash_name(m.group(1)) if m else None
        if target is None:
            chan.sendall(b"\x01scp: unsupported destination\n")
            return
        if not device.scp_enabled():
            chan.sendall(b"\x01scp: SCP server is not enabled\n")
            return
        chan.sendall(b"\x00")
        while True:
            try:
                header = _read_line(chan)
            except _ClosedError:
                break
            kind = header[:1]
            if kind == b"T":
                chan.sendall(b"\x00")
                continue
            if kind == b"E":
                chan.sendall(b"\x00")
                continue
            if kind != b"C":
                chan.sendall(b"\x01scp: protocol error\n")
                return
            _mode, size_text, name = header[1:].decode("utf-8", "replace").split(" ", 2)
            size = int(size_text)
            chan.sendall(b"\x00")
            if device.faults.drop_scp:
                _read_exact(chan, size // 2)
                transport = chan.get_transport()
                if transport is not None:
                    transport.close()
                return
            data = _read_exact(chan, size)
            _read_exact(chan, 1)  # the client's \0
            dest = target if target and not target.endswith("/") else target + name
            with device.lock:
                try:
                    device.flash.write(dest, data)
                except FlashError as exc:
                    chan.sendall(b"\x01" + str(exc).encode() + b"\n")
                    return
                device.changed("scp")
            chan.sendall(b"\x00")
        status = 0
    except (OSError, EOFError, _ClosedError, ValueError):
        pass
    finally:
        try:
            chan.send_exit_status(status)
            chan.close()
        except Exception:  # noqa: S110 - the client may already be gone
            pass
