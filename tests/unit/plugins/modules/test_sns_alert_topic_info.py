"""sns_alert_topic_info with boto3 stubbed: one topic and its subscriptions, a missing topic at once."""

import json

import pytest

from ansible_collections.amp.alerting.plugins.modules import sns_alert_topic_info

ARN = "arn:aws:sns:eu-west-1:123456789012:amp-prod-alerts"
FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:amp-prod-slack-forwarder"
QUEUE = "arn:aws:sqs:eu-west-1:123456789012:amp-prod-delivery-dlq"
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "aps.amazonaws.com"},
                                                 "Action": "sns:Publish", "Resource": ARN}]}


@pytest.fixture
def run(run_module, monkeypatch):
    monkeypatch.setattr(sns_alert_topic_info, "topic_arn_of", lambda module, name: f"arn:aws:sns:{module.region}:123456789012:{name}")
    return run_module(sns_alert_topic_info, "sns")


def test_the_topic_with_its_key_policy_and_subscriptions(run):
    run.stub.add_response("get_topic_attributes", {"Attributes": {
        "TopicArn": ARN, "DisplayName": "AMP alerts for prod", "KmsMasterKeyId": "alias/amp", "Policy": json.dumps(POLICY),
        "SubscriptionsConfirmed": "1", "SubscriptionsPending": "0"}}, {"TopicArn": ARN})
    run.stub.add_response("list_tags_for_resource", {"Tags": [{"Key": "managed-by", "Value": "amp.alerting"}]}, {"ResourceArn": ARN})
    run.stub.add_response("list_subscriptions_by_topic", {"Subscriptions": [
        {"SubscriptionArn": f"{ARN}:1", "Protocol": "lambda", "Endpoint": FUNCTION, "TopicArn": ARN, "Owner": "123456789012"}]},
        {"TopicArn": ARN})
    run.stub.add_response("get_subscription_attributes", {"Attributes": {
        "SubscriptionArn": f"{ARN}:1", "TopicArn": ARN, "Protocol": "lambda", "Endpoint": FUNCTION,
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": QUEUE}), "PendingConfirmation": "false"}},
        {"SubscriptionArn": f"{ARN}:1"})
    result = run(name="amp-prod-alerts")
    assert result["changed"] is False
    assert result["topic"]["kms_master_key_id"] == "alias/amp" and result["topic"]["policy"] == POLICY
    assert result["topic"]["tags"] == {"managed-by": "amp.alerting"}
    (subscription,) = result["subscriptions"]
    assert subscription["endpoint"] == FUNCTION and subscription["redrive_policy"] == {"deadLetterTargetArn": QUEUE}


def test_a_missing_topic_is_empty_at_once(run):
    run.stub.add_client_error("get_topic_attributes", "NotFound", "Topic does not exist", 404, expected_params={"TopicArn": ARN})
    result = run(topic_arn=ARN)
    assert (result["changed"], result["topic"], result["subscriptions"]) == (False, {}, [])


def test_a_refused_read_fails_naming_the_topic(run):
    run.stub.add_client_error("get_topic_attributes", "AuthorizationError", "not authorized", 403)
    result = run(topic_arn=ARN)
    assert result["failed"] is True and result["msg"].startswith(f"Failed to read topic {ARN}")
