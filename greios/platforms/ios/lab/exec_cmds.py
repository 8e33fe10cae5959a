"""Privileged-exec commands of the simulated router (files, copies, archive, shows)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from greios.platforms.ios.configtree import apply_lines, diff_lines, parse_config, render_config
from greios.platforms.ios.lab import shows
from greios.platforms.ios.lab.flash import FlashError, flash_name

if TYPE_CHECKING:
    from greios.platforms.ios.lab.device import Device


class CliSession(Protocol):
    """What the exec commands need of a CLI session (:class:`.session.CliSession`)."""

    device: Device
    username: str
    mode: str

    def caret(self, words: list[str], index: int) -> str: ...

    def reset_config_sessions(self) -> None: ...

INVALID = "% Invalid input detected at '^' marker.\n"


@dataclass
class Question:
    """An interactive question; the next typed line goes to ``then``."""

    prompt: str
    then: Callable[[str], object]
    echo: bool = True


class DropConnectionError(Exception):
    """Fault injection: close the SSH connection now."""


_VOCAB: dict[str, list[str]] = {
    "": ["show", "configure", "copy", "write", "dir", "verify", "more", "delete", "terminal",
         "enable", "disable", "exit", "logout", "quit", "ping", "tclsh", "tclquit", "end"],
    "show": ["running-config", "startup-config", "version", "hosts", "interfaces", "ip",
             "ipv6", "archive", "clock", "flash:", "history", "users"],
    "configure": ["terminal", "replace", "confirm", "revert", "memory"],
    "write": ["memory", "terminal", "erase"],
}


def expand(words: list[str]) -> list[str]:
    """IOS-style unique-prefix expansion of the first two keywords (``sh run``, ``conf t``)."""
    out = list(words)
    context = ""
    for i in range(min(2, len(out))):
        vocab = _VOCAB.get(context)
        if vocab is None:
            break
        w = out[i].lower()
        hits = [v for v in vocab if v.startswith(w)]
        if w in vocab:
            hits = [w]
        if len(hits) == 1:
            out[i] = hits[0]
        elif i == 0 and w in ("sh", "conf", "wr"):
            out[i] = {"sh": "show", "conf": "configure", "wr": "write"}[w]
        context = out[i]
    return out


def stamp(t: float) -> str:
    return time.strftime("%H:%M:%S UTC %a %b %d %Y", time.gmtime(t))


def show_running(s: CliSession) -> str:
    dev = s.device
    body = render_config(dev.visible_running())
    header = (f"Building configuration...\n\nCurrent configuration : {len(body)} bytes\n!\n"
              f"! Last configuration change at {stamp(dev.last_change)}"
              + (f" by {dev.last_change_user}" if dev.last_change_user else "") + "\n!\n")
    return header + body


def show(s: CliSession, words: list[str], pipe: str | None) -> str:
    dev = s.device
    rest = " ".join(words[1:]).lower()
    text: str
    if rest in ("running-config", "run", "running-config all"):
        text = show_running(s)
    elif rest in ("startup-config", "start"):
        text = (f"Using {len(dev.startup)} out of 33554432 bytes\n{dev.startup}"
                if dev.startup else "startup-config is not present\n")
    elif rest == "version":
        text = shows.show_version(dev)
    elif rest == "hosts":
        text = shows.show_hosts(dev)
    elif rest in ("ip interface brief", "ip int brief", "ip int br", "ip interface br"):
        text = shows.show_ip_interface_brief(dev)
    elif rest in ("ip interface", "ip int"):
        text = shows.show_ip_interface(dev)
    elif rest in ("ipv6 interface", "ipv6 int"):
        text = shows.show_ipv6_interface(dev)
    elif rest in ("interfaces", "interface", "int"):
        text = shows.show_interfaces(dev)
    elif re.match(r"^int(erfaces?)? \S+$", rest):
        from greios.platforms.ios.configtree import normalize

        text = shows.show_interfaces(dev, normalize("interface " + words[-1]).split()[1])
    elif rest == "archive":
        text = show_archive(s)
    elif rest == "archive config rollback timer":
        text = rollback_timer(s)
    elif rest.startswith("archive config incremental-diffs "):
        text = incremental_diffs(s, words[4])
    elif rest == "privilege":
        text = f"Current privilege level is {1 if s.mode == 'user' else 15}\n"
    elif rest == "clock":
        text = time.strftime("*%H:%M:%S.000 UTC %a %b %d %Y\n", time.gmtime())
    elif rest in ("flash:", "flash"):
        text = dev.flash.dir()
    elif rest == "history":
        text = "\n".join(f"  {c}" for u, c in dev.history[-20:] if u == s.username) + "\n"
    else:
        return s.caret(words, 1)
    if pipe is not None:
        return shows.filter_output(text, pipe,
                                   dev.visible_running() if "running" in rest else None)
    return text


def show_archive(s: CliSession) -> str:
    dev = s.device
    path = dev.archive_path()
    if path is None:
        return "Archive feature not enabled\n"
    lines = ["The maximum archive configurations allowed is 10.",
             f"The next archive file will be named {path}-{dev.archive_count + 1}",
             " Archive #  Name"]
    for i in range(1, 11):
        name = f"{path}-{i}" if i <= dev.archive_count else ""
        mark = " <- Most Recent" if i == dev.archive_count else ""
        lines.append(f"   {i:<8} {name}{mark}")
    return "\n".join(lines) + "\n"


def rollback_timer(s: CliSession) -> str:
    pending = s.device.revert
    if pending is None:
        return "%No Rollback Confirmed Change pending\n"
    return (f"Time configured : {stamp(pending.started)}\nTimer type: Rollback timer\n"
            f"Timer value: {pending.minutes} min\nUser: {pending.user}\n")


def incremental_diffs(s: CliSession, path: str) -> str:
    name = flash_name(path)
    if name is None:
        return INVALID
    try:
        data = s.device.flash.read(name).decode("utf-8", "replace")
    except FlashError as exc:
        return str(exc) + "\n"
    if data.strip() and not re.search(r"(?m)^end\s*$", data):
        return "%Error: parser returned error 5 (no 'end' in the file)\n"
    lines = diff_lines(s.device.running, parse_config(data))
    if not lines:
        return "!List of Commands:\nend\n!No changes were found\n"
    return "!List of Commands:\n" + "\n".join(lines) + "\nend\n"


def _quiet_or_ask(s: CliSession, default: str, action: Callable[[], str]) -> object:
    if s.device.file_prompt_quiet():
        return action()
    return Question(f"Destination filename [{default}]? ", lambda _answer: action())


def copy(s: CliSession, words: list[str]) -> object:
    if len(words) < 3:
        return "% Incomplete command.\n"
    src, dst = words[1], words[2]
    dev = s.device
    run = ("running-config", "system:running-config", "run")
    start = ("startup-config", "nvram:startup-config", "start")
    if src.lower() in run and dst.lower() in start:
        return _quiet_or_ask(s, "startup-config", lambda: _write_mem(s))
    dst_file = flash_name(dst)
    src_file = flash_name(src)
    if src.lower() in run and dst_file is not None:
        return _quiet_or_ask(s, dst_file, lambda: _to_flash(
            s, dst_file, render_config(dev.running).encode()))
    if src.lower() == "null:" and dst_file is not None:
        return _quiet_or_ask(s, dst_file, lambda: _to_flash(s, dst_file, b""))
    if src.lower() in start and dst_file is not None:
        return _quiet_or_ask(s, dst_file, lambda: _to_flash(s, dst_file, dev.startup.encode()))
    if src_file is not None and dst.lower() in run:
        return _quiet_or_ask(s, "running-config", lambda: _merge_file(s, src_file))
    if src_file is not None and dst.lower() in start:
        def _to_start() -> str:
            try:
                dev.startup = dev.flash.read(src_file).decode("utf-8", "replace")
            except FlashError as exc:
                return str(exc) + "\n"
            dev.changed(s.username)
            return "[OK]\n"
        return _quiet_or_ask(s, "startup-config", _to_start)
    return s.caret(words, 1)


def _to_flash(s: CliSession, name: str, data: bytes) -> str:
    start = time.perf_counter()
    with s.device.lock:
        try:
            s.device.flash.write(name, data)
        except FlashError as exc:
            return str(exc) + "\n"
        s.device.changed(s.username)
    secs = max(time.perf_counter() - start, 0.001)
    return f"{len(data)} bytes copied in {secs:.3f} secs ({int(len(data) / secs)} bytes/sec)\n"


def _write_mem(s: CliSession) -> str:
    s.device.save_startup(s.username)
    return "Building configuration...\n[OK]\n"


def _merge_file(s: CliSession, name: str) -> str:
    dev = s.device
    start = time.perf_counter()
    with dev.lock:
        try:
            data = dev.flash.read(name).decode("utf-8", "replace")
        except FlashError as exc:
            return str(exc) + "\n"
        lines = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        errors = apply_lines(dev.running, lines, dev.faults.reject_patterns())
        dev.changed(s.username)
        s.reset_config_sessions()
    if dev.faults.drop_commit:
        raise DropConnectionError
    out = []
    for line, err in errors:
        if err.message:  # IOS's own refusal text (undefined reference, in use)
            out.append(err.message)
            continue
        out.append(line)
        out.append(" " * err.position + "^")
        out.append(INVALID.rstrip("\n"))
        out.append("")
    secs = max(time.perf_counter() - start, 0.001)
    out.append(f"{len(data)} bytes copied in {secs:.3f} secs ({int(len(data) / secs)} bytes/sec)")
    return "\n".join(out) + "\n"


def configure_replace(s: CliSession, words: list[str]) -> str:
    if len(words) < 3:
        return "% Incomplete command.\n"
    name = flash_name(words[2])
    if name is None:
        return s.caret(words, 2)
    dev = s.device
    with dev.lock:
        try:
            data = dev.flash.read(name).decode("utf-8", "replace")
        except FlashError as exc:
            return str(exc) + "\n"
        if not re.search(r"(?m)^end\s*$", data):
            return f"Rollback aborted: flash:/{name} is not a valid config file\n"
        dev.replace_running(parse_config(data), s.username)
        s.reset_config_sessions()
    return "Total number of passes: 1\nRollback Done\n"


def files(s: CliSession, words: list[str]) -> str:
    dev = s.device
    verb = words[0]
    if verb == "dir":
        target = words[1] if len(words) > 1 else "flash:"
        name = flash_name(target)
        if name is None:
            return f"%Error opening {target} (No such device)\n"
        try:
            return dev.flash.dir(name or None)
        except FlashError as exc:
            return str(exc) + "\n"
    if verb == "verify":
        if len(words) < 3 or words[1].lower() != "/md5":
            return s.caret(words, 1)
        name = flash_name(words[2])
        if name is None:
            return s.caret(words, 2)
        try:
            digest = dev.flash.md5(name)
        except FlashError as exc:
            return str(exc) + "\n"
        return f"...........Done!\nverify /md5 (flash:/{name}) = {digest}\n"
    if verb == "more":
        name = flash_name(words[-1]) if len(words) > 1 else None
        if name is None:
            return s.caret(words, 1)
        try:
            return dev.flash.read(name).decode("utf-8", "replace")
        except FlashError as exc:
            return str(exc) + "\n"
    if verb == "delete":
        name = flash_name(words[-1]) if len(words) > 1 else None
        if name is None:
            return s.caret(words, 1)
        with dev.lock:
            try:
                dev.flash.delete(name)
            except FlashError as exc:
                return str(exc) + "\n"
            dev.changed(s.username)
        return ""
    return s.caret(words, 0)
