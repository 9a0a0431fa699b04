"""Validation of rule files and alertmanager definitions before upload: each error names the field."""

import subprocess

import pytest
import yaml

from ansible_collections.amp.alerting.plugins.module_utils import amp_base
from ansible_collections.amp.alerting.plugins.module_utils import amp_alertmanager_config as am
from ansible_collections.amp.alerting.plugins.module_utils import amp_rules
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import QUOTA_RULE_NAMESPACE_BYTES
from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpError
from sandbox.processes import missing_binaries

ALERT = {"alert": "PodHighMemoryUsage", "expr": 'sum(container_memory_usage_bytes{container!="POD"}) by (pod) > 600000000',
         "for": "1m", "labels": {"severity": "error"},
         "annotations": {"summary": "Pod {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value }}"}}
TOPIC = "arn:aws:sns:eu-west-1:123456789012:amp-alerts"
SNS = {"topic_arn": TOPIC, "sigv4": {"region": "eu-west-1"}}


def group(*rules, **extra):
    return dict({"name": "pods", "rules": list(rules)}, **extra)


def test_structured_rules_render_prometheus_templates_byte_for_byte():
    body, document, _warnings = amp_rules.prepare_rules(groups=[group(ALERT)])
    assert b"summary: Pod {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value }}\n" in body
    assert yaml.safe_load(body) == document == {"groups": [group(ALERT)]}


def test_data_is_uploaded_as_given_and_compared_semantically():
    text = "# owned by the SRE team\ngroups:\n  - name: pods\n    rules:\n      - record: job:up:sum\n        expr: sum(up) by (job)\n"
    body, document, _warnings = amp_rules.prepare_rules(data=text)
    assert body == text.encode()
    reformatted = b"groups: [{name: pods, rules: [{record: 'job:up:sum', expr: 'sum(up) by (job)'}]}]"
    assert amp_rules.same_rules(reformatted, document)
    assert not amp_rules.same_rules(reformatted.replace(b"job)", b"instance)"), document)


@pytest.mark.parametrize(
    "groups, message",
    [
        ([group(dict(ALERT, expr="sum(up"))], "group 'pods', rule 1 (alert 'PodHighMemoryUsage'): expr does not parse as PromQL"),
        ([group(dict(ALERT, **{"for": "5 minutes"}))], "rule 1 (alert 'PodHighMemoryUsage'): for '5 minutes' is not a Prometheus duration"),
        ([group(dict(ALERT, keep_firing_for="1x"))], "keep_firing_for '1x'"),
        ([group(ALERT), group(ALERT)], "group 'pods': group names must be unique"),
        ([group(dict(ALERT, record="x"))], "exactly one of 'alert' or 'record'"),
        ([group({"expr": "up"})], "exactly one of 'alert' or 'record'"),
        ([group({"record": "bad name", "expr": "up"})], "record 'bad name' is not a valid metric name"),
        ([group({"record": "ok", "expr": "up", "annotations": {}})], "annotations not allowed in a recording rule"),
        ([group(dict(ALERT, labels={"team-name": "sre"}))], "labels name 'team-name' is not a valid label name"),
        ([group(dict(ALERT, labels={"severity": ["a"]}))], "labels.severity must be a string"),
        ([group(dict(ALERT, labels={"__name__": "x"}))], "labels name '__name__' is reserved for the metric name"),
        ([group(dict(ALERT, annotations={"ins-tance": "x"}))], "annotations name 'ins-tance' is not a valid annotation name"),
        ([group(dict(ALERT, annotations={"summary": "{{ $label.instance }} down"}))],
         'rule 1 (alert \'PodHighMemoryUsage\'): annotations.summary is not a valid template: line 1: undefined variable "$label"'),
        ([group(dict(ALERT, labels={"team": "{{ humanise $value }}"}))], 'labels.team is not a valid template: line 1: function "humanise" not defined'),
        ([group(dict(ALERT, annotations={"summary": "{{ if $value }}high"}))], "unexpected EOF: {{if}} has no {{end}}"),
        ([group(ALERT, interval="fast")], "group 'pods': interval 'fast'"),
        ([group(ALERT, owner="sre")], "group 'pods': field(s) owner not allowed"),
        ([group()], "group 'pods': 'rules' must be a non-empty list"),
        ([{"rules": [ALERT]}], "groups[1]: every group needs a 'name'"),
        ([], "groups: must be a non-empty list"),
        ([group(dict(ALERT, expr=""))], "field 'expr' must be set"),
    ],
)
def test_bad_rules_are_refused_naming_group_and_rule(groups, message):
    with pytest.raises(AmpError) as excinfo:
        amp_rules.prepare_rules(groups=groups)
    assert message in str(excinfo.value)


