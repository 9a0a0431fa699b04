"""sns_subscription_info with boto3 stubbed: what the lambda role's drift check relies on."""

import json

import pytest

from ansible_collections.amp.alerting.plugins.modules import sns_subscription_info

TOPIC = "arn:aws:sns:eu-west-1:123456789012:amp-alerts"
FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:amp-slack-forwarder"
QUEUE = "arn:aws:sqs:eu-west-1:123456789012:amp-delivery-dlq"


@pytest.fixture
def run(run_module):
    return run_module(sns_subscription_info, "sns")


def attributes(arn, **extra):
    data = {"SubscriptionArn": arn, "TopicArn": TOPIC, "Protocol": "lambda", "Endpoint": FUNCTION,
            "Owner": "123456789012", "PendingConfirmation": "false", "ConfirmationWasAuthenticated": "true",
            "RawMessageDelivery": "false"}
    data.update(extra)
    return {"Attributes": data}


def test_a_subscription_with_its_redrive_policy_parsed(run):
    arn = f"{TOPIC}:0f1e"
    run.stub.add_response("get_subscription_attributes",
                          attributes(arn, RedrivePolicy=json.dumps({"deadLetterTargetArn": QUEUE})),
                          {"SubscriptionArn": arn})
    (subscription,) = run(subscription_arn=arn)["subscriptions"]
    assert subscription["redrive_policy"] == {"deadLetterTargetArn": QUEUE}
    assert subscription["endpoint"] == FUNCTION and subscription["protocol"] == "lambda"
    assert subscription["pending_confirmation"] is False and subscription["raw_message_delivery"] is False
    assert subscription["filter_policy"] is None and subscription["filter_policy_scope"] is None


def test_a_subscription_that_lost_its_redrive_policy_shows_none(run):
    arn = f"{TOPIC}:0f1e"
    run.stub.add_response("get_subscription_attributes", attributes(arn), {"SubscriptionArn": arn})
    assert run(subscription_arn=arn)["subscriptions"][0]["redrive_policy"] is None


def test_an_unsubscribed_subscription_is_an_empty_list_not_an_error(run):
    arn = f"{TOPIC}:gone"
    run.stub.add_client_error("get_subscription_attributes", "NotFound", "Subscription does not exist", 404,
                              expected_params={"SubscriptionArn": arn})
    result = run(subscription_arn=arn)
    assert result["changed"] is False and result["subscriptions"] == []


def test_access_denied_fails_naming_the_subscription(run):
    arn = f"{TOPIC}:0f1e"
    run.stub.add_client_error("get_subscription_attributes", "AuthorizationError", "not authorized", 403,
                              expected_params={"SubscriptionArn": arn})
    result = run(subscription_arn=arn)
    assert result["failed"] is True
    assert result["msg"].startswith(f"Failed to read the attributes of subscription {arn}")


def test_every_subscription_of_a_topic_over_pages_pending_ones_without_attributes(run):
    first, second = f"{TOPIC}:1", f"{TOPIC}:2"
    run.stub.add_response("list_subscriptions_by_topic", {
        "Subscriptions": [{"SubscriptionArn": first, "TopicArn": TOPIC, "Protocol": "lambda", "Endpoint": FUNCTION,
                           "Owner": "123456789012"}], "NextToken": "t"}, {"TopicArn": TOPIC})
    run.stub.add_response("list_subscriptions_by_topic", {
        "Subscriptions": [{"SubscriptionArn": "PendingConfirmation", "TopicArn": TOPIC, "Protocol": "email",
                           "Endpoint": "oncall@example.com", "Owner": "123456789012"},
                          {"SubscriptionArn": second, "TopicArn": TOPIC, "Protocol": "sqs", "Endpoint": QUEUE,
                           "Owner": "123456789012"}]}, {"TopicArn": TOPIC, "NextToken": "t"})
    run.stub.add_response("get_subscription_attributes", attributes(first), {"SubscriptionArn": first})
    run.stub.add_client_error("get_subscription_attributes", "NotFound", "gone meanwhile", 404,
                              expected_params={"SubscriptionArn": second})
    subscriptions = run(topic_arn=TOPIC)["subscriptions"]
    assert [(s["subscription_arn"], s["pending_confirmation"]) for s in subscriptions] == [
        (first, False), ("PendingConfirmation", True)]
    assert subscriptions[1]["endpoint"] == "oncall@example.com"


def test_a_topic_that_does_not_exist_has_no_subscriptions(run):
    run.stub.add_client_error("list_subscriptions_by_topic", "NotFound", "Topic does not exist", 404,
                              expected_params={"TopicArn": TOPIC})
    assert run(topic_arn=TOPIC)["subscriptions"] == []


def test_a_filter_policy_is_parsed_with_its_scope(run):
    arn = f"{TOPIC}:0f1e"
    run.stub.add_response("get_subscription_attributes",
                          attributes(arn, FilterPolicy='{"severity": ["critical"]}', FilterPolicyScope="MessageAttributes",
                                     RawMessageDelivery="true"), {"SubscriptionArn": arn})
    (subscription,) = run(subscription_arn=arn)["subscriptions"]
    assert subscription["filter_policy"] == {"severity": ["critical"]}
    assert subscription["filter_policy_scope"] == "MessageAttributes" and subscription["raw_message_delivery"] is True
