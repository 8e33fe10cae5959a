"""Scale (issue #13): generated inventories are valid, and every shortcut taken for speed
gives exactly what the plain code gives.

Timings live in ``bench/scale.py`` (docs/performance.md); these tests assert behaviour only.
"""

from __future__ import annotations

import importlib.util
import random
import re
import sys
from collections.abc import Iterator
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from types import ModuleType

import pytest

from greios.cli import main

REPO = Path(__file__).resolve().parent.parent


def _scalegen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scalegen", REPO / "bench" / "scalegen.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("scalegen", module)
    spec.loader.exec_module(module)
    return module


scalegen = _scalegen()


# --- generated inventories ------------------------------------------------------------------


@pytest.mark.parametrize(("topology", "sites", "tunnels"),
                         [("hub1", 5, 4), ("hub2", 6, 8), ("mesh", 5, 10)])
def test_generated_inventory_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       topology: str, sites: int, tunnels: int) -> None:
    g = scalegen.generate(tmp_path / "sites", sites=sites, topology=topology)
    assert g.tunnels == tunnels == scalegen.tunnel_count(topology, sites)
    assert main(["validate", "--sites", str(g.root)]) == 0
    out = capsys.readouterr().out
    assert f"ok: {sites} sites, {sites} routers, {tunnels} tunnels" in out
    assert len(list((g.root / "snapshots").glob("*.cfg"))) == sites


def test_generated_inventory_plans_and_audits(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    g = scalegen.generate(tmp_path / "sites", sites=4, topology="hub2")
    assert main(["plan", "--offline", "--sites", str(g.root)]) == 0
    out = capsys.readouterr().out
    assert out.count("+ interface Tunnel") == 2 * g.tunnels  # both ends of every tunnel
    report = tmp_path / "audit.json"
    assert main(["audit", "--intended", "--sites", str(g.root), "-f", "json", "-o",
                 str(report), "--fail-on", "never"]) == 0
    text = report.read_text()
    assert '"status": "IPSEC_SESSION_ESTABLISHED"' in text
    psks = (g.root / ".greios-secrets.yaml").read_text()
    for key in re.findall(r":\s*(\S{40})\s*$", psks, re.M):
        assert key not in text  # redaction stays complete


def test_generator_rejects_impossible_sizes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="hub2 needs"):
        scalegen.generate(tmp_path, sites=2, topology="hub2")
    with pytest.raises(ValueError, match="topology must be"):
        scalegen.generate(tmp_path, sites=5, topology="star")


def test_snapshots_have_distinct_secrets() -> None:
    a, b = scalegen.snapshot_text(0), scalegen.snapshot_text(1)
    secret = re.compile(r"secret 9 (\S+)")
    assert set(secret.findall(a)).isdisjoint(secret.findall(b))
    assert "interface Tunnel" not in a


# --- configs to compare on ------------------------------------------------------------------


def _configs(corpus_dir: Path) -> Iterator[tuple[str, str]]:
    for base in (corpus_dir, REPO / "tests" / "fixtures", REPO / "sites" / "snapshots"):
        for p in sorted(base.rglob("*")):
            if p.is_file() and p.suffix in ("", ".cfg", ".ios", ".txt"):
                yield str(p), p.read_text(errors="replace")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, str]]:
    """(router, running, intended with secret references) of a small generated overlay."""
    from greios.app.pipeline import build

    g = scalegen.generate(tmp_path_factory.mktemp("gen") / "sites", sites=6, topology="hub2")
    b = build(g.root, persist=False)
    return [(r.name, r.snapshot.read_text(), b.render(r.name, secrets="ref"))
            for r in b.inventory.routers if r.snapshot is not None]


# --- plan engine ------------------------------------------------------------------------------


