"""greios command line: a thin typer layer.

Each command lives in ``greios/commands/<name>.py`` and exposes ``register(app)``. Those
modules import only typer and the standard library at import time; everything heavy
(pydantic models, ciscoconfparse, napalm, paramiko) is imported inside the command body so
``greios --help`` stays fast. :func:`main` turns every :class:`~greios.errors.GreiosError`
into ``error: <message>`` on stderr and its documented exit code.
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable
from typing import Any

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError

from greios import __version__, lifetime
from greios.commands._audit_fast import CtrlCError, fast_main, internal_error, print_error
from greios.errors import ExitCode, GreiosError
from greios.gcpause import no_cyclic_gc

COMMAND_MODULES = ("init", "validate", "render", "mtu", "audit", "lab", "plan", "apply",
                   "backup", "rollback", "recover", "locks")

app = typer.Typer(
    name="greios",
    help=(
        "Provision and audit GRE-over-IPsec overlays on Cisco IOS / IOS-XE routers.\n\n"
        "Sites live in YAML under sites/; greios renders each router's tunnels and crypto,\n"
        "plans the change against the running config, applies it with NAPALM and audits\n"
        "running configs. Exit codes: docs/exit-codes.md."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"greios {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Show the version."
    ),
) -> None:
    """Root options."""


# Commands that compute over the whole inventory: they run with the cyclic garbage
# collector paused from start to end. greios's data has no reference cycles
# (tests/test_gc_cycles.py), so reference counting frees all of it; a collector pass would
# only walk the live heap, again at every pause boundary (a 3,000-site plan spent ~0.9 s
# of 7 s there, growing faster than the inventory). With --lab/--live, the SSH sessions'
# own cycles (paramiko, threading: ~170 objects a router) wait for the command's end.
# apply, lab, backup, rollback and recover hold sessions for long: not paused.
PAUSE_GC = frozenset({"validate", "render", "plan", "audit"})


def _command(callback: Callable[..., Any], *, pause_gc: bool) -> Callable[..., Any]:
    """Typer turns Ctrl-C into a silent exit 130; make it one ``error:`` line instead.
    ``pause_gc``: run the command with the cyclic garbage collector paused."""

    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            if not pause_gc:
                return callback(*args, **kwargs)
            try:
                with no_cyclic_gc():
                    return callback(*args, **kwargs)
            finally:
                lifetime.command_done()  # offline: the process may end without teardown
        except KeyboardInterrupt:
            raise CtrlCError from None

    return run


for _name in COMMAND_MODULES:
    try:
        _mod = importlib.import_module(f"greios.commands.{_name}")
    except ModuleNotFoundError as _exc:  # command not built yet
        if _exc.name != f"greios.commands.{_name}":
            raise
        continue
    _mod.register(app)

for _info in app.registered_commands:
    if _info.callback is not None:
        _info.callback = _command(_info.callback, pause_gc=(
            _info.name or _info.callback.__name__) in PAUSE_GC)
for _group in app.registered_groups:
    if _group.typer_instance is not None:
        for _info in _group.typer_instance.registered_commands:
            if _info.callback is not None:
                _info.callback = _command(_info.callback, pause_gc=False)


@functools.lru_cache(maxsize=1)
def _click_command() -> Any:
    """The click command typer builds from ``app``: built once per process, not per call
    (``app(...)`` rebuilds the whole command tree each time, ~20 ms)."""
    return typer.main.get_command(app)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit code (the console script exits with it)."""
    from greios.commands._source import rewrite_offline_argv

    args = rewrite_offline_argv(list(sys.argv[1:] if argv is None else argv))
    fast = fast_main(args)  # a plain `greios audit ...`: the same values without typer
    if fast is not None:
        return fast
    try:
        result = _click_command()(args=args, standalone_mode=False, prog_name="greios")
    except GreiosError as exc:
        print_error(str(exc))
        return int(exc.exit_code)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        sys.stderr.write("aborted\n")
        return int(ExitCode.INTERRUPTED)
    except NoArgsIsHelpError as exc:
        exc.show()
        return 0
    except ClickException as exc:
        exc.show()
        return int(ExitCode.USAGE)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted (Ctrl-C)\n")
        return int(ExitCode.INTERRUPTED)
    except Exception as exc:
        return internal_error(exc)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

