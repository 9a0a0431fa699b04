"""amp.alerting.alert_rule_groups and the route filters: inventory thresholds into rule groups."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.amp.alerting.plugins.filter.alert_rules import alert_rule_groups
from ansible_collections.amp.alerting.plugins.filter.alertmanager_routes import route_entry, route_receiver

ALERTS = {
    "PodHighMemoryUsage": {"group": "pods", "expr": 'sum by (pod) (container_memory_usage_bytes{container!=""})',
                           "annotations": {"summary": "Pod {{ $labels.pod }} uses {{ $value }}"}},
    "DiskAlmostFull": {"group": "nodes", "expr": "100 * node_filesystem_avail_bytes / node_filesystem_size_bytes",
                       "comparison": "<", "labels": {"team": "infra"}},
}
THRESHOLDS = {"PodHighMemoryUsage": {"value": 600000000, "for": "1m", "severity": "error"},
              "DiskAlmostFull": {"value": 7.5, "for": "10m", "severity": "warning"}}


def rules_by_alert(groups):
    return {rule["alert"]: (group["name"], rule) for group in groups for rule in group["rules"]}


def test_rules_compare_the_expression_with_the_threshold():
    groups = alert_rule_groups(ALERTS, THRESHOLDS)
    assert [group["name"] for group in groups] == ["nodes", "pods"]
    rules = rules_by_alert(groups)
    group, memory = rules["PodHighMemoryUsage"]
    assert group == "pods"
    assert memory == {"alert": "PodHighMemoryUsage", "for": "1m", "labels": {"severity": "error"},
                      "expr": 'sum by (pod) (container_memory_usage_bytes{container!=""}) > 600000000',
                      "annotations": {"summary": "Pod {{ $labels.pod }} uses {{ $value }}"}}
    _group, disk = rules["DiskAlmostFull"]
    assert disk["expr"].endswith(" < 7.5")
    assert disk["labels"] == {"team": "infra", "severity": "warning"}


def test_disabled_alert_is_left_out():
    thresholds = dict(THRESHOLDS, DiskAlmostFull=dict(THRESHOLDS["DiskAlmostFull"], enabled=False))
    assert list(rules_by_alert(alert_rule_groups(ALERTS, thresholds))) == ["PodHighMemoryUsage"]


def test_extra_groups_are_appended_and_checked():
    extra = [{"name": "recording", "rules": [{"record": "job:up:sum", "expr": "sum by (job) (up)"}]}]
    assert alert_rule_groups(ALERTS, THRESHOLDS, "alerting_thresholds", extra)[-1] == extra[0]
    with pytest.raises(AnsibleFilterError, match="group 'recording', rule 1.*expr does not parse as PromQL"):
        alert_rule_groups(ALERTS, THRESHOLDS, "alerting_thresholds", [{"name": "recording", "rules": [
            {"record": "job:up:sum", "expr": "sum by (job) (up"}]}])


@pytest.mark.parametrize("thresholds, message", [
    ({"PodHighMemoryUsage": THRESHOLDS["PodHighMemoryUsage"]},
     "alert 'DiskAlmostFull' has no threshold: set alerting_thresholds.DiskAlmostFull with value, for and severity"),
    (dict(THRESHOLDS, Typo={"value": 1, "for": "1m", "severity": "x"}), "alerting_thresholds.Typo names no alert"),
    (dict(THRESHOLDS, DiskAlmostFull={"value": "7.5", "for": "1m", "severity": "x"}),
     r"alert 'DiskAlmostFull': alerting_thresholds.DiskAlmostFull.value must be a number, got '7.5' \(str\)"),
    (dict(THRESHOLDS, DiskAlmostFull={"value": True, "for": "1m", "severity": "x"}), "value must be a number"),
    (dict(THRESHOLDS, DiskAlmostFull={"value": 1, "for": "10 minutes", "severity": "x"}),
     "alerting_thresholds.DiskAlmostFull.for must be a Prometheus duration"),
    (dict(THRESHOLDS, DiskAlmostFull={"value": 1, "for": "1m"}), r"alerting_thresholds.DiskAlmostFull.severity is not set"),
    (dict(THRESHOLDS, DiskAlmostFull={"value": 1, "for": "1m", "severity": "x", "sevrity": "y"}), "unknown key"),
    (dict(THRESHOLDS, DiskAlmostFull=5), "must be a mapping with value, for and severity"),
])
def test_bad_thresholds_name_the_alert_and_the_variable(thresholds, message):
    with pytest.raises(AnsibleFilterError, match=message):
        alert_rule_groups(ALERTS, thresholds)


def test_bad_alert_definitions():
    with pytest.raises(AnsibleFilterError, match="comparison must be one of"):
        alert_rule_groups({"A": {"group": "g", "expr": "up", "comparison": "=>"}}, {"A": THRESHOLDS["DiskAlmostFull"]})
    with pytest.raises(AnsibleFilterError, match="alert 'A': its definition needs 'group' and 'expr'"):
        alert_rule_groups({"A": {"expr": "up"}}, {"A": THRESHOLDS["DiskAlmostFull"]})
    with pytest.raises(AnsibleFilterError, match="expr does not parse as PromQL"):
        alert_rule_groups({"A": {"group": "g", "expr": "rate(x[5m]"}}, {"A": THRESHOLDS["DiskAlmostFull"]})


def test_routes_become_routes_and_receivers():
    route = {"name": "page", "matchers": ['severity="critical"'], "topic_arn": "arn:aws:sns:us-east-1:1:pager",
             "repeat_interval": "30m", "continue": True}
    assert route_entry(route) == {"receiver": "page", "matchers": ['severity="critical"'], "repeat_interval": "30m",
                                  "continue": True}
    assert route_receiver(route, "us-east-1", {"status": "{{ .Status }}"}) == {"name": "page", "sns_configs": [
        {"topic_arn": "arn:aws:sns:us-east-1:1:pager", "sigv4": {"region": "us-east-1"},
         "attributes": {"status": "{{ .Status }}"}}]}
    with pytest.raises(AnsibleFilterError, match=r"alerting_routes\[page\].matchers"):
        route_entry(dict(route, matchers="severity=critical"))
    with pytest.raises(AnsibleFilterError, match=r"alerting_routes\[page\].topic_arn"):
        route_receiver(dict(route, topic_arn="pager"), "us-east-1")


def test_a_route_to_a_slack_destination_publishes_to_the_hosts_topic_with_the_destination_attribute():
    route = {"name": "oncall", "matchers": ['severity="critical"'], "slack_destination": "oncall", "continue": True}
    topic = "arn:aws:sns:us-east-1:123456789012:amp-prod-alerts"
    assert route_receiver(route, "us-east-1", {"severity": "{{ .CommonLabels.severity }}"}, topic) == {
        "name": "oncall", "sns_configs": [{"topic_arn": topic, "sigv4": {"region": "us-east-1"}, "attributes": {
            "severity": "{{ .CommonLabels.severity }}", "destination": "oncall"}}]}
    assert route_entry(route) == {"receiver": "oncall", "matchers": ['severity="critical"'], "continue": True}
    with pytest.raises(AnsibleFilterError, match=r"alerting_routes\[oncall\]: give one of slack_destination .* topic_arn"):
        route_entry(dict(route, topic_arn=topic))
    with pytest.raises(AnsibleFilterError, match=r"alerting_routes\[oncall\]: give one of"):
        route_entry({"name": "oncall", "matchers": ['severity="critical"']})


def test_a_route_to_a_pagerduty_destination_is_amps_pagerduty_receiver_reading_the_key_from_its_secret():
    secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:amp-alerting/prod/pagerduty/payments-AbCdEf"
    keys = {"payments": {"secret_arn": secret, "secret_key": "routing_key", "refresh_interval": "5m"}}
    route = {"name": "page-payments", "matchers": ['team="payments"', 'severity="critical"'],
             "pagerduty_destination": "payments"}
    (config,) = route_receiver(route, "us-east-1", {"status": "{{ .Status }}"}, "arn:aws:sns:us-east-1:1:t",
                               keys)["pagerduty_configs"]
    assert config["routing_key"] == {"aws_secrets_manager": keys["payments"]} and config["send_resolved"] is True
    assert "sns_configs" not in route_receiver(route, "us-east-1", None, None, keys)
    # the receiver passes the validation amp_alertmanager makes (AMP's rules, Go templates)
    from ansible_collections.amp.alerting.plugins.module_utils import amp_alertmanager_config as checker
    receiver = route_receiver(route, "us-east-1", None, None, keys)
    assert checker.check_config({"route": {"receiver": "page-payments"}, "receivers": [receiver]}, {}) == []
    with pytest.raises(AnsibleFilterError, match=r"pagerduty_destination: 'search' is not a destination"):
        route_receiver(dict(route, pagerduty_destination="search"), "us-east-1", None, None, keys)
    with pytest.raises(AnsibleFilterError, match=r"give one of"):
        route_entry(dict(route, slack_destination="payments"))


def test_anomaly_alerts_become_one_group_and_every_wrong_field_fails_the_build():
    from ansible_collections.amp.alerting.plugins.filter.alert_rules import anomaly_alert_groups

    detectors = [{"alias": "checkout-rate", "query": "sum(rate(orders_total[5m]))", "evaluation_interval": 30}]
    (group,) = anomaly_alert_groups({"checkout-rate": {"score": 0.7}}, detectors)
    assert group["name"] == "amp-alerting-anomalies"
    assert group["rules"][0]["expr"] == 'max_over_time(anomaly_detector:score{alias="checkout-rate"}[60s]) > 0.7'
    assert anomaly_alert_groups({}, detectors) == []
    with pytest.raises(AnsibleFilterError) as raised:
        anomaly_alert_groups({"checkout-rate": {"score": 7}, "payments": {"score": 0.5}}, detectors)
    assert "alerting_anomaly_alerts.checkout-rate.score must be a number between 0 and 1" in str(raised.value)
    assert "alerting_anomaly_alerts.payments: no anomaly detector 'payments'" in str(raised.value)


def test_a_hosts_anomaly_alert_changes_one_key_and_keeps_the_environments_others():
    from ansible_collections.amp.alerting.plugins.filter.alert_rules import anomaly_alerts

    environment = {"api-rate": {"score": 0.9, "window": "10m", "severity": "critical"}, "queue-depth": {"score": 0.7}}
    host = {"api-rate": {"score": 0.8}, "checkout-rate": {"score": 0.6}}
    assert anomaly_alerts(environment, host) == {
        "api-rate": {"score": 0.8, "window": "10m", "severity": "critical"},
        "queue-depth": {"score": 0.7}, "checkout-rate": {"score": 0.6}}
    assert environment["api-rate"]["score"] == 0.9, "the environment's settings are not changed"
    assert anomaly_alerts({}, None) == {}
    with pytest.raises(AnsibleFilterError, match="^alerting_host_anomaly_alerts must be a mapping"):
        anomaly_alerts(environment, ["api-rate"])