def test_fast_loader_builds_hier_configs_tree(corpus_dir: Path,
                                              generated: list[tuple[str, str, str]]) -> None:
    from hier_config import get_hconfig
    from hier_config.exceptions import DuplicateChildError

    from greios.platforms.ios.ownership import load_hconfig
    from greios.platforms.ios.rules import greios_driver

    def dump(text: str, load: object) -> object:
        try:
            tree = load(text)  # type: ignore[operator]
        except (DuplicateChildError, ValueError) as exc:
            return type(exc).__name__, str(exc)
        return [(c.depth(), c.text, c.real_indent_level, c.order_weight, sorted(c.comments))
                for c in tree.all_children()]

    texts = [t for _, t in _configs(corpus_dir)] + [x for _, r, w in generated for x in (r, w)]
    texts += ["banner motd ^C\nhello\n^C\ninterface Tunnel1\n ! note\n no ip address\n",
              "interface X\n description a\n description a\n", "banner motd #\nopen"]
    for text in texts:
        assert dump(text, load_hconfig) == dump(text, lambda t: get_hconfig(greios_driver(), t))


def test_idempotent_lookup_equals_hier_config(corpus_dir: Path,
                                              generated: list[tuple[str, str, str]]) -> None:
    from hier_config.platforms.driver_base import HConfigDriverBase

    from greios.platforms.ios.ownership import parse_config
    from greios.platforms.ios.rules import _parent_texts, idempotent_sibling

    texts = [t for _, t in _configs(corpus_dir) if t.count("\n") < 1500]  # hier_config: n^2
    texts += [w for _, _, w in generated]
    texts.append("interface Tunnel5\n description a\n ip address 10.0.0.1 255.255.255.252\n"
                 " ip address 10.0.0.5 255.255.255.252 secondary\n tunnel key 5\n"
                 "crypto ikev2 keyring K\n peer p\n  pre-shared-key local A\n"
                 "  pre-shared-key remote B\n  pre-shared-key C\n")
    checked = 0
    for text in texts:
        tree = parse_config(text)
        driver = tree.driver
        for node in tree.all_children():
            siblings = [c for c in node.parent.children if c is not node]
            want = HConfigDriverBase.idempotent_for(driver, node, siblings)
            assert driver.idempotent_for(node, siblings) is want, node.text
            parents = (*_parent_texts(node),)
            if node.depth() > 1:
                assert idempotent_sibling(parents, node.text, siblings) is want, node.text
            checked += 1
    assert checked > 1000


def test_relevant_blocks_parse_like_the_whole(corpus_dir: Path,
                                              generated: list[tuple[str, str, str]]) -> None:
    from greios.platforms.ios.ownership import parse_config, relevant_text, top_key

    rnd = random.Random(13)
    texts = [t for _, t in _configs(corpus_dir)] + [r for _, r, _ in generated]
    shortcut = 0
    for text in texts:
        full = parse_config(text)
        keys = [top_key(c.text) for c in full.children]
        for _ in range(3):
            pick = set(rnd.sample(keys, k=min(len(keys), rnd.randint(0, 5))))
            sub = relevant_text(text, lambda k, pick=pick: k in pick)  # type: ignore[misc]
            if sub is None:
                continue
            shortcut += 1
            part = parse_config(sub)
            kept = [c for c in full.children if top_key(c.text) in pick]
            assert [c.text for c in part.children] == [c.text for c in kept]
            for a, b in zip(part.children, kept, strict=True):
                assert [x.text for x in a.all_children()] == [x.text for x in b.all_children()]
    assert shortcut > len(texts)


def test_plan_of_generated_routers_round_trips(generated: list[tuple[str, str, str]],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from greios.platforms import get
    from greios.platforms.ios import remediation
    from greios.platforms.ios.remediation import plan_router

    apply_commands = get("ios").apply_lines

    for _, running, intended in generated:
        plan = plan_router(running, intended)
        with monkeypatch.context() as m:  # the general path: future config built and diffed
            m.setattr(remediation, "_fresh_rollback", lambda *a: None)
            general = plan_router(running, intended)
        assert (plan.commands, plan.rollback, plan.objects, plan.future) == (
            general.commands, general.rollback, general.objects, general.future)
        assert plan.commands and plan.objects
        assert plan_router(plan.future, intended).is_empty  # converged after the change
        assert apply_commands(running, plan.commands) == plan.future
        back = plan_router(apply_commands(plan.future, plan.rollback), intended)
        assert back.commands == plan.commands  # rollback restores the starting point


# --- audit ------------------------------------------------------------------------------------


def test_secret_matcher_equals_the_regex_alternation() -> None:
    from greios.redact import REDACTED, SecretMatcher, scrub

    def reference(text: str, secrets: set[str]) -> str:
        alternation = "|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True))
        return re.sub(rf"(?<![\w-])(?:{alternation})(?![\w-])", REDACTED, text)

    rnd = random.Random(7)
    alphabet = "ab-_ $/.é1\n"
    for _ in range(5000):
        secrets = {"".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 5)))
                   for _ in range(rnd.randint(1, 4))}
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
        assert SecretMatcher(secrets).sub(text, REDACTED) == reference(text, secrets)
        assert scrub(text, secrets) == reference(text, secrets)


