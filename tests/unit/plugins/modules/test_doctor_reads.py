"""The read-only modules doctor.yml relies on, with boto3 stubbed: sqs_queue_info,
cloudwatchlogs_log_events_info, cloudwatch_metric_info, lambda_policy_info."""

import json
from unittest import mock

import pytest
from botocore.stub import ANY

from ansible_collections.amp.alerting.plugins.modules import cloudwatch_metric_info
from ansible_collections.amp.alerting.plugins.modules import cloudwatchlogs_log_events_info
from ansible_collections.amp.alerting.plugins.modules import lambda_policy_info
from ansible_collections.amp.alerting.plugins.modules import sqs_queue_info

QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/amp-dlq"
QUEUE_ARN = "arn:aws:sqs:eu-west-1:123456789012:amp-dlq"
GROUP = "/aws/lambda/amp-prod-slack-forwarder"


@pytest.fixture
def sqs(run_module):
    return run_module(sqs_queue_info, "sqs")


@pytest.fixture
def logs(run_module):
    return run_module(cloudwatchlogs_log_events_info, "logs")


@pytest.fixture
def cloudwatch(run_module):
    return run_module(cloudwatch_metric_info, "cloudwatch")


def test_a_queue_by_name_with_its_counts_and_policy(sqs):
    policy = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}}]}
    sqs.stub.add_response("get_queue_url", {"QueueUrl": QUEUE_URL}, {"QueueName": "amp-dlq"})
    sqs.stub.add_response("get_queue_attributes", {"Attributes": {
        "QueueArn": QUEUE_ARN, "ApproximateNumberOfMessages": "3", "ApproximateNumberOfMessagesNotVisible": "1",
        "ApproximateNumberOfMessagesDelayed": "0", "MessageRetentionPeriod": "1209600", "Policy": json.dumps(policy)}},
        {"QueueUrl": QUEUE_URL, "AttributeNames": ["All"]})
    result = sqs(queue_name="amp-dlq")
    assert result["changed"] is False and result["exists"] is True
    queue = result["queue"]
    assert (queue["queue_arn"], queue["approximate_number_of_messages"], queue["approximate_number_of_messages_not_visible"]) \
        == (QUEUE_ARN, 3, 1)
    assert queue["policy"] == policy and queue["redrive_policy"] is None


def test_a_missing_queue_is_not_an_error(sqs):
    sqs.stub.add_client_error("get_queue_url", "AWS.SimpleQueueService.NonExistentQueue", "no such queue", 400)
    result = sqs(queue_name="gone")
    assert (result["changed"], result["exists"], result["queue"], "failed" in result) == (False, False, {}, False)


def test_access_denied_on_a_queue_fails_naming_it(sqs):
    sqs.stub.add_client_error("get_queue_attributes", "AccessDenied", "not authorized", 403)
    result = sqs(queue_url=QUEUE_URL)
    assert result["failed"] is True and result["msg"].startswith(f"Failed to read the attributes of queue {QUEUE_URL}")


def test_log_events_of_the_last_minutes_with_the_pattern(logs):
    logs.stub.add_response("filter_log_events", {"events": [
        {"timestamp": 1, "message": '{"outcome": "failed"}', "logStreamName": "s1"},
        {"timestamp": 2, "message": '{"outcome": "failed"}', "logStreamName": "s2"}]},
        {"logGroupName": GROUP, "startTime": ANY, "filterPattern": "failed"})
    with mock.patch("time.time", return_value=10_000):
        result = logs(log_group_name=GROUP, filter_pattern="failed", since_minutes=60)
    assert result["exists"] is True and result["truncated"] is False
    assert [event["log_stream_name"] for event in result["events"]] == ["s1", "s2"]


def test_log_events_beyond_the_limit_are_counted_as_truncated(logs):
    logs.stub.add_response("filter_log_events", {"events": [
        {"timestamp": n, "message": str(n), "logStreamName": "s"} for n in range(3)]})
    result = logs(log_group_name=GROUP, limit=2)
    assert [event["message"] for event in result["events"]] == ["0", "1"] and result["truncated"] is True


def test_a_missing_log_group_is_no_events_not_an_error(logs):
    logs.stub.add_client_error("filter_log_events", "ResourceNotFoundException", "no group", 400)
    result = logs(log_group_name=GROUP)
    assert (result["exists"], result["events"], result["failed"] if "failed" in result else False) == (False, [], False)


def test_a_window_of_zero_minutes_is_refused_before_any_call(logs):
    result = logs(log_group_name=GROUP, since_minutes=0)
    assert result["failed"] is True and result["msg"] == "since_minutes must be 1 or more, not 0"


