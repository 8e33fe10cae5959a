"""Audit engine: parse, run the catalog, pair tunnels, negotiate, build the report."""

from __future__ import annotations

import gc
import os
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from typing import Any

from greios import lifetime
from greios.audit.catalog import Hit, Rule, load, matches
from greios.audit.facts import DeviceFacts, NatMap, nat_map
from greios.audit.model import (
    AuditReport,
    ChangeDelta,
    DeviceSummary,
    Finding,
    Scope,
    Session,
    SessionStatus,
)
from greios.audit.negotiate import Verdict, endpoint, negotiate
from greios.audit.pairing import Expected, Link, find_links
from greios.audit.reach import NO_ROUTE, route_via
from greios.audit.rules.ctx import DevCtx
from greios.audit.rules.pair import PairCtx
from greios.devmodel import secrets as _secrets
from greios.devmodel.model import DeviceConfig
from greios.gcpause import no_cyclic_gc

# Process pool: off unless asked for (``workers``). Measured on 2 cores (bench/audit_bench.py,
# docs/performance.md): unpickling the parsed models in the parent costs as much as
# parsing them, so 2 workers were 1.3x-2.4x *slower* than serial on every input tried
# (fleets of 200-800 routers, 8 x 39k-line switch configs).
POOL_MIN_FILES = 2


def _enabled(rules: Mapping[str, Rule], select: Collection[str] | None,
             ignore: Collection[str]) -> dict[str, Rule]:
    return {rid: r for rid, r in rules.items()
            if (select is None or matches(rid, select)) and not matches(rid, ignore)}


def _finding(r: Rule, h: Hit, cfg: DeviceConfig) -> Finding:
    return Finding(rule=r.id, severity=h.severity or r.severity, device=cfg.hostname,
                   object=h.object, message=r.render(h, cfg.hostname),
                   remediation=r.remediation, scope=r.scope, peer_device=h.peer_device,
                   peer_object=h.peer_object, file=cfg.source, line=h.line)


def _dev_findings(cfg: DeviceConfig, rules: Iterable[Rule], facts: DeviceFacts | None,
                  nat: NatMap | None = None, paired: frozenset[str] = frozenset()
                  ) -> list[Finding]:
    ctx = DevCtx(cfg, facts or DeviceFacts(), facts is not None, nat=nat, paired=paired)
    out: list[Finding] = []
    for r in rules:
        if r.check is None or r.scope == Scope.PAIR:
            continue
        out.extend(_finding(r, h, cfg) for h in r.check(ctx))
    return out


def _session(link: Link, by: Mapping[str, DeviceConfig], nat: NatMap | None = None
             ) -> tuple[Session, list[tuple[str, str]]]:
    cfg = by[link.device]
    kind = "crypto-map" if link.kind == "crypto-map" else "tunnel-protection"
    if link.peer_device is None or link.peer_interface is None:
        ep = endpoint(cfg, link.interface, link.peer)
        if ep is not None and not ep.ipsec:
            kind = "gre"
        return Session(device=link.device, interface=link.interface,
                       peer_device=link.peer_device, peer_interface=None,
                       status=SessionStatus.MISSING_END_POINT, reasons=list(link.notes),
                       local_address=link.local, peer_address=link.peer,
                       ike_version=ep.ike_version if ep and ep.ipsec else None,
                       kind=kind), []
    v = negotiate(cfg, link.interface, by[link.peer_device], link.peer_interface, peer=link.peer,
                  nat=nat)
    _underlay_routes(cfg, by[link.peer_device], link, v)
    if v.kind == "gre":
        kind = "gre"
    elif v.kind in ("crypto-map", "dynamic-map"):
        kind = "crypto-map"
    return Session(device=link.device, interface=link.interface,
                   peer_device=link.peer_device, peer_interface=link.peer_interface,
                   status=v.status, reasons=[*link.notes, *v.reasons], rules=list(v.rules),
                   local_address=link.local, peer_address=link.peer,
                   ike_version=v.ike_version, kind=kind), v.hits