def test_escaped_variants_fast_path_equals_every_escape() -> None:
    import html
    import json

    from greios.redact import _variants

    def reference(secret: str) -> set[str]:
        out = {secret, html.escape(secret, quote=True), html.escape(secret, quote=False),
               html.escape(secret, quote=True).replace("&quot;", "&#34;")
               .replace("&#x27;", "&#39;"),
               json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
        out.add(html.escape(secret, quote=False).replace("|", "\\|"))
        return out

    rnd = random.Random(11)
    alphabet = "aZ9-_ .:/&<>\"'\\|\x01\x7f\u00e9\t"
    for _ in range(5000):
        secret = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 6)))
        assert _variants(secret) == reference(secret), repr(secret)


def test_report_scrub_equals_scrubbing_every_field() -> None:
    from greios.audit.model import AuditReport, Finding, Severity
    from greios.redact import REDACTED, SecretMatcher, scrub_report

    rnd = random.Random(3)
    alphabet = "ab-_ $/.é1\n\t\"\\\x01u0"
    for _ in range(2000):
        secrets = {"".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 5)))
                   for _ in range(rnd.randint(1, 3))} - {""}
        message = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 30)))
        report = AuditReport(findings=[Finding(rule="SEC-014", severity=Severity.WARNING,
                                               device="r1", object="o", message=message)])
        got = scrub_report(report, secrets).findings[0].message
        assert got == SecretMatcher(secrets).sub(message, REDACTED)


def test_config_secrets_equals_the_line_by_line_scan(corpus_dir: Path) -> None:
    from greios.redact import config_secrets, secret_patterns

    def reference(text: str) -> set[str]:
        found = set()
        for line in text.splitlines():
            for pat in secret_patterns():
                m = pat.search(line)
                if m and len(m["key"]) >= 3:
                    found.add(m["key"])
        return found

    for _, text in _configs(corpus_dir):
        assert config_secrets([text]) == reference(text)
    rnd = random.Random(2)
    words = ["key", "KEY", "password 7", "secret 5", "community", "snmp-server", " ", "\n",
             "\r", "crypto isakmp key", "pre-shared-key", "abc123", "\x85", "address",
             "1.2.3.4", "K\u00e9y", "\u212aey", "\u017fecret", "PassWord 7 x", "\u2028"]
    for _ in range(5000):
        text = "".join(rnd.choice(words) + rnd.choice([" ", "", "\n"])
                       for _ in range(rnd.randint(0, 12)))
        assert config_secrets([text]) == reference(text), repr(text)


def test_secret_matcher_scales_with_the_text_not_the_secrets() -> None:
    from greios.redact import REDACTED, SecretMatcher

    secrets = {f"Psk{i:05d}xYz" for i in range(20000)}
    m = SecretMatcher(secrets)
    text = "peer uses Psk01234xYz, not Psk01234xYzz or xPsk01234xYz\n" * 200
    assert m.sub(text, REDACTED).count(REDACTED) == 200


def test_net_index_equals_a_scan() -> None:
    from greios.devmodel.addr import NetIndex

    rnd = random.Random(5)
    nets = [IPv4Network((rnd.randrange(1 << 32), rnd.choice([0, 8, 16, 24, 30, 32])),
                        strict=False) for _ in range(300)]
    index = NetIndex((n, i) for i, n in enumerate(nets))
    for _ in range(2000):
        ip = rnd.choice([int(n.network_address) for n in nets] + [rnd.randrange(1 << 32)])
        want = sorted((-n.prefixlen, i) for i, n in enumerate(nets) if IPv4Address(ip) in n)
        got = [(-nets[i].prefixlen, i) for hit in index.containing(ip) for i in hit]
        assert got == want


