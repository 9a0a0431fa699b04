"""The sandbox behaves like AMP where moto does not: shown through boto3, as a module would see it."""

import time

import pytest
import yaml
from botocore.exceptions import ClientError

from support import TEST_AMP_DELAY

GOOD_RULES = b"""groups:
  - name: pods
    rules:
      - alert: PodHighMemoryUsage
        expr: sum(container_memory_usage_bytes{container!="POD",container!=""}) by (pod) > 600000000
        for: 1m
        labels:
          severity: error
        annotations:
          summary: "Pod {{ $labels.pod }} uses {{ $value }} bytes"
"""
OTHER_GOOD_RULES = GOOD_RULES.replace(b"600000000", b"700000000")
TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"


def amp_definition(receivers=None, route=None, templates=None, template_files=None, **extra):
    config = {
        "route": route or {"receiver": "default"},
        "receivers": receivers if receivers is not None else [
            {"name": "default", "sns_configs": [{"topic_arn": TOPIC, "sigv4": {"region": "us-east-1"}}]}
        ],
    }
    if templates:
        config["templates"] = templates
    document = {"alertmanager_config": yaml.safe_dump(config)}
    if template_files:
        document["template_files"] = template_files
    document.update(extra)
    return yaml.safe_dump(document).encode()


def settle():
    time.sleep(TEST_AMP_DELAY + 0.15)


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


@pytest.fixture
def amp(aws_client):
    return aws_client("amp")


@pytest.fixture
def workspace_id(amp):
    workspace_id = amp.create_workspace(alias="test")["workspaceId"]
    settle()
    return workspace_id


# ---------------------------------------------------------------- 6b: asynchronous statuses


def test_workspace_is_creating_then_active(amp):
    created = amp.create_workspace(alias="blog", kmsKeyArn="arn:aws:kms:us-east-1:123456789012:key/k1")
    assert created["status"]["statusCode"] == "CREATING"
    assert amp.describe_workspace(workspaceId=created["workspaceId"])["workspace"]["status"]["statusCode"] == "CREATING"
    settle()
    workspace = amp.describe_workspace(workspaceId=created["workspaceId"])["workspace"]
    assert workspace["status"] == {"statusCode": "ACTIVE"}
    assert workspace["kmsKeyArn"] == "arn:aws:kms:us-east-1:123456789012:key/k1"


def test_workspace_delete_passes_through_deleting(amp, workspace_id):
    amp.delete_workspace(workspaceId=workspace_id)
    assert amp.describe_workspace(workspaceId=workspace_id)["workspace"]["status"]["statusCode"] == "DELETING"
    settle()
    with pytest.raises(ClientError) as excinfo:
        amp.describe_workspace(workspaceId=workspace_id)
    assert error_code(excinfo) == "ResourceNotFoundException"
    assert amp.list_workspaces()["workspaces"] == []


def test_namespace_statuses_and_conflicts(amp, workspace_id):
    created = amp.create_rule_groups_namespace(workspaceId=workspace_id, name="pods", data=GOOD_RULES)
    assert created["status"]["statusCode"] == "CREATING"
    with pytest.raises(ClientError) as excinfo:
        amp.put_rule_groups_namespace(workspaceId=workspace_id, name="pods", data=OTHER_GOOD_RULES)
    assert error_code(excinfo) == "ConflictException"
    settle()
    assert amp.describe_rule_groups_namespace(workspaceId=workspace_id, name="pods")["ruleGroupsNamespace"]["status"] == {"statusCode": "ACTIVE"}

    assert amp.put_rule_groups_namespace(workspaceId=workspace_id, name="pods", data=OTHER_GOOD_RULES)["status"]["statusCode"] == "UPDATING"
    with pytest.raises(ClientError) as excinfo:
        amp.put_rule_groups_namespace(workspaceId=workspace_id, name="pods", data=GOOD_RULES)
    assert error_code(excinfo) == "ConflictException"
    settle()
    described = amp.describe_rule_groups_namespace(workspaceId=workspace_id, name="pods")["ruleGroupsNamespace"]
    assert described["status"]["statusCode"] == "ACTIVE"
    assert described["data"] == OTHER_GOOD_RULES  # raw bytes back, as botocore decodes the blob

    amp.delete_rule_groups_namespace(workspaceId=workspace_id, name="pods")
    assert amp.describe_rule_groups_namespace(workspaceId=workspace_id, name="pods")["ruleGroupsNamespace"]["status"]["statusCode"] == "DELETING"
    settle()
    with pytest.raises(ClientError) as excinfo:
        amp.describe_rule_groups_namespace(workspaceId=workspace_id, name="pods")
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_second_create_of_a_namespace_conflicts(amp, workspace_id):
    amp.create_rule_groups_namespace(workspaceId=workspace_id, name="pods", data=GOOD_RULES)
    settle()
    with pytest.raises(ClientError) as excinfo:
        amp.create_rule_groups_namespace(workspaceId=workspace_id, name="pods", data=OTHER_GOOD_RULES)
    assert error_code(excinfo) == "ConflictException"
    assert amp.describe_rule_groups_namespace(workspaceId=workspace_id, name="pods")["ruleGroupsNamespace"]["data"] == GOOD_RULES