def _underlay_routes(a: DeviceConfig, b: DeviceConfig, link: Link, v: Verdict) -> None:
    """A tunnel whose destination is not routable (or only through a tunnel) stays down on
    IOS: the session cannot pass traffic whatever IKE says (docs/ios-fidelity.md row 17c)."""
    ia, ib = a.interfaces.get(link.interface), b.interfaces.get(link.peer_interface or "")
    if ia is None or ib is None or ia.tunnel is None or ib.tunnel is None:
        return
    for cfg, itf in ((a, ia), (b, ib)):
        why = route_via(cfg, itf)
        if why is None:
            continue
        if v.status in (SessionStatus.IPSEC_SESSION_ESTABLISHED, SessionStatus.GRE_ONLY):
            v.status = SessionStatus.GRE_FAILED
        v.add("GRE-016" if why[0] == NO_ROUTE else "GRE-004", why[1])


def audit_configs(configs: Sequence[DeviceConfig], *, select: Collection[str] | None = None,
                  ignore: Collection[str] = (),
                  waivers: Mapping[str, Collection[str]] | None = None,
                  facts: Mapping[str, DeviceFacts] | None = None,
                  expected_pairs: Expected = (), workers: int | None = None) -> AuditReport:
    """Audit parsed configs (device name = hostname) and pair/negotiate their tunnels.

    ``workers`` > 1 runs the per-device rules and the sessions in that many forked
    processes, which inherit the parsed configs and return only findings and sessions (no
    parsed model crosses a process boundary); default: :func:`_audit_workers` (forks only
    for :data:`FORK_MIN_LINKS` tunnel ends or more). The report is the same either way.
    """
    from greios import __version__

    rules = _enabled(load(), select, ignore)
    facts = facts or {}
    nat = nat_map(facts)  # the inventory's static NATs (None: addresses as written)
    job = _Job(configs, rules, facts, nat, {c.hostname: c for c in configs},
               find_links(configs, expected_pairs, nat))
    n = _audit_workers(len(job.links)) if workers is None else workers
    dev, per_link = _forked(job, n) if n > 1 else (None, None)
    if dev is None or per_link is None:
        dev = [job.dev(i) for i in range(len(configs))]
        per_link = job.links_part(range(len(job.links)))
    findings = [f for part in dev for f in part]
    sessions: list[Session] = []
    for session, found in per_link:
        sessions.append(session)
        findings.extend(found)
    lifetime.keep(job)  # the links and indexes: not freed one by one if the process ends next
    kept, waived = _apply_waivers(findings, waivers or {})
    return AuditReport(
        version=__version__,
        generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        devices=[DeviceSummary(device=c.hostname, file=c.source, tunnels=len(c.tunnels),
                               lines=c.lines) for c in sorted(configs, key=lambda c: c.hostname)],
        findings=sort_findings(kept), waived=sort_findings(waived),
        sessions=sorted(sessions, key=lambda s: (s.device, s.interface, s.peer_address or "")),
        ignored_rules=sorted(set(load()) - set(rules)),
    )


@dataclass
class _Job:
    """One audit's inputs: what a forked worker inherits."""

    configs: Sequence[DeviceConfig]
    rules: dict[str, Rule]
    facts: Mapping[str, DeviceFacts]
    nat: NatMap | None
    by: dict[str, DeviceConfig]
    links: list[Link]

    def dev(self, i: int) -> list[Finding]:
        cfg = self.configs[i]
        return _dev_findings(cfg, self.rules.values(), self.facts.get(cfg.hostname), self.nat,
                             self.paired.get(cfg.hostname, frozenset()))

    @cached_property
    def paired(self) -> dict[str, frozenset[str]]:
        """Device -> its tunnels paired with a device of this audit."""
        out: dict[str, set[str]] = {}
        for link in self.links:
            if link.peer_device is not None and link.peer_interface is not None:
                out.setdefault(link.device, set()).add(link.interface)
        return {d: frozenset(v) for d, v in out.items()}

    def links_part(self, which: Iterable[int]) -> list[tuple[Session, list[Finding]]]:
        """The session of each link in ``which`` (ascending) and the pair findings it adds.
        A pair's findings are reported once, from its first link: ``which`` holds every
        link of a pair or none (:func:`_pair_groups`)."""
        by, rules = self.by, self.rules
        out: list[tuple[Session, list[Finding]]] = []
        seen_pairs: set[Any] = set()
        for i in which:
            link = self.links[i]
            s, hits = _session(link, by, self.nat)
            found: list[Finding] = []
            out.append((s, found))
            if link.peer_device is None or link.peer_interface is None:
                continue
            pair_id = _pair_id(link)
            a, b = by[link.device], by[link.peer_device]
            for rid, reason in hits:
                r = rules.get(rid)
                if r is None or r.scope != Scope.PAIR or (rid, pair_id, reason) in seen_pairs:
                    continue
                seen_pairs.add((rid, pair_id, reason))
                found.append(_finding(r, Hit(f"interface {link.interface}",
                                             a.interfaces[link.interface].line, reason, None,
                                             b.hostname, f"interface {link.peer_interface}"), a))
            if pair_id in seen_pairs:
                continue
            seen_pairs.add(pair_id)
            ctx = PairCtx(a, a.interfaces[link.interface], b, b.interfaces[link.peer_interface],
                          endpoint(a, link.interface, link.peer),
                          endpoint(b, link.peer_interface, link.local))
            for r in rules.values():
                if r.scope == Scope.PAIR and r.check is not None:
                    found.extend(_finding(r, h, a) for h in r.check(ctx))
        return out


