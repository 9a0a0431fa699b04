"""site.yml's SNS → Lambda → Slack path, run for real: the sandbox executes the deployed forwarder zip.

An AMP message (as Alertmanager 0.25 renders it with the forwarder's template) is published to the
topic site.yml made; the sandbox runs the deployed function like Lambda's asynchronous invocation
(two retries, then the function's dead-letter queue); a local Slack stand-in receives the post.
"""

import json
import os
import time

from support.ansible_run import REPO, run_playbook
from support.forwarder_events import fixture_envelope
from support.slack_sink import SlackSink

INVENTORY = os.path.join(REPO, "inventories", "sandbox")
SITE = os.path.join(REPO, "site.yml")
TOPIC = "arn:aws:sns:us-east-1:123456789012:amp-sandbox-amp-alerts"
FUNCTION_DLQ = "amp-sandbox-amp-slack-forwarder-dlq"


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"nothing after {timeout}s")


def test_published_alert_reaches_slack_and_failures_end_in_the_dead_letter_queue(sandbox, aws_client, monkeypatch):
    import boto3

    with SlackSink() as slack:
        monkeypatch.setenv("SANDBOX_SLACK_WEBHOOK_URL", slack.url)
        deployed = run_playbook(SITE, INVENTORY, extra_vars={"lambda_timeout": 8})
        assert deployed.returncode == 0, deployed
        sns, sqs = boto3.client("sns"), boto3.client("sqs")
        envelope = fixture_envelope("json_template_nasty.json")

        # 1. an alert published to the topic arrives in Slack, formatted
        sns.publish(TopicArn=TOPIC, Message=envelope["Message"], Subject=envelope["Subject"])
        (posted,) = wait_for(lambda: list(slack.received))
        assert posted["blocks"][0]["text"]["text"] == ":fire: FIRING: PodHighCpu (2 alerts)"
        assert "日本語 🔥" in json.dumps(posted, ensure_ascii=False)
        assert slack.requests[0]["violations"] == []

        # 2. Slack says 429 twice, then takes it: exactly one more message, no duplicate
        slack.answer(429, "rate_limited", retry_after=1, times=2)
        sns.publish(TopicArn=TOPIC, Message=envelope["Message"], Subject=envelope["Subject"])
        wait_for(lambda: len(slack.received) == 2)
        time.sleep(2)
        assert len(slack.received) == 2 and len(slack.requests) == 4

        # 3. Slack fails every time: Lambda's two retries, then the event is kept in the function's DLQ
        slack.answer(500, "rollup_error", times=None)
        sns.publish(TopicArn=TOPIC, Message="[FIRING:1] kept, not lost", Subject="[FIRING:1] Kept")
        queue = sqs.get_queue_url(QueueName=FUNCTION_DLQ)["QueueUrl"]
        dead = wait_for(lambda: sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"],
                                                    WaitTimeSeconds=1).get("Messages"), timeout=90)
        event = json.loads(dead[0]["Body"])
        assert event["Records"][0]["Sns"]["Message"] == "[FIRING:1] kept, not lost"
        assert "HTTP 500 'rollup_error'" in dead[0]["MessageAttributes"]["ErrorMessage"]["StringValue"]
        failed = [entry for entry in sandbox.lambda_invocations()
                  if entry["outcome"] == "failed" and entry["message_id"] == event["Records"][0]["Sns"]["MessageId"]]
        assert [entry["attempt"] for entry in failed] == [1, 2, 3]
        assert len(slack.received) == 2
        # the webhook URL is in no function output
        assert not [entry for entry in sandbox.lambda_invocations() if slack.url in (entry.get("output") or "")]
