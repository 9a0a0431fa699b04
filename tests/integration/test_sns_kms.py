"""The sns role's encryption at rest: a KMS key, given or created, that AMP may use.

The sandbox refuses AMP's publish to an encrypted topic as SNS does (KMSAccessDenied) when the key
policy does not let aps.amazonaws.com use the key; doctor.yml then names the topic key as the broken hop."""

import json
import os
import urllib.request

import boto3

from support import eventually
from support.ansible_run import REPO, run_playbook
from support.doctor_run import broken, doctor
from support.slack_sink import SlackSink

INVENTORY = os.path.join(REPO, "inventories", "sandbox")
SITE = os.path.join(REPO, "site.yml")
TEARDOWN = os.path.join(REPO, "playbooks", "teardown.yml")
TOPIC = "arn:aws:sns:us-east-1:123456789012:amp-sandbox-amp-alerts"


def ok(run):
    assert run.returncode == 0, run
    return run


def topic_state():
    sns = boto3.client("sns")
    attributes = sns.get_topic_attributes(TopicArn=TOPIC)["Attributes"]
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=TOPIC)["Subscriptions"]
    return attributes.get("KmsMasterKeyId", ""), [s["Protocol"] for s in subscriptions]


def fire_in_the_workspace(sandbox, alertname):
    """An alert (with no severity label: a group without a common severity) posted to the workspace's
    alertmanager; returns (the refusals, whether SNS took AMP's publish) once the sandbox has done either."""
    amp = boto3.client("amp")
    (workspace,) = amp.list_workspaces(alias="sandbox-amp")["workspaces"]
    endpoint = amp.describe_workspace(workspaceId=workspace["workspaceId"])["workspace"]["prometheusEndpoint"]
    request = urllib.request.Request(endpoint + "alertmanager/api/v2/alerts", method="POST",
                                     data=json.dumps([{"labels": {"alertname": alertname}}]).encode(),
                                     headers={"Content-Type": "application/json"})

    def published():
        return [r for r in sandbox.requests() if (r["service"], r["operation"]) == ("sns", "Publish")]

    sandbox.clear_requests()
    sandbox.set_data_plane(True)  # the workspace's real Alertmanager
    try:
        urllib.request.urlopen(request, timeout=30).close()  # noqa: S310 (a local URL)
        eventually(lambda: sandbox.refusals() or published(), timeout=60, what="AMP's publish, refused or taken")
    finally:
        sandbox.set_data_plane(False)
    return sandbox.refusals(), [r["status"] for r in published()] == [200]


# The stacks amp.alerting 0.2.0 kept the topic and the forwarder's subscription in, as it made them.
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:amp-sandbox-amp-slack-forwarder"
DELIVERY_QUEUE = "arn:aws:sqs:us-east-1:123456789012:amp-sandbox-amp-slack-forwarder-delivery-dlq"
STACKS_OF_0_2_0 = {
    "amp-sandbox-amp-alerts-topic": ({
        "Parameters": {"TopicName": {"Type": "String"}, "DisplayName": {"Type": "String"}},
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {
            "TopicName": {"Ref": "TopicName"}, "DisplayName": {"Ref": "DisplayName"}}}},
        "Outputs": {"TopicArn": {"Value": {"Ref": "Topic"}}}},
        {"TopicName": "amp-sandbox-amp-alerts", "DisplayName": "AMP alerts for sandbox-amp"}),
    "amp-sandbox-amp-slack-forwarder-subscription": ({
        "Parameters": {"TopicArn": {"Type": "String"}, "FunctionArn": {"Type": "String"},
                       "DeadLetterQueueArn": {"Type": "String"}},
        "Resources": {"Subscription": {"Type": "AWS::SNS::Subscription", "Properties": {
            "TopicArn": {"Ref": "TopicArn"}, "Protocol": "lambda", "Endpoint": {"Ref": "FunctionArn"},
            "RedrivePolicy": {"deadLetterTargetArn": {"Ref": "DeadLetterQueueArn"}}}}},
        "Outputs": {"SubscriptionArn": {"Value": {"Ref": "Subscription"}}}},
        {"TopicArn": TOPIC, "FunctionArn": FUNCTION, "DeadLetterQueueArn": DELIVERY_QUEUE}),
}


def deploy_as_0_2_0_did():
    cfn = boto3.client("cloudformation")
    for name, (template, parameters) in STACKS_OF_0_2_0.items():
        cfn.create_stack(StackName=name, TemplateBody=json.dumps(template),
                         Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()])
    (subscription,) = boto3.client("sns").list_subscriptions_by_topic(TopicArn=TOPIC)["Subscriptions"]
    return subscription["SubscriptionArn"]


