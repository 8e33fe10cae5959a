"""Device side of greios: safe NAPALM apply, verify, rollback, locks and backups.

Only :mod:`greios.platforms.ios.driver` imports napalm (lazily); everything else here is plain
Python so the plan side and the CLI can import it cheaply.
"""
