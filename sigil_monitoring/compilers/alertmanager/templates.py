"""The notification template file and the short ``{{ template }}`` calls receivers use.

Long text lives in one ``.tmpl`` file (loaded through ``templates:`` in alertmanager.yml) instead
of strings repeated in every receiver. The data is Alertmanager's notification data
(https://prometheus.io/docs/alerting/0.25/notifications/); alerts carry the ``summary``,
``description``, ``runbook_url`` and ``dashboard_url`` annotations the Prometheus target writes.
"""

from __future__ import annotations

from ... import conventions as names

# Template part -> body. Bodies are Go text/template; every part is rendered by amtool in tests.
_PARTS: dict[str, str] = {
    # "[FIRING:2] DatabaseDown sigil-dna" / "[RESOLVED] ..."
    "title": (
        '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] '
        "{{ with .CommonLabels.alertname }}{{ . }}{{ else }}{{ len .Alerts }} alerts{{ end }}"
        "{{ with .CommonLabels.service }} {{ . }}{{ end }}"
        "{{ with .CommonLabels.slo }} (SLO {{ . }}){{ end }}"
        # The group of a split SLO or alert (handler=/cart): each group is its own notification.
        "{{ range .GroupLabels.SortedPairs }}"
        '{{ if not (or (eq .Name "alertname") (eq .Name "service") (eq .Name "slo")) }}'
        " {{ .Name }}={{ .Value }}{{ end }}{{ end }}"
    ),
    # The first alert's links; a notification groups alerts of one alertname and service, so they
    # share them. Without the annotation, Alertmanager's own page is the best we have.
    "runbook_url": "{{ with (index .Alerts 0).Annotations.runbook_url }}{{ . }}{{ else }}{{ .ExternalURL }}{{ end }}",
    "dashboard_url": (
        "{{ with (index .Alerts 0).Annotations.dashboard_url }}{{ . }}{{ else }}{{ .ExternalURL }}{{ end }}"
    ),
    "alert_lines": (
        "{{ range .Alerts }}"
        '{{ if eq .Status "resolved" }}[resolved] {{ end }}{{ .Labels.alertname }} ({{ .Labels.severity }})'
        "{{ with .Annotations.summary }}: {{ . }}{{ end }}\n"
        "{{ with .Annotations.description }}{{ . }}\n{{ end }}"
        "{{ end }}"
    ),
    # Slack mrkdwn: <url|text> is a link.
    "slack.text": (
        "{{ range .Alerts }}"
        '*{{ .Labels.alertname }}*{{ if eq .Status "resolved" }} (resolved){{ end }} · {{ .Labels.severity }}'
        "{{ with .Labels.slo }} · SLO {{ . }}{{ end }}\n"
        "{{ with .Annotations.summary }}{{ . }}\n{{ end }}"
        "{{ with .Annotations.description }}{{ . }}\n{{ end }}"
        "{{ with .Annotations.runbook_url }}<{{ . }}|Runbook>{{ end }}"
        "{{ with .Annotations.dashboard_url }} · <{{ . }}|Dashboard>{{ end }}\n"
        "{{ end }}"
    ),
    "slack.color": (
        '{{ if eq .Status "resolved" }}good'
        '{{ else if eq .CommonLabels.severity "critical" }}danger'
        '{{ else if eq .CommonLabels.severity "warning" }}warning'
        "{{ else }}#439FE0{{ end }}"
    ),
    # Events API v2 severities are critical, error, warning, info
    # (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/).
    "pagerduty.severity": (
        '{{ if eq .CommonLabels.severity "critical" }}critical'
        '{{ else if eq .CommonLabels.severity "warning" }}warning'
        "{{ else }}info{{ end }}"
    ),
    # Opsgenie priorities P1 (highest) .. P5.
    "opsgenie.priority": (
        '{{ if eq .CommonLabels.severity "critical" }}P1'
        '{{ else if eq .CommonLabels.severity "warning" }}P3'
        "{{ else }}P5{{ end }}"
    ),
    "pagerduty.description": (
        f'{{{{ template "{names.notification_template("title")}" . }}}}'
        "{{ with .CommonAnnotations.summary }}: {{ . }}{{ end }}"
    ),
}

TEMPLATE_NAMES = tuple(names.notification_template(part) for part in _PARTS)


def file_text() -> str:
    """The whole ``.tmpl`` file: one ``define`` per part, in a fixed order."""
    blocks = [
        "{{/* Notification templates for sigil-monitoring; alertmanager.yml loads this file. */}}",
    ]
    for part, body in _PARTS.items():
        blocks.append(f'{{{{ define "{names.notification_template(part)}" }}}}{body}{{{{ end }}}}')
    return "\n\n".join(blocks) + "\n"


def call(part: str) -> str:
    """``{{ template "sigil.<part>" . }}``, the value a receiver field holds."""
    if part not in _PARTS:
        raise KeyError(f"no template part {part!r}: a bug in sigil-monitoring")
    return f'{{{{ template "{names.notification_template(part)}" . }}}}'
