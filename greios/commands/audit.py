"""``greios audit``: audit running configs (files, directories or the inventory's snapshots).

Only typer and the standard library are imported at module level; the parser, engine and
report writers are imported inside the command.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from greios.commands._common import SITES_HELP

CONFIG_SUFFIXES = (".cfg", ".conf", ".ios", ".txt")


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


def _config_error(message: str) -> Exception:
    from greios.errors import ConfigParseError

    return ConfigParseError(message)


def _is_config_file(p: Path) -> bool:
    return p.is_file() and (p.suffix.lower() in CONFIG_SUFFIXES or p.suffix == "")


def collect_files(paths: list[Path]) -> list[Path]:
    """Expand PATH arguments: files as given, directories recursively (sorted).

    In a directory every ``*.cfg``, ``*.conf``, ``*.ios``, ``*.txt`` and extension-less regular
    file counts; hidden files and directories (``.git`` ...) are skipped.
    """
    out: list[Path] = []
    seen: set[Path] = set()
    for p in paths:
        if not p.exists():
            raise _config_error(f"no such file or directory: {p}")
        if p.is_dir():
            found = sorted(
                f for f in p.rglob("*")
                if _is_config_file(f)
                and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
            if not found:
                raise _config_error(
                    f"no config files (*.cfg, *.conf, *.ios, *.txt or extension-less) in "
                    f"directory {p}"
                )
        elif p.is_file():
            found = [p]
        else:
            raise _config_error(f"not a regular file or directory: {p}")
        for f in found:
            key = f.resolve()
            if key not in seen:
                seen.add(key)
                out.append(f)
    return out


_IOS_ANCHOR = re.compile(
    r"^(?:hostname \S|interface [A-Za-z][A-Za-z-]*\s?\d|version \d|router [a-z]|crypto "
    r"[a-z]|ip (?:route|vrf|access-list|domain|name-server) |line (?:con|vty|aux) |vlan \d|"
    r"(?:username|aaa|snmp-server|ntp|logging|service|access-list|boot) \S|end\s*$)")
_IOS_COMMAND = re.compile(r"^(?:no )?[a-z][a-z0-9-]*(?: |$)")
_IOS_PREAMBLE = re.compile(r"^(?:Building configuration|Current configuration|Last "
                           r"configuration change|NVRAM config|\S+#\s*show )")


def holds_ios_config(text: str) -> bool:
    """Whether ``text`` looks like an IOS configuration: at least one structural line
    (``hostname``, ``interface X0``, ``crypto ...``, ``router ...``, ``version N``, ``end``)
    and mostly command lines at the top level (a README, a YAML file or an empty file
    are not)."""
    top = 0
    commands = 0
    anchored = False
    for line in text.splitlines():
        if not line.strip() or line[0] in " \t!" or _IOS_PREAMBLE.match(line):
            continue
        top += 1
        if _IOS_COMMAND.match(line):
            commands += 1
            anchored = anchored or bool(_IOS_ANCHOR.match(line))
    return anchored and commands >= 0.6 * top


def refuse_non_configs(items: list[tuple[str, str]]) -> None:
    """Refuse input files that hold no IOS configuration (``--allow-empty`` skips this)."""
    empty = [name for name, text in items if not holds_ios_config(text)]
    if empty:
        more = f" (and {len(empty) - 1} more file(s))" if len(empty) > 1 else ""
        raise _config_error(
            f"{empty[0]}: holds no IOS configuration (no hostname, interface, crypto or "
            f"router lines){more}; give running configs, or --allow-empty to audit such "
            "input anyway")


def read_config(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _config_error(f"cannot read {path}: {exc.strerror or exc}") from None
    if b"\x00" in data[:4096]:
        raise _config_error(f"{path} is a binary file, not an IOS configuration")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _load_inventory(sites: Path, *, required: bool) -> Any:
    """The inventory of ``sites`` (None when absent and not required)."""
    from greios.inventory import PROJECT_FILE, load_project

    if not (sites / PROJECT_FILE).is_file():
        if required:
            raise _config_error(
                f"no config PATH given and no inventory at {sites / PROJECT_FILE}; "
                "give config files/directories or --sites DIR"
            )
        return None
    return load_project(sites)


def _facts(inv: Any) -> dict[str, Any] | None:
    """Inventory facts for INV-scope rules, keyed by router name (None without inventory)."""
    if inv is None:
        return None
    from greios.audit.facts import DeviceFacts

    return {
        r.name: DeviceFacts(underlay_mtu=r.underlay_mtu, behind_nat=r.behind_nat,
                            ipv6_underlay=r.ipv6_underlay,
                            ios_version=getattr(r.model, "ios_version", None))
        for r in inv.routers
    }


def _expected(inv: Any) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """Tunnel pairs the inventory expects (from the committed allocation lock)."""
    if inv is None:
        return []
    from greios.allocate import read_lock

    return [((e.a, f"Tunnel{e.tunnel}"), (e.b, f"Tunnel{e.tunnel}"))
            for e in read_lock(inv.lock_path).entries.values() if e.state == "active"]


def _snapshot_items(inv: Any, sites: Path) -> list[tuple[str, str]]:
    from greios.commands._common import note

    items: list[tuple[str, str]] = []
    missing: list[str] = []
    for r in inv.routers:
        if r.snapshot is None:
            missing.append(r.name)
            continue
        if not r.snapshot.is_file():
            raise _config_error(f"router {r.name}: snapshot {r.snapshot} does not exist")
        items.append((_display(r.snapshot), read_config(r.snapshot)))
    if not items:
        raise _config_error(
            f"no router in {sites} has a snapshot: give config paths, or set `snapshot:` on "
            "the routers in the site files"
        )
    if missing:
        note(f"note: no snapshot for {len(missing)} router(s), not audited: {', '.join(missing)}")
    return items


def _display(p: Path) -> str:
    """A path relative to the working directory when it is below it."""
    try:
        return os.path.relpath(p) if p.is_absolute() and Path.cwd() in p.parents else str(p)
    except ValueError:  # other drive on Windows
        return str(p)


def _stamp(report: Any) -> None:
    """Fill in version and time when the engine left them empty."""
    from datetime import datetime, timezone

    from greios import __version__

    if not report.version:
        report.version = __version__
    if not report.generated_at:
        report.generated_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _write(text: str, output: Path) -> None:
    from greios.errors import GreiosError

    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise GreiosError(f"cannot write report {output}: {exc.strerror or exc}") from None


def audit(
    paths: list[Path] = typer.Argument(
        None, metavar="PATH",
        help="Config files and/or directories (recursive: *.cfg *.conf *.ios *.txt and "
             "extension-less files). Default: the inventory routers' snapshots.",
        show_default=False,
    ),
    fmt: ReportFormat = typer.Option(
        ReportFormat.table, "--format", "-f", help="Report format.", case_sensitive=False),
    output: Path | None = typer.Option(
        None, "--output", "-o",
        help="Write the report to FILE and print a one-line summary to stderr.",
        dir_okay=False),
    fail_on: FailOn = typer.Option(
        FailOn.error, "--fail-on",
        help="Exit 3 when a finding at or above this severity remains (after --select, "
             "--ignore and waivers); 'never' always exits 0.", case_sensitive=False),
    select: list[str] = typer.Option(
        [], "--select", help="Only these rules (IDs like SEC-001 or groups like SEC); repeatable."),
    ignore: list[str] = typer.Option(
        [], "--ignore", help="Skip these rules (IDs or groups); repeatable."),
    sites: Path = typer.Option(
        Path("sites"), "--sites", "-s", help=SITES_HELP, envvar="GREIOS_SITES"),
    intended: bool = typer.Option(
        False, "--intended",
        help="Pre-change audit: audit what the routers will run after `greios apply` and "
             "report what the change introduces and resolves."),
    plan_file: Path | None = typer.Option(
        None, "--plan", help="Pre-change audit of a saved plan (`greios plan --out FILE`): "
        "findings the plan introduces and resolves, for the change board.", dir_okay=False),
    live: bool = typer.Option(
        False, "--live", help="Without PATH: read the inventory routers' running configs "
        "from the routers (napalm) instead of their snapshots."),
    lab: bool = typer.Option(
        False, "--lab", help="Without PATH: read the running configs from `greios lab`."),
    allow_empty: bool = typer.Option(
        False, "--allow-empty", help="Audit PATH files even when one holds no IOS "
        "configuration (by default such input is refused with exit 1, so a CI gate pointed "
        "at the wrong file fails)."),
) -> None:
    """Audit GRE/IPsec running configs: rules, both tunnel ends, IPsec session verdicts.

    Exit codes: 0 clean (or --fail-on never), 1 invalid input, 3 findings at or above --fail-on.
    See docs/audit.md.
    """
    from greios.audit.report import render, summary_line
    from greios.audit.report.redact import config_secrets, scrub_output, scrub_report
    from greios.commands._common import note
    from greios.errors import AuditFailedError, GreiosError

    if plan_file is not None:
        report, texts = _run_plan(plan_file, select=list(select) or None,
                                  ignore=list(ignore))
    else:
        if (live or lab) and (paths or intended):
            raise GreiosError("--live/--lab read the inventory routers: give no PATH and no "
                              "--intended")
        source = "lab" if lab else ("device" if live else None)
        report, texts = _run(paths or [], sites=sites, intended=intended,
                             select=list(select) or None, ignore=list(ignore), source=source,
                             allow_empty=allow_empty)
    _stamp(report)
    secrets = config_secrets(texts)
    report = scrub_report(report, secrets)
    color = output is None and fmt is ReportFormat.table and sys.stdout.isatty() \
        and not os.environ.get("NO_COLOR")
    width = shutil.get_terminal_size((120, 24)).columns if sys.stdout.isatty() else 120
    text = render(report, fmt.value, fail_on=fail_on.value, color=color, width=max(width, 80))
    text = scrub_output(text, secrets, fmt.value)
    if output is not None:
        _write(text, output)
        note(f"audit: {summary_line(report)}; {fmt.value} report written to {output}")
    else:
        typer.echo(text, nl=not text.endswith("\n"))

    if fail_on is not FailOn.never:
        from greios.audit.report import is_failing

        failing = [f for f in report.findings if is_failing(f, fail_on.value)]
        if failing:
            raise AuditFailedError(
                f"audit: {len(failing)} finding(s) at or above --fail-on {fail_on.value}"
            )


def _run(paths: list[Path], *, sites: Path, intended: bool, select: list[str] | None,
         ignore: list[str], source: str | None = None,
         allow_empty: bool = False) -> tuple[Any, list[str]]:
    """Run the engine; returns (AuditReport, config texts seen, for the secret guard)."""
    if intended:
        return _run_intended(sites, select=select, ignore=ignore)
    files = collect_files(paths) if paths else []
    inv = _load_inventory(sites, required=not paths)
    if source is not None:
        items = _live_items(inv, sites, source)
    else:
        items = ([(_display(f), read_config(f)) for f in files] if paths
                 else _snapshot_items(inv, sites))
        if paths and not allow_empty:
            refuse_non_configs(items)
    from greios.audit.engine import audit_texts

    report = audit_texts(items, **_engine_kwargs(inv, select, ignore))
    return report, [t for _, t in items]


def _engine_kwargs(inv: Any, select: list[str] | None, ignore: list[str]) -> dict[str, Any]:
    """Rule selection plus what the inventory knows (waivers, facts, expected pairs)."""
    return {"select": select, "ignore": tuple(ignore),
            "waivers": inv.waivers if inv is not None else None, "facts": _facts(inv),
            "expected_pairs": _expected(inv)}


def _before_after(inv: Any, before_items: list[tuple[str, str]],
                  after_items: list[tuple[str, str]], *, select: list[str] | None,
                  ignore: list[str], title: str) -> tuple[Any, list[str]]:
    """Audit both states; the "after" report carries what the change introduces/resolves."""
    from greios.audit.engine import audit_texts, compare_reports

    kwargs = _engine_kwargs(inv, select, ignore)
    before = audit_texts(before_items, **kwargs)
    after = audit_texts(after_items, **kwargs)
    after.change = compare_reports(before, after)
    after.title = title
    return after, [t for _, t in before_items] + [t for _, t in after_items]


def _run_intended(sites: Path, *, select: list[str] | None,
                  ignore: list[str]) -> tuple[Any, list[str]]:
    from greios.workflow import intended_configs

    inv = _load_inventory(sites, required=True)
    intended = intended_configs(inv.root)
    after_items = [(f"{name} (intended)", text) for name, text in sorted(intended.items())]
    return _before_after(inv, _snapshot_items(inv, sites), after_items, select=select,
                         ignore=ignore, title="greios pre-change audit")


def _live_items(inv: Any, sites: Path, kind: str) -> list[tuple[str, str]]:
    """Running configs of every inventory router, from the routers or the lab."""
    from greios.commands._common import note
    from greios.sources import Source, ensure_lab, fetch_running, state_dir_for

    src = Source(kind, state_dir_for(sites))  # type: ignore[arg-type]
    if kind == "lab":
        ensure_lab(inv, src, note)
    running = fetch_running(src, inv.routers)
    return [(f"{r.name} ({'lab' if kind == 'lab' else 'running'})", running[r.name])
            for r in inv.routers]


def _run_plan(plan_file: Path, *, select: list[str] | None,
              ignore: list[str]) -> tuple[Any, list[str]]:
    from greios.commands._common import note
    from greios.workflow import plan_audit_items

    inv, before_items, after_items = plan_audit_items(plan_file, note=note)
    return _before_after(inv, before_items, after_items, select=select, ignore=ignore,
                         title=f"greios pre-change audit of {plan_file.name}")


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
