"""Issue #11, items 6-12: files greios owns, hostile YAML, invalid values, secrets checked by
validate, located messages. Every command is run in-process through ``greios.cli.main``."""

from __future__ import annotations

import os
import re
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from greios.cli import main
from greios.secrets import env_name

REPO = Path(__file__).resolve().parents[2]
GOOD_KEY = "Abcdefghij0123456789Abcdefghij0123456789"
PAIR = "hongkong-rtr1--tokyo-rtr1"
COMMANDS = (("validate",), ("render",), ("plan", "--offline"))

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> Run:
    for var in [v for v in os.environ if v.startswith("GREIOS_PSK_")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("GREIOS_STATE_DIR", str(tmp_path / "state"))

    def _run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return _run


def each_command(run: Run, sites: Path) -> list[tuple[str, int, str]]:
    """(command, exit code, stderr) of validate, render and plan --offline."""
    out = []
    for cmd in COMMANDS:
        code, _, err = run(*cmd, "--sites", str(sites))
        out.append((cmd[0], code, err))
    return out


def assert_located_failure(results: list[tuple[str, int, str]], where: str,
                           *fragments: str) -> None:
    """Every command exits 1 with a located one-line error (no traceback, no exit 70)."""
    for cmd, code, err in results:
        assert code == 1, (cmd, code, err)
        assert "Traceback" not in err and "internal error" not in err, (cmd, err)
        assert re.search(where, err), (cmd, where, err)
        for fragment in fragments:
            assert fragment in err, (cmd, fragment, err)


def with_lock(sites: Path) -> Path:
    shutil.copy(REPO / "sites" / "greios.lock", sites / "greios.lock")
    return sites / "greios.lock"


# ------------------------------------------------------------------ 6. the secrets file


def test_secrets_file_without_psk_key_is_refused_not_replaced(sites: Path, run: Run) -> None:
    secrets = sites / ".greios-secrets.yaml"
    original = f"# keys of the old setup\nkeys:\n  {PAIR}: {GOOD_KEY}\n"
    secrets.write_text(original)
    for cmd, code, err in each_command(run, sites):
        assert code == 1, (cmd, err)
        assert ".greios-secrets.yaml:2: keys: unknown key 'keys'" in err, err
        assert "refusing to touch this file" in err
        assert GOOD_KEY not in err
    assert secrets.read_text() == original


def test_secrets_file_rewrite_keeps_keys_and_a_backup(sites: Path, run: Run,
                                                      tmp_path: Path) -> None:
    secrets = sites / ".greios-secrets.yaml"
    original = f"# my own comment\npsk:\n  {PAIR}: {GOOD_KEY}\n"
    secrets.write_text(original)
    secrets.chmod(0o600)
    code, _, err = run("render", "--sites", str(sites))
    assert code == 0, err
    keys = yaml.safe_load(secrets.read_text())["psk"]
    # 4 generated (the encrypted pairs; the plain GRE VyOS pair has no key), one kept
    assert keys[PAIR] == GOOD_KEY and len(keys) == 5
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600
    backups = list((tmp_path / "state" / "file-backups").glob("greios-secrets.yaml.*.bak"))
    assert len(backups) == 1
    assert backups[0].read_text() == original
    assert stat.S_IMODE(backups[0].stat().st_mode) == 0o600


def test_secrets_entry_that_is_not_text_is_refused(sites: Path, run: Run) -> None:
    (sites / ".greios-secrets.yaml").write_text(f"psk:\n  {PAIR}: {'1234567890' * 4}\n")
    results = each_command(run, sites)
    assert_located_failure(results, r"\.greios-secrets\.yaml:2: psk\.hongkong-rtr1--tokyo-rtr1",
                           "must be text")


def test_lock_rewrite_keeps_a_backup(sites: Path, run: Run, tmp_path: Path) -> None:
    lock = with_lock(sites)
    before = lock.read_text()
    # a new pair: seoul <-> tokyo
    project = sites / "greios.yaml"
    project.write_text(project.read_text().replace(
        "    description: Tokyo - Hong Kong DC interconnect\n",
        "    description: Tokyo - Hong Kong DC interconnect\n  - pair: [tokyo, seoul]\n"))
    code, _, err = run("render", "--sites", str(sites))
    assert code == 0, err
    assert "seoul-rtr1--tokyo-rtr1" in lock.read_text()
    (backup,) = (tmp_path / "state" / "file-backups").glob("greios.lock.*.bak")
    assert backup.read_text() == before


def test_lock_changed_on_disk_meanwhile_is_not_overwritten(sites: Path, run: Run) -> None:
    from greios.allocate import read_lock, write_lock
    from greios.errors import InventoryError

    lock_path = with_lock(sites)
    lock = read_lock(lock_path)
    lock_path.write_text(lock_path.read_text() + "# edited by someone else\n")
    with pytest.raises(InventoryError, match=r"greios\.lock:1: the lock file changed on disk"):
        write_lock(lock_path, lock.derive({}))
    assert lock_path.read_text().endswith("# edited by someone else\n")


# ------------------------------------------------------------------ 7. the lock file

LOCK_CASES = {
    # a git merge of two branches that each added a spoke: both got Tunnel103 on singapore
    "merged-duplicate-number": (
        lambda d: d["pairs"].update({"singapore-rtr1--tokyo-rtr1": {
            "a": "singapore-rtr1", "b": "tokyo-rtr1", "tunnel": 101,
            "subnet": "192.168.0.16/30", "state": "active"}}),
        r"greios\.lock:\d+: pairs\.singapore-rtr1--tokyo-rtr1\.tunnel: Tunnel101 of router "
        r"'singapore-rtr1' is also allocated to pair mumbai-rtr1--singapore-rtr1"),
    "negative-tunnel": (
        lambda d: d["pairs"]["hongkong-rtr1--tokyo-rtr1"].update(tunnel=-1),
        r"greios\.lock:\d+: pairs\.hongkong-rtr1--tokyo-rtr1\.tunnel: -1 is not a tunnel number"),
    "huge-tunnel": (
        lambda d: d["pairs"]["hongkong-rtr1--tokyo-rtr1"].update(tunnel=1099511627776),
        r"greios\.lock:\d+: pairs\.hongkong-rtr1--tokyo-rtr1\.tunnel: 1099511627776 is not a "
        r"tunnel number"),
    "slash-32": (
        lambda d: d["pairs"]["hongkong-rtr1--tokyo-rtr1"].update(subnet="192.168.0.1/32"),
        r"greios\.lock:\d+: pairs\.hongkong-rtr1--tokyo-rtr1\.subnet: 192\.168\.0\.1/32 is a /32"),
    "slash-8": (
        lambda d: d["pairs"]["hongkong-rtr1--tokyo-rtr1"].update(subnet="10.0.0.0/8"),
        r"greios\.lock:\d+: pairs\.hongkong-rtr1--tokyo-rtr1\.subnet: 10\.0\.0\.0/8 is a /8"),
    "overlapping-subnets": (
        lambda d: d["pairs"]["seoul-rtr1--singapore-rtr1"].update(subnet="192.168.0.0/31"),
        r"greios\.lock:\d+: pairs\.[a-z0-9-]+\.subnet: 192\.168\.0\.0/3[01] overlaps "
        r"192\.168\.0\.0/3[01] of pair"),
    "subnet-on-a-lan": (
        lambda d: d["pairs"]["hongkong-rtr1--tokyo-rtr1"].update(subnet="172.16.8.0/30"),
        r"greios\.lock:\d+: pairs\.hongkong-rtr1--tokyo-rtr1\.subnet: link subnet "
        r"172\.16\.8\.0/30 overlaps LAN 172\.16\.8\.0/24 of router 'tokyo-rtr1' "
        r"\(.*tokyo\.yaml:\d+\)"),
    "subnet-on-an-underlay": (
        lambda d: d["pairs"]["hongkong-rtr1--tokyo-rtr1"].update(subnet="10.133.75.0/30"),
        r"link subnet 10\.133\.75\.0/30 overlaps the underlay subnet 10\.133\.75\.0/24 of "
        r"router 'tokyo-rtr1'"),
    "unknown-state": (
        lambda d: d["pairs"]["hongkong-rtr1--tokyo-rtr1"].update(state="paused"),
        r"greios\.lock:\d+: pairs\.hongkong-rtr1--tokyo-rtr1\.state: 'paused' is not a state"),
    "wrong-ends": (
        lambda d: d["pairs"]["hongkong-rtr1--tokyo-rtr1"].update(b="seoul-rtr1"),
        r"greios\.lock:\d+: pairs\.hongkong-rtr1--tokyo-rtr1: the pair key does not match"),
    "version-2": (lambda d: d.update(version=2),
                  r"greios\.lock:\d+: version: unsupported lock file version 2"),
    "unknown-top-key": (lambda d: d.update(extra=1),
                        r"greios\.lock:\d+: extra: unknown key 'extra'"),
    "string-tunnel": (
        lambda d: d["pairs"]["hongkong-rtr1--tokyo-rtr1"].update(tunnel="100"),
        r"tunnel: '100' is not a tunnel number"),
}


@pytest.mark.parametrize("case", sorted(LOCK_CASES))
def test_invalid_lock_is_reported_by_every_command(sites: Path, run: Run, case: str) -> None:
    lock = with_lock(sites)
    data = yaml.safe_load(lock.read_text())
    mutate, expected = LOCK_CASES[case]
    mutate(data)
    lock.write_text(yaml.safe_dump(data, sort_keys=False))
    before = lock.read_text()
    results = each_command(run, sites)
    assert_located_failure(results, expected)
    assert lock.read_text() == before  # never rewritten
    assert not (sites / ".greios-secrets.yaml").exists()


def test_empty_lock_file_is_refused(sites: Path, run: Run) -> None:
    (sites / "greios.lock").write_text("")
    assert_located_failure(each_command(run, sites), r"greios\.lock:1: the lock file is empty")


def test_merge_conflict_markers_in_lock(sites: Path, run: Run) -> None:
    lock = with_lock(sites)
    lock.write_text(lock.read_text() + "<<<<<<< HEAD\n  x: 1\n=======\n>>>>>>> branch\n")
    assert_located_failure(each_command(run, sites), r"greios\.lock:\d+: invalid YAML")


def test_valid_lock_still_renders_one_block_per_tunnel(sites: Path, run: Run) -> None:
    with_lock(sites)
    code, out, err = run("render", "--site", "singapore", "--sites", str(sites))
    assert code == 0, err
    numbers = re.findall(r"^interface (Tunnel\d+)$", out, re.M)
    assert sorted(numbers) == ["Tunnel100", "Tunnel101", "Tunnel102"]


# ------------------------------------------------------------------ 8. YAML bombs

BOMB = ('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        + "".join(f"{x}: &{x} [{', '.join(['*' + p] * 9)}]\n"
                  for p, x in zip("abcdefgh", "bcdefghi", strict=True)))


