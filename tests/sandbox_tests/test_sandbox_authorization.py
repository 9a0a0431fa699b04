"""Sandbox: AMP's alertmanager publishes to SNS only where AWS would let it (issue 13 §1, first hop).

The workspace's real Alertmanager publishes as AMP's service principal for that workspace; the topic
policy and the topic's key policy are evaluated as AWS documents (plugins/module_utils/
policy_evaluation.py). Each test shows the alert delivered when the policy allows it, and what breaks
when it does not: nothing delivered, the refusal in the workspace's alertmanager log, as AMP logs it.
"""

import json
import time

import pytest
import yaml

from sandbox.processes import missing_binaries
from support import eventually
from support.alertmanager import SnsCapture
from support.alertmanager import post_alerts

pytestmark = pytest.mark.skipif(bool(missing_binaries("prometheus-alertmanager")),
                                reason="needs prometheus-alertmanager: apt-get install prometheus-alertmanager")


def workspace_with_alertmanager(aws_client, alias, topic_arn, log_group=None):
    amp = aws_client("amp")
    workspace_id = amp.create_workspace(alias=alias)["workspaceId"]
    workspace = amp.describe_workspace(workspaceId=workspace_id)["workspace"]
    if log_group:
        logs = aws_client("logs")
        logs.create_log_group(logGroupName=log_group)
        arn = logs.describe_log_groups(logGroupNamePrefix=log_group)["logGroups"][0]["arn"]
        amp.create_logging_configuration(workspaceId=workspace_id, logGroupArn=arn)
    # group_interval 1s: a refused notification is tried again every second, as a fix is awaited
    config = {"route": {"receiver": "sns", "group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h"},
              "receivers": [{"name": "sns", "sns_configs": [{"topic_arn": topic_arn, "sigv4": {"region": "us-east-1"}}]}]}
    amp.create_alert_manager_definition(workspaceId=workspace_id,
                                        data=yaml.safe_dump({"alertmanager_config": yaml.safe_dump(config)}).encode())
    time.sleep(0.5)  # CREATING -> ACTIVE
    return workspace


def fire(workspace, alertname):
    post_alerts(workspace["prometheusEndpoint"] + "alertmanager", [{"labels": {"alertname": alertname}}])


def refusals_of(sandbox, workspace):
    return [r for r in sandbox.refusals() if r["workspace_id"] == workspace["workspaceId"]]


def nothing_delivered(capture, seconds=3):
    try:
        capture.wait_for(1, timeout=seconds)
    except AssertionError:
        return True
    return False


def test_a_topic_policy_naming_another_workspace_stops_the_alert_until_it_names_this_one(sandbox, aws_client):
    capture = SnsCapture(aws_client, name="guarded-alerts")
    workspace = workspace_with_alertmanager(aws_client, "guarded", capture.topic_arn,
                                            log_group="/aws/vendedlogs/prometheus/guarded")
    capture.let_workspace_publish(workspace["arn"].replace(workspace["workspaceId"], "ws-00000000-0000-0000-0000-000000000000"))
    fire(workspace, "GuardedAlert")

    refusal = eventually(lambda: refusals_of(sandbox, workspace), what="a refused publish")[0]
    assert (refusal["hop"], refusal["action"], refusal["resource"]) == ("alertmanager->sns", "sns:Publish", capture.topic_arn)
    assert "needs ArnEquals aws:SourceArn" in refusal["reason"]
    assert nothing_delivered(capture)
    # where AMP reports it: the workspace's alertmanager log, in AMP's words
    logs = aws_client("logs")
    events = eventually(lambda: logs.filter_log_events(logGroupName="/aws/vendedlogs/prometheus/guarded")["events"],
                        what="an alertmanager log event")
    event = json.loads(events[0]["message"])
    assert (event["workspaceId"], event["component"], event["message"]["level"]) == (workspace["workspaceId"], "alertmanager", "ERROR")
    assert event["message"]["log"] == (f"Notify for alerts failed, AMP is not authorized to perform: SNS:Publish on resource: "
                                       f"{capture.topic_arn} because no resource-based policy allows the SNS:Publish action")
    # and counted in AMP's CloudWatch failure metric of the workspace
    failed = aws_client("cloudwatch").list_metrics(Namespace="AWS/Prometheus", MetricName="AlertManagerNotificationsFailed",
                                                   Dimensions=[{"Name": "Workspace", "Value": workspace["workspaceId"]}])
    assert len(failed["Metrics"]) == 1

    # the policy AMP's user guide gives, for this workspace: the alert arrives on the next try
    capture.let_workspace_publish(workspace["arn"])
    (envelope,) = capture.wait_for(1, timeout=30)
    assert "GuardedAlert" in envelope["Message"]


def test_the_default_topic_policy_and_an_explicit_deny_refuse_amp(sandbox, aws_client):
    capture = SnsCapture(aws_client, name="default-policy-alerts")  # moto's default policy: the account only
    workspace = workspace_with_alertmanager(aws_client, "default-policy", capture.topic_arn)
    fire(workspace, "DefaultPolicyAlert")
    refusal = eventually(lambda: refusals_of(sandbox, workspace), what="a refused publish")[0]
    assert refusal["reason"].startswith("no statement allows sns:Publish")
    assert nothing_delivered(capture)

    capture.let_workspace_publish(workspace["arn"])
    policy = json.loads(capture.sns.get_topic_attributes(TopicArn=capture.topic_arn)["Attributes"]["Policy"])
    policy["Statement"].append({"Sid": "NoAMP", "Effect": "Deny", "Principal": {"Service": "aps.amazonaws.com"},
                                "Action": "sns:Publish", "Resource": "*"})
    capture.sns.set_topic_attributes(TopicArn=capture.topic_arn, AttributeName="Policy", AttributeValue=json.dumps(policy))
    eventually(lambda: any(r["reason"].startswith("explicit deny: statement NoAMP") for r in refusals_of(sandbox, workspace)),
               what="a publish refused by the explicit deny")
    assert nothing_delivered(capture, seconds=2)


def test_an_encrypted_topic_needs_a_key_policy_that_lets_amp_use_the_key(sandbox, aws_client):
    kms = aws_client("kms")
    key = kms.create_key(Description="alerts")["KeyMetadata"]  # moto's default key policy: the account root only
    capture = SnsCapture(aws_client, name="encrypted-alerts", kms_key_id=key["Arn"])
    workspace = workspace_with_alertmanager(aws_client, "encrypted", capture.topic_arn)
    capture.let_workspace_publish(workspace["arn"])
    fire(workspace, "EncryptedAlert")
    refusal = eventually(lambda: refusals_of(sandbox, workspace), what="a refused publish")[0]
    assert (refusal["hop"], refusal["action"], refusal["resource"]) == ("alertmanager->sns (kms)", "kms:GenerateDataKey", key["Arn"])
    assert nothing_delivered(capture)

    policy = json.loads(kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    policy["Statement"].append({"Sid": "AMP", "Effect": "Allow", "Principal": {"Service": "aps.amazonaws.com"},
                                "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": "*"})
    kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=json.dumps(policy))
    (envelope,) = capture.wait_for(1, timeout=30)
    assert "EncryptedAlert" in envelope["Message"]
