"""Frozen copy of the parser as of commit 3ca40a5 (before the throughput work).

Test oracle only: ``test_parser_equivalence.py`` checks that the optimised
:func:`greios.iosconfig.parse_config` returns a ``DeviceConfig`` equal to this one.
Never import it from ``greios``; never "fix" it (it documents the old behaviour).
"""