def test_list_workspaces_filters_alias_by_prefix(amp):
    for alias in ("prod-eu", "prod-us", "dev"):
        amp.create_workspace(alias=alias)
    assert sorted(ws["alias"] for ws in amp.list_workspaces(alias="prod")["workspaces"]) == ["prod-eu", "prod-us"]
    assert len(amp.list_workspaces()["workspaces"]) == 3


def test_delay_is_configurable(amp, sandbox):
    sandbox.set_amp_delay(0)
    assert amp.create_workspace(alias="instant")["status"]["statusCode"] == "ACTIVE"


# ---------------------------------------------------------------- 6c: AMP's validation


@pytest.mark.parametrize(
    "data, reason_part",
    [
        (b"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(up\n", "could not parse expression"),
        (b"groups: [unclosed\n", "not valid YAML"),
        (b"groups: []\nextra: 1\n", "extra"),
        (b"rules: []\n", "'groups' list"),
        (b"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        for: 5 minutes\n", "5 minutes"),
    ],
    ids=["bad-promql", "bad-yaml", "extra-top-level-key", "no-groups", "bad-duration"],
)
def test_bad_rule_data_ends_in_creation_failed_with_reason(amp, workspace_id, data, reason_part):
    amp.create_rule_groups_namespace(workspaceId=workspace_id, name="bad", data=data)
    settle()
    status = amp.describe_rule_groups_namespace(workspaceId=workspace_id, name="bad")["ruleGroupsNamespace"]["status"]
    assert status["statusCode"] == "CREATION_FAILED"
    assert reason_part in status["statusReason"]


def test_update_failed_keeps_previous_rules_in_effect(amp, workspace_id):
    amp.create_rule_groups_namespace(workspaceId=workspace_id, name="pods", data=GOOD_RULES)
    settle()
    bad_record_name = b"groups:\n  - name: g\n    rules:\n      - record: 'bad name'\n        expr: up\n"
    amp.put_rule_groups_namespace(workspaceId=workspace_id, name="pods", data=bad_record_name)
    settle()
    described = amp.describe_rule_groups_namespace(workspaceId=workspace_id, name="pods")["ruleGroupsNamespace"]
    assert described["status"]["statusCode"] == "UPDATE_FAILED"
    assert "bad name" in described["status"]["statusReason"]
    assert described["data"] == GOOD_RULES
    # A good Put afterwards recovers.
    amp.put_rule_groups_namespace(workspaceId=workspace_id, name="pods", data=OTHER_GOOD_RULES)
    settle()
    described = amp.describe_rule_groups_namespace(workspaceId=workspace_id, name="pods")["ruleGroupsNamespace"]
    assert (described["status"], described["data"]) == ({"statusCode": "ACTIVE"}, OTHER_GOOD_RULES)


def test_injected_update_failure_keeps_previous_rules(amp, workspace_id, sandbox):
    amp.create_rule_groups_namespace(workspaceId=workspace_id, name="pods", data=GOOD_RULES)
    settle()
    sandbox.inject_fault("PutRuleGroupsNamespace", kind="update_failed")
    amp.put_rule_groups_namespace(workspaceId=workspace_id, name="pods", data=OTHER_GOOD_RULES)
    settle()
    described = amp.describe_rule_groups_namespace(workspaceId=workspace_id, name="pods")["ruleGroupsNamespace"]
    assert described["status"] == {"statusCode": "UPDATE_FAILED",
                                   "statusReason": "injected PutRuleGroupsNamespace failure (sandbox fault injection)"}
    assert described["data"] == GOOD_RULES


SNS_OK = {"topic_arn": TOPIC, "sigv4": {"region": "us-east-1"}}