def _pair_id(link: Link) -> frozenset[tuple[str | None, str | None]]:
    return frozenset({(link.device, link.interface), (link.peer_device, link.peer_interface)})


def _pair_groups(links: Sequence[Link]) -> list[list[int]]:
    """Link positions grouped by pair (a link without a peer alone), groups in order of
    their first link, positions ascending."""
    groups: dict[Any, list[int]] = {}
    for i, link in enumerate(links):
        key = (i if link.peer_device is None or link.peer_interface is None
               else _pair_id(link))
        groups.setdefault(key, []).append(i)
    return list(groups.values())


#: below this many tunnel ends (links) an audit runs in one process: forking and sending
#: the results back cost more than the rules and sessions they spread
FORK_MIN_LINKS = 2000
_FORKED: _Job | None = None  # the audit a forked worker inherits


def _audit_workers(links: int) -> int:
    """Workers for an audit of ``links`` tunnel ends: one per CPU (up to 4) from
    :data:`FORK_MIN_LINKS` on, where ``fork`` exists and this process runs one thread
    (forking a threaded process can inherit a held lock); else 1."""
    if links < FORK_MIN_LINKS:
        return 1  # before importing multiprocessing: ~10-15 ms of a small audit's start-up
    import multiprocessing
    import threading

    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(cpus or 1, 4)


_Chunk = tuple[list[int], list[int]]  # (device positions, link positions)
_ChunkResult = tuple[list[list[Finding]], list[tuple[Session, list[Finding]]]]


def _worker_init(salt: bytes) -> None:
    """A forked audit worker: the parent's salt, and no cyclic garbage collection (a
    collector pass would walk, and so copy, every page of the inherited configs; a worker's
    garbage goes with it)."""
    gc.disable()
    _secrets.set_salt(salt)


def _audit_chunk(chunk: _Chunk) -> _ChunkResult | None:
    """In a worker: findings of the devices and sessions of the links of ``chunk``; None on
    any error (the parent then does the chunk itself, so the error is raised there)."""
    job = _FORKED
    assert job is not None
    try:
        return [job.dev(i) for i in chunk[0]], job.links_part(chunk[1])
    except Exception:  # re-raised by the parent's own attempt
        return None


def _chunks(job: _Job, workers: int) -> list[_Chunk]:
    """Interleaved chunks (busy devices and pairs spread out), a pair's links together."""
    k = workers * 4
    groups = _pair_groups(job.links)
    chunks: list[_Chunk] = []
    for c in range(k):
        devs = list(range(c, len(job.configs), k))
        links = sorted(i for g in groups[c::k] for i in g)
        if devs or links:
            chunks.append((devs, links))
    return chunks


def _pool_results(job: _Job, chunks: list[_Chunk], workers: int) -> list[_ChunkResult | None]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _FORKED
    _FORKED = job
    try:
        with ProcessPoolExecutor(max_workers=workers,
                                 mp_context=multiprocessing.get_context("fork"),
                                 initializer=_worker_init,
                                 initargs=(_secrets.salt(),)) as pool:
            return list(pool.map(_audit_chunk, chunks))
    finally:
        _FORKED = None


