"""The application layer: one module per use case, between the command line and the pure core.

A command (``greios/commands/<name>.py``) parses its options and calls one function here;
that function loads what it needs, calls the pure core (inventory, overlay, intent, render,
...), does the file I/O of the use case and returns what the command prints. Nothing in the
pure core imports this package (tests/test_layering.py).

Phase 1 of #9 holds ``validate``, ``render`` and the shared ``pipeline`` (build); plan,
apply, audit, backup/rollback and lab follow in phase 2.
"""
