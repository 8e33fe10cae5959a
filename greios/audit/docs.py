"""Generate docs/rules.md from the catalog: ``python -m greios.audit.docs > docs/rules.md``."""

from __future__ import annotations

import sys

from greios.audit.catalog import load


def render() -> str:
    lines = [
        "# Audit rules",
        "",
        "Generated from `greios/audit/catalog.py` by `python -m greios.audit.docs`; do not edit.",
        "IDs, severities and scopes follow `gre-ipsec-reference.md` §4. Scope `pair` rules need",
        "both tunnel ends in the audited set; `inv` rules need inventory facts.",
        "With the inventory, pairing and the pair rules model static one-to-one NAT",
        "(`underlay.public_address`: GRE-012 post-NAT, PAIR-009 with the identity a NATed",
        "router sends, REF-007/REF-012 keyed on its public address); PAT, dynamic NAT and",
        "bare config files without inventory are matched as written (docs/ios-fidelity.md,",
        "lab limit 16).",
        "",
        "| ID | Severity | Scope | Title | Remediation |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in load().values():
        rem = r.remediation.replace("|", "\\|")
        lines.append(f"| {r.id} | {r.severity.value} | {r.scope.value} | {r.title} | {rem} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
