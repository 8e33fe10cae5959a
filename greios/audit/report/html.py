# ruff: noqa: E501  (the inline HTML template keeps one table row per line)
"""``--format html``: one self-contained HTML file (inline CSS, no scripts, no remote assets).

Every value goes through Jinja2 autoescaping; the template is a string in this module so the
file works from any install (no package-data look-up).
"""

from __future__ import annotations

from typing import Any

from greios.audit.model import AuditReport
from greios.audit.report._common import (
    NO_PEER,
    all_devices,
    group_by_severity,
    pair_matrix,
    sort_findings,
    status_health,
    summary,
)

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{{ r.title }}</title>
<style>
:root { --ok:#1a7f37; --ok-bg:#dafbe1; --warn:#9a6700; --warn-bg:#fff8c5; --fail:#cf222e;
        --fail-bg:#ffebe9; --info:#0969da; --info-bg:#ddf4ff; --line:#d0d7de; --muted:#57606a; }
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; font-size: 14px;
       color:#1f2328; margin: 24px; line-height: 1.45; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; border-bottom: 1px solid var(--line); padding-bottom: 4px; margin-top: 28px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: var(--muted); margin-bottom: 12px; }
.verdict { display:inline-block; padding: 4px 12px; border-radius: 6px; font-weight: 700; }
.cards { display:flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.card { border:1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 110px; }
.card b { display:block; font-size: 20px; }
table { border-collapse: collapse; margin: 6px 0 12px; width: 100%; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; }
td.rule { white-space: nowrap; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px;
       background:#f6f8fa; padding: 1px 4px; border-radius: 4px; }
table.matrix { width: auto; }
table.matrix td { text-align: center; min-width: 120px; font-size: 12px; }
table.matrix th.row { text-align: right; }
.ok { background: var(--ok-bg); color: var(--ok); }
.warn { background: var(--warn-bg); color: var(--warn); }
.fail { background: var(--fail-bg); color: var(--fail); font-weight: 600; }
.none { background: #fff; color: #8c959f; }
.sev-error { color: var(--fail); font-weight: 700; }
.sev-warning { color: var(--warn); font-weight: 700; }
.sev-info { color: var(--info); font-weight: 700; }
tr.error td:first-child { border-left: 4px solid var(--fail); }
tr.warning td:first-child { border-left: 4px solid var(--warn); }
tr.info td:first-child { border-left: 4px solid var(--info); }
.legend span { display:inline-block; padding: 1px 8px; margin-right: 6px; border-radius: 4px; }
.empty { color: var(--muted); font-style: italic; }
@media print {
  body { margin: 0; font-size: 11px; }
  h2 { break-after: avoid; }
  tr, .card { break-inside: avoid; }
  .ok, .warn, .fail, th, code { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
</style>
</head>
<body>
<h1>{{ r.title }}</h1>
<div class="meta">{{ r.tool }} {{ r.version }}{% if r.generated_at %} · {{ r.generated_at }}{% endif %}</div>
<span class="verdict {{ verdict_class }}">{{ verdict }}</span>

<h2>Summary</h2>
<div class="cards">
  <div class="card"><b>{{ s.devices }}</b>devices</div>
  <div class="card sev-error"><b>{{ s.errors }}</b>errors</div>
  <div class="card sev-warning"><b>{{ s.warnings }}</b>warnings</div>
  <div class="card sev-info"><b>{{ s.infos }}</b>info</div>
  <div class="card"><b>{{ s.waived }}</b>waived</div>
  <div class="card"><b>{{ s.sessions_ok }}/{{ s.sessions }}</b>sessions established</div>
  <div class="card{% if s.sessions_failed %} fail{% endif %}"><b>{{ s.sessions_failed }}</b>sessions failing</div>
</div>
{% if r.devices %}
<table>
<tr><th>device</th><th>file</th><th>tunnels</th><th>lines</th></tr>
{% for d in r.devices %}<tr><td>{{ d.device }}</td><td><code>{{ d.file or "" }}</code></td><td class="num">{{ d.tunnels }}</td><td class="num">{{ d.lines }}</td></tr>
{% endfor %}</table>
{% endif %}

{% if r.change is not none %}
<h2>Pre-change review</h2>
<p>This change <b>introduces {{ r.change.introduced|length }}</b> and <b>resolves {{ r.change.resolved|length }}</b> finding(s).</p>
{% if introduced %}<h3>Introduced by the change</h3>{{ findings_table(introduced, True) }}{% endif %}
{% if resolved %}<h3>Resolved by the change</h3>{{ findings_table(resolved, True) }}{% endif %}
{% if session_changes %}<h3>Session status changes</h3>
<table><tr><th>device</th><th>interface</th><th>before</th><th>after</th></tr>
{% for c in session_changes %}<tr><td>{{ c.device }}</td><td>{{ c.interface }}</td><td class="{{ c.before_health }}">{{ c.before }}</td><td class="{{ c.after_health }}">{{ c.after }}</td></tr>
{% endfor %}</table>{% endif %}
{% endif %}

<h2>Tunnel session verdicts</h2>
{% if m.cells %}
<p class="legend"><span class="ok">established (encrypted)</span><span class="warn">GRE only (clear text)</span><span class="fail">fails</span> Rows initiate, columns respond.</p>
<table class="matrix">
<tr><th>initiator \\ responder</th>{% for c in m.columns %}<th>{{ c }}</th>{% endfor %}</tr>
{% for row in m.rows %}<tr><th class="row">{{ row }}</th>
{% for c in m.columns %}{% set mc = m.cell(row, c) %}{% if mc %}<td class="{{ mc.health }}" title="{{ mc.interfaces|join(', ') }}">{{ mc.status.value }}{% if mc.count > 1 %} ×{{ mc.count }}{% endif %}</td>{% else %}<td class="none">·</td>{% endif %}{% endfor %}
</tr>
{% endfor %}</table>
<table>
<tr><th>device</th><th>interface</th><th>peer</th><th>peer interface</th><th>IKE</th><th>status</th><th>reasons</th></tr>
{% for x in sessions %}<tr><td>{{ x.device }}</td><td>{{ x.interface }}</td><td>{{ x.peer_device or no_peer }}</td><td>{{ x.peer_interface or "" }}</td><td>{% if x.ike_version %}v{{ x.ike_version }}{% else %}—{% endif %}</td><td class="{{ health(x.status) }}">{{ x.status.value }}</td><td>{{ x.reasons|join("; ") }}</td></tr>
{% endfor %}</table>
{% else %}<p class="empty">No tunnel sessions were found.</p>{% endif %}

<h2>Findings</h2>
{% for sev, items in groups %}
<h3 class="sev-{{ sev.value }}">{{ sev_title[sev.value] }} ({{ items|length }})</h3>
{{ findings_table(items, False) }}
{% else %}<p class="empty">No findings.</p>{% endfor %}

{% if r.waived or r.ignored_rules %}
<h2>Waived and ignored</h2>
{% if r.ignored_rules %}<p>Rules not evaluated (<code>--select</code> / <code>--ignore</code>): {% for x in ignored %}<code>{{ x }}</code>{% if not loop.last %}, {% endif %}{% endfor %}</p>{% endif %}
{% if waived %}<p>Waived in the project file ({{ waived|length }}):</p>{{ findings_table(waived, True) }}{% endif %}
{% endif %}
</body>
</html>
"""

_FINDINGS_MACRO = """{% macro findings_table(items, with_sev) %}
<table>
<tr>{% if with_sev %}<th>severity</th>{% endif %}<th>rule</th><th>device</th><th>object</th><th>message</th><th>remediation</th><th>where</th></tr>
{% for f in items %}<tr class="{{ f.severity.value }}">{% if with_sev %}<td class="sev-{{ f.severity.value }}">{{ f.severity.value }}</td>{% endif %}<td class="rule sev-{{ f.severity.value }}">{{ f.rule }}</td><td>{{ f.device }}{% if f.peer_device %} ↔ {{ f.peer_device }}{% endif %}</td><td><code>{{ f.object }}</code></td><td>{{ f.message }}</td><td>{{ f.remediation }}</td><td>{% if f.file %}<code>{{ f.file }}{% if f.line %}:{{ f.line }}{% endif %}</code>{% endif %}</td></tr>
{% endfor %}</table>
{% endmacro %}"""

_SEV_TITLE = {"error": "Errors", "warning": "Warnings", "info": "Info"}


def render_html(report: AuditReport) -> str:
    import jinja2

    env = jinja2.Environment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    template = env.from_string(_FINDINGS_MACRO + _TEMPLATE)
    s = summary(report)
    if s["errors"]:
        verdict, verdict_class = "FAIL: errors found", "fail"
    elif s["warnings"]:
        verdict, verdict_class = "PASS with warnings", "warn"
    else:
        verdict, verdict_class = "PASS", "ok"
    session_changes: list[dict[str, Any]] = []
    if report.change is not None:
        before = {(x.device, x.interface): x.status for x in report.change.sessions_before}
        for x in sorted(report.change.sessions_after, key=lambda x: (x.device, x.interface)):
            b = before.get((x.device, x.interface))
            if b != x.status:
                session_changes.append({
                    "device": x.device, "interface": x.interface,
                    "before": b.value if b else "(new)",
                    "before_health": status_health(b) if b else "none",
                    "after": x.status.value, "after_health": status_health(x.status),
                })
    return template.render(
        r=report,
        s=s,
        verdict=verdict,
        verdict_class=verdict_class,
        m=pair_matrix(report.sessions, all_devices(report)),
        sessions=sorted(report.sessions, key=lambda x: (x.device, x.interface)),
        groups=group_by_severity(report.findings),
        introduced=sort_findings(report.change.introduced) if report.change else [],
        resolved=sort_findings(report.change.resolved) if report.change else [],
        session_changes=session_changes,
        waived=sort_findings(report.waived),
        ignored=sorted(report.ignored_rules),
        sev_title=_SEV_TITLE,
        health=status_health,
        no_peer=NO_PEER,
    )
