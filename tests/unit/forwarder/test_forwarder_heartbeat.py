"""The chain's heartbeat (issue 27 §5): the forwarder records it as a CloudWatch datapoint, never posts it.

Against the sandbox's CloudWatch (moto), over AWS JSON 1.0 signed as the forwarder signs its calls."""

import datetime
import json

import pytest


def heartbeat_record(status="firing", workspace="ws-0f1e", message_id="hb-1"):
    attributes = {"status": {"Type": "String", "Value": status}, "severity": {"Type": "String", "Value": "none"}}
    if workspace is not None:
        attributes["heartbeat"] = {"Type": "String", "Value": workspace}
    return {"EventSource": "aws:sns", "Sns": {"MessageId": message_id, "Subject": "[FIRING:1] AmpAlertingHeartbeat",
                                              "Message": json.dumps({"status": status, "alerts": []}),
                                              "MessageAttributes": attributes}}


def heartbeats(aws_client, workspace):
    now = datetime.datetime.now(datetime.timezone.utc)
    points = aws_client("cloudwatch").get_metric_statistics(
        Namespace="AmpAlerting", MetricName="Heartbeat", Dimensions=[{"Name": "WorkspaceAlias", "Value": workspace}],
        StartTime=now - datetime.timedelta(minutes=5), EndTime=now + datetime.timedelta(minutes=1), Period=60,
        Statistics=["SampleCount"])["Datapoints"]
    return sum(point["SampleCount"] for point in points)


def test_a_firing_heartbeat_is_a_datapoint_of_its_workspace_and_no_slack_message(
        forwarder, sandbox, aws_client, webhook_env, slack, capsys):
    result = forwarder.forward_alerts_to_slack({"Records": [heartbeat_record(workspace="ws-beat")]})
    assert result == {"delivered": 1}
    assert heartbeats(aws_client, "ws-beat") == 1
    assert slack.received == []
    (line,) = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    assert (line["event"], line["outcome"], line["workspace"]) == ("heartbeat", "heartbeat", "ws-beat")


def test_a_resolved_heartbeat_records_nothing_and_an_ordinary_alert_still_goes_to_slack(
        forwarder, sandbox, aws_client, webhook_env, slack):
    alert = heartbeat_record(workspace=None, message_id="alert-1")
    alert["Sns"]["Message"] = "[FIRING:1] HostDown"
    forwarder.forward_alerts_to_slack({"Records": [heartbeat_record("resolved", "ws-gone"), alert]})
    assert heartbeats(aws_client, "ws-gone") == 0
    assert len(slack.received) == 1


def test_a_refused_heartbeat_fails_the_event_so_lambda_retries_it(forwarder, sandbox, webhook_env, slack, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens: CloudWatch unreachable
    with pytest.raises(forwarder.ForwardError, match="1 of 1 SNS record.* CloudWatch PutMetricData AmpAlerting/Heartbeat"):
        forwarder.forward_alerts_to_slack({"Records": [heartbeat_record()]})
    assert slack.received == []
