"""``python -m greios``.

A plain ``greios audit ...`` runs without importing typer (see
:mod:`greios.commands._audit_fast`); everything else goes through :func:`greios.cli.main`.
"""

import sys

from greios.commands._audit_fast import fast_main

_rc = fast_main(sys.argv[1:])
if _rc is None:
    from greios.cli import main

    _rc = main()
sys.exit(_rc)
