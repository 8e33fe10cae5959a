"""What a device session reports (preflight, pending commit, ping, interfaces) and the
helpers that read IOS output; no napalm import here."""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass

from greios.errors import DeviceError, ExitCode


class PreflightError(DeviceError):
    """A prerequisite for a safe apply is missing on the router; nothing was changed."""

    exit_code = ExitCode.COMMIT_FAILED
    default_message = "the router is missing a prerequisite for a safe apply"


class TransferError(DeviceError):
    """The candidate file could not be copied to the router; nothing was changed."""

    exit_code = ExitCode.COMMIT_FAILED
    default_message = "could not copy the change to the router"


@dataclass(frozen=True)
class Preflight:
    """What the router offers for a safe apply (see docs/ios-prerequisites.md)."""

    router: str
    archive: bool  # `show archive` works: commit-confirm (revert timer) is possible
    archive_path: str | None
    archive_write_memory: bool
    scp_server: bool  # `ip scp server enable`
    file_prompt_quiet: bool
    privilege: int | None  # login privilege (`show privilege`); None = unknown
    flash_free: int | None  # bytes free on the file system napalm uses
    inline_transfer: bool  # the transfer greios will use (TCL inline instead of SCP)
    notes: tuple[str, ...] = ()
    pending_user: str | None = None  # a change already waiting for `configure confirm`

    @property
    def commit_confirm(self) -> bool:
        return self.archive

    def refusal(self, *, need_confirm: bool, min_free: int = 0) -> str | None:
        """One-line reason a safe apply is impossible (None when it can go ahead)."""
        if self.pending_user is not None:
            return (f"{self.router}: a configuration change by {self.pending_user!r} is "
                    "still waiting for 'configure confirm' (revert timer running); confirm "
                    "or revert it first")
        if need_confirm and not self.archive:
            return (f"{self.router}: commit-confirm needs the IOS archive: configure "
                    "'archive' with 'path flash:archive' and 'write-memory' "
                    "(see docs/ios-prerequisites.md)")
        if self.privilege is not None and self.privilege < 15 and self.inline_transfer is False:
            return (f"{self.router}: the login user has privilege {self.privilege}; SCP needs "
                    "privilege 15 (or set optional_args inline_transfer)")
        if self.flash_free is not None and self.flash_free < min_free:
            return (f"{self.router}: flash has only {self.flash_free} bytes free, "
                    f"{min_free} needed for the candidate and rollback files")
        return None


@dataclass(frozen=True)
class PingResult:
    destination: str
    size: int
    df: bool
    sent: int
    received: int
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error and self.sent > 0 and self.received == self.sent

    @property
    def success_rate(self) -> int:
        return 0 if self.sent == 0 else round(100 * self.received / self.sent)


@dataclass(frozen=True)
class PendingCommit:
    """A change waiting for ``configure confirm`` (``show archive config rollback timer``)."""

    router: str
    user: str
    timer: str = ""  # "5 min"
    configured: str = ""  # when the timer was started (router clock)

    def describe(self) -> str:
        when = f", started {self.configured}" if self.configured else ""
        timer = f"revert timer {self.timer}" if self.timer else "revert timer"
        return f"commit-confirm pending (user {self.user!r}, {timer}{when})"


@dataclass(frozen=True)
class InterfaceState:
    name: str
    is_up: bool
    is_enabled: bool
    mtu: int | None = None


SUCCESS_RE = re.compile(r"Success rate is (\d+) percent \((\d+)/(\d+)\)")
DIR_OF_RE = re.compile(r"Directory of (\S+?:)/")
USER_RE = re.compile(r"^User: (.*?)\s*$", re.M)
TIMER_RE = re.compile(r"^Timer value: (.*?)\s*$", re.M)
CONFIGURED_RE = re.compile(r"^Time configured\s*: (.*?)\s*$", re.M)
FREE_RE = re.compile(r"(\d+) bytes free")
PRIV_RE = re.compile(r"privilege level is (\d+)", re.I)
INVALID_INPUT = "Invalid input detected"


def first_line(text: str) -> str:
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""


def rejected_lines(output: str) -> list[str]:
    """The config lines IOS marked with a caret + ``% Invalid input detected``.

    >>> rejected_lines("tunnel mode bogus\\n         ^\\n% Invalid input detected at '^' marker.")
    ['tunnel mode bogus']
    """
    lines = output.splitlines()
    out: list[str] = []
    for i, line in enumerate(lines):
        if INVALID_INPUT not in line:
            continue
        j = i - 1
        if j >= 0 and lines[j].strip() == "^":
            j -= 1
        if j >= 0 and lines[j].strip():
            out.append(lines[j].strip())
    return out


def connect_kind(exc: BaseException) -> str | None:
    """"refused", "timeout" (TCP connect), "banner" (no SSH greeting) or None (other)."""
    from paramiko.ssh_exception import NoValidConnectionsError, SSHException

    chain: list[BaseException] = []
    inner: BaseException | None = exc
    while inner is not None and len(chain) < 20:
        chain.append(inner)
        inner = inner.__cause__ or inner.__context__
    for e in chain:
        if isinstance(e, SSHException) and "banner" in str(e).lower():
            return "banner"
    for e in chain:
        if isinstance(e, NoValidConnectionsError):
            errors = list(e.errors.values())
            if errors and all(isinstance(x, ConnectionRefusedError) for x in errors):
                return "refused"
            if any(isinstance(x, socket.timeout | TimeoutError) for x in errors):
                return "timeout"
        if isinstance(e, ConnectionRefusedError):
            return "refused"
    tcp_failed = any("tcp connection to device failed" in str(e).lower() for e in chain)
    if tcp_failed and any(isinstance(e, socket.timeout | TimeoutError) for e in chain):
        return "timeout"
    if any("refused" in str(e).lower() for e in chain):
        return "refused"
    return None
