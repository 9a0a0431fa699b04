"""sns_subscription with boto3 stubbed: the forwarder's subscription and its redrive policy, made again
or set back after drift, and nothing written when it is as asked."""

import json

import pytest

from ansible_collections.amp.alerting.plugins.modules import sns_subscription

TOPIC = "arn:aws:sns:eu-west-1:123456789012:amp-alerts"
FUNCTION = "arn:aws:lambda:eu-west-1:123456789012:function:amp-slack-forwarder"
QUEUE = "arn:aws:sqs:eu-west-1:123456789012:amp-delivery-dlq"
ARN = f"{TOPIC}:0f1e"
ARGS = {"topic_arn": TOPIC, "protocol": "lambda", "endpoint": FUNCTION,
        "attributes": {"RedrivePolicy": {"deadLetterTargetArn": QUEUE}}}
REDRIVE = json.dumps({"deadLetterTargetArn": QUEUE}, sort_keys=True, separators=(",", ":"))


@pytest.fixture
def run(run_module):
    return run_module(sns_subscription, "sns")


def listed(run, *subscriptions):
    run.stub.add_response("list_subscriptions_by_topic", {"Subscriptions": [
        {"SubscriptionArn": arn, "Owner": "123456789012", "Protocol": protocol, "Endpoint": endpoint, "TopicArn": TOPIC}
        for arn, protocol, endpoint in subscriptions]}, {"TopicArn": TOPIC})


def attributes(run, **extra):
    data = {"SubscriptionArn": ARN, "TopicArn": TOPIC, "Protocol": "lambda", "Endpoint": FUNCTION, "Owner": "123456789012",
            "PendingConfirmation": "false", "RawMessageDelivery": "false"}
    data.update(extra)
    run.stub.add_response("get_subscription_attributes", {"Attributes": data}, {"SubscriptionArn": ARN})


def test_a_missing_subscription_is_made_with_its_redrive_policy(run):
    listed(run, (f"{TOPIC}:other", "email", "oncall@example.com"))
    run.stub.add_response("subscribe", {"SubscriptionArn": ARN}, {
        "TopicArn": TOPIC, "Protocol": "lambda", "Endpoint": FUNCTION, "ReturnSubscriptionArn": True,
        "Attributes": {"RedrivePolicy": REDRIVE}})
    attributes(run, RedrivePolicy=REDRIVE)
    result = run(**ARGS)
    assert result["changed"] is True
    assert result["subscription"]["redrive_policy"] == {"deadLetterTargetArn": QUEUE}


def test_a_subscription_as_asked_writes_nothing(run):
    listed(run, (ARN, "lambda", FUNCTION))
    attributes(run, RedrivePolicy=json.dumps({"deadLetterTargetArn": QUEUE}))  # SNS's own spacing
    assert run(**ARGS)["changed"] is False


def test_a_stripped_redrive_policy_is_set_back(run):
    listed(run, (ARN, "lambda", FUNCTION))
    attributes(run)
    run.stub.add_response("set_subscription_attributes", {}, {
        "SubscriptionArn": ARN, "AttributeName": "RedrivePolicy", "AttributeValue": REDRIVE})
    attributes(run, RedrivePolicy=REDRIVE)
    result = run(**ARGS, _ansible_diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"]["redrive_policy"] is None
    assert result["diff"]["after"]["redrive_policy"] == {"deadLetterTargetArn": QUEUE}


def test_a_missing_topic_fails_naming_it_and_check_mode_predicts_the_subscription(run):
    run.stub.add_client_error("list_subscriptions_by_topic", "NotFound", "Topic does not exist", 404)
    result = run(**ARGS)
    assert result["failed"] is True and f"topic {TOPIC} does not exist" in result["msg"]

    run.stub.add_client_error("list_subscriptions_by_topic", "NotFound", "Topic does not exist", 404)
    result = run(**ARGS, _ansible_check_mode=True)
    assert result["changed"] is True
    assert result["subscription"]["redrive_policy"] == {"deadLetterTargetArn": QUEUE}


def test_a_pending_subscription_is_left_alone(run):
    listed(run, ("PendingConfirmation", "email", "oncall@example.com"))
    result = run(topic_arn=TOPIC, protocol="email", endpoint="oncall@example.com")
    assert result["changed"] is False and result["subscription"]["pending_confirmation"] is True


def test_absent_unsubscribes_and_a_missing_one_is_nothing_to_do(run):
    listed(run, (ARN, "lambda", FUNCTION))
    run.stub.add_response("unsubscribe", {}, {"SubscriptionArn": ARN})
    assert run(**dict(ARGS, state="absent"))["changed"] is True
    run.stub.add_client_error("list_subscriptions_by_topic", "NotFound", "Topic does not exist", 404)
    assert run(**dict(ARGS, state="absent"))["changed"] is False


def test_an_attribute_sns_does_not_let_a_caller_set_is_refused_before_any_call(run):
    result = run(**dict(ARGS, attributes={"Owner": "someone"}, topic_arn="amp-alerts"))
    assert result["failed"] is True
    assert result["msg"].startswith("attributes: Owner is not a subscription attribute SNS lets a caller set")
    assert "topic_arn: 'amp-alerts' is not an ARN" in result["msg"]