def test_address_fast_paths_equal_ipaddress() -> None:
    from greios.devmodel.addr import _PREFIX, net, wildcard

    def outcome(fn: object, *args: str) -> object:
        try:
            return fn(*args)  # type: ignore[operator]
        except ValueError as exc:
            return type(exc), str(exc)

    def slow_net(addr: str, mask: str | None = None) -> IPv4Network:
        if mask is None:
            return IPv4Network(f"{addr}/32")
        if "/" in addr:
            return IPv4Network(addr, strict=False)
        return IPv4Network(f"{addr}/{mask}", strict=False)

    def slow_wildcard(addr: str, wc: str) -> IPv4Network:
        return IPv4Network(f"{addr}/{IPv4Address(~int(IPv4Address(wc)) & 0xFFFFFFFF)}",
                           strict=False)

    rnd = random.Random(4)
    masks = [*_PREFIX, "24", "0.0.0.7", "255.0.255.0", "01.2.3.4", "1.2.3", "x"]
    addrs = ["10.0.0.1", "010.0.0.1", "1.2.3", "0.0.0.0", "a.b.c.d", "10.1.2.3/24",
             *(str(IPv4Address(rnd.randrange(1 << 32))) for _ in range(20))]
    for a in addrs:
        assert outcome(net, a) == outcome(slow_net, a)
        for m in masks:
            assert outcome(net, a, m) == outcome(slow_net, a, m), (a, m)
            assert outcome(wildcard, a, m) == outcome(slow_wildcard, a, m), (a, m)


def test_keyring_peer_lookup_equals_a_scan() -> None:
    from greios.audit.negotiate import v2_peer
    from greios.devmodel.model import DeviceConfig, Ikev2Keyring, Ikev2Peer, Ikev2Profile

    rnd = random.Random(11)
    peers = tuple(Ikev2Peer(f"p{i}", i, IPv4Network((rnd.choice([0x0A000000, 0x0A010000]) +
                                                     rnd.randrange(256),
                                                     rnd.choice([0, 16, 24, 32])),
                                                    strict=False) if i % 7 else None)
                  for i in range(200))
    cfg = DeviceConfig("r", ikev2_keyrings={"K": Ikev2Keyring("K", 1, peers)})
    prof = Ikev2Profile("P", 1, keyring="K")
    for _ in range(500):
        addr = str(IPv4Address(rnd.choice([0x0A000000, 0x0A010000, 0x0B000000])
                               + rnd.randrange(300)))
        best = None
        for p in peers:  # the scan v2_peer replaced
            if p.network is not None and IPv4Address(addr) in p.network and (
                    best is None or best.network is None
                    or p.network.prefixlen > best.network.prefixlen):
                best = p
        assert v2_peer(cfg, prof, addr) is best


# --- lab config tree --------------------------------------------------------------------------


def test_indexed_config_applier_equals_the_plain_one(
        generated: list[tuple[str, str, str]]) -> None:
    from greios.platforms.ios.configtree import (
        ConfigApplier,
        ConfigLineError,
        parse_config,
        render_config,
    )
    from greios.platforms.ios.remediation import plan_router

    def run(text: str, lines: list[str], indexed: bool) -> tuple[str, list[str]]:
        tree = parse_config(text)
        applier = ConfigApplier(tree, indexed=indexed)
        rejected = []
        for raw in lines:
            try:
                if not applier.apply(raw) and raw.strip().lower() == "end":
                    break
            except ConfigLineError:
                rejected.append(raw)
        return render_config(tree), rejected

    rnd = random.Random(17)
    for _, running, intended in generated:
        commands = list(plan_router(running, intended).commands)
        noise = ["banner motd ^C hi ^C", "hostname other", "no ip route 0.0.0.0 0.0.0.0 1.1.1.1",
                 "no ip http server", "ip http server", "no logging console"]
        extra = [rnd.choice([f"no {c.strip()}", c, *noise]) for c in commands]
        lines = commands + extra + commands[: len(commands) // 2]
        assert run(running, lines, True) == run(running, lines, False)
