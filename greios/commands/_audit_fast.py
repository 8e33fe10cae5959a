"""``greios audit`` without typer: the command body, and a fast path for plain invocations.

Standard library only. An audit is often the whole job of a process (a CI gate over config
files), so ``python -m greios audit ...`` and :func:`greios.cli.main` first try
:func:`parse_args`: it reads the audit's options exactly as the typer command
(``greios.commands.audit``) converts them, and answers ``None`` for anything it does not
handle the same way (``--help``, an unknown or malformed option, a bad choice, a path typer
would refuse, ``GREIOS_SITES``...), which then goes through typer unchanged. That skips
importing typer and building its pydantic converters (~0.2-0.3 s of a small audit).
``tests/audit/test_cli_fast.py`` checks both paths give the command the same values.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any

from greios.errors import ExitCode, GreiosError


class ReportFormat(str, Enum):
    table = "table"
    md = "md"
    html = "html"
    json = "json"
    junit = "junit"
    sarif = "sarif"


class FailOn(str, Enum):
    error = "error"
    warning = "warning"
    never = "never"


class CtrlCError(GreiosError):
    """Ctrl-C in a command that has nothing to clean up (apply, plan and recover handle
    Ctrl-C themselves and report what they left as it was)."""

    exit_code = ExitCode.INTERRUPTED
    default_message = "interrupted (Ctrl-C)"


def print_error(message: str) -> None:
    """``error: <first line>`` on stderr, further lines as they are."""
    first, _, rest = message.partition("\n")
    sys.stderr.write(f"error: {first}\n")
    if rest:
        sys.stderr.write(rest + "\n")


# --- output: click.echo's behaviour for the text greios writes ------------------------------

_ANSI = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")


def echo(message: str, *, nl: bool = True, err: bool = False) -> None:
    """Write like ``typer.echo``: plain text to a UTF-8 stream is written and flushed; any
    case click treats specially (ANSI codes to a non-terminal, which click strips; another
    encoding) is handed to ``typer.echo`` itself."""
    stream = sys.stderr if err else sys.stdout
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
    if encoding != "utf8" or ("\033" in message and _ANSI.search(message)):
        import typer

        typer.echo(message, nl=nl, err=err)
        return
    stream.write(message + "\n" if nl else message)
    stream.flush()


def note(message: str) -> None:
    """A one-line note on stderr (never stdout, which may be piped)."""
    echo(message, err=True)


# --- the command body ----------------------------------------------------------------------


def run_audit_command(*, paths: list[Path] | None, fmt: ReportFormat, output: Path | None,
                      fail_on: FailOn, select: list[str], ignore: list[str], sites: Path,
                      intended: bool, plan_file: Path | None, live: bool, lab: bool,
                      allow_empty: bool) -> None:
    """What ``greios audit`` does with its converted options (both paths call this)."""
    from greios import lifetime
    from greios.app.audit import AuditRequest, run_audit, write_report
    from greios.audit.report import summary_line
    from greios.errors import AuditFailedError

    req = AuditRequest(paths=tuple(paths or ()), sites=sites, intended=intended,
                       plan_file=plan_file, live=live, lab=lab, allow_empty=allow_empty,
                       select=tuple(select), ignore=tuple(ignore))
    color = output is None and fmt is ReportFormat.table and sys.stdout.isatty() \
        and not os.environ.get("NO_COLOR")
    width = _terminal_width() if sys.stdout.isatty() else 120
    outcome = run_audit(req, fmt=fmt.value, fail_on=fail_on.value, color=color,
                        width=max(width, 80), note=note)
    lifetime.keep(outcome)  # not freed object by object when the process ends next
    if output is not None:
        write_report(outcome.text, output)
        note(f"audit: {summary_line(outcome.report)}; {fmt.value} report written to {output}")
    else:
        echo(outcome.text, nl=not outcome.text.endswith("\n"))
    if outcome.failing:
        raise AuditFailedError(
            f"audit: {outcome.failing} finding(s) at or above --fail-on {fail_on.value}")


def _terminal_width() -> int:
    import shutil  # only for a terminal: shutil and the archive modules it loads cost ~3 ms

    return shutil.get_terminal_size((120, 24)).columns


# --- the fast path -------------------------------------------------------------------------

_VALUE = {"--format": "fmt", "-f": "fmt", "--output": "output", "-o": "output",
          "--fail-on": "fail_on", "--sites": "sites", "-s": "sites", "--plan": "plan_file"}
_MULTI = {"--select": "select", "--ignore": "ignore"}
_FLAG = {"--intended": "intended", "--live": "live", "--lab": "lab",
         "--allow-empty": "allow_empty"}


def _path(text: str, *, dir_okay: bool = True) -> Path | None:
    """``text`` as typer's ``Path`` conversion gives it, or None where typer would refuse
    it or might spell it otherwise (then typer decides)."""
    if not text or text.startswith("-") or "\x00" in text:
        return None
    path = Path(text)
    try:
        st = path.stat()
    except OSError:
        return path
    except ValueError:
        return None
    if (not dir_okay and stat.S_ISDIR(st.st_mode)) or not os.access(path, os.R_OK):
        return None
    return path


def _choice(text: str, enum: type[Enum]) -> Any:
    if not text.isascii():
        return None
    for member in enum:
        if member.value == text.lower():
            return member
    return None


def parse_args(args: list[str]) -> dict[str, Any] | None:
    """The keyword arguments of :func:`run_audit_command` for ``args`` (``audit`` first),
    or None when typer should read them (help, anything unusual, any error)."""
    if not args or args[0] != "audit" or "GREIOS_SITES" in os.environ:
        return None
    out: dict[str, Any] = {
        "paths": [], "fmt": ReportFormat.table, "output": None, "fail_on": FailOn.error,
        "select": [], "ignore": [], "sites": Path("sites"), "intended": False,
        "plan_file": None, "live": False, "lab": False, "allow_empty": False}
    rest = args[1:]
    i = 0
    while i < len(rest):
        tok = rest[i]
        i += 1
        if not tok.startswith("-"):
            p = _path(tok)
            if p is None:
                return None
            out["paths"].append(p)
            continue
        name, eq, attached = tok.partition("=")
        if eq and not name.startswith("--"):
            return None  # "-f=json" keeps the "=" in click: let typer decide
        if name in _FLAG:
            if eq:
                return None
            out[_FLAG[name]] = True
            continue
        if name not in _VALUE and name not in _MULTI:
            return None  # --help, -h, --, unknown options, -fjson
        if eq:
            value = attached
        elif i < len(rest):
            value = rest[i]
            i += 1
        else:
            return None  # missing value: typer's usage error
        if value.startswith("-"):
            return None
        if name in _MULTI:
            out[_MULTI[name]].append(value)
            continue
        key = _VALUE[name]
        if key == "fmt" or key == "fail_on":
            conv = _choice(value, ReportFormat if key == "fmt" else FailOn)
        else:
            conv = _path(value, dir_okay=key == "sites")
        if conv is None:
            return None
        out[key] = conv
    return out


def guarded(run: Callable[[], object]) -> int:
    """Run a command body the way :func:`greios.cli.main` does: a
    :class:`~greios.errors.GreiosError` (and Ctrl-C) becomes one ``error:`` line and its
    exit code, anything else an internal error (traceback with ``GREIOS_DEBUG``)."""
    try:
        try:
            run()
        except KeyboardInterrupt:
            raise CtrlCError from None
    except GreiosError as exc:
        print_error(str(exc))
        return int(exc.exit_code)
    except Exception as exc:
        return internal_error(exc)
    return 0


def internal_error(exc: Exception) -> int:
    """An unexpected exception: one ``error:`` line naming it as a greios bug and the
    INTERNAL exit code; re-raised (traceback) under ``GREIOS_DEBUG``. Call from an
    ``except`` block."""
    if os.environ.get("GREIOS_DEBUG"):
        raise exc
    print_error(
        f"internal error: {type(exc).__name__}: {exc} "
        "(this is a bug in greios; rerun with GREIOS_DEBUG=1 for a traceback)"
    )
    return int(ExitCode.INTERNAL)


def fast_main(args: list[str]) -> int | None:
    """Run ``greios audit`` without typer when :func:`parse_args` reads ``args``; None
    otherwise (the caller goes through typer)."""
    kwargs = parse_args(args)
    if kwargs is None:
        return None
    from greios import lifetime
    from greios.gcpause import no_cyclic_gc

    with no_cyclic_gc():  # as greios.cli runs it (PAUSE_GC)
        rc = guarded(lambda: run_audit_command(**kwargs))
    lifetime.command_done()
    return rc
