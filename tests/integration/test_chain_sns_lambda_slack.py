"""site.yml's SNS → Lambda → Slack path, run for real: the sandbox executes the deployed forwarder zip.

An AMP message (as Alertmanager 0.25 renders it with the forwarder's template) is published to the
topic site.yml made; the sandbox runs the deployed function like Lambda's asynchronous invocation
(two retries, then the function's dead-letter queue); a local Slack stand-in receives the post.
On the same deployment, doctor.yml names each hop that is broken: a failing Slack and an execution
role that may not read the webhook, then the topic policy and the function policy, then the delivery
queue's policy (the sandbox refuses as AWS does). (A subscription deleted by hand is test_site's drift case; the doctor's verdict
on it is unit-tested.)
"""

import json
import os
import re
import time

from support.alertmanager import post_alerts
from support.ansible_run import REPO, run_playbook
from support.doctor_run import broken, doctor
from support import eventually
from support.forwarder_events import fixture_envelope
from support.slack_sink import SlackSink

INVENTORY = os.path.join(REPO, "inventories", "sandbox")
SITE = os.path.join(REPO, "site.yml")
TOPIC = "arn:aws:sns:us-east-1:123456789012:amp-sandbox-amp-alerts"
FUNCTION = "amp-sandbox-amp-slack-forwarder"
FUNCTION_DLQ = f"{FUNCTION}-dlq"
DELIVERY_DLQ = f"{FUNCTION}-delivery-dlq"


# (No Jinja braces: extra vars given with -e are templated by Ansible.)
NASTY = 'quote " backslash \\ newline\nnext\ttab é 日本語 🔥 $labels.pod $1 &lt;b&gt;'


# One deployment for both paths into the topic (site.yml converges once for the file).
def test_alerts_reach_slack_intact_and_failures_end_in_the_dead_letter_queue(sandbox, monkeypatch):
    import boto3
    from sandbox.processes import missing_binaries

    with SlackSink() as slack:
        monkeypatch.setenv("SANDBOX_SLACK_WEBHOOK_URL", slack.url)
        # the heartbeat is test_pagerduty_and_heartbeat's: here the data plane is off most of the time (no
        # rule is evaluated, no heartbeat), and its alarm would be one more broken hop in every verdict
        deployed = run_playbook(SITE, INVENTORY, extra_vars={"lambda_timeout": 8, "workspace_logging_enabled": True,
                                                             "alerting_heartbeat_enabled": False})
        assert deployed.returncode == 0, deployed
        if missing_binaries("prometheus-alertmanager"):
            print("test_alert.yml part not run: needs prometheus-alertmanager (apt-get install prometheus-alertmanager)")
        else:
            check_test_alert_playbook_reaches_slack_with_values_intact(slack)
        slack.received.clear()
        slack.requests.clear()
        check_published_alert_reaches_slack_and_failures_end_in_the_dead_letter_queue(sandbox, slack, boto3)
        check_doctor_names_each_broken_hop(sandbox, slack, boto3)


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
    assert "HTTP 500 rollup_error" in dead[0]["MessageAttributes"]["ErrorMessage"]["StringValue"]
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


