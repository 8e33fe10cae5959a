"""greios.redact: one marker, one set of secret lines per platform, one scrubbing machinery."""

from __future__ import annotations

import doctest

import pytest

import greios.redact
from greios import platforms
from greios.audit.model import AuditReport, Finding, Severity
from greios.platforms.ios.ownership import parse_key_line
from greios.redact import (
    HINT_WORDS,
    REDACTED,
    comment_out_redacted,
    config_secrets,
    redact_line,
    scrub_report,
    scrub_text,
    secret_patterns,
)

# one line of each secret kind IOS shows, and the secret it holds
IOS_SECRET_LINES = [
    ("crypto isakmp key 6 T3BzS2V5 address 10.77.0.1", "T3BzS2V5"),
    (" pre-shared-key address 192.0.2.3 key KeyringKey-2", "KeyringKey-2"),
    ("  pre-shared-key local 0 Local-Key3", "Local-Key3"),
    ("  no pre-shared-key remote Remote-Key4", "Remote-Key4"),
    ("  pre-shared-key Typo-Key5 extra words", "Typo-Key5"),  # a malformed line too
    (" pre-shared-key address 192.0.2.4 key Typo-Key6 x", "Typo-Key6"),
    ("username admin privilege 15 secret 9 $9$abc$def", "$9$abc$def"),
    ("enable secret 5 $1$abcd$HashHash", "$1$abcd$HashHash"),
    (" password 7 0822455D0A16", "0822455D0A16"),
    ("tacacs-server host 192.0.2.9 key 7 TacKey7", "TacKey7"),
    ("key config-key password-encrypt MasterKey9", "MasterKey9"),
    ("  key-string 7 KeyString10", "KeyString10"),
    ("ntp authentication-key 1 md5 NtpKey11 7", "NtpKey11"),
    ("snmp-server community Comm-Str6 RO", "Comm-Str6"),
    (" ip ospf message-digest-key 1 md5 OspfKey8", "OspfKey8"),
    (" ip ospf authentication-key 7 OspfKey12", "OspfKey12"),
]


def test_doctests() -> None:
    result = doctest.testmod(greios.redact)
    assert result.failed == 0 and result.attempted >= 5


@pytest.mark.parametrize(("line", "secret"), IOS_SECRET_LINES)
def test_each_secret_line_is_redacted_and_found(line: str, secret: str) -> None:
    shown = redact_line(line)
    assert secret not in shown and REDACTED in shown
    assert config_secrets([line]) == {secret}
    assert redact_line(line.upper()).count(REDACTED) == 1  # keywords in any case


def test_key_lines_of_the_plan_are_secret_lines() -> None:
    """Every line the plan parses as a key line is redacted the same way: type and key
    go, the rest (peer address) stays."""
    for line, pre, post in [
        ("  pre-shared-key local 0 Sup3r", "  pre-shared-key local ", ""),
        ("crypto isakmp key 6 HASH address 10.0.0.1", "crypto isakmp key ", " address 10.0.0.1"),
        (" pre-shared-key address 10.0.0.1 key 0 K1", " pre-shared-key address 10.0.0.1 key ",
         ""),
        ("  pre-shared-key Both-Key5", "  pre-shared-key ", ""),
    ]:
        parsed = parse_key_line(line)
        assert parsed is not None and parsed.pre == pre and parsed.post == post
        assert redact_line(line) == f"{pre}{REDACTED}{post}"


def test_other_lines_untouched() -> None:
    for line in (" tunnel destination 10.0.0.1", "key chain EIGRP", " keyring local GREIOS-KR",
                 "crypto ikev2 keyring GREIOS-KR", " no pre-shared-key address 10.0.0.1"):
        assert redact_line(line) == line
    assert config_secrets(["key chain EIGRP\n key 1\n"]) == set()  # short values are no secret


def test_patterns_come_from_the_platforms_and_need_a_hint_word() -> None:
    ios = platforms.get("ios").secret_patterns
    assert set(ios) <= set(secret_patterns())
    for rx in secret_patterns():
        assert "key" in rx.groupindex, rx.pattern
        assert any(word in rx.pattern.lower() for word in HINT_WORDS), rx.pattern


def test_config_secrets_with_given_patterns() -> None:
    import re

    rx = re.compile(r"pre-shared-secret '(?P<key>[^']+)'")
    text = "set vpn ipsec authentication psk P pre-shared-secret 'VyosKey1'"
    assert config_secrets([text], [rx]) == {"VyosKey1"}


def test_scrub_report_keeps_the_report_type() -> None:
    report = AuditReport(findings=[Finding(rule="SEC-014", severity=Severity.WARNING,
                                           device="r1", object="o", message="uses Psk-1 here")])
    clean = scrub_report(report, {"Psk-1"})
    assert type(clean) is AuditReport
    assert clean.findings[0].message == f"uses {REDACTED} here"
    assert scrub_report(report, {"absent"}) is report


def test_scrub_report_reaches_every_string_field() -> None:
    from greios.audit.model import ChangeDelta, Session, SessionStatus

    def session(reason: str) -> Session:
        return Session(device="r1", interface="Tunnel1", peer_device="r2",
                       peer_interface="Tunnel1", status="IKE_PHASE1_KEY_MISMATCH",
                       reasons=["ok", reason])

    report = AuditReport(sessions=[session("key\nK3y-x differs")], ignored_rules=["K3y-x"],
                         change=ChangeDelta(sessions_after=[session("K3y-x")]))
    clean = scrub_report(report, {"K3y-x"})
    assert clean.sessions[0].reasons == ["ok", f"key\n{REDACTED} differs"]
    assert clean.sessions[0].status is SessionStatus.IKE_PHASE1_KEY_MISMATCH
    assert clean.ignored_rules == [REDACTED]
    assert clean.change is not None and clean.change.sessions_after[0].reasons[1] == REDACTED
    assert report.ignored_rules == ["K3y-x"]  # the original is left as it was
    # a field name or a number is not a string value: nothing to scrub, same object
    assert scrub_report(report, {"peer_interface", "Tunnel9"}) is report


def test_log_scrub_finds_secrets_inside_tokens() -> None:
    assert scrub_text("b'pre-shared-key Abc123\\r\\nAbc123x'", ["Abc123"]) == (
        f"b'pre-shared-key {REDACTED}\\r\\n{REDACTED}x'")


def test_comment_out_redacted_keeps_indentation() -> None:
    text = "crypto keyring K\n pre-shared-key address 1.2.3.4 key <redacted>\n"
    assert comment_out_redacted(text) == (
        "crypto keyring K\n ! pre-shared-key address 1.2.3.4 key <redacted>\n")
