"""Sandbox: AMP's PagerDuty receiver reads its key from Secrets Manager as AMP does (issue 27 §3).

The workspace's real Alertmanager posts to the sandbox's PagerDuty Events API stand-in with the key AMP
read as ``aps.amazonaws.com`` for that workspace: the secret's resource policy (and, under a customer
key, the key policy) must allow it. Each test shows the event delivered when they do, and what breaks
when they do not: no event, a SecretFetchFailure in the workspace's metrics and refusals.
"""

import json
import time

import pytest
import yaml

from sandbox.processes import missing_binaries
from support import eventually
from support.alertmanager import post_alerts

pytestmark = pytest.mark.skipif(bool(missing_binaries("prometheus-alertmanager")),
                                reason="needs prometheus-alertmanager: apt-get install prometheus-alertmanager")

ROUTING_KEY = "R0123456789abcdef0123456789abcde"


def secret_policy(secret_arn, workspace_arn):
    """The secret policy that lets AMP read the key for this workspace only (confused-deputy conditions)."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "AMPReadsPagerDutyKey", "Effect": "Allow", "Principal": {"Service": "aps.amazonaws.com"},
        "Action": "secretsmanager:GetSecretValue", "Resource": secret_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": workspace_arn},
                      "StringEquals": {"aws:SourceAccount": workspace_arn.split(":")[4]}}}]})


def workspace_paging(aws_client, alias, secret_arn):
    amp = aws_client("amp")
    workspace_id = amp.create_workspace(alias=alias)["workspaceId"]
    config = {"route": {"receiver": "oncall", "group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h"},
              "receivers": [{"name": "oncall", "pagerduty_configs": [{
                  "routing_key": {"aws_secrets_manager": {"secret_arn": secret_arn, "secret_key": "routing_key",
                                                          "refresh_interval": "5m"}},
                  "description": "{{ .CommonLabels.alertname }}", "severity": "critical"}]}]}
    amp.create_alert_manager_definition(workspaceId=workspace_id,
                                        data=yaml.safe_dump({"alertmanager_config": yaml.safe_dump(config)}).encode())
    time.sleep(0.5)  # CREATING -> ACTIVE
    return amp.describe_workspace(workspaceId=workspace_id)["workspace"]


def fire(workspace, alertname, ends_at=None):
    alert = {"labels": {"alertname": alertname}}
    if ends_at:
        alert["endsAt"] = ends_at
    post_alerts(workspace["prometheusEndpoint"] + "alertmanager", [alert])


def events_for(sandbox, alertname):
    return [e for e in sandbox.pagerduty_events() if e["summary"] == alertname]


def test_a_readable_key_opens_and_resolves_one_incident_by_its_dedup_key(sandbox, aws_client):
    secrets = aws_client("secretsmanager")
    secret = secrets.create_secret(Name="pagerduty/payments", SecretString=json.dumps({"routing_key": ROUTING_KEY}))
    workspace = workspace_paging(aws_client, "paging", secret["ARN"])
    secrets.put_resource_policy(SecretId=secret["ARN"], ResourcePolicy=secret_policy(secret["ARN"], workspace["arn"]))

    fire(workspace, "PaymentsDown")
    (trigger,) = eventually(lambda: events_for(sandbox, "PaymentsDown"), what="a trigger event")
    assert (trigger["version"], trigger["event_action"], trigger["routing_key"]) == ("v2", "trigger", ROUTING_KEY)
    assert trigger["event"]["payload"]["severity"] == "critical"

    fire(workspace, "PaymentsDown", ends_at="2000-01-01T00:00:00Z")  # resolved
    resolve = eventually(lambda: [e for e in events_for(sandbox, "PaymentsDown") if e["event_action"] == "resolve"],
                         what="a resolve event")[0]
    assert resolve["dedup_key"] == trigger["dedup_key"]


def test_a_secret_policy_for_another_workspace_stops_the_page_until_it_names_this_one(sandbox, aws_client):
    secrets = aws_client("secretsmanager")
    secret = secrets.create_secret(Name="pagerduty/orders", SecretString=json.dumps({"routing_key": ROUTING_KEY}))
    workspace = workspace_paging(aws_client, "paging-guarded", secret["ARN"])
    other = workspace["arn"].replace(workspace["workspaceId"], "ws-00000000-0000-0000-0000-000000000000")
    secrets.put_resource_policy(SecretId=secret["ARN"], ResourcePolicy=secret_policy(secret["ARN"], other))

    fire(workspace, "OrdersDown")
    refusal = eventually(lambda: [r for r in sandbox.refusals() if r["workspace_id"] == workspace["workspaceId"]],
                         what="a refused secret read")[0]
    assert (refusal["hop"], refusal["action"], refusal["resource"]) == (
        "alertmanager->pagerduty (secret)", "secretsmanager:GetSecretValue", secret["ARN"])
    assert not events_for(sandbox, "OrdersDown")
    cloudwatch = aws_client("cloudwatch")
    dimension = [{"Name": "Workspace", "Value": workspace["workspaceId"]}]
    for metric in ("SecretFetchFailure", "AlertManagerNotificationsFailed"):
        assert cloudwatch.list_metrics(Namespace="AWS/Prometheus", MetricName=metric, Dimensions=dimension)["Metrics"], metric

    secrets.put_resource_policy(SecretId=secret["ARN"], ResourcePolicy=secret_policy(secret["ARN"], workspace["arn"]))
    sandbox.set_data_plane(True)  # the loop re-reads the secret, as AMP does every refresh_interval
    try:
        (trigger,) = eventually(lambda: events_for(sandbox, "OrdersDown"), timeout=30, what="the page after the repair")
    finally:
        sandbox.set_data_plane(False)
    assert trigger["routing_key"] == ROUTING_KEY


def test_a_secret_under_a_customer_key_needs_the_key_policy_to_let_amp_decrypt(sandbox, aws_client):
    kms = aws_client("kms")
    key = kms.create_key(Description="pagerduty")["KeyMetadata"]  # moto's default key policy: the account root only
    secrets = aws_client("secretsmanager")
    secret = secrets.create_secret(Name="pagerduty/search", KmsKeyId=key["Arn"],
                                   SecretString=json.dumps({"routing_key": ROUTING_KEY}))
    workspace = workspace_paging(aws_client, "paging-encrypted", secret["ARN"])
    secrets.put_resource_policy(SecretId=secret["ARN"], ResourcePolicy=secret_policy(secret["ARN"], workspace["arn"]))

    fire(workspace, "SearchDown")
    refusal = eventually(lambda: [r for r in sandbox.refusals() if r["workspace_id"] == workspace["workspaceId"]],
                         what="a refused decrypt")[0]
    assert (refusal["action"], refusal["resource"]) == ("kms:Decrypt", key["Arn"])
    assert not events_for(sandbox, "SearchDown")
