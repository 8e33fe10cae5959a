"""``greios render``: every router's intended configuration, printed or written to files.

Allocates tunnel numbers and subnets for new pairs (recorded in the lock file) and generates
missing pre-shared keys, as :func:`greios.app.pipeline.build` does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from greios.app.pipeline import Build, build
from greios.gcpause import no_cyclic_gc
from greios.render import SecretMode


def render_sites(sites: Path, *, only: list[str], show_secrets: bool,
                 output_dir: Path | None, note: Callable[[str], None],
                 write: Callable[[str], None]) -> None:
    """Render the routers of ``only`` (sites or site/router; all when empty). ``note`` gets
    the messages for stderr, ``write`` the configurations (separated by an empty line) when
    ``output_dir`` is None; otherwise each router's goes to ``<output_dir>/<router>.cfg``."""
    with no_cyclic_gc():  # rendering allocates millions of strings, frees them without cycles
        _render_sites(build(sites), only=only, show_secrets=show_secrets,
                      output_dir=output_dir, note=note, write=write)


def _render_sites(b: Build, *, only: list[str], show_secrets: bool, output_dir: Path | None,
                  note: Callable[[str], None], write: Callable[[str], None]) -> None:
    if b.lock_written:
        note(f"note: allocations recorded in {b.inventory.lock_path}")
    if b.secrets_written:
        note(f"note: new pre-shared keys stored in {b.inventory.secrets_path} (mode 0600)")
    mode: SecretMode = "reveal" if show_secrets else "redact"
    routers = b.routers(only)
    if output_dir is not None:
        output_dir.mkdir(parents=True, exist_ok=True)
        for r in routers:
            (output_dir / f"{r.name}.cfg").write_text(b.render(r.name, secrets=mode))
        note(f"wrote {len(routers)} files to {output_dir}")
        return
    for i, r in enumerate(routers):
        write(("\n" if i else "") + b.render(r.name, secrets=mode))
