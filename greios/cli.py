"""greios command line: a thin typer layer.

Each command lives in ``greios/commands/<name>.py`` and exposes ``register(app)``. Those
modules import only typer and the standard library at import time; everything heavy
(pydantic models, ciscoconfparse, napalm, paramiko) is imported inside the command body so
``greios --help`` stays fast. :func:`main` turns every :class:`~greios.errors.GreiosError`
into ``error: <message>`` on stderr and its documented exit code.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer
from typer._click.exceptions import ClickException, NoArgsIsHelpError

from greios import __version__
from greios.errors import ExitCode, GreiosError

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


for _name in COMMAND_MODULES:
    try:
        _mod = importlib.import_module(f"greios.commands.{_name}")
    except ModuleNotFoundError as _exc:  # command not built yet
        if _exc.name != f"greios.commands.{_name}":
            raise
        continue
    _mod.register(app)


def _print_error(message: str) -> None:
    first, _, rest = message.partition("\n")
    sys.stderr.write(f"error: {first}\n")
    if rest:
        sys.stderr.write(rest + "\n")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit code (the console script exits with it)."""
    from greios.commands._source import rewrite_offline_argv

    args = rewrite_offline_argv(list(sys.argv[1:] if argv is None else argv))
    try:
        result = app(args=args, standalone_mode=False)
    except GreiosError as exc:
        _print_error(str(exc))
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
        sys.stderr.write("interrupted\n")
        return int(ExitCode.INTERRUPTED)
    except Exception as exc:
        if os.environ.get("GREIOS_DEBUG"):
            raise
        _print_error(
            f"internal error: {type(exc).__name__}: {exc} "
            "(this is a bug in greios; rerun with GREIOS_DEBUG=1 for a traceback)"
        )
        return int(ExitCode.INTERNAL)
    return result if isinstance(result, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