# AMP's documented PagerDuty receiver (AMP-alertmanager-pagerduty-configure-alertmanager): the key as a secret reference.
PAGERDUTY_OK = {"routing_key": {"aws_secrets_manager": {
    "secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:pagerduty-AbCdEf",
    "secret_key": "routing_key", "refresh_interval": "5m"}},
    "description": "{{ .CommonLabels.alertname }}", "severity": "critical",
    "details": {"firing": "{{ .Alerts.Firing | len }}", "status": "{{ .Status }}"}}


def test_amps_documented_pagerduty_receiver_is_accepted(amp, workspace_id):
    amp.create_alert_manager_definition(workspaceId=workspace_id, data=amp_definition(
        receivers=[{"name": "default", "pagerduty_configs": [PAGERDUTY_OK]}]))
    settle()
    assert amp.describe_alert_manager_definition(workspaceId=workspace_id)["alertManagerDefinition"]["status"] == \
        {"statusCode": "ACTIVE"}


def test_templates_that_match_no_template_file_are_accepted_as_amp_accepts_them(amp, workspace_id):
    # AWS's own CloudFormation contract test uploads templates: [default_template] without template_files.
    amp.create_alert_manager_definition(workspaceId=workspace_id, data=amp_definition(templates=["default_template"]))
    settle()
    assert amp.describe_alert_manager_definition(workspaceId=workspace_id)["alertManagerDefinition"]["status"] == \
        {"statusCode": "ACTIVE"}


@pytest.mark.parametrize(
    "data, reason_part",
    [
        (amp_definition(receivers=[{"name": "default", "webhook_configs": [{"url": "http://example.invalid"}]}]), "webhook_configs not supported"),
        (amp_definition(receivers=[{"name": "default", "sns_configs": [dict(SNS_OK, api_url="https://sns.example")]}]), "api_url"),
        (amp_definition(receivers=[{"name": "default", "sns_configs": [dict(SNS_OK, http_config={})]}]), "http_config"),
        (amp_definition(receivers=[{"name": "default", "sns_configs": [{"topic_arn": TOPIC}]}]), "sigv4.region"),
        (amp_definition(route={"receiver": "default", "routes": [{"receiver": "pager"}]}), 'undefined receiver "pager"'),
        (amp_definition(route={"receiver": "default", "group_wait": "soon"}), "soon"),
        (b"alertmanager_config: [not, a, string]\n", "alertmanager_config"),
        (b"alertmanager_config: 'route: {receiver: x'\n", "not valid YAML"),
        (amp_definition(extra_key="x"), "extra_key"),
        (amp_definition(receivers=[{"name": "default", "pagerduty_configs": [{"routing_key": "0123456789abcdef0123456789abcdef"}]}]),
         "routing_key must be an aws_secrets_manager secret reference"),
        (amp_definition(receivers=[{"name": "default", "pagerduty_configs": [dict(PAGERDUTY_OK, url="https://events.example")]}]),
         "pagerduty_configs.url is not supported"),
        (amp_definition(receivers=[{"name": "default", "pagerduty_configs": [dict(PAGERDUTY_OK, http_config={})]}]),
         "pagerduty_configs.http_config is not supported"),
    ],
    ids=["webhook-receiver", "api_url", "http_config", "no-sigv4-region", "unknown-route-receiver",
         "bad-duration", "config-not-string", "config-bad-yaml", "extra-top-level-key", "pagerduty-plain-key",
         "pagerduty-url", "pagerduty-http-config"],
)
def test_bad_alertmanager_definition_ends_in_creation_failed_with_reason(amp, workspace_id, data, reason_part):
    assert amp.create_alert_manager_definition(workspaceId=workspace_id, data=data)["status"]["statusCode"] == "CREATING"
    settle()
    status = amp.describe_alert_manager_definition(workspaceId=workspace_id)["alertManagerDefinition"]["status"]
    assert status["statusCode"] == "CREATION_FAILED"
    assert reason_part in status["statusReason"]


def test_alertmanager_update_failed_keeps_previous_definition(amp, workspace_id):
    good = amp_definition(templates=["slack.tmpl"], template_files={"slack.tmpl": '{{ define "x" }}ok{{ end }}'})
    amp.create_alert_manager_definition(workspaceId=workspace_id, data=good)
    settle()
    described = amp.describe_alert_manager_definition(workspaceId=workspace_id)["alertManagerDefinition"]
    assert (described["status"], described["data"]) == ({"statusCode": "ACTIVE"}, good)
    broken_template = amp_definition(templates=["slack.tmpl"], template_files={"slack.tmpl": '{{ define "x" }}unclosed'})
    assert amp.put_alert_manager_definition(workspaceId=workspace_id, data=broken_template)["status"]["statusCode"] == "UPDATING"
    settle()
    described = amp.describe_alert_manager_definition(workspaceId=workspace_id)["alertManagerDefinition"]
    assert described["status"]["statusCode"] == "UPDATE_FAILED"
    assert described["status"]["statusReason"]
    assert described["data"] == good