def test_metrics_found_by_dimension_and_summed_over_the_window(cloudwatch):
    dims = [{"Name": "Integration", "Value": "sns"}, {"Name": "Workspace", "Value": "ws-1"}]
    cloudwatch.stub.add_response("list_metrics", {"Metrics": [
        {"Namespace": "AWS/Prometheus", "MetricName": "AlertManagerNotificationsFailedByIntegration", "Dimensions": dims}]},
        {"Namespace": "AWS/Prometheus", "MetricName": "AlertManagerNotificationsFailedByIntegration",
         "Dimensions": [{"Name": "Workspace", "Value": "ws-1"}]})
    cloudwatch.stub.add_response("get_metric_statistics", {"Datapoints": [{"Sum": 2.0}, {"Sum": 3.0}]},
                                 {"Namespace": "AWS/Prometheus", "MetricName": "AlertManagerNotificationsFailedByIntegration",
                                  "Dimensions": dims, "StartTime": ANY, "EndTime": ANY, "Period": 300,
                                  "Statistics": ["Sum"]})
    result = cloudwatch(namespace="AWS/Prometheus", metric_names=["AlertManagerNotificationsFailedByIntegration"],
                        dimensions={"Workspace": "ws-1"})
    assert result["metrics"] == [{"metric_name": "AlertManagerNotificationsFailedByIntegration",
                                  "dimensions": {"Integration": "sns", "Workspace": "ws-1"}, "datapoints": 2,
                                  "value": 5.0}]


def test_points_tell_when_each_failure_was_counted_oldest_first(cloudwatch):
    import datetime
    metric = {"Namespace": "AWS/Prometheus", "MetricName": "AlertManagerNotificationsFailed",
              "Dimensions": [{"Name": "Workspace", "Value": "ws-1"}]}
    cloudwatch.stub.add_response("list_metrics", {"Metrics": [metric]})
    late, early = (datetime.datetime(2026, 12, 5, 10, minute, tzinfo=datetime.timezone.utc) for minute in (7, 2))
    cloudwatch.stub.add_response("get_metric_statistics", {"Datapoints": [{"Sum": 1.0, "Timestamp": late},
                                                                          {"Sum": 4.0, "Timestamp": early}]})
    (found,) = cloudwatch(namespace="AWS/Prometheus", metric_names=["AlertManagerNotificationsFailed"], period=60,
                          dimensions={"Workspace": "ws-1"}, include_points=True)["metrics"]
    assert found["points"] == [{"timestamp": early.timestamp(), "value": 4.0}, {"timestamp": late.timestamp(), "value": 1.0}]
    assert found["value"] == 5.0


def test_maximum_takes_the_largest_and_no_datapoint_is_null(cloudwatch):
    metric = {"Namespace": "AWS/SQS", "MetricName": "ApproximateAgeOfOldestMessage",
              "Dimensions": [{"Name": "QueueName", "Value": "q"}]}
    cloudwatch.stub.add_response("list_metrics", {"Metrics": [metric]})
    cloudwatch.stub.add_response("list_metrics", {"Metrics": [dict(metric, MetricName="NumberOfMessagesSent")]})
    cloudwatch.stub.add_response("get_metric_statistics", {"Datapoints": [{"Maximum": 60.0}, {"Maximum": 360.0}]})
    cloudwatch.stub.add_response("get_metric_statistics", {"Datapoints": []})
    result = cloudwatch(namespace="AWS/SQS", metric_names=["ApproximateAgeOfOldestMessage", "NumberOfMessagesSent"],
                        dimensions={"QueueName": "q"}, statistic="Maximum")
    assert [(m["metric_name"], m["value"]) for m in result["metrics"]] == [
        ("ApproximateAgeOfOldestMessage", 360.0), ("NumberOfMessagesSent", None)]


def test_a_period_that_is_not_whole_minutes_is_refused_before_any_call(cloudwatch):
    result = cloudwatch(namespace="AWS/SQS", metric_names=["X"], period=90)
    assert result["failed"] is True and result["msg"] == "period must be a multiple of 60 seconds, not 90"


@pytest.fixture
def lambda_(run_module):
    return run_module(lambda_policy_info, "lambda")


def test_a_function_policy_is_returned_as_lambda_has_it_not_snake_cased(lambda_):
    policy = {"Version": "2012-10-17", "Statement": [{
        "Sid": "sns", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "lambda:InvokeFunction",
        "Resource": "arn:aws:lambda:eu-west-1:123456789012:function:fn",
        "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:sns:eu-west-1:123456789012:alerts"}}}]}
    lambda_.stub.add_response("get_policy", {"Policy": json.dumps(policy), "RevisionId": "r1"}, {"FunctionName": "fn"})
    result = lambda_(function_name="fn")
    assert (result["exists"], result["policy"], result["revision_id"]) == (True, policy, "r1")


@pytest.mark.parametrize("function_exists", [True, False])
def test_no_policy_and_no_function_are_told_apart(lambda_, function_exists):
    lambda_.stub.add_client_error("get_policy", "ResourceNotFoundException", "not found", 404)
    if function_exists:
        lambda_.stub.add_response("get_function_configuration", {"FunctionName": "fn"}, {"FunctionName": "fn"})
    else:
        lambda_.stub.add_client_error("get_function_configuration", "ResourceNotFoundException", "not found", 404)
    result = lambda_(function_name="fn")
    assert (result["exists"], result["policy"]) == (function_exists, None)


def test_the_newest_log_events_are_kept_when_asked(logs):
    logs.stub.add_response("filter_log_events", {"events": [
        {"timestamp": n, "message": str(n), "logStreamName": "s"} for n in range(5)]})
    result = logs(log_group_name=GROUP, limit=2, newest=True)
    assert [event["message"] for event in result["events"]] == ["3", "4"] and result["truncated"] is True
