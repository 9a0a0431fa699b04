"""amp.alerting.preflight_problems: AWS's documented limits, each problem naming the variable."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.amp.alerting.plugins.filter.alert_rules import alert_rule_groups
from ansible_collections.amp.alerting.plugins.filter.preflight import duplicate_workspaces
from ansible_collections.amp.alerting.plugins.filter.preflight import preflight_problems
from ansible_collections.amp.alerting.plugins.filter.preflight import preflight_reference
from ansible_collections.amp.alerting.plugins.module_utils import aws_limits

LAMBDA = {"aws_region": "eu-west-1", "lambda_function_name": "amp-prod-slack-forwarder", "lambda_timeout": 60,
          "lambda_memory_size": 128, "lambda_log_retention_days": 30, "lambda_slack_webhook_url": "https://hooks.slack.com/services/T/B/s3cr3t",
          "lambda_slack_webhook_ssm_parameter": "/amp-alerting/prod/slack-webhook",
          "lambda_dead_letter_queue_name": "amp-prod-slack-forwarder-dlq",
          "lambda_delivery_dead_letter_queue_name": "amp-prod-slack-forwarder-delivery-dlq"}


def test_valid_settings_have_no_problem():
    assert preflight_problems(LAMBDA, "lambda") == []


@pytest.mark.parametrize("changes, expected", [
    ({"lambda_timeout": 1000}, "lambda_timeout: 1000 is outside 1-900 seconds"),
    ({"lambda_timeout": "60"}, None),  # -e lambda_timeout=60 gives text
    ({"lambda_memory_size": 64}, "lambda_memory_size: 64 is outside 128-10240 MB"),
    ({"lambda_log_retention_days": 45}, "lambda_log_retention_days: 45 is not a retention CloudWatch Logs accepts"),
    ({"lambda_log_retention_days": 1096}, "CloudWatch accepts 1096, but amazon.aws' cloudwatchlogs_log_group deletes the log group"),
    ({"lambda_function_name": "f" * 65}, "lambda_function_name: '" + "f" * 65 + "' is 65 characters; lambda function names have at most 64"),
    ({"lambda_function_name": "prod.eu-forwarder"}, "is not a valid lambda function name"),
    ({"lambda_slack_webhook_ssm_parameter": "/aws/hook"}, "SSM parameter names may not begin with 'aws' or 'ssm'"),
    ({"lambda_dead_letter_queue_name": "q" * 81}, "sqs queue names have at most 80"),
    ({"lambda_slack_webhook_kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/k"}, "is in region us-east-1, the host in eu-west-1"),
])
def test_lambda_limits(changes, expected):
    problems = preflight_problems(dict(LAMBDA, **changes), "lambda")
    if expected is None:
        assert problems == []
    else:
        assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize("url", ["http://hooks.slack.com/services/T/B/s3cr3t", "hooks.slack.com/services/T/B/s3cr3t",
                                 "https://example.com/services/T/B/s3cr3t"])
def test_a_wrong_webhook_is_refused_without_printing_it(url):
    problems = preflight_problems(dict(LAMBDA, lambda_slack_webhook_url=url), "lambda")
    assert problems and problems[0].startswith("lambda_slack_webhook_url: a Slack incoming webhook starts with")
    assert not any("s3cr3t" in problem for problem in problems)


def test_a_stand_in_webhook_is_an_http_url_on_a_host_the_forwarder_is_allowed():
    stand_in = dict(LAMBDA, lambda_slack_webhook_url="http://127.0.0.1:9/sink", lambda_slack_webhook_stand_in=True)
    assert preflight_problems(dict(stand_in, lambda_slack_allowed_hosts=["127.0.0.1"]), "lambda") == []
    # The forwarder would refuse to post to it at run time: said before any write.
    (problem,) = preflight_problems(stand_in, "lambda")
    assert problem.startswith("lambda_slack_webhook_url: the forwarder posts only to Slack or to a host "
                              "lambda_slack_allowed_hosts names")
    assert "127.0.0.1" not in problem


@pytest.mark.parametrize("api_url, allowed, refused", [
    ("https://slack.com/api/", [], False),
    ("http://slack.com/api/", [], True),
    ("https://slack.example/api/", [], True),
    ("http://127.0.0.1:8080/api/", ["127.0.0.1"], False),
    ("http://127.0.0.1:8080/api/", [], True),
])
def test_the_web_api_url_is_slacks_over_https_or_an_allowed_stand_in(api_url, allowed, refused):
    settings = dict(LAMBDA, lambda_slack_destinations={"pay": {"bot_token": "xoxb-1-2-abc", "channel": "C0PAY"}},
                    lambda_slack_destination_ssm_prefix="/amp-alerting/prod/slack/", lambda_slack_state_table="t-state",
                    lambda_slack_api_url=api_url, lambda_slack_allowed_hosts=allowed)
    problems = [p for p in preflight_problems(settings, "lambda") if p.startswith("lambda_slack_api_url")]
    assert bool(problems) == refused, problems


def test_a_webhook_with_whitespace_is_refused_without_printing_it():
    (problem,) = preflight_problems(dict(LAMBDA, lambda_slack_webhook_url="https://hooks.slack.com/services/T/B/s3 cr3t"),
                                    "lambda")
    assert problem == "lambda_slack_webhook_url: holds whitespace or control characters"


def test_regions_come_from_botocore_with_a_suggestion():
    assert preflight_problems({"aws_region": "eu-west-1"}, "account") == []
    (problem,) = preflight_problems({"aws_region": "us-east-l"}, "account")
    assert problem.startswith("aws_region: 'us-east-l' is not a region where AMP is offered (did you mean us-east-1?)")
    assert preflight_problems({}, "account") == ["aws_region: required (the host's AWS region, e.g. eu-west-1)"]


def test_botocore_data_read_once_gives_the_same_verdicts(monkeypatch):
    """The preflight reads botocore's data once for every host (preflight_reference) and hands it to each role's
    check: the verdicts are those of a check that reads botocore itself, and the checks read nothing more."""
    reference = preflight_reference(["account", "workspace", "iam", "sns", "lambda", "alerting"])
    assert "eu-west-1" in reference["amp_regions"] and 1096 in reference["log_retention_days"]
    cases = [({"aws_region": "us-east-l"}, "account"), ({"aws_region": "eu-west-1"}, "account"),
             (dict(LAMBDA, lambda_log_retention_days=45), "lambda"), (LAMBDA, "lambda"),
             ({"aws_region": "eu-west-1", "workspace_alias": "prod", "workspace_logging_enabled": True,
               "workspace_log_group_name": "/aws/vendedlogs/prometheus/prod", "workspace_log_retention_days": 45}, "workspace")]
    expected = [preflight_problems(settings, role) for settings, role in cases]
    assert any(expected) and not all(expected)

    def botocore_read():
        raise AssertionError("botocore's data read again")
    monkeypatch.setattr(aws_limits, "known_regions", botocore_read)
    monkeypatch.setattr(aws_limits, "retention_days", botocore_read)
    assert [preflight_problems(settings, role, reference) for settings, role in cases] == expected


def test_the_reference_holds_what_the_roles_checks_need():
    assert set(preflight_reference(["account", "workspace"])) == {"amp_regions", "log_retention_days"}
    assert set(preflight_reference(["account"])) == {"amp_regions"}
    assert preflight_reference(["iam", "sns", "alerting"]) == {}


def test_a_region_outside_the_reference_is_refused():
    """The reference decides: a region botocore knows but the reference lacks is refused (the data is used)."""
    (problem,) = preflight_problems({"aws_region": "eu-west-1"}, "account", {"amp_regions": ["us-east-1"]})
    assert problem.startswith("aws_region: 'eu-west-1' is not a region where AMP is offered")


def test_retention_values_come_from_botocores_model():
    assert 1096 in aws_limits.retention_days() and 45 not in aws_limits.retention_days()


def test_severity_typos_are_refused_and_a_teams_own_levels_accepted():
    settings = {"alerting_rule_namespace": "amp-alerting", "alerting_group_wait": "30s", "alerting_group_interval": "5m",
                "alerting_repeat_interval": "4h", "alerting_alerts": {"A": {"group": "g", "expr": "up"}},
                "alerting_thresholds_merged": {"A": {"value": 1, "for": "5m", "severity": "critcal"}}}
    (problem,) = preflight_problems(settings, "alerting")
    assert problem.startswith("alerting_thresholds.A.severity: severity 'critcal' is not one of critical, error, warning, info "
                              "(did you mean critical?)")
    settings["alerting_severities"] = ["critical", "critcal"]
    assert preflight_problems(settings, "alerting") == []


def test_every_threshold_problem_is_listed_at_once_by_the_one_check_the_build_uses_too():
    alerts = {"Cpu": {"group": "host", "expr": "cpu", "minimum": 0}, "Disk": {"group": "host", "expr": "disk"},
              "Mem": {"group": "host", "expr": "mem"}}
    thresholds = {"Cpu": {"value": -5, "for": "5m", "severity": "warning"},
                  "Disk": {"value": "high", "for": "5 minutes", "severity": "critcal"},
                  "Net": {"value": 1, "for": "1m", "severity": "info"}}
    settings = dict(ALERTING, alerting_alerts=alerts, alerting_thresholds_merged=thresholds)
    problems = [p for p in preflight_problems(settings, "alerting") if "alert" in p]
    assert problems == [
        "alerting_thresholds.Net names no alert; known alerts: Cpu, Disk, Mem",
        "alerting_thresholds.Cpu.value: -5 is below 0, the least Cpu can measure, so the alert would never (or always) fire",
        "alert 'Disk': alerting_thresholds.Disk.value must be a number, got 'high' (str)",
        "alert 'Disk': alerting_thresholds.Disk.for must be a Prometheus duration such as 5m, got '5 minutes'",
        "alerting_thresholds.Disk.severity: severity 'critcal' is not one of critical, error, warning, info (did you mean critical?); "
        "add a level of your own to alerting_severities",
        "alert 'Mem' has no threshold: set alerting_thresholds.Mem with value, for and severity"]
    with pytest.raises(AnsibleFilterError) as refused:
        alert_rule_groups(alerts, thresholds)
    # the build refuses on the same problems, one per line (the severities are the preflight's to know)
    assert str(refused.value).splitlines() == [p for p in problems if "is not one of" not in p]
    settings["alerting_thresholds_merged"] = None  # the role being removed: its thresholds are not checked
    assert [p for p in preflight_problems(settings, "alerting") if "alert" in p] == []


ALERTING = {"aws_region": "eu-west-1", "alerting_rule_namespace": "amp-alerting", "alerting_group_wait": "30s",
            "alerting_group_interval": "5m", "alerting_repeat_interval": "4h",
            "alerting_pagerduty_secret_prefix": "amp-alerting/prod/pagerduty/", "alerting_pagerduty_recovery_window": 7,
            "alerting_pagerduty_refresh_interval": "5m",
            "alerting_pagerduty_destinations": {
                "payments": {"routing_key": "P0paymentsIntegrationKey00000001"},
                "search": {"secret_arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pd-AbCdEf",
                           "secret_key": "key"}},
            "alerting_routes": [{"name": "page", "matchers": ['severity="critical"'], "pagerduty_destination": "payments"}]}


@pytest.mark.parametrize("changes, expected", [
    ({}, None),
    ({"alerting_routes": [{"name": "page", "matchers": ['severity="critical"'], "pagerduty_destination": "payment"}]},
     "alerting_routes[page].pagerduty_destination: 'payment' is not a destination of alerting_pagerduty_destinations "
     "(payments, search) (did you mean payments?)"),
    ({"alerting_routes": [{"name": "page", "matchers": ['a="b"'], "pagerduty_destination": "payments", "topic_arn": "arn:x"}]},
     "alerting_routes[page]: give one of slack_destination, topic_arn or pagerduty_destination, not topic_arn and "
     "pagerduty_destination"),
    ({"alerting_pagerduty_destinations": {"payments": {"routing_key": "https://events.pagerduty.com/x"}}},
     "alerting_pagerduty_destinations.payments.routing_key: not a PagerDuty integration key (32 letters and digits"),
    ({"alerting_pagerduty_destinations": {"payments": {"secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:pd"}}},
     "alerting_pagerduty_destinations.payments.secret_arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:pd' is in "
     "region us-east-1, the host in eu-west-1"),
    ({"alerting_pagerduty_destinations": {"payments": {"routing_key": "P0paymentsIntegrationKey00000001",
                                                       "secret_arn": "arn:aws:secretsmanager:eu-west-1:1:secret:x"}}},
     "alerting_pagerduty_destinations.payments: give routing_key"),
    ({"alerting_pagerduty_recovery_window": 3}, "alerting_pagerduty_recovery_window: 3 is outside 7-30 days (or 0)"),
    ({"alerting_pagerduty_recovery_window": 0}, None),
    ({"alerting_pagerduty_refresh_interval": "5 minutes"}, "alerting_pagerduty_refresh_interval: '5 minutes' is not a duration"),
])
def test_pagerduty_destinations_are_checked_before_any_write(changes, expected):
    problems = preflight_problems(dict(ALERTING, **changes), "alerting")
    if expected is None:
        assert problems == []
    else:
        assert any(problem.startswith(expected) for problem in problems), problems
        # a key never appears in a problem, even a malformed one
        assert not any("events.pagerduty.com" in problem for problem in problems)


HEARTBEAT = dict(ALERTING, alerting_heartbeat_enabled=True, alerting_heartbeat_interval="1m",
                 alerting_heartbeat_alarm_period=300, alerting_heartbeat_alarm_evaluation_periods=3,
                 alerting_heartbeat_fallback_topic_name="amp-prod-heartbeat-fallback",
                 alerting_heartbeat_fallback_subscriptions=[{"protocol": "email", "endpoint": "oncall@example.com"}])


@pytest.mark.parametrize("changes, expected", [
    ({}, None),
    ({"alerting_heartbeat_alarm_period": 10}, None),
    ({"alerting_heartbeat_alarm_period": 90}, "alerting_heartbeat_alarm_period: 90 is not a CloudWatch alarm period"),
    ({"alerting_heartbeat_interval": "0s"}, "alerting_heartbeat_interval: '0s' is zero"),
    ({"alerting_heartbeat_alarm_evaluation_periods": 0}, "alerting_heartbeat_alarm_evaluation_periods: 0 is outside 1-100"),
    ({"alerting_heartbeat_fallback_subscriptions": [{"protocol": "pager", "endpoint": "x"}]},
     "alerting_heartbeat_fallback_subscriptions[0]: needs protocol (one of email"),
    ({"alerting_routes": [{"name": "heartbeat", "matchers": ['a="b"'], "topic_arn": "arn:aws:sns:eu-west-1:1:t"}]},
     "alerting_routes[heartbeat]: the heartbeat's receiver is named heartbeat"),
    ({"alerting_heartbeat_enabled": False, "alerting_heartbeat_alarm_period": 90}, None),
])
def test_heartbeat_settings_are_checked_before_any_write(changes, expected):
    problems = preflight_problems(dict(HEARTBEAT, **changes), "alerting")
    if expected is None:
        assert problems == []
    else:
        assert any(problem.startswith(expected) for problem in problems), problems


def test_iam_policy_kinds_are_checked_with_a_suggestion():
    settings = {"iam_name_prefix": "amp-prod", "iam_principal_mode": "roles",
                "iam_roles": [{"name": "ingest", "trust_policy": {}, "policies": ["remote-write"]}]}
    assert preflight_problems(settings, "iam") == [
        "iam_roles[ingest].policies: 'remote-write' is not one of query, remote_write, rules, operate (did you mean remote_write?)"]


def test_two_hosts_with_one_alias_in_one_account_and_region_collide():
    hostvars = {"a": {"aws_region": "eu-west-1", "workspace_alias": "prod"}, "b": {"aws_region": "eu-west-1", "workspace_alias": "prod"},
                "c": {"aws_region": "us-east-1", "workspace_alias": "prod"},
                "d": {"aws_region": "eu-west-1", "workspace_alias": "prod", "aws_role_arn": "arn:aws:iam::210987654321:role/x"}}
    hosts = ["a", "b", "c", "d"]
    assert duplicate_workspaces(hosts, hostvars, "b") == [
        "workspace_alias: hosts a and b both name workspace 'prod' in eu-west-1; AMP aliases are not unique, so both would manage "
        "one workspace, or create two"]
    assert duplicate_workspaces(hosts, hostvars, "c") == [] and duplicate_workspaces(hosts, hostvars, "d") == []


def test_key_files_must_have_a_writable_directory(tmp_path):
    from ansible_collections.amp.alerting.plugins.filter.preflight import key_file_problems

    assert key_file_problems(str(tmp_path / "missing"), ["h-u.json"])[0].startswith("iam_access_key_file_dir: ")
    assert key_file_problems(str(tmp_path), ["h-u.json"]) == []


def test_key_files_in_a_git_work_tree_that_does_not_ignore_them_are_warned_about(tmp_path, monkeypatch):
    import subprocess

    from ansible_collections.amp.alerting.plugins.filter import preflight as filter_module

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    warnings = []
    monkeypatch.setattr(filter_module.display, "warning", warnings.append)
    assert filter_module.key_file_problems(str(tmp_path), ["h-u.json"]) == []
    assert len(warnings) == 1 and "would be committed" in warnings[0] and "h-u.json" in warnings[0]
    (tmp_path / ".gitignore").write_text("*.json\n")
    warnings.clear()
    filter_module.key_file_problems(str(tmp_path), ["h-u.json"])
    assert warnings == []


SNS = {"aws_region": "eu-west-1", "sns_topic_name": "amp-prod-alerts", "sns_stack_name": "amp-prod-alerts"}


@pytest.mark.parametrize("key", ["1234abcd-12ab-34cd-56ef-1234567890ab", "mrk-1234abcd12ab34cd56ef1234567890ab",
                                 "alias/amp-alerts", "arn:aws:kms:eu-west-1:123456789012:alias/amp-alerts",
                                 "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"])
def test_the_topic_key_is_anything_sns_takes(key):
    assert preflight_problems(dict(SNS, sns_kms_key_arn=key), "sns") == []


@pytest.mark.parametrize("key, problem", [
    ("arn:aws:kms:us-east-1:123456789012:alias/amp-alerts", "is in region us-east-1, the host in eu-west-1"),
    ("amp-alerts", "is not a KMS key id, key ARN, alias name (alias/...) or alias ARN"),
    ("arn:aws:sns:eu-west-1:123456789012:amp", "is not a KMS ARN"),
])
def test_a_topic_key_sns_would_refuse_is_named(key, problem):
    (found,) = preflight_problems(dict(SNS, sns_kms_key_arn=key), "sns")
    assert found.startswith("sns_kms_key_arn:") and problem in found


TRUST_ANYONE = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
GITHUB = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
EKS = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE"


@pytest.mark.parametrize("statement, refused", [
    (TRUST_ANYONE, "lets any AWS principal"),
    (dict(TRUST_ANYONE, Condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}), None),
    (dict(TRUST_ANYONE, Condition={"StringLike": {"aws:PrincipalArn": "*"}}), "lets any AWS principal"),
    (dict(TRUST_ANYONE, Effect="Deny"), None),
    ({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}, None),
    ({"Effect": "Allow", "Principal": {"Federated": GITHUB}, "Action": "sts:AssumeRoleWithWebIdentity"},
     "without a condition on token.actions.githubusercontent.com:sub"),
    ({"Effect": "Allow", "Principal": {"Federated": EKS}, "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringEquals": {"oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE:sub":
                                     "system:serviceaccount:monitoring:prometheus-agent"}}}, None),
    ({"Effect": "Allow", "Principal": {"Federated": EKS}, "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringEquals": {"oidc.eks.{{ aws_region }}.amazonaws.com/id/EXAMPLE:sub": "system:x"}}},
     "the key 'oidc.eks.{{ aws_region }}.amazonaws.com/id/EXAMPLE:sub' still holds a template"),
    ({"Effect": "Allow", "Principal": {"Federated": EKS}, "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringEquals": {"oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE:aud": "sts.amazonaws.com"}}},
     "without a condition on oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE:sub"),
    ({"Effect": "Allow", "Principal": {"Federated": GITHUB}, "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/alerts:*"}}}, None),
    ({"Effect": "Allow", "Principal": {"Federated": GITHUB}, "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                    "StringLike": {"token.actions.githubusercontent.com:sub": "*"}}},
     "without a condition on token.actions.githubusercontent.com:sub"),
])
def test_trust_policies_that_let_anyone_in_are_refused_naming_the_role(statement, refused):
    settings = {"iam_name_prefix": "amp-prod", "iam_principal_mode": "roles", "iam_roles": [
        {"name": "ci", "policies": ["rules"], "trust_policy": {"Version": "2012-10-17", "Statement": [statement]}}]}
    problems = preflight_problems(settings, "iam")
    if refused is None:
        assert problems == []
    else:
        assert problems and all(problem.startswith("iam_roles[ci].trust_policy") for problem in problems)
        assert any(refused in problem for problem in problems), problems


def test_tags_follow_awss_rules_and_no_stricter():
    assert aws_limits.tag_problems("workspace_tags", {"team": "Zahlungsverkehr Ä", "cost-center": "cc:42/a=b+c@d.e_f",
                                                      "empty": ""}) == []
    problems = aws_limits.tag_problems("workspace_tags", {f"t{index}": "x" for index in range(51)})
    assert problems == ["workspace_tags: 51 tags; AWS takes at most 50 a resource"]


def test_the_workspaces_anomaly_detectors_are_checked_as_amp_would_naming_the_entry():
    from ansible_collections.amp.alerting.plugins.filter.preflight import preflight_problems

    settings = {"workspace_alias": "prod", "aws_region": "eu-west-1", "workspace_tags": {},
                "workspace_anomaly_detectors": [
                    {"alias": "checkout-rate", "query": "sum(rate(orders_total[5m]))", "evaluation_interval": 60},
                    {"alias": "checkout-rate", "query": "rate(orders_total[5m])", "shingle": 8},
                    {"query": "sum(x)"}]}
    assert preflight_problems(settings, "workspace") == [
        "workspace_anomaly_detectors[1]: unknown key(s) shingle (amp_anomaly_detector's options: alias, query, "
        "evaluation_interval, shingle_size, sample_size, ignore_near_expected_from_above, ignore_near_expected_from_below, "
        "missing_data_action, labels)",
        "workspace_anomaly_detectors[1].alias: checkout-rate is listed twice",
        "workspace_anomaly_detectors[1].query: AMP models only a query wrapped in one of avg, count, group, max, min, "
        "quantile, stddev, stdvar, sum, e.g. sum(rate(x[5m]))",
        "workspace_anomaly_detectors[2]: a mapping with alias and query"]
    assert preflight_problems(dict(settings, workspace_anomaly_detectors=settings["workspace_anomaly_detectors"][:1]),
                              "workspace") == []
