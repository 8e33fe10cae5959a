"""The audit use case: what to audit (files, snapshots, routers, a plan), run the engine,
and return the report as text (secrets scrubbed) plus what decides the exit code.

Presentation choices (format, colour, width) come in as arguments; printing stays in
:mod:`greios.commands.audit`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Note = Callable[[str], None]

CONFIG_SUFFIXES = (".cfg", ".conf", ".ios", ".txt")


@dataclass(frozen=True)
class AuditRequest:
    """What to audit and how (the command's options)."""

    paths: tuple[Path, ...] = ()
    sites: Path = Path("sites")
    intended: bool = False
    plan_file: Path | None = None
    live: bool = False
    lab: bool = False
    allow_empty: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuditOutcome:
    """The rendered report and what decides the exit code."""

    report: Any  # greios.audit.model.AuditReport, secrets scrubbed
    text: str  # the rendered report, secrets scrubbed
    failing: int  # findings at or above --fail-on


def run_audit(req: AuditRequest, *, fmt: str, fail_on: str, color: bool, width: int,
              note: Note) -> AuditOutcome:
    """Audit what ``req`` names; the report rendered as ``fmt`` and its failing count."""
    from greios.audit.report import is_failing, render
    from greios.errors import GreiosError
    from greios.gcpause import no_cyclic_gc
    from greios.redact import config_secrets, scrub_output, scrub_report

    select = list(req.select) or None
    ignore = list(req.ignore)
    if req.plan_file is not None:
        report, texts, found = _run_plan(req.plan_file, select=select, ignore=ignore,
                                         note=note)
    else:
        if (req.live or req.lab) and (req.paths or req.intended):
            raise GreiosError("--live/--lab read the inventory routers: give no PATH and no "
                              "--intended")
        report, texts, found = _run(list(req.paths), sites=req.sites,
                                    intended=req.intended, select=select, ignore=ignore,
                                    lab=req.lab, live=req.live,
                                    allow_empty=req.allow_empty, note=note)
    _stamp(report)
    # no cyclic GC: the collections that the report's tens of thousands of dicts and strings
    # set off walked the whole heap again and again (0.24 of 0.31 s dumping a 100-site
    # mesh's findings)
    with no_cyclic_gc():
        secrets = config_secrets(texts) | found
        report = scrub_report(report, secrets)
        text = render(report, fmt, fail_on=fail_on, color=color, width=width)
        text = scrub_output(text, secrets, fmt)
    failing = 0 if fail_on == "never" else sum(
        1 for f in report.findings if is_failing(f, fail_on))
    return AuditOutcome(report, text, failing)


def write_report(text: str, output: Path) -> None:
    from greios.errors import GreiosError

    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise GreiosError(f"cannot write report {output}: {exc.strerror or exc}") from None


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


_TOP_LINE = re.compile(r"^[^ \t!\n][^\n]*", re.M)


def holds_ios_config(text: str) -> bool:
    """Whether ``text`` looks like an IOS configuration: at least one structural line
    (``hostname``, ``interface X0``, ``crypto ...``, ``router ...``, ``version N``, ``end``)
    and mostly command lines at the top level (a README, a YAML file or an empty file
    are not)."""
    from greios.redact import OTHER_LINE_BREAKS

    top = 0
    commands = 0
    anchored = False
    # the top-level lines: found by one scan where "\n" is the only line break
    lines = (_TOP_LINE.findall(text) if OTHER_LINE_BREAKS.search(text) is None
             else text.splitlines())
    for line in lines:
        if not line or line[0] in " \t!":
            continue
        # a command line is never blank and never a preamble line (its first word has no
        # "#"): one match for most lines
        if _IOS_COMMAND.match(line):
            top += 1
            commands += 1
            anchored = anchored or bool(_IOS_ANCHOR.match(line))
        elif line.strip() and not _IOS_PREAMBLE.match(line):
            top += 1
    return anchored and commands >= 0.6 * top


def _refuse(items: list[tuple[str, str]], empty: list[int]) -> None:
    """Refuse the input files at positions ``empty`` of ``items``, which hold no IOS
    configuration (``--allow-empty`` skips the check; none: no error)."""
    names = [items[i][0] for i in empty]
    if names:
        more = f" (and {len(names) - 1} more file(s))" if len(names) > 1 else ""
        raise _config_error(
            f"{names[0]}: holds no IOS configuration (no hostname, interface, crypto or "
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
    from greios.inventory import PROJECT_FILE

    if not (sites / PROJECT_FILE).is_file():
        if required:
            raise _config_error(
                f"no config PATH given and no inventory at {sites / PROJECT_FILE}; "
                "give config files/directories or --sites DIR"
            )
        return None
    from greios.overlay import load_inventory  # the loader and its models: only now

    return load_inventory(sites)


def _facts(inv: Any) -> dict[str, Any] | None:
    """Inventory facts for INV-scope rules, keyed by router name (None without inventory)."""
    if inv is None:
        return None
    from greios.audit.facts import DeviceFacts, nat_of

    return {
        r.name: DeviceFacts(underlay_mtu=r.underlay_mtu, behind_nat=r.behind_nat,
                            ipv6_underlay=r.ipv6_underlay, nat=nat_of(r),
                            ios_version=getattr(r.model, "ios_version", None),
                            vyos_version=_text(getattr(r.model, "vyos_version", None)))
        for r in inv.routers
    }


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _expected(inv: Any) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """Tunnel pairs the inventory expects (from the committed allocation lock)."""
    if inv is None:
        return []
    from greios import platforms
    from greios.overlay import overlay_of

    def name(router: str, number: int) -> str:  # as the router's platform shows it
        return platforms.get(inv.router(router).model.platform).tunnel_interface(number)

    lock = overlay_of(inv).lock  # as the checks read it (kept with the inventory)
    return [((e.a, name(e.a, e.tunnel)), (e.b, name(e.b, e.tunnel)))
            for e in lock.entries.values() if e.state == "active"]


def _snapshot_items(inv: Any, sites: Path, note: Note) -> list[tuple[str, str]]:
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


def _display(p: Path, cwd: Path | None = None) -> str:
    """A path relative to the working directory (``cwd``: it, when already known) when it
    is below it."""
    if not p.is_absolute():
        return str(p)
    here = cwd or Path.cwd()
    try:
        return os.path.relpath(p, here) if here in p.parents else str(p)
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


def _run(paths: list[Path], *, sites: Path, intended: bool, select: list[str] | None,
         ignore: list[str], lab: bool, live: bool, allow_empty: bool,
         note: Note) -> tuple[Any, list[str], set[str]]:
    """Run the engine; returns (AuditReport, config texts seen, secret values already found
    in others seen; both for the secret guard)."""
    if intended:
        return _run_intended(sites, select=select, ignore=ignore, note=note)
    files = collect_files(paths) if paths else []
    inv = _load_inventory(sites, required=not paths)
    if lab or live:
        items = _live_items(inv, sites, lab=lab, note=note)
    else:
        cwd = Path.cwd()
        items = ([(_display(f, cwd), read_config(f)) for f in files] if paths
                 else _snapshot_items(inv, sites, note))
    return _audit_items(items, _engine_kwargs(inv, select, ignore),
                        refuse=bool(paths) and not allow_empty)


#: from this many characters of config text on, the raw-text checks run in a forked child
#: beside the parse (below, forking costs about what they do: ~1 ms against ~40 ms a MB)
BACKGROUND_MIN_CHARS = 128 * 1024


def _text_checks(texts: list[str], refuse: bool) -> tuple[list[int], set[str]]:
    """What greios checks on the raw texts: the positions of those holding no IOS
    configuration (when ``refuse``; else none) and every secret they carry."""
    from greios.redact import config_secrets

    empty = [i for i, text in enumerate(texts) if not holds_ios_config(text)] if refuse else []
    return empty, config_secrets(texts)


def _audit_items(items: list[tuple[str, str]], kwargs: dict[str, Any], *,
                 refuse: bool) -> tuple[Any, list[str], set[str]]:
    """Audit ``items`` after refusing those that hold no configuration (``refuse``); returns
    (report, [], the secrets in the texts). Big inputs have the raw-text checks made in a
    forked child while this process parses (:class:`greios.background.Background`): the
    same refusal and secrets, off the critical path (an 0.2 of a 1,000-router fleet's
    ~1.8 s; 0.05 of corpus/large's ~0.2 s)."""
    from greios.audit.engine import audit_texts
    from greios.background import Background

    texts = [t for _, t in items]
    fork = sum(map(len, texts)) >= BACKGROUND_MIN_CHARS
    with Background(_text_checks, texts, refuse, fork=fork) as side:
        if not side.forked:  # as before: refuse first, then audit
            empty, secrets = side.result()
            _refuse(items, empty)
            return audit_texts(items, **kwargs), [], secrets
        try:
            report = audit_texts(items, **kwargs)
        except Exception:
            # input that is no configuration is the error to report, as it would have been
            # before the audit began
            _refuse(items, side.result()[0])
            raise
        empty, secrets = side.result()
    _refuse(items, empty)
    return report, [], secrets


def _engine_kwargs(inv: Any, select: list[str] | None, ignore: list[str]) -> dict[str, Any]:
    """Rule selection plus what the inventory knows (waivers, facts, expected pairs)."""
    return {"select": select, "ignore": tuple(ignore),
            "waivers": inv.waivers if inv is not None else None, "facts": _facts(inv),
            "expected_pairs": _expected(inv)}


def _before_after(inv: Any, before_items: list[tuple[str, str]],
                  after_items: list[tuple[str, str]], *, select: list[str] | None,
                  ignore: list[str], title: str,
                  after_parsed: list[Any] | None = None,
                  after_secrets: set[str] | None = None) -> tuple[Any, list[str], set[str]]:
    """Audit both states; the "after" report carries what the change introduces/resolves.
    ``after_parsed``: the "after" configs already parsed (in ``after_items``' order);
    ``after_secrets``: the secret values in the "after" configs, already found."""
    from greios.audit.engine import audit_parsed, audit_texts, compare_reports

    kwargs = _engine_kwargs(inv, select, ignore)
    before = audit_texts(before_items, **kwargs)
    after = (audit_texts(after_items, **kwargs) if after_parsed is None
             else audit_parsed(after_parsed, **kwargs))
    after.change = compare_reports(before, after)
    after.title = title
    texts = [t for _, t in before_items]
    if after_secrets is None:
        return after, texts + [t for _, t in after_items], set()
    return after, texts, after_secrets


def _run_intended(sites: Path, *, select: list[str] | None,
                  ignore: list[str], note: Note) -> tuple[Any, list[str], set[str]]:
    from greios.app.planning import intended_configs
    from greios.audit.engine import parse_text
    from greios.gcpause import no_cyclic_gc
    from greios.redact import config_secrets

    inv = _load_inventory(sites, required=True)
    parsed: dict[str, Any] = {}
    secrets: set[str] = set()

    def parse(name: str, text: str) -> None:  # while the intended workers make the others
        parsed[name] = parse_text(_intended_name(name), text)
        secrets.update(config_secrets([text]))  # (for the secret guard)

    with no_cyclic_gc():  # the parsed configs hold no cycles
        intended = intended_configs(inv.root, inventory=inv, each=parse)
    names = sorted(intended)
    after_items = [(_intended_name(name), intended[name]) for name in names]
    return _before_after(inv, _snapshot_items(inv, sites, note), after_items, select=select,
                         ignore=ignore, title="greios pre-change audit",
                         after_parsed=[parsed[name] for name in names],
                         after_secrets=secrets)


def _intended_name(router: str) -> str:
    return f"{router} (intended)"


def _live_items(inv: Any, sites: Path, *, lab: bool, note: Note) -> list[tuple[str, str]]:
    """Running configs of every inventory router, from the routers or the lab."""
    from greios.app.sources import fetch_running, source_for

    src = source_for(sites, lab=lab)
    src.prepare(inv, note)
    running = fetch_running(src, inv.routers)
    return [(f"{r.name} ({'lab' if lab else 'running'})", running[r.name])
            for r in inv.routers]


def _run_plan(plan_file: Path, *, select: list[str] | None,
              ignore: list[str], note: Note) -> tuple[Any, list[str], set[str]]:
    from greios.app.planning import plan_audit_items

    inv, before_items, after_items = plan_audit_items(plan_file, note=note)
    return _before_after(inv, before_items, after_items, select=select, ignore=ignore,
                         title=f"greios pre-change audit of {plan_file.name}")