@pytest.mark.parametrize("target", ["tokyo.yaml", "greios.yaml", "greios.lock"])
def test_billion_laughs_is_refused_quickly(sites: Path, run: Run, target: str) -> None:
    if target == "greios.lock":
        with_lock(sites)
    path = sites / target
    path.write_text(path.read_text() + BOMB)
    for cmd, code, err in each_command(run, sites):
        assert code == 1, (cmd, err)
        assert re.search(rf"{re.escape(target)}:\d+: more than 500,000 values \(counting what "
                         r"aliases expand to\)", err), err


def test_file_larger_than_the_limit_is_not_read(sites: Path, run: Run,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from greios.inventory import yamlsrc

    monkeypatch.setattr(yamlsrc, "MAX_BYTES", 1024 * 1024)
    (sites / "tokyo.yaml").write_text("description: |\n" + "  x\n" * 400_000)
    assert_located_failure(each_command(run, sites), r"tokyo\.yaml: file is larger than 1 MiB")


def test_fifo_is_not_read(sites: Path, run: Run) -> None:
    os.mkfifo(sites / "greios.lock")
    assert_located_failure(each_command(run, sites), r"greios\.lock: not a regular file")


# ------------------------------------------------------------------ 9. no exit 70

def _append(name: str, text: str) -> Callable[[Path], None]:
    def apply(sites: Path) -> None:
        path = sites / name
        path.write_text(path.read_text() + text)
    return apply


def _replace(name: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(sites: Path) -> None:
        path = sites / name
        assert old in path.read_text()
        path.write_text(path.read_text().replace(old, new))
    return apply


def _symlink_loop(name: str) -> Callable[[Path], None]:
    def apply(sites: Path) -> None:
        (sites / name).unlink(missing_ok=True)
        (sites / name).symlink_to(name)
    return apply


def _snapshot(value: str) -> Callable[[Path], None]:
    return _replace("tokyo.yaml", "snapshot: snapshots/tokyo-rtr1.cfg", f"snapshot: {value}")


def _snapshot_loop(sites: Path) -> None:
    (sites / "snapshots" / "loop.cfg").symlink_to("loop.cfg")
    _snapshot("snapshots/loop.cfg")(sites)


def _binary_secrets(sites: Path) -> None:
    (sites / ".greios-secrets.yaml").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")


NO_BUG_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "unknown-tag": (_replace("tokyo.yaml", "platform: ios-xe", "platform: !Ref ios-xe"),
                    r"tokyo\.yaml:\d+: routers\[0\]\.platform: unsupported YAML tag '!Ref'"),
    "python-name-tag": (_append("greios.yaml", "extra: !!python/name:os.system ''\n"),
                        r"greios\.yaml:\d+: extra: unsupported YAML tag '!!python/name:os"),
    "python-object-tag": (_append("tokyo.yaml", "x: !!python/object/apply:os.system [id]\n"),
                          r"tokyo\.yaml:\d+: x: unsupported YAML tag"),
    "int-tag-on-text": (_replace("tokyo.yaml", "mtu: 1500", "mtu: !!int abc"),
                        r"tokyo\.yaml:\d+: routers\[0\]\.underlay\.mtu: 'abc' is not a valid int"),
    "bool-tag-on-text": (_replace("tokyo.yaml", "mtu: 1500", "mtu: !!bool maybe"),
                         r"'maybe' is not a valid bool"),
    "recursive-alias": (_append("tokyo.yaml", "x: &loop [1, *loop]\n"),
                        r"tokyo\.yaml:\d+: recursive alias \*loop"),
    "undefined-alias": (_append("tokyo.yaml", "x: *nowhere\n"),
                        r"tokyo\.yaml:\d+: undefined alias \*nowhere"),
    "deep-block-nesting": (lambda s: (s / "tokyo.yaml").write_text("- " * 50_000 + "x\n"),
                           r"tokyo\.yaml:1: nested deeper than 64 levels"),
    "deep-flow-nesting": (lambda s: (s / "greios.yaml").write_text("[" * 50_000 + "]" * 50_000),
                          r"greios\.yaml:1: (invalid YAML: )?nested deeper than 64 levels"),
    "5000-digit-integer": (_replace("tokyo.yaml", "mtu: 1500", "mtu: " + "9" * 5000),
                           r"tokyo\.yaml:\d+: routers\[0\]\.underlay\.mtu: number too long"),
    "huge-float": (_replace("tokyo.yaml", "mtu: 1500", "mtu: 1e999999"),
                   r"tokyo\.yaml:\d+: routers\[0\]\.underlay\.mtu"),
    "site-file-symlink-loop": (_symlink_loop("tokyo.yaml"),
                               r"tokyo\.yaml: cannot read: symlink loop"),
    "project-file-symlink-loop": (_symlink_loop("greios.yaml"),
                                  r"greios\.yaml: cannot read: symlink loop"),
    "lock-symlink-loop": (_symlink_loop("greios.lock"), r"greios\.lock: cannot read: symlink loop"),
    "secrets-symlink-loop": (_symlink_loop(".greios-secrets.yaml"),
                             r"\.greios-secrets\.yaml: cannot read: symlink loop"),
    "snapshot-symlink-loop": (_snapshot_loop,
                              r"tokyo\.yaml:\d+: routers\[0\]\.snapshot: cannot resolve the "
                              r"snapshot path: symlink loop"),
    "300-character-snapshot-path": (_snapshot("snapshots/" + "x" * 300 + ".cfg"),
                                    r"tokyo\.yaml:\d+: routers\[0\]\.snapshot: .*file name "
                                    r"too long"),
    "snapshot-is-a-directory": (_snapshot("snapshots"),
                                r"tokyo\.yaml:\d+: routers\[0\]\.snapshot: snapshot is not a "
                                r"regular file"),
    "snapshot-with-nul": (_snapshot('"snapshots/a\\0b.cfg"'),
                          r"tokyo\.yaml:\d+: routers\[0\]\.snapshot: invalid file name"),
    "binary-secrets-file": (_binary_secrets,
                            r"\.greios-secrets\.yaml:1: not UTF-8 text"),
    "nul-in-site-file": (_append("tokyo.yaml", "x: a\x00b\n"),
                         r"tokyo\.yaml:20: control character U\+0000 is not allowed"),
    "site-file-is-a-directory": (lambda s: (s / "extra.yaml").mkdir(),
                                 r"extra\.yaml: is a directory, not a file"),
    "several-documents": (_append("tokyo.yaml", "---\nsite: other\n"),
                          r"tokyo\.yaml:\d+: more than one YAML document"),
    "merge-key": (_append("tokyo.yaml", "base: &b {x: 1}\nother:\n  <<: *b\n"),
                  r"tokyo\.yaml:\d+: other: YAML merge keys \(<<\) are not supported"),
    "complex-key": (_append("tokyo.yaml", "? [a, b]\n: 1\n"),
                    r"tokyo\.yaml:\d+: mapping keys must be plain strings"),
    "invalid-date": (_replace("tokyo.yaml", "description: Tokyo data centre",
                              "description: 2024-13-45"),
                     r"tokyo\.yaml:\d+: description: Input should be a valid string|NOFAIL"),
}


@pytest.mark.parametrize("case", sorted(NO_BUG_CASES))
def test_hostile_input_gets_a_located_error_not_a_bug_report(sites: Path, run: Run,
                                                             case: str) -> None:
    mutate, expected = NO_BUG_CASES[case]
    mutate(sites)
    results = each_command(run, sites)
    if expected.endswith("|NOFAIL"):  # accepted as text: must simply not crash
        assert all(code in (0, 1) and "internal error" not in err for _, code, err in results)
        return
    assert_located_failure(results, expected)


def test_sites_directory_symlink_loop(tmp_path: Path, run: Run) -> None:
    loop = tmp_path / "sites"
    loop.symlink_to("sites")
    for cmd in COMMANDS:
        code, _, err = run(*cmd, "--sites", str(loop))
        assert code == 1 and "symlink loop" in err and "internal error" not in err, err


# ------------------------------------------------------------------ 10. invalid values

VALUE_CASES = {
    "broadcast-underlay": (_replace("tokyo.yaml", "10.133.75.79/24", "10.133.75.255/24"),
                           r"tokyo\.yaml:\d+: routers\[0\]\.underlay\.address: "
                           r"'10\.133\.75\.255/24' is the broadcast address of its subnet"),
    "multicast-underlay": (_replace("tokyo.yaml", "10.133.75.79/24", "224.0.0.5/24"),
                           r"underlay\.address: '224\.0\.0\.5/24' is a multicast address"),
    "loopback-underlay": (_replace("tokyo.yaml", "10.133.75.79/24", "127.0.0.1/8"),
                          r"underlay\.address: '127\.0\.0\.1/8' is a loopback address"),
    "ipv6-loopback-underlay": (_replace("tokyo.yaml", "10.133.75.79/24", "::1/128"),
                               r"underlay\.address: '::1/128' is a loopback address"),
    "ipv6-public-address-on-ipv4": (
        _replace("tokyo.yaml", "      mtu: 1500\n",
                 "      mtu: 1500\n      behind_nat: true\n      public_address: 2001:db8::7\n"),
        r"tokyo\.yaml:\d+: routers\[0\]\.underlay\.public_address: '2001:db8::7' is IPv6 but "
        r"the underlay address 10\.133\.75\.79/24 is not"),
    "multicast-public-address": (
        _replace("tokyo.yaml", "      mtu: 1500\n",
                 "      mtu: 1500\n      behind_nat: true\n      public_address: 239.1.1.1\n"),
        r"underlay\.public_address: '239\.1\.1\.1' is a multicast address"),
    "tunnel-as-underlay": (_replace("tokyo.yaml", "interface: GigabitEthernet0/0/0",
                                    "interface: Tunnel100"),
                           r"tokyo\.yaml:\d+: routers\[0\]\.underlay\.interface: 'Tunnel100' is a "
                           r"tunnel interface"),
    "tunnel-abbreviation-as-underlay": (_replace("tokyo.yaml", "interface: GigabitEthernet0/0/0",
                                                 "interface: Tu5"),
                                        r"underlay\.interface: 'Tu5' is a tunnel interface"),
}


@pytest.mark.parametrize("case", sorted(VALUE_CASES))
def test_invalid_values_are_refused(sites: Path, run: Run, case: str) -> None:
    mutate, expected = VALUE_CASES[case]
    mutate(sites)
    assert_located_failure(each_command(run, sites), expected)


# ------------------------------------------------------------------ 11./12. secrets in validate

def _secrets_with(value: str) -> Callable[[Path], None]:
    def apply(sites: Path) -> None:
        (sites / ".greios-secrets.yaml").write_text(
            "psk:\n  " + PAIR + ": " + yaml.safe_dump(value, default_style='"').strip() + "\n")
    return apply


SECRET_FILE_CASES = {
    "short": (_secrets_with("tooshort"), "is shorter than 32 characters"),
    "space": (_secrets_with(GOOD_KEY[:20] + " " + GOOD_KEY[20:]),
              "contains a space, tab or line break"),
    "question-mark": (_secrets_with(GOOD_KEY + "?"), "contains '?'"),
    "non-ascii": (_secrets_with(GOOD_KEY + "é"), "contains a non-ASCII character"),
    "too-long": (_secrets_with("x" * 129), "is longer than 128 characters"),
    "empty": (_secrets_with(""), "is empty"),
}


@pytest.mark.parametrize("case", sorted(SECRET_FILE_CASES))
def test_bad_key_in_secrets_file_fails_validate_like_render(sites: Path, run: Run,
                                                            case: str) -> None:
    mutate, fragment = SECRET_FILE_CASES[case]
    mutate(sites)
    value = yaml.safe_load((sites / ".greios-secrets.yaml").read_text())["psk"][PAIR]
    results = each_command(run, sites)
    assert_located_failure(results, rf"\.greios-secrets\.yaml:2: psk\.{PAIR}: the pre-shared "
                           rf"key of pair {PAIR} ", fragment)
    for _, _, err in results:
        assert not value or value not in err


ENV_CASES = {
    "newline": (GOOD_KEY + "\n", "contains a space, tab or line break"),
    "short": ("abc", "is shorter than 32 characters"),
    "question-mark": (GOOD_KEY + "?", "contains '?'"),
    "non-ascii": ("é" + GOOD_KEY, "contains a non-ASCII character"),
    "empty": ("", "is set but empty"),
}


@pytest.mark.parametrize("case", sorted(ENV_CASES))
def test_bad_key_in_environment_fails_validate_like_render(
        sites: Path, run: Run, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    value, fragment = ENV_CASES[case]
    monkeypatch.setenv(env_name(PAIR), value)
    results = each_command(run, sites)
    assert_located_failure(results, rf"environment variable {env_name(PAIR)}: the pre-shared key "
                           rf"of pair {PAIR} ", fragment)
    for _, _, err in results:
        assert value.strip() not in err or not value.strip()


def test_secrets_file_that_is_a_directory(sites: Path, run: Run) -> None:
    (sites / ".greios-secrets.yaml").mkdir()
    assert_located_failure(each_command(run, sites),
                           r"\.greios-secrets\.yaml: is a directory, not a file")


def test_validate_warns_about_a_psk_variable_that_matches_no_pair(
        sites: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GREIOS_PSK_NOBODY__NOWHERE", GOOD_KEY)
    code, _, err = run("validate", "--sites", str(sites))
    assert code == 0, err
    assert "warning: environment variable GREIOS_PSK_NOBODY__NOWHERE matches no pair" in err


def test_validate_still_writes_nothing_with_secrets(sites: Path, run: Run) -> None:
    _secrets_with(GOOD_KEY)(sites)
    before = {p.name: p.read_bytes() for p in sites.iterdir() if p.is_file()}
    code, _, err = run("validate", "--sites", str(sites))
    assert code == 0, err
    assert {p.name: p.read_bytes() for p in sites.iterdir() if p.is_file()} == before


def test_secrets_syntax_error_is_located_without_content(sites: Path, run: Run) -> None:
    (sites / ".greios-secrets.yaml").write_text(f"psk:\n  {PAIR}: {GOOD_KEY}: x\n")
    for cmd, code, err in each_command(run, sites):
        assert code == 1, (cmd, err)
        assert re.search(r"\.greios-secrets\.yaml:2: invalid YAML: unexpected ':'", err), err
        assert "ScannerError" not in err and GOOD_KEY not in err


def test_nul_character_is_reported_with_its_line(sites: Path, run: Run) -> None:
    path = sites / "hongkong.yaml"
    lines = path.read_text().splitlines(keepends=True)
    lines[4] = lines[4].rstrip("\n") + "\x00\n"
    path.write_text("".join(lines))
    code, _, err = run("validate", "--sites", str(sites))
    assert code == 1
    assert "hongkong.yaml:5: control character U+0000" in err
    assert "#x0000" not in err and "position" not in err


def test_syntax_error_stops_that_file_without_cascade(sites: Path, run: Run) -> None:
    """A syntax error in a site file is the only message: no "unknown site 'tokyo'" from the
    topology that names it, no schema errors of that file."""
    (sites / "tokyo.yaml").write_text("site: tokyo\nrouters:\n  - name: tokyo-rtr1\n   x: [\n")
    code, _, err = run("validate", "--sites", str(sites))
    assert code == 1
    assert err.count("\n") == 1, err
    assert re.match(r"error: .*tokyo\.yaml:\d+: invalid YAML: ", err), err
    assert "unknown site" not in err


def test_pyyaml_wording_is_rephrased(sites: Path, run: Run) -> None:
    raw = ("mapping values are not allowed", "could not find expected", "did not find expected",
           "while scanning", "while parsing", "found character", "<unicode string>")
    texts = {
        "tokyo.yaml": "site: tokyo: x\n",
        "seoul.yaml": "site: seoul\nrouters:\n\t- name: x\n",
        "mumbai.yaml": "site: 'mumbai\n",
        "sydney.yaml": "site: sydney\nrouters: [a, b\n",
        "hongkong.yaml": 'site: "hong\\qkong"\n',
        "singapore.yaml": "site: singapore\n  routers: x\n",
    }
    for name, text in texts.items():
        (sites / name).write_text(text)
    code, _, err = run("validate", "--sites", str(sites))
    assert code == 1
    problems = err.splitlines()[1:]
    assert len(problems) == len(texts), err
    for line in problems:
        assert re.search(r"\.yaml:\d+: invalid YAML: ", line), line
        assert not any(r in line for r in raw), line
