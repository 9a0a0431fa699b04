"""site.yml's SNS → Lambda → Slack path, run for real: the sandbox executes the deployed forwarder zip.

An AMP message (as Alertmanager 0.25 renders it with the forwarder's template) is published to the
topic site.yml made; the sandbox runs the deployed function like Lambda's asynchronous invocation
(two retries, then the function's dead-letter queue); a local Slack stand-in receives the post.
"""

import json
import os
import time

from support.ansible_run import REPO, run_playbook
from support import eventually
from support.forwarder_events import fixture_envelope
from support.slack_sink import SlackSink

INVENTORY = os.path.join(REPO, "inventories", "sandbox")
SITE = os.path.join(REPO, "site.yml")
TOPIC = "arn:aws:sns:us-east-1:123456789012:amp-sandbox-amp-alerts"
FUNCTION_DLQ = "amp-sandbox-amp-slack-forwarder-dlq"


# (No Jinja braces: extra vars given with -e are templated by Ansible.)
NASTY = 'quote " backslash \\ newline\nnext\ttab é 日本語 🔥 $labels.pod $1 &lt;b&gt;'


# One deployment for both paths into the topic (site.yml converges once for the file).
def test_alerts_reach_slack_intact_and_failures_end_in_the_dead_letter_queue(sandbox, monkeypatch):
    import boto3
    from sandbox.processes import missing_binaries

    with SlackSink() as slack:
        monkeypatch.setenv("SANDBOX_SLACK_WEBHOOK_URL", slack.url)
        deployed = run_playbook(SITE, INVENTORY, extra_vars={"lambda_timeout": 8})
        assert deployed.returncode == 0, deployed
        if missing_binaries("prometheus-alertmanager"):
            print("test_alert.yml part not run: needs prometheus-alertmanager (apt-get install prometheus-alertmanager)")
        else:
            check_test_alert_playbook_reaches_slack_with_values_intact(slack)
        slack.received.clear()
        slack.requests.clear()
        check_published_alert_reaches_slack_and_failures_end_in_the_dead_letter_queue(sandbox, slack, boto3)


def check_published_alert_reaches_slack_and_failures_end_in_the_dead_letter_queue(sandbox, slack, boto3):
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    envelope = fixture_envelope("json_template_nasty.json")

    # 1. an alert published to the topic arrives in Slack, formatted
    sns.publish(TopicArn=TOPIC, Message=envelope["Message"], Subject=envelope["Subject"])
    (posted,) = eventually(lambda: list(slack.received))
    assert posted["blocks"][0]["text"]["text"] == ":fire: FIRING: PodHighCpu (2 alerts)"
    assert "日本語 🔥" in json.dumps(posted, ensure_ascii=False)
    assert slack.requests[0]["violations"] == []

    # 2. Slack says 429 twice, then takes it: exactly one more message, no duplicate
    slack.answer(429, "rate_limited", retry_after=1, times=2)
    sns.publish(TopicArn=TOPIC, Message=envelope["Message"], Subject=envelope["Subject"])
    eventually(lambda: len(slack.received) == 2)
    time.sleep(2)
    assert len(slack.received) == 2 and len(slack.requests) == 4

    # 3. Slack fails every time: Lambda's two retries, then the event is kept in the function's DLQ
    slack.answer(500, "rollup_error", times=None)
    sns.publish(TopicArn=TOPIC, Message="[FIRING:1] kept, not lost", Subject="[FIRING:1] Kept")
    queue = sqs.get_queue_url(QueueName=FUNCTION_DLQ)["QueueUrl"]
    dead = eventually(lambda: sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"],
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


def check_test_alert_playbook_reaches_slack_with_values_intact(slack):
    """playbooks/test_alert.yml → the workspace's real Alertmanager (with the forwarder's template) →
    SNS → the deployed forwarder → Slack, firing then resolved."""
    test_alert = os.path.join(REPO, "playbooks", "test_alert.yml")
    extra = {"test_alert_labels": {"detail": NASTY}, "test_alert_annotations": {"description": NASTY}}
    sent = run_playbook(test_alert, INVENTORY, extra_vars=extra)
    assert sent.returncode == 0, sent
    (firing,) = eventually(lambda: list(slack.received), timeout=60)
    assert firing["blocks"][0]["text"]["text"] == ":fire: FIRING: AmpAlertingTestAlert (1 alert)"
    shown = json.dumps(firing, ensure_ascii=False)
    escaped = NASTY.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert json.dumps(escaped, ensure_ascii=False)[1:-1] in shown  # label field and description, intact
    section = firing["blocks"][2]
    assert section["text"]["text"].endswith("\n" + escaped)
    assert {"type": "mrkdwn", "text": f"*detail*\n{escaped}"} in section["fields"]

    resolved_run = run_playbook(test_alert, INVENTORY, extra_vars=dict(extra, test_alert_state="resolved"))
    assert resolved_run.returncode == 0, resolved_run
    resolved = eventually(lambda: slack.received[1] if len(slack.received) > 1 else None, timeout=60)
    assert resolved["blocks"][0]["text"]["text"] == ":white_check_mark: RESOLVED: AmpAlertingTestAlert (1 alert)"