def test_created_key_encrypts_the_topic_and_lets_amp_use_it(sandbox):
    # An account deployed by 0.2.0: its topic and subscription live in stacks. The first run hands both
    # over - each stack told to retain its resource, then deleted - and switches encryption on in place:
    # the same topic, the same subscription, never deleted (an alert published meanwhile is not lost).
    subscription_of_0_2_0 = deploy_as_0_2_0_did()
    sandbox.clear_requests()
    ok(run_playbook(SITE, INVENTORY, extra_vars={"sns_kms_create_key": True, "alerting_heartbeat_enabled": False}))
    stack_writes = [(r["operation"], r.get("resource", "")) for r in sandbox.requests()
                    if r["service"] == "cloudformation" and r["operation"] in ("UpdateStack", "DeleteStack")]
    assert [operation for operation, _ in stack_writes] == ["UpdateStack", "DeleteStack"] * 2, stack_writes
    assert [r for r in sandbox.requests() if r["operation"] in ("DeleteTopic", "Unsubscribe")] == []
    cfn = boto3.client("cloudformation")
    assert [s["StackName"] for s in cfn.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"] == []
    (subscription,) = boto3.client("sns").list_subscriptions_by_topic(TopicArn=TOPIC)["Subscriptions"]
    assert subscription["SubscriptionArn"] == subscription_of_0_2_0
    kms = boto3.client("kms")
    key_arn = kms.describe_key(KeyId="alias/amp-sandbox-amp-alerts")["KeyMetadata"]["Arn"]
    assert topic_state() == (key_arn, ["lambda"])
    # the key policy lets AMP encrypt with the key: SNS takes the alert on the encrypted topic
    refusals, taken = fire_in_the_workspace(sandbox, "ThroughTheKey")
    assert (refusals, taken) == ([], True)

    # Deleted by hand, the topic (and with it the subscription): one run makes both again - the topic
    # with its key, not a bare one.
    boto3.client("sns").delete_topic(TopicArn=TOPIC)
    repaired = ok(run_playbook(SITE, INVENTORY, extra_vars={"sns_kms_create_key": True, "alerting_heartbeat_enabled": False}))
    assert repaired.changed_tasks() == [
        ("amp.alerting.sns : The topic (Standard; encrypted when a key is given or created), its policy and tags",
         "sandbox-amp"),
        ("amp.alerting.lambda : Subscribe the function to the topic, with a redrive policy to that queue", "sandbox-amp")]
    assert topic_state() == (key_arn, ["lambda"])
    # (The run after a repair changes nothing: test_site's drift case shows it. The teardown of a
    # created key - scheduled for deletion - is test_packaging's, whose site and teardown create one.)


def test_given_key_encrypts_the_topic_once_its_policy_lets_amp_use_it(sandbox, monkeypatch):
    kms = boto3.client("kms")
    key = kms.create_key(Description="the team's key")["KeyMetadata"]  # KMS's default policy: the account only
    key_arn = key["Arn"]
    # Such a key would make SNS refuse every alert (KMSAccessDenied): the preflight says so, before any write.
    sandbox.clear_requests()
    refused = run_playbook(SITE, INVENTORY, extra_vars={"sns_kms_key_arn": key_arn, "alerting_heartbeat_enabled": False})
    assert refused.returncode != 0
    assert (f"sns_kms_key_arn: {key_arn}: its key policy must let AMP use the key, or SNS refuses every alert: "
            "aps.amazonaws.com may not kms:GenerateDataKey: no statement allows kms:GenerateDataKey") in refused.stdout
    assert [r for r in sandbox.requests() if not str(r["operation"]).startswith(("Describe", "List", "Get"))] == []

    account_only = kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"]
    policy = json.loads(account_only)
    policy["Statement"].append({"Sid": "AMP", "Effect": "Allow", "Principal": {"Service": "aps.amazonaws.com"},
                                "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": "*",
                                "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}})
    kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=json.dumps(policy))
    with SlackSink() as slack:
        monkeypatch.setenv("SANDBOX_SLACK_WEBHOOK_URL", slack.url)
        ok(run_playbook(SITE, INVENTORY, extra_vars={"sns_kms_key_arn": key_arn, "alerting_heartbeat_enabled": False}))
        assert topic_state() == (key_arn, ["lambda"])
        refusals, taken = fire_in_the_workspace(sandbox, "ThroughTheTeamsKey")
        assert (refusals, taken) == ([], True)
        eventually(lambda: "ThroughTheTeamsKey" in json.dumps(slack.received), 60, "the alert in Slack")

        # Later the team puts its account-only policy back: SNS refuses AMP's publishes (AMP counts and
        # logs them as failed), the alert never reaches Slack, and doctor.yml names the key as the hop.
        kms.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=account_only)
        refusals, taken = fire_in_the_workspace(sandbox, "RefusedByTheTeamsKey")
        assert not taken
        assert [(r["hop"], r["action"], r["resource"]) for r in refusals][:1] == [
            ("alertmanager->sns (kms)", "kms:GenerateDataKey", key_arn)]
        run, hops, table = doctor(INVENTORY, alerting_heartbeat_enabled=False)  # its alarm: test_pagerduty_and_heartbeat
        assert run.returncode == 2, table
        assert broken(hops) == ["topic key", "AMP notifications"], table
        refusal = f"kms:GenerateDataKey refused: no statement allows kms:GenerateDataKey on {key_arn} for aps.amazonaws.com"
        assert hops["topic key"][1] == refusal, table
        assert f"2 broken hop(s); the first: topic key - {refusal}. Fix: let aps.amazonaws.com use the key" in run.failure()
        assert "RefusedByTheTeamsKey" not in json.dumps(slack.received)
