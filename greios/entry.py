"""Console-script entry point (``greios``) and ``python -m greios``.

A plain ``greios audit ...`` runs without importing typer (see
:mod:`greios.commands._audit_fast`): the audit a change board runs against a directory of
configs starts in about half the time. Everything else goes through :func:`greios.cli.main`.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    """The exit code of ``greios ARGS`` (``sys.argv[1:]`` when ``argv`` is None)."""
    from greios.commands._audit_fast import fast_main
    from greios.commands._source import rewrite_offline_argv

    args = rewrite_offline_argv(list(sys.argv[1:] if argv is None else argv))
    rc = fast_main(args)
    if rc is not None:
        return rc
    from greios.cli import main as cli_main  # typer: tries the same fast path first, cheaply

    return cli_main(argv)


def run() -> None:
    """Console-script entry point: exit with :func:`main`'s code. The process ends after
    this one command, so an offline command's work is not freed object by object on the
    way out (:mod:`greios.lifetime`); output whose reader went away is dropped without
    changing what the command does (:mod:`greios.closed_output`)."""
    from greios import closed_output, lifetime

    closed_output.guard()  # first: nothing may write to the unguarded streams
    lifetime.ends_after_command()
    lifetime.end_process(main())
