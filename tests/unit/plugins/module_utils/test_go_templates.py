"""Go text/template parse-time checks: what promtool 2.42 and amtool 0.25 refuse, and only that."""

import os
import subprocess

import pytest
import yaml

from ansible_collections.amp.alerting.plugins.module_utils.go_templates import ALERTMANAGER_FUNCTIONS
from ansible_collections.amp.alerting.plugins.module_utils.go_templates import PROMETHEUS_ALERT_VARIABLES
from ansible_collections.amp.alerting.plugins.module_utils.go_templates import TemplateSyntaxError
from ansible_collections.amp.alerting.plugins.module_utils.go_templates import check_template
from sandbox.processes import missing_binaries

ACCEPTED = [
    "no action at all", "{{ $labels.instance }} of {{ $labels.job }} at {{ $value | humanize }}",
    "{{ printf \"%.2f\" $value }}", "{{ $value | }}", "{{ $y = 4 }}{{ $y }}", "{{ $x := 3 }}{{ $x }}",
    "{{ range $i, $e := .A }}{{ $i }}{{ $e }}{{ end }}", "{{ with $x := 1 }}{{ $x }}{{ else }}{{ $x }}{{ end }}",
    "{{/* a comment */}}", "{{- /* trimmed */ -}}", "{{ if eq 1 1 }}x{{ else if eq 2 2 }}y{{ else }}z{{ end }}",
    "{{ range $k, $v := $labels }}{{ $k }}={{ $v }}{{ end }}", "{{ with query \"up\" }}{{ . | first | value | humanize }}{{ end }}",
    "{{ $externalLabels.region }} {{ $externalURL }} {{ $.Labels }}", "{{ `raw }} text` }}", "{{ 'a' }} {{ -3 }} {{ 1.5e3 }}",
    "{{ define \"t\" }}{{ $ }}{{ end }}{{ template \"t\" . }}", "{{ range .X }}{{ break }}{{ end }}",
    "{{ reReplaceAll \":.*\" \"\" $labels.instance | toUpper }}", "{{ (index $labels \"a\") }}", "{{ nil }} {{ true }}",
    "{{ if .A }}{{ $z := 1 }}{{ else }}{{ $z }}{{ end }}", "{{ toTime 1 }} {{ stripDomain \"a.b\" }}",
]
REFUSED = [
    ("{{ $label.instance }}", 'line 1: undefined variable "$label"'),
    ("line one\n{{ humanise $value }}", 'line 2: function "humanise" not defined'),
    ("{{ if .A }}a", "unexpected EOF: {{if}} has no {{end}}"),
    ("{{ end }}", "unexpected {{end}}"),
    ("{{ else }}", "unexpected {{else}}"),
    ("{{ range $i, $e := .A }}{{ $e }}{{ end }}{{ $e }}", 'undefined variable "$e"'),
    ("{{ if .A }}{{ $z := 1 }}{{ end }}{{ $z }}", 'undefined variable "$z"'),
    ("{{ define \"t\" }}{{ $labels }}{{ end }}", 'undefined variable "$labels"'),
    ("{{ \"unterminated }}", "unterminated quoted string"),
    ("{{ $labels.x", "unclosed action"),
    ("{{ }}", "missing value for command"),
    ("{{ | humanize }}", 'unexpected "|" in command'),
    ("{{ (index $labels \"a\" }}", "unclosed left paren"),
    ("{{ if }}{{ end }}", "missing value for if"),
    ("{{ /* unclosed comment }}", "unclosed comment"),
    ("{{ break }}", "{{break}} outside {{range}}"),
    ("{{ toDuration 1 }}", 'function "toDuration" not defined'),  # newer Prometheus than AMP's
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_what_prometheus_parses_is_accepted(text):
    check_template(text, variables=PROMETHEUS_ALERT_VARIABLES)


@pytest.mark.parametrize("text, message", REFUSED)
def test_what_prometheus_refuses_is_refused_with_its_reason(text, message):
    with pytest.raises(TemplateSyntaxError) as excinfo:
        check_template(text, variables=PROMETHEUS_ALERT_VARIABLES)
    assert message in str(excinfo.value)


def test_alertmanager_has_its_own_functions():
    check_template('{{ define "x" }}{{ .CommonLabels.Values | join ", " | toUpper }}{{ end }}', ALERTMANAGER_FUNCTIONS)
    with pytest.raises(TemplateSyntaxError, match='function "humanize" not defined'):
        check_template('{{ define "x" }}{{ humanize 1 }}{{ end }}', ALERTMANAGER_FUNCTIONS)


def test_promtool_agrees_on_every_case(tmp_path):
    """The fixed expectations above are promtool 2.42's: checked here when promtool is installed."""
    if missing_binaries("promtool"):
        pytest.skip("promtool not installed (Debian package prometheus)")
    disagreements = []
    for text, refused in [(text, False) for text in ACCEPTED] + [(text, True) for text, _message in REFUSED]:
        path = os.path.join(tmp_path, "rules.yml")
        with open(path, "w", encoding="utf-8") as handle:
            yaml.safe_dump({"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up", "annotations": {"s": text}}]}]},
                           handle)
        promtool_refuses = subprocess.run(["promtool", "check", "rules", path], capture_output=True, check=False).returncode != 0
        if promtool_refuses != refused:
            disagreements.append(text)
    assert disagreements == []