# ---------------------------------------------------------------- 6a: alertmanager definitions


def test_alertmanager_definition_lifecycle_and_errors(amp, workspace_id):
    for call in (
        lambda: amp.describe_alert_manager_definition(workspaceId=workspace_id),
        lambda: amp.put_alert_manager_definition(workspaceId=workspace_id, data=amp_definition()),
        lambda: amp.delete_alert_manager_definition(workspaceId=workspace_id),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_code(excinfo) == "ResourceNotFoundException"

    amp.create_alert_manager_definition(workspaceId=workspace_id, data=amp_definition())
    with pytest.raises(ClientError) as excinfo:
        amp.create_alert_manager_definition(workspaceId=workspace_id, data=amp_definition())
    assert error_code(excinfo) == "ConflictException"
    settle()

    amp.delete_alert_manager_definition(workspaceId=workspace_id)
    assert amp.describe_alert_manager_definition(workspaceId=workspace_id)["alertManagerDefinition"]["status"]["statusCode"] == "DELETING"
    settle()
    with pytest.raises(ClientError) as excinfo:
        amp.describe_alert_manager_definition(workspaceId=workspace_id)
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_alertmanager_definition_of_unknown_workspace(amp):
    with pytest.raises(ClientError) as excinfo:
        amp.create_alert_manager_definition(workspaceId="ws-00000000-0000-0000-0000-000000000000", data=amp_definition())
    assert error_code(excinfo) == "ResourceNotFoundException"


# ---------------------------------------------------------------- logging configuration


def test_logging_configuration_not_found_until_created(amp, workspace_id):
    with pytest.raises(ClientError) as excinfo:
        amp.describe_logging_configuration(workspaceId=workspace_id)
    assert error_code(excinfo) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        amp.create_logging_configuration(workspaceId=workspace_id, logGroupArn="arn:aws:logs:us-east-1:123456789012:log-group:amp")
    assert error_code(excinfo) == "ValidationException"
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:amp:*"
    assert amp.create_logging_configuration(workspaceId=workspace_id, logGroupArn=arn)["status"]["statusCode"] == "CREATING"
    settle()
    config = amp.describe_logging_configuration(workspaceId=workspace_id)["loggingConfiguration"]
    assert (config["logGroupArn"], config["status"]["statusCode"]) == (arn, "ACTIVE")


# ---------------------------------------------------------------- query logging configuration

QUERY_LOGS = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/prometheus/test/queries:*"


def query_destinations(log_group=QUERY_LOGS, threshold=1000):
    return [{"cloudWatchLogs": {"logGroupArn": log_group}, "filters": {"qspThreshold": threshold}}]


def test_query_logging_life_cycle(amp, workspace_id):
    with pytest.raises(ClientError) as excinfo:
        amp.describe_query_logging_configuration(workspaceId=workspace_id)
    assert error_code(excinfo) == "ResourceNotFoundException"
    created = amp.create_query_logging_configuration(workspaceId=workspace_id, destinations=query_destinations())
    assert created["status"]["statusCode"] == "CREATING"
    with pytest.raises(ClientError) as excinfo:
        amp.create_query_logging_configuration(workspaceId=workspace_id, destinations=query_destinations())
    assert error_code(excinfo) == "ConflictException"
    settle()
    config = amp.describe_query_logging_configuration(workspaceId=workspace_id)["queryLoggingConfiguration"]
    assert (config["destinations"], config["status"]["statusCode"], config["workspace"]) == (
        query_destinations(), "ACTIVE", workspace_id)

    assert amp.update_query_logging_configuration(workspaceId=workspace_id, destinations=query_destinations(threshold=5))[
        "status"]["statusCode"] == "UPDATING"
    with pytest.raises(ClientError) as excinfo:  # busy
        amp.delete_query_logging_configuration(workspaceId=workspace_id)
    assert error_code(excinfo) == "ConflictException"
    settle()
    config = amp.describe_query_logging_configuration(workspaceId=workspace_id)["queryLoggingConfiguration"]
    assert config["destinations"][0]["filters"]["qspThreshold"] == 5

    amp.delete_query_logging_configuration(workspaceId=workspace_id)
    assert amp.describe_query_logging_configuration(workspaceId=workspace_id)["queryLoggingConfiguration"][
        "status"]["statusCode"] == "DELETING"
    settle()
    with pytest.raises(ClientError) as excinfo:
        amp.describe_query_logging_configuration(workspaceId=workspace_id)
    assert error_code(excinfo) == "ResourceNotFoundException"


@pytest.mark.parametrize("destinations, field", [
    (query_destinations() * 2, "destinations"),
    (query_destinations(log_group=QUERY_LOGS[:-2]), "destinations.cloudWatchLogs.logGroupArn"),
    (query_destinations(log_group="arn:aws:s3:::bucket:*"), "destinations.cloudWatchLogs.logGroupArn"),
])
def test_query_logging_validation(amp, workspace_id, destinations, field):
    with pytest.raises(ClientError) as excinfo:
        amp.create_query_logging_configuration(workspaceId=workspace_id, destinations=destinations)
    assert error_code(excinfo) == "ValidationException"
    assert [f["name"] for f in excinfo.value.response["fieldList"]] == [field]


def test_injected_query_logging_update_failure_keeps_the_previous_threshold(amp, workspace_id, sandbox):
    amp.create_query_logging_configuration(workspaceId=workspace_id, destinations=query_destinations())
    settle()
    sandbox.inject_fault("UpdateQueryLoggingConfiguration", "update_failed")
    amp.update_query_logging_configuration(workspaceId=workspace_id, destinations=query_destinations(threshold=5))
    settle()
    config = amp.describe_query_logging_configuration(workspaceId=workspace_id)["queryLoggingConfiguration"]
    assert config["status"]["statusCode"] == "UPDATE_FAILED" and "injected" in config["status"]["statusReason"]
    assert config["destinations"][0]["filters"]["qspThreshold"] == 1000


# ---------------------------------------------------------------- resource policy

SHARING = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, ' \
          '"Action": "aps:RemoteWrite", "Resource": "*"}]}'