def check_doctor_names_each_broken_hop(sandbox, slack, boto3):
    sns, sqs, lam = boto3.client("sns"), boto3.client("sqs"), boto3.client("lambda")
    workspace = boto3.client("amp").list_workspaces(alias="sandbox-amp")["workspaces"][0]
    endpoint = boto3.client("amp").describe_workspace(workspaceId=workspace["workspaceId"])["workspace"]["prometheusEndpoint"]

    # 1. after step 3 above (Slack answered 500 to everything, the event is in the function's DLQ), the
    # execution role loses the right to read the webhook parameter: SSM refuses the forwarder, its next
    # event ends in the DLQ too. The doctor names the role first, then the queue and the last failure.
    iam = boto3.client("iam")
    role_policy = iam.get_role_policy(RoleName=FUNCTION, PolicyName="slack-forwarder")["PolicyDocument"]
    no_parameter = dict(role_policy, Statement=[s for s in role_policy["Statement"] if s.get("Sid") != "WebhookParameter"])
    iam.put_role_policy(RoleName=FUNCTION, PolicyName="slack-forwarder", PolicyDocument=json.dumps(no_parameter))
    queue = sqs.get_queue_url(QueueName=FUNCTION_DLQ)["QueueUrl"]
    sns.publish(TopicArn=TOPIC, Message="[FIRING:1] unread webhook", Subject="[FIRING:1] Unread")
    eventually(lambda: int(sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])
                           ["Attributes"]["ApproximateNumberOfMessages"]) == 2, 60, "the second event dead-lettered")
    sandbox.clear_requests()
    run, hops, table = doctor(INVENTORY, alerting_heartbeat_enabled=False)
    assert run.returncode == 2
    writes = [r for r in sandbox.requests() if not str(r["operation"]).startswith(("Describe", "List", "Get", "Filter"))]
    assert writes == [], "the doctor wrote to AWS"
    assert broken(hops) == ["execution role", "function dead-letter queue", "forwarder errors"], table
    assert hops["execution role"][1].startswith("ssm:GetParameter on /amp-alerting/sandbox-amp/slack-webhook refused"), table
    assert hops["function dead-letter queue"][1].startswith(f"{FUNCTION_DLQ}: 2 events the function failed")
    assert "AccessDeniedException" in hops["forwarder errors"][1] and "ssm:GetParameter" in hops["forwarder errors"][1]
    assert "3 broken hop(s); the first: execution role - " in run.failure()
    assert slack.url not in json.dumps(run.output)  # the webhook is never printed

    # 2. Slack is back, the queue purged, one alert delivered: every hop ok, and a test alert through the
    # workspace's alertmanager reaches Slack, timed
    slack.heal()
    iam.put_role_policy(RoleName=FUNCTION, PolicyName="slack-forwarder", PolicyDocument=json.dumps(role_policy))
    sqs.purge_queue(QueueUrl=queue)
    received = len(slack.received)
    sns.publish(TopicArn=TOPIC, Message="[FIRING:1] back", Subject="[FIRING:1] Back")
    eventually(lambda: len(slack.received) > received)
    sandbox.set_data_plane(True)
    try:
        run, hops, table = doctor(INVENTORY, alerting_heartbeat_enabled=False, doctor_send_test_alert=True,
                                  doctor_delivery_timeout=60)
        assert run.returncode == 0, table
        assert set(status for status, _detail in hops.values()) == {"ok"}, table
        assert re.match(r"[0-9]+ failure\(s\) in the last 60 min, then deliveries", hops["forwarder errors"][1])
        assert hops["test alert"][1].startswith("delivered to Slack ") and " s after it was sent (probe doctor-" in hops["test alert"][1]
        assert "ok      test alert" in table
        assert any("AmpAlertingDoctorProbe" in json.dumps(message) for message in slack.received)

        # 3. the topic policy names another workspace, and the function lost SNS's permission: an alert
        # AMP's alertmanager sends is refused (AMP logs and counts it), one published to the topic goes
        # to the subscription's dead-letter queue. Then the queue's policy is replaced by one that does
        # not let SNS send: the next such alert is lost, not queued. Nothing reaches Slack; the doctor
        # names the three hops (its verdict on a queue's backlog alone is unit-tested).
        policy = sns.get_topic_attributes(TopicArn=TOPIC)["Attributes"]["Policy"]
        elsewhere = workspace["arn"].replace(workspace["workspaceId"], "ws-00000000-0000-0000-0000-000000000000")
        sns.set_topic_attributes(TopicArn=TOPIC, AttributeName="Policy", AttributeValue=policy.replace(workspace["arn"], elsewhere))
        statement = json.loads(lam.get_policy(FunctionName=FUNCTION)["Policy"])["Statement"][0]["Sid"]
        lam.remove_permission(FunctionName=FUNCTION, StatementId=statement)
        received = len(slack.received)
        post_alerts(endpoint + "alertmanager", [{"labels": {"alertname": "RefusedByTheTopicPolicy"}}])
        eventually(lambda: [r for r in sandbox.refusals() if r["workspace_id"] == workspace["workspaceId"]], 30,
                   "AMP's publish refused")
        sns.publish(TopicArn=TOPIC, Message="[FIRING:1] no permission", Subject="[FIRING:1] No permission")
        delivery_dlq = sqs.get_queue_url(QueueName=DELIVERY_DLQ)["QueueUrl"]
        eventually(lambda: int(sqs.get_queue_attributes(QueueUrl=delivery_dlq, AttributeNames=["ApproximateNumberOfMessages"])
                               ["Attributes"]["ApproximateNumberOfMessages"]), 30, "the undeliverable alert redriven")
        sqs.set_queue_attributes(QueueUrl=delivery_dlq, Attributes={"Policy": json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                                                    "Action": "sqs:*", "Resource": "*"}]})})
        sns.publish(TopicArn=TOPIC, Message="[FIRING:1] nowhere", Subject="[FIRING:1] Nowhere")
        (lost,) = eventually(lambda: [e for e in sandbox.lambda_invocations() if e["outcome"] == "redrive_refused"], 30,
                             "the undeliverable alert refused by the queue")
        assert lost["target"].endswith(":" + DELIVERY_DLQ)
        assert int(sqs.get_queue_attributes(QueueUrl=delivery_dlq, AttributeNames=["ApproximateNumberOfMessages"])
                   ["Attributes"]["ApproximateNumberOfMessages"]) == 1  # the first one only
        run, hops, table = doctor(INVENTORY, alerting_heartbeat_enabled=False)
        assert run.returncode == 2
        assert broken(hops) == ["topic policy", "invoke permission", "delivery dead-letter queue", "AMP notifications"], table
        assert "needs ArnEquals aws:SourceArn" in hops["topic policy"][1]
        assert hops["delivery dead-letter queue"][1].startswith("sqs:SendMessage refused: no statement allows sqs:SendMessage"), table
        # counted since the chain last delivered (step 2's test alert): AMP's refusals came after it
        assert re.match(r"[1-9][0-9]* failed, 0 throttled since the last delivery \([0-9: -]+ UTC\) \(CloudWatch "
                        r"AWS/Prometheus\)", hops["AMP notifications"][1]), hops["AMP notifications"]
        assert "AMP is not authorized to perform: SNS:Publish on resource: " + TOPIC in hops["AMP notifications"][1]
        assert "4 broken hop(s); the first: topic policy - sns:Publish refused" in run.failure()
        time.sleep(2)
        assert len(slack.received) == received
    finally:
        sandbox.set_data_plane(False)