def _forked(job: _Job, workers: int) -> tuple[list[list[Finding]] | None,
                                              list[tuple[Session, list[Finding]]] | None]:
    """Per-device findings and per-link results made in ``workers`` forked processes, in
    the order one process gives them (a chunk whose worker failed is redone here)."""
    chunks = _chunks(job, workers)
    results = _pool_results(job, chunks, workers)
    dev: list[list[Finding] | None] = [None] * len(job.configs)
    per_link: list[tuple[Session, list[Finding]] | None] = [None] * len(job.links)
    for (devs, links), result in zip(chunks, results, strict=True):
        got_dev, got_links = result if result is not None else (
            [job.dev(i) for i in devs], job.links_part(links))
        for i, found in zip(devs, got_dev, strict=True):
            dev[i] = found
        for i, item in zip(links, got_links, strict=True):
            per_link[i] = item
    return [d for d in dev if d is not None], [p for p in per_link if p is not None]


def _apply_waivers(findings: list[Finding], waivers: Mapping[str, Collection[str]]
                   ) -> tuple[list[Finding], list[Finding]]:
    kept: list[Finding] = []
    waived: list[Finding] = []
    for f in findings:
        (waived if matches(f.rule, waivers.get(f.device, ())) else kept).append(f)
    return kept, waived


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.device, -f.severity.rank, f.rule, f.object,
                                           f.peer_device or "", f.message))


def _parse_one(item: tuple[str, str]) -> DeviceConfig:
    from greios.platforms import detect

    return detect(item[1]).parse(item[1], source=item[0])




def parse_texts(items: Sequence[tuple[str, str]], *, workers: int = 1) -> list[DeviceConfig]:
    """Parse (source, text) pairs, in order. ``workers`` > 1 parses in that many forked
    processes (only where the platform has ``fork``; measured slower on 2 cores, see above)."""
    with no_cyclic_gc():
        if workers < 2 or len(items) < POOL_MIN_FILES or (os.cpu_count() or 1) < 2:
            return [_parse_one(i) for i in items]
        import multiprocessing  # only for the pool: ~25 ms of start-up otherwise
        from concurrent.futures import ProcessPoolExecutor

        if "fork" not in multiprocessing.get_all_start_methods():
            return [_parse_one(i) for i in items]
        with ProcessPoolExecutor(max_workers=workers,
                                 mp_context=multiprocessing.get_context("fork"),
                                 initializer=_secrets.set_salt,
                                 initargs=(_secrets.salt(),)) as pool:
            return list(pool.map(_parse_one, items,
                                 chunksize=max(1, len(items) // (4 * workers))))


def audit_texts(items: Sequence[tuple[str, str]], *, workers: int = 1,
                **kw: Any) -> AuditReport:
    """Parse ``(source path, text)`` pairs and audit them (see :func:`audit_configs`)."""
    with no_cyclic_gc():
        return audit_parsed(parse_texts(items, workers=workers), **kw)


def parse_text(source: str, text: str) -> DeviceConfig:
    """One ``(source path, text)`` pair parsed as :func:`parse_texts` parses it."""
    with no_cyclic_gc():
        return _parse_one((source, text))


def audit_parsed(configs: Sequence[DeviceConfig], **kw: Any) -> AuditReport:
    """:func:`audit_configs` of configs parsed by :func:`parse_texts` or
    :func:`parse_text`, which it then frees of what the audit kept with them."""
    with no_cyclic_gc():
        try:
            return audit_configs(configs, **kw)
        finally:
            # the values the rules derived and kept with each config (endpoints, indexes)
            # point back to it: dropped, the configs are freed by reference counting, not
            # by a collector pass over all of them once the collector runs again. Nothing
            # to free when the process ends next: kept for its exit.
            if not lifetime.keep(configs):
                for c in configs:
                    c._memo.clear()


def compare_reports(before: AuditReport, after: AuditReport) -> ChangeDelta:
    """Pre-change mode: findings introduced / resolved by the change (by ``Finding.key``)."""
    with no_cyclic_gc():  # lists of model objects, no cycles: no collector passes
        bk = {f.key for f in before.findings}
        ak = {f.key for f in after.findings}
        return ChangeDelta(introduced=[f for f in after.findings if f.key not in bk],
                           resolved=[f for f in before.findings if f.key not in ak],
                           sessions_before=list(before.sessions),
                           sessions_after=list(after.sessions))
