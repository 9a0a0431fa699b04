"""Sandbox: CloudWatch alarms evaluate the datapoints it holds, as CloudWatch documents, and notify SNS.

The heartbeat's watcher (issue 27 §5) depends on it: missing data treated as breaching turns the alarm
to ALARM after its periods, a datapoint in each period keeps it OK, and each change reaches the
topics of the new state's actions."""

import json
import time

from support import eventually


def alarm_queue(aws_client, name):
    """A topic for the alarm's actions, and a queue subscribed to it (what a fallback subscriber receives)."""
    sns, sqs = aws_client("sns"), aws_client("sqs")
    topic = sns.create_topic(Name=name)["TopicArn"]
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "false"})
    return topic, queue_url


def received(aws_client, queue_url):
    messages = aws_client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return [json.loads(json.loads(m["Body"])["Message"]) for m in messages.get("Messages", [])]


def beat(aws_client, alias):
    aws_client("cloudwatch").put_metric_data(Namespace="AmpAlerting", MetricData=[{
        "MetricName": "Heartbeat", "Dimensions": [{"Name": "WorkspaceAlias", "Value": alias}], "Value": 1.0,
        "StorageResolution": 1}])


def put_heartbeat_alarm(aws_client, alias, topic, treat="breaching"):
    aws_client("cloudwatch").put_metric_alarm(
        AlarmName=f"amp-{alias}-heartbeat", Namespace="AmpAlerting", MetricName="Heartbeat",
        Dimensions=[{"Name": "WorkspaceAlias", "Value": alias}], Statistic="SampleCount", Period=10,
        EvaluationPeriods=2, Threshold=1.0, ComparisonOperator="LessThanThreshold", TreatMissingData=treat,
        AlarmActions=[topic], OKActions=[topic])


def state(aws_client, alias):
    return aws_client("cloudwatch").describe_alarms(AlarmNames=[f"amp-{alias}-heartbeat"])["MetricAlarms"][0]["StateValue"]


def test_missing_heartbeats_turn_the_alarm_to_alarm_and_fresh_ones_back_to_ok(sandbox, aws_client):
    topic, queue = alarm_queue(aws_client, "fallback-alarm")
    put_heartbeat_alarm(aws_client, "silent", topic)
    (message,) = eventually(lambda: received(aws_client, queue), timeout=30, what="the ALARM notification")
    assert (message["AlarmName"], message["NewStateValue"]) == ("amp-silent-heartbeat", "ALARM")
    assert message["NewStateReason"].startswith("Threshold Crossed: 2 of the last 2 datapoint(s) of 10 s breaching")
    assert state(aws_client, "silent") == "ALARM"

    def beating_and_ok():
        beat(aws_client, "silent")
        return state(aws_client, "silent") == "OK"
    eventually(beating_and_ok, timeout=40, interval=2, what="OK once heartbeats come in each period")
    ok = eventually(lambda: received(aws_client, queue), timeout=10, what="the OK notification")
    assert [m["NewStateValue"] for m in ok] == ["OK"]


def test_missing_data_not_breaching_keeps_a_silent_alarm_out_of_alarm(sandbox, aws_client):
    topic, queue = alarm_queue(aws_client, "fallback-quiet")
    put_heartbeat_alarm(aws_client, "quiet", topic, treat="missing")
    time.sleep(3)
    assert state(aws_client, "quiet") == "INSUFFICIENT_DATA"  # as a new alarm on AWS, without data
    assert received(aws_client, queue) == []