@pytest.mark.parametrize(
    "data, message",
    [
        ("groups: [unclosed", "data: not valid YAML"),
        ("groups: []\nextra: 1\n", "only 'groups' is allowed at the top level, found extra"),
        ("- name: pods\n", "rules: the rule file must be a mapping"),
    ],
)
def test_bad_rule_files_are_refused(data, message):
    with pytest.raises(AmpError) as excinfo:
        amp_rules.prepare_rules(data=data)
    assert message in str(excinfo.value)


def test_a_second_yaml_document_is_ignored_as_amp_ignores_it_with_a_warning():
    text = "groups:\n- name: a\n  rules:\n  - record: r\n    expr: up\n---\ngroups: []\n"
    body, document, warnings = amp_rules.prepare_rules(data=text)
    assert body == text.encode() and [g["name"] for g in document["groups"]] == ["a"]
    assert warnings == ["data: holds 2 YAML documents; AMP, like Prometheus, reads only the first: the rules of the "
                        "others are not loaded"]


def test_templates_of_recording_rule_labels_are_not_parsed_as_prometheus_does_not():
    amp_rules.prepare_rules(groups=[group({"record": "r", "expr": "up", "labels": {"x": "{{ $nope }}"}})])


def test_rule_file_size_limit():
    many = [dict(ALERT, alert=f"Alert{i}", annotations={"description": "x" * 2000}) for i in range(QUOTA_RULE_NAMESPACE_BYTES // 2000 + 1)]
    with pytest.raises(AmpError, match="over AMP's rule file limit"):
        amp_rules.prepare_rules(groups=[group(*many)])


def config(**changes):
    base = {"route": {"receiver": "sns", "group_by": ["alertname"]}, "receivers": [{"name": "sns", "sns_configs": [dict(SNS)]}]}
    base.update(changes)
    return base


def test_alertmanager_document_has_amps_shape():
    body, wanted, warnings = am.prepare_definition(config(templates=["slack.tmpl"]), {"slack.tmpl": '{{ define "x" }}{{ .Status }}{{ end }}'},
                                                   account_id="123456789012")
    document = yaml.safe_load(body)
    assert set(document) == {"alertmanager_config", "template_files"}
    assert isinstance(document["alertmanager_config"], str)
    assert body.startswith(b"alertmanager_config: |\n")
    assert am.parse_definition(body) == wanted
    assert warnings == []


def test_a_template_glob_that_matches_nothing_warns_as_amp_accepts_it():
    # AWS's own docs and the CloudFormation contract tests upload templates: [default_template] alone
    warnings = am.prepare_definition(config(templates=["slack.tmpl"]), {})[2]
    assert warnings == ["config.templates: 'slack.tmpl' matches none of template_files (none given); it loads no template"]


def test_repeat_interval_over_five_days_warns():
    warnings = am.prepare_definition(config(route={"receiver": "sns", "repeat_interval": "6d"}), {})[2]
    assert warnings == ["route.repeat_interval: 6d is over AMP's 5-day cap; AMP repeats notifications every 5 days at most"]


@pytest.mark.parametrize(
    "cfg, templates, message",
    [
        (config(receivers=[{"name": "sns", "webhook_configs": [{"url": "http://x"}]}]), {}, "receivers[sns]: webhook_configs not supported"),
        (config(receivers=[{"name": "sns", "sns_configs": [dict(SNS, api_url="https://sns")]}]), {}, "receivers[sns].sns_configs[0].api_url: not allowed"),
        (config(receivers=[{"name": "sns", "sns_configs": [dict(SNS, http_config={})]}]), {}, "sns_configs[0].http_config: not allowed"),
        (config(receivers=[{"name": "sns", "sns_configs": [{"topic_arn": TOPIC}]}]), {}, "sns_configs[0].sigv4.region: required"),
        (config(receivers=[{"name": "sns", "sns_configs": [dict(SNS, sigv4={"region": "us-east-1"})]}]), {}, "differs from the topic's region eu-west-1"),
        (config(receivers=[{"name": "sns", "sns_configs": [dict(SNS, topic_arn=TOPIC + ".fifo")]}]), {}, "FIFO topic"),
        (config(receivers=[{"name": "sns", "sns_configs": [dict(SNS, topic_arn="amp-alerts")]}]), {}, "is not an SNS topic ARN"),
        (config(receivers=[{"name": "sns", "sns_configs": [dict(SNS, topic_arn=TOPIC.replace("123456789012", "210987654321"))]}]), {},
         "topic is in account 210987654321, the workspace in 123456789012"),
        (config(route={"receiver": "sns", "routes": [{"receiver": "pager"}]}), {}, "route.routes[0].receiver: receiver 'pager' is not defined"),
        (config(route={"group_by": ["x"]}), {}, "route.receiver: the top-level route needs a receiver"),
        (config(route={"receiver": "sns", "group_wait": "soon"}), {}, "route.group_wait: 'soon' is not a duration"),
        (config(receivers=[{"name": "sns"}, {"name": "sns"}]), {}, "receivers[sns]: receiver names must be unique"),
        (config(smtp={}), {}, "config: unknown field(s) smtp"),
        (config(receivers=[]), {}, "receivers: a non-empty list"),
        (config(), {"x.tmpl": 3}, "template_files: must map file names to template text"),
    ],
)
def test_bad_alertmanager_configs_are_refused_naming_the_field(cfg, templates, message):
    with pytest.raises(AmpError) as excinfo:
        am.prepare_definition(cfg, templates, account_id="123456789012")
    assert message in str(excinfo.value)


def test_template_syntax_is_checked_before_upload_with_or_without_amtool(monkeypatch):
    monkeypatch.setattr(amp_base.shutil, "which", lambda _name: None)  # as in an execution environment without amtool
    with pytest.raises(AmpError, match=r"template_files\[x.tmpl\]: line 1: unexpected EOF"):
        am.prepare_definition(config(templates=["x.tmpl"]), {"x.tmpl": '{{ define "x" }}unclosed'})
    with pytest.raises(AmpError, match=r'template_files\[x.tmpl\]: line 2: function "toJson" not defined'):
        am.prepare_definition(config(templates=["*.tmpl"]), {"x.tmpl": '{{ define "x" }}\n{{ .Alerts | toJson }}{{ end }}'})


def test_amtool_checks_what_the_own_checks_leave_to_it():
    if missing_binaries("amtool"):
        pytest.skip("amtool not installed (Debian package prometheus-alertmanager)")
    with pytest.raises(AmpError, match="amtool: .*field bogus not found"):
        am.prepare_definition(config(receivers=[{"name": "sns", "sns_configs": [dict(SNS, bogus=1)]}]), {})


@pytest.mark.parametrize(
    "definition, message",
    [
        ("alertmanager_config: [a]\n", "definition: must be a mapping whose 'alertmanager_config' is a string"),
        ("alertmanager_config: 'route: {'\n", "definition.alertmanager_config: not valid YAML"),
        ("alertmanager_config: 'route: {receiver: a}'\nextra: 1\n", "definition: unknown top-level field(s) extra"),
    ],
)
def test_bad_whole_definitions_are_refused(definition, message):
    with pytest.raises(AmpError) as excinfo:
        am.prepare_definition(definition=definition)
    assert message in str(excinfo.value)


@pytest.mark.parametrize("route, ours, alertmanagers", [
    ({"group_interval": "0s"}, "route.group_interval: '0s' is zero", "group_interval cannot be zero"),
    ({"repeat_interval": "0m"}, "route.repeat_interval: '0m' is zero", "repeat_interval cannot be zero"),
    ({"group_wait": "-30s"}, "route.group_wait: '-30s' is not a duration", "not a valid duration string"),
    ({"group_interval": "1.5m"}, "route.group_interval: '1.5m' is not a duration", "not a valid duration string"),
    ({"group_by": ["team", "team"]}, "route.group_by: team listed twice", "duplicated label"),
    ({"group_by": ["...", "team"]}, "route.group_by: '...' (group by every label) cannot be listed", "cannot have wildcard"),
])
def test_route_fields_alertmanager_refuses_are_refused_before_upload(tmp_path, route, ours, alertmanagers):
    """The module's checks (which the preflight runs too) against Alertmanager's own loader (amtool)."""
    cfg = config(route=dict({"receiver": "sns"}, **route))
    with pytest.raises(AmpError) as excinfo:
        am.prepare_definition(cfg, {}, account_id="123456789012")
    assert ours in str(excinfo.value)
    if missing_binaries("amtool"):
        pytest.skip("amtool not installed (Debian package prometheus-alertmanager)")
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(cfg))
    checked = subprocess.run(["amtool", "check-config", str(path)], capture_output=True, text=True, check=False)
    assert checked.returncode != 0 and alertmanagers in checked.stdout + checked.stderr, checked.stdout + checked.stderr


def test_every_route_and_inhibit_problem_is_reported_not_only_the_first():
    problems = am.route_problems({"group_interval": "0s", "repeat_interval": "x", "matchers": ['a=~"("']}, "alerting_routes[pay]")
    assert [problem.split(":", maxsplit=1)[0] for problem in problems] == [
        "alerting_routes[pay].group_interval", "alerting_routes[pay].repeat_interval", "alerting_routes[pay].matchers[0]"]
    problems = am.inhibit_rule_problems([{"source_matchers": ['a=~"("'], "target_matchers": ["b~c"]}], "alerting_inhibit_rules")
    assert [problem.split(":", maxsplit=1)[0] for problem in problems] == [
        "alerting_inhibit_rules[0].source_matchers[0]", "alerting_inhibit_rules[0].target_matchers[0]"]


# AMP's documented PagerDuty example (AMP-alertmanager-pagerduty-configure-alertmanager.html), with an
# ARN and key of the shape it asks for.
PAGERDUTY_DEFINITION = """\
alertmanager_config: |
  route:
    receiver: 'pagerduty-receiver'
    group_by: ['alertname']
    group_wait: 30s
    group_interval: 5m
    repeat_interval: 1h
  receivers:
    - name: 'pagerduty-receiver'
      pagerduty_configs:
        - routing_key:
            aws_secrets_manager:
              secret_arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:pagerduty-AbCdEf'
              secret_key: 'routing_key'
              refresh_interval: 5m
          description: '{{ .CommonLabels.alertname }}'
          severity: 'critical'
          details:
            firing: '{{ .Alerts.Firing | len }}'
            status: '{{ .Status }}'
            instance: '{{ .CommonLabels.instance }}'
"""
PD_KEY = {"aws_secrets_manager": {"secret_arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pd-AbCdEf",
                                  "secret_key": "routing_key"}}


def pagerduty(**fields):
    return config(receivers=[{"name": "sns", "sns_configs": [SNS]},
                             {"name": "pager", "pagerduty_configs": [dict({"routing_key": PD_KEY}, **fields)]}],
                  route={"receiver": "sns", "routes": [{"receiver": "pager", "matchers": ['severity="critical"']}]})


def test_amps_documented_pagerduty_definition_is_taken_and_checked_by_amtool_too():
    body, wanted, warnings = am.prepare_definition(definition=PAGERDUTY_DEFINITION, account_id="123456789012")
    assert body == PAGERDUTY_DEFINITION.encode() and warnings == []
    (receiver,) = wanted["config"]["receivers"]
    assert receiver["pagerduty_configs"][0]["routing_key"]["aws_secrets_manager"]["secret_key"] == "routing_key"
    am.prepare_definition(pagerduty(client="AMP", group="{{ .GroupLabels.team }}"), {},
                          account_id="123456789012")


@pytest.mark.parametrize("fields, message", [
    ({"routing_key": "0123456789abcdef0123456789abcdef"}, "receivers[pager].pagerduty_configs[0].routing_key: give the key as "
                                                          "aws_secrets_manager"),
    ({"url": "https://events.pagerduty.com/v2/enqueue"}, "pagerduty_configs[0].url: not supported by AMP"),
    ({"http_config": {"proxy_url": "http://proxy"}}, "pagerduty_configs[0].http_config: not supported by AMP"),
    ({"routing_key_file": "/etc/pd"}, "pagerduty_configs[0].routing_key_file: not supported by AMP"),
    ({"service_key": PD_KEY}, "exactly one of routing_key (Events API v2) and service_key (v1)"),
    ({"routing_key": {"aws_secrets_manager": {"secret_arn": "pd-secret", "secret_key": "k"}}},
     "routing_key.aws_secrets_manager.secret_arn: 'pd-secret' is not a Secrets Manager secret ARN"),
    ({"routing_key": {"aws_secrets_manager": {"secret_arn": PD_KEY["aws_secrets_manager"]["secret_arn"]}}},
     "routing_key.aws_secrets_manager.secret_key: required"),
    ({"routing_key": {"aws_secrets_manager": dict(PD_KEY["aws_secrets_manager"], refresh_interval="soon")}},
     "routing_key.aws_secrets_manager.refresh_interval: 'soon' is not a duration"),
    ({"description": "{{ .CommonLabels.alertname "}, "pagerduty_configs[0].description: line 1"),
    ({"details": {"firing": "{{ .Alerts.Firing | size }}"}}, 'pagerduty_configs[0].details.firing: line 1: function "size" not defined'),
    ({"severity_level": "critical"}, "unknown PagerDuty option(s) severity_level"),
], ids=["plain-key", "url", "http_config", "key-file", "both-keys", "not-an-arn", "no-secret-key", "bad-refresh",
        "bad-template", "unknown-function", "unknown-option"])
def test_pagerduty_receivers_amp_would_refuse_are_refused_naming_the_option(fields, message):
    with pytest.raises(AmpError) as excinfo:
        am.prepare_definition(pagerduty(**fields), {}, account_id="123456789012")
    assert message in str(excinfo.value)


def test_other_receiver_kinds_are_still_refused_naming_them():
    cfg = config(receivers=[{"name": "sns", "sns_configs": [SNS], "opsgenie_configs": [{"api_key": "x"}]}])
    with pytest.raises(AmpError, match=r"receivers\[sns\]: opsgenie_configs not supported; AMP delivers to SNS"):
        am.prepare_definition(cfg, {}, account_id="123456789012")