def test_resource_policy_revisions_refuse_a_stale_writer(amp, workspace_id):
    with pytest.raises(ClientError) as excinfo:
        amp.describe_resource_policy(workspaceId=workspace_id)
    assert error_code(excinfo) == "ResourceNotFoundException"
    first = amp.put_resource_policy(workspaceId=workspace_id, policyDocument=SHARING, revisionId="NO_POLICY")
    assert first["policyStatus"] == "CREATING"
    settle()
    described = amp.describe_resource_policy(workspaceId=workspace_id)
    assert (described["policyDocument"], described["policyStatus"], described["revisionId"]) == (
        SHARING, "ACTIVE", first["revisionId"])
    with pytest.raises(ClientError) as excinfo:  # a second "first" writer
        amp.put_resource_policy(workspaceId=workspace_id, policyDocument=SHARING, revisionId="NO_POLICY")
    assert error_code(excinfo) == "ConflictException"
    second = amp.put_resource_policy(workspaceId=workspace_id, policyDocument=SHARING.replace("1111", "4444"),
                                     revisionId=first["revisionId"])
    assert second["revisionId"] != first["revisionId"]
    settle()
    with pytest.raises(ClientError) as excinfo:  # deleting what was read before the second put
        amp.delete_resource_policy(workspaceId=workspace_id, revisionId=first["revisionId"])
    assert error_code(excinfo) == "ConflictException"
    amp.delete_resource_policy(workspaceId=workspace_id, revisionId=second["revisionId"])
    settle()
    with pytest.raises(ClientError) as excinfo:
        amp.describe_resource_policy(workspaceId=workspace_id)
    assert error_code(excinfo) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as excinfo:
        amp.put_resource_policy(workspaceId=workspace_id, policyDocument="{not json")
    assert error_code(excinfo) == "ValidationException"


# ---------------------------------------------------------------- anomaly detectors

DETECTOR_QUERY = 'sum(rate(http_requests_total{job="api"}[5m]))'


