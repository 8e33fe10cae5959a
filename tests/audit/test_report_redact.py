"""The CLI's last-line secret guard: find secrets in configs, scrub rendered reports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from greios.audit.model import AuditReport, Finding, Severity
from greios.audit.report import FORMATS, render
from greios.redact import REDACTED, config_secrets, scrub, scrub_output

CONFIG = """hostname r1
enable secret 5 $1$abcd$HashHashHash
username admin privilege 15 password 7 0822455D0A16
crypto isakmp key IsakmpKey-1 address 192.0.2.2
crypto keyring KR
  pre-shared-key address 192.0.2.3 key KeyringKey-2
  pre-shared-key address 192.0.2.4 255.255.255.255 key 6 Type6Cipher==
crypto ikev2 keyring K2
 peer p
  address 192.0.2.5
  pre-shared-key local Local-Key3
  pre-shared-key remote Remote-Key4
  pre-shared-key Both-Key5
snmp-server community Comm-Str6 RO
tacacs-server host 192.0.2.9 key 7 TacKey7
interface Tunnel1
 ip ospf message-digest-key 1 md5 OspfKey8
"""


def test_config_secrets_finds_every_kind() -> None:
    found = config_secrets([CONFIG])
    for s in ("$1$abcd$HashHashHash", "0822455D0A16", "IsakmpKey-1", "KeyringKey-2",
              "Type6Cipher==", "Local-Key3", "Remote-Key4", "Both-Key5", "Comm-Str6",
              "TacKey7", "OspfKey8"):
        assert s in found, s
    assert "192.0.2.2" not in found and "address" not in found


def test_scrub_whole_tokens_only() -> None:
    assert scrub("IsakmpKey-1 vs IsakmpKey-10", {"IsakmpKey-1"}) == f"{REDACTED} vs IsakmpKey-10"


@pytest.mark.parametrize("fmt", FORMATS)
def test_scrub_output_keeps_each_format_valid(fmt: str) -> None:
    leak = 'Key<&>"1'
    rep = AuditReport(findings=[Finding(rule="SEC-014", severity=Severity.WARNING, device="r1",
                                        object="crypto keyring KR",
                                        message=f"careless rule quoting {leak} here")])
    out = scrub_output(render(rep, fmt), {leak}, fmt)
    assert "careless rule quoting" in out
    assert leak not in out
    if fmt in ("json", "sarif"):
        assert leak not in json.dumps(json.loads(out), ensure_ascii=False)
        assert REDACTED in json.dumps(json.loads(out))
    elif fmt == "junit":
        root = ET.fromstring(out)
        assert REDACTED in ET.tostring(root, encoding="unicode").replace("&lt;", "<").replace(
            "&gt;", ">")
    elif fmt == "html" or fmt == "md":
        assert "&lt;redacted&gt;" in out and "Key&lt;&amp;&gt;" not in out
    else:
        assert REDACTED in out


def test_scrub_report_before_rendering_survives_folding() -> None:
    from greios.redact import scrub_report

    secret = "VeryLongSecretWithoutSpaces" * 4
    rep = AuditReport(findings=[Finding(rule="SEC-014", severity=Severity.WARNING, device="r1",
                                        object=f"crypto isakmp key {secret} address 192.0.2.1",
                                        message=f"plain key {secret}")])
    clean = scrub_report(rep, {secret})
    out = render(clean, "table", width=60)  # narrow: rich folds long tokens
    assert "VeryLongSecret" not in out
    assert clean.findings[0].object == f"crypto isakmp key {REDACTED} address 192.0.2.1"
    assert rep.findings[0].message.endswith(secret)  # the original is untouched
