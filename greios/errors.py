"""One exception root for greios and the exit codes the CLI maps them to.

Every error a user can cause (bad YAML, unknown site, unreachable device, ...) is a
:class:`GreiosError` subclass carrying a one-line, secret-free message and an exit code
documented in ``docs/exit-codes.md``. The CLI prints ``error: <message>`` and exits with
that code; no traceback is shown unless ``GREIOS_DEBUG=1``.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes (see docs/exit-codes.md)."""

    OK = 0
    ERROR = 1  # invalid input: inventory, YAML, plan file, unknown site, missing env var
    CHANGES = 2  # `plan --detailed-exitcode`: succeeded and the plan is not empty
    AUDIT_FINDINGS = 3  # `audit`: findings at or above --fail-on
    STALE_PLAN = 4  # saved plan no longer matches the running config
    LOCK_HELD = 5  # another apply holds a router lock
    DEVICE_UNREACHABLE = 6  # connect/auth/timeout failure; nothing was changed
    COMMIT_FAILED = 7  # device rejected the change; router rolled back
    VERIFY_FAILED = 8  # change committed but verification failed; router rolled back
    ROLLBACK_FAILED = 9  # rollback did not restore the router: needs a human
    USAGE = 64  # bad command-line usage (unknown option, missing argument)
    INTERNAL = 70  # a bug in greios
    INTERRUPTED = 130  # Ctrl-C


class GreiosError(Exception):
    """Root of every error greios reports to a user."""

    exit_code: ExitCode = ExitCode.ERROR
    default_message = "greios failed"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class InventoryError(GreiosError):
    """The inventory (sites/*.yaml, project file, lock file) is invalid.

    ``problems`` holds every problem found, each already formatted as
    ``file:line: yaml.path: message``.
    """

    default_message = "the inventory is invalid"

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            message = f"{len(self.problems)} problems in the inventory:\n" + "\n".join(
                f"  {p}" for p in self.problems
            )
        super().__init__(message)


class UnknownSiteError(GreiosError):
    default_message = "unknown site"


class SecretError(GreiosError):
    """A secret (PSK, password env var) is missing or unreadable."""

    default_message = "a secret is missing"


class SecretFileError(SecretError):
    """The secrets file (``sites/.greios-secrets.yaml``) is unreadable or holds something
    greios would lose by rewriting it. ``problems`` holds every problem, each located as
    ``file:line: yaml.path: message`` (never a key value)."""

    default_message = "the secrets file is invalid"

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        if len(self.problems) == 1:
            message = self.problems[0]
        else:
            message = f"{len(self.problems)} problems in the secrets file:\n" + "\n".join(
                f"  {p}" for p in self.problems
            )
        super().__init__(message)


class TemplateError(GreiosError):
    default_message = "a template failed to render"


class ConfigParseError(GreiosError):
    """A running-config file could not be read or parsed."""

    default_message = "could not parse the configuration"


class PlanFileError(GreiosError):
    default_message = "the saved plan is unreadable"


class StalePlanError(GreiosError):
    exit_code = ExitCode.STALE_PLAN
    default_message = "the saved plan is stale: the running config changed since it was made"


class LockHeldError(GreiosError):
    exit_code = ExitCode.LOCK_HELD
    default_message = "another greios process holds the router lock"


class DeviceError(GreiosError):
    """Base for device-side failures."""

    exit_code = ExitCode.DEVICE_UNREACHABLE
    default_message = "device error"


class DeviceConnectError(DeviceError):
    default_message = "could not connect to the device"


class DeviceAuthError(DeviceError):
    default_message = "the device rejected the credentials"


class DeviceTimeoutError(DeviceError):
    default_message = "the device did not answer in time"


class CommitError(DeviceError):
    exit_code = ExitCode.COMMIT_FAILED
    default_message = "the device rejected the change; it was rolled back"


class VerifyError(DeviceError):
    exit_code = ExitCode.VERIFY_FAILED
    default_message = "verification failed after commit; the change was rolled back"


class RollbackError(DeviceError):
    exit_code = ExitCode.ROLLBACK_FAILED
    default_message = "rollback failed: the router may be half-changed"


class LabError(GreiosError):
    default_message = "lab error"


class AuditFailedError(GreiosError):
    exit_code = ExitCode.AUDIT_FINDINGS
    default_message = "the audit found problems at or above the --fail-on level"