def test_anomaly_detector_life_cycle(amp, workspace_id):
    created = amp.create_anomaly_detector(workspaceId=workspace_id, alias="api-rate",
                                          configuration={"randomCutForest": {"query": DETECTOR_QUERY}})
    assert created["status"]["statusCode"] == "CREATING" and created["anomalyDetectorId"].startswith("ad-")
    with pytest.raises(ClientError) as excinfo:
        amp.create_anomaly_detector(workspaceId=workspace_id, alias="api-rate",
                                    configuration={"randomCutForest": {"query": DETECTOR_QUERY}})
    assert error_code(excinfo) == "ConflictException"
    settle()
    described = amp.describe_anomaly_detector(workspaceId=workspace_id, anomalyDetectorId=created["anomalyDetectorId"])
    detector = described["anomalyDetector"]
    assert (detector["status"]["statusCode"], detector["evaluationIntervalInSeconds"]) == ("ACTIVE", 60)  # AMP's default
    listed = amp.list_anomaly_detectors(workspaceId=workspace_id, alias="api-rate")["anomalyDetectors"]
    assert [d["anomalyDetectorId"] for d in listed] == [created["anomalyDetectorId"]]

    amp.put_anomaly_detector(workspaceId=workspace_id, anomalyDetectorId=created["anomalyDetectorId"],
                             evaluationIntervalInSeconds=300, configuration={"randomCutForest": {"query": DETECTOR_QUERY}})
    settle()
    detector = amp.describe_anomaly_detector(workspaceId=workspace_id, anomalyDetectorId=created["anomalyDetectorId"])
    assert detector["anomalyDetector"]["evaluationIntervalInSeconds"] == 300
    amp.delete_anomaly_detector(workspaceId=workspace_id, anomalyDetectorId=created["anomalyDetectorId"])
    settle()
    assert amp.list_anomaly_detectors(workspaceId=workspace_id)["anomalyDetectors"] == []


@pytest.mark.parametrize("configuration, field", [
    ({"randomCutForest": {"query": "rate(x[5m])"}}, "configuration.randomCutForest.query"),
    ({"randomCutForest": {"query": "topk(2, x)"}}, "configuration.randomCutForest.query"),
    # botocore checks minimums and unions itself; a maximum is AMP's to refuse
    ({"randomCutForest": {"query": "sum(x)", "sampleSize": 4096}}, "configuration.randomCutForest.sampleSize"),
])
def test_anomaly_detector_validation(amp, workspace_id, configuration, field):
    with pytest.raises(ClientError) as excinfo:
        amp.create_anomaly_detector(workspaceId=workspace_id, alias="bad", configuration=configuration)
    assert error_code(excinfo) == "ValidationException"
    assert [f["name"] for f in excinfo.value.response["fieldList"]] == [field]


# ---------------------------------------------------------------- managed scrapers

SCRAPE_CONFIG = b"scrape_configs:\n  - job_name: pods\n    kubernetes_sd_configs:\n      - role: pod\n"


def test_scraper_life_cycle(amp, workspace_id):
    workspace_arn = amp.describe_workspace(workspaceId=workspace_id)["workspace"]["arn"]
    source = {"eksConfiguration": {"clusterArn": "arn:aws:eks:us-east-1:123456789012:cluster/prod", "subnetIds": ["subnet-0a"]}}
    created = amp.create_scraper(alias="prod-eks", source=source, scrapeConfiguration={"configurationBlob": SCRAPE_CONFIG},
                                 destination={"ampConfiguration": {"workspaceArn": workspace_arn}})
    assert created["status"]["statusCode"] == "CREATING"
    settle()
    described = amp.describe_scraper(scraperId=created["scraperId"])["scraper"]
    assert described["status"]["statusCode"] == "ACTIVE" and described["scrapeConfiguration"]["configurationBlob"] == SCRAPE_CONFIG
    assert ":role/aws-service-role/scraper.aps.amazonaws.com/" in described["roleArn"]
    assert [s["scraperId"] for s in amp.list_scrapers(filters={"alias": ["prod-eks"]})["scrapers"]] == [created["scraperId"]]
    assert amp.list_scrapers(filters={"alias": ["other"]})["scrapers"] == []
    assert b"scrape_configs" in amp.get_default_scraper_configuration()["configuration"]

    amp.update_scraper(scraperId=created["scraperId"], scrapeConfiguration={"configurationBlob": SCRAPE_CONFIG.replace(b"pods", b"all")})
    with pytest.raises(ClientError) as excinfo:  # busy
        amp.delete_scraper(scraperId=created["scraperId"])
    assert error_code(excinfo) == "ConflictException"
    settle()
    with pytest.raises(ClientError) as excinfo:
        amp.update_scraper(scraperId=created["scraperId"], scrapeConfiguration={"configurationBlob": b"global: {}\n"})
    assert error_code(excinfo) == "ValidationException"
    amp.delete_scraper(scraperId=created["scraperId"])
    settle()
    assert amp.list_scrapers()["scrapers"] == []
