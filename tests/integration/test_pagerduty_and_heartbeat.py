"""Alerts that reach someone, and a chain that says when it can't (issue 27), run for real on one deployment.

PagerDuty destinations (§2-4): site.yml with alerting_pagerduty_destinations and
a route naming one keeps the key in a Secrets Manager secret only AMP acting for this workspace may
read; the workspace's real Alertmanager (0.25) pages the sandbox's PagerDuty Events API stand-in with
it, trigger then resolve with one dedup_key; a secret policy edited by hand stops the page, the doctor
names the secret's hop, the next run repairs it and the doctor reads ok at once (AMP's failures before the
chain's last delivery are history); a removed destination's secret is scheduled for deletion, said in the
output.

The heartbeat (§5): the always-firing heartbeat alert reaches the forwarder, which records it in
CloudWatch and posts nothing to Slack; the heartbeat alarm (the sandbox evaluates alarms as CloudWatch
does; periods shortened to 10 s) is OK while it beats; a topic policy broken by hand stops it, the alarm
goes to ALARM and the fallback topic's subscriber hears of it; the repair run brings it back to OK."""

import json
import os
import re

import boto3
import pytest

from sandbox.processes import missing_binaries
from support import eventually
from support.alertmanager import post_alerts, timed_alert, workspace_alertmanager
from support.ansible_run import REPO, run_playbook
from support.doctor_run import broken, doctor
from support.slack_sink import SlackSink

MISSING = missing_binaries("prometheus-alertmanager")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(bool(MISSING), reason=f"needs {', '.join(MISSING)}: apt-get install prometheus-alertmanager"),
]

INVENTORY = os.path.join(REPO, "inventories", "sandbox")
SITE = os.path.join(REPO, "site.yml")
PREFIX = "amp-alerting/sandbox-amp/pagerduty/"
PAYMENTS_KEY = "P0paymentsIntegrationKey00000001"
SEARCH_KEY = "S0searchIntegrationKey0000000001"
ROUTES = [{"name": "page-payments", "matchers": ['team="payments"', 'severity="critical"'],
           "pagerduty_destination": "payments", "continue": True},
          {"name": "page-search", "matchers": ['team="search"'], "pagerduty_destination": "search"}]
HEARTBEAT = {"alerting_heartbeat_interval": "2s", "alerting_heartbeat_alarm_period": 10,
             "alerting_heartbeat_alarm_evaluation_periods": 2}
ALARM = "amp-sandbox-amp-heartbeat"


def workspace():
    return next(w for w in boto3.client("amp").list_workspaces()["workspaces"] if w["alias"] == "sandbox-amp")


def post_alert(sandbox, name, labels, resolved=False):
    post_alerts(workspace_alertmanager(sandbox.endpoint, "sandbox-amp"),
                [timed_alert(name, labels, f"{name} summary", resolved)])


def pages(sandbox, name):
    return [event for event in sandbox.pagerduty_events() if event["summary"].startswith(name)]


def fallback_queue():
    """The fallback subscriber: an SQS queue SNS may write to."""
    sqs = boto3.client("sqs")
    url = sqs.create_queue(QueueName="amp-heartbeat-fallback-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": arn}]})})
    return url, arn


def alarm_messages(url):
    answer = boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return [json.loads(json.loads(m["Body"])["Message"]) for m in answer.get("Messages", [])]


def alarm_state():
    return boto3.client("cloudwatch").describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]["StateValue"]


def test_pages_with_the_key_only_amp_may_read_and_a_silent_chain_pages_the_fallback(sandbox, monkeypatch):
    with SlackSink() as slack:
        monkeypatch.setenv("SANDBOX_SLACK_WEBHOOK_URL", slack.url)
        sandbox.set_data_plane(True)  # the workspace's Prometheus evaluates the rules: the heartbeat fires
        try:
            check_paging_and_heartbeat(sandbox, slack)
        finally:
            sandbox.set_data_plane(False)


def check_paging_and_heartbeat(sandbox, slack):
    secrets = boto3.client("secretsmanager")
    inbox, inbox_arn = fallback_queue()
    paging = dict(HEARTBEAT, alerting_routes=ROUTES,
                  alerting_pagerduty_destinations={"payments": {"routing_key": PAYMENTS_KEY},
                                                   "search": {"routing_key": SEARCH_KEY}},
                  alerting_heartbeat_fallback_subscriptions=[{"protocol": "sqs", "endpoint": inbox_arn}])
    deployed = run_playbook(SITE, INVENTORY, extra_vars=paging)
    assert deployed.returncode == 0, deployed
    assert PAYMENTS_KEY not in deployed.stdout + deployed.stderr and SEARCH_KEY not in deployed.stdout + deployed.stderr

    stored = {s["Name"]: s for s in secrets.list_secrets(Filters=[{"Key": "name", "Values": [PREFIX]}])["SecretList"]}
    assert sorted(stored) == [PREFIX + "payments", PREFIX + "search"]
    payments = stored[PREFIX + "payments"]["ARN"]
    assert json.loads(secrets.get_secret_value(SecretId=payments)["SecretString"]) == {"routing_key": PAYMENTS_KEY}
    (statement,) = json.loads(secrets.get_resource_policy(SecretId=payments)["ResourcePolicy"])["Statement"]
    assert (statement["Principal"], statement["Action"]) == ({"Service": "aps.amazonaws.com"}, "secretsmanager:GetSecretValue")
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == workspace()["arn"]

    # the heartbeat beats: the alarm is OK (a new alarm without data is ALARM at once: the fallback hears the
    # path works), and no heartbeat reaches Slack
    eventually(lambda: alarm_state() == "OK", timeout=60, what="the heartbeat alarm OK")
    beats = [e for e in sandbox.lambda_invocations() if '"outcome": "heartbeat"' in e.get("output", "")]
    assert beats, "no heartbeat recorded by the forwarder"
    assert slack.received == []

    # critical payments alert → PagerDuty (trigger, the payments key), then resolved with the same dedup_key
    post_alert(sandbox, "PaymentsDown", {"team": "payments", "severity": "critical"})
    (trigger,) = eventually(lambda: pages(sandbox, "PaymentsDown"), timeout=60, what="the page")
    assert (trigger["event_action"], trigger["routing_key"], trigger["event"]["payload"]["severity"]) == \
        ("trigger", PAYMENTS_KEY, "critical")
    assert trigger["summary"] == "PaymentsDown: PaymentsDown summary"
    post_alert(sandbox, "PaymentsDown", {"team": "payments", "severity": "critical"}, resolved=True)
    resolved = eventually(lambda: [e for e in pages(sandbox, "PaymentsDown") if e["event_action"] == "resolve"],
                          timeout=60, what="the resolve event")
    assert resolved[0]["dedup_key"] == trigger["dedup_key"]

    # Someone replaces the secret's policy: AMP may no longer read the key, nothing is paged. And the
    # topic's policy: AMP may no longer publish - the heartbeat stops, the alarm pages the fallback.
    secrets.delete_resource_policy(SecretId=payments)
    sns = boto3.client("sns")
    topic = sns.list_topics()["Topics"]
    topic_arn = next(t["TopicArn"] for t in topic if t["TopicArn"].endswith(":amp-sandbox-amp-alerts"))
    policy = sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]["Policy"]
    elsewhere = workspace()["arn"].replace(workspace()["workspaceId"], "ws-00000000-0000-0000-0000-000000000000")
    alarm_messages(inbox)  # what came before: the creation's ALARM, then OK
    sns.set_topic_attributes(TopicArn=topic_arn, AttributeName="Policy",
                             AttributeValue=policy.replace(workspace()["arn"], elsewhere))
    alarmed = eventually(lambda: [m for m in alarm_messages(inbox) if m["NewStateValue"] == "ALARM"], timeout=60,
                         what="the fallback told of the silent chain")
    assert alarmed[0]["AlarmName"] == ALARM and alarmed[0]["Trigger"]["MetricName"] == "Heartbeat"
    post_alert(sandbox, "PaymentsSlow", {"team": "payments", "severity": "critical"})
    eventually(lambda: [r for r in sandbox.refusals() if r["hop"] == "alertmanager->pagerduty (secret)"],
               timeout=60, what="AMP refused the secret")
    assert not pages(sandbox, "PaymentsSlow")
    run, hops, table = doctor(INVENTORY, principal="checker")  # the read-only check policy reads the secrets too
    assert run.returncode == 2
    assert broken(hops) == ["topic policy", "pagerduty secret payments", "heartbeat", "AMP notifications"], table
    assert hops["heartbeat"][1].startswith(f"alarm {ALARM} ALARM; the last heartbeat "), table
    assert hops["pagerduty secret payments"][1] == (
        f"secretsmanager:GetSecretValue refused: no statement allows secretsmanager:GetSecretValue on {payments} "
        "for aps.amazonaws.com"), table
    # counted since the chain's last delivery: the last heartbeat the forwarder recorded
    assert re.match(r"[1-9][0-9]* failed, 0 throttled since the last delivery \(", hops["AMP notifications"][1]), table

    # The next run writes both policies back (and nothing else); the page goes out, the heartbeat beats.
    repaired = run_playbook(SITE, INVENTORY, extra_vars=paging)
    assert repaired.returncode == 0, repaired
    assert sorted(name for name, _host in repaired.changed_tasks()) == [
        "amp.alerting.alerting : PagerDuty key of each destination in Secrets Manager, readable by AMP for this workspace only",
        "amp.alerting.sns : The topic (Standard; encrypted when a key is given or created), its policy and tags"]
    eventually(lambda: [m for m in alarm_messages(inbox) if m["NewStateValue"] == "OK"], timeout=60,
               what="the fallback told the chain beats again")
    eventually(lambda: pages(sandbox, "PaymentsSlow"), timeout=60, what="the page after the repair")
    # an alert through the default route reaches Slack: the chain delivers again, and the doctor says so at once,
    # AMP's failures before that delivery shown as history
    post_alert(sandbox, "ChainBack", {"severity": "warning"})
    eventually(lambda: slack.received, timeout=60, what="a Slack message")
    run, hops, table = doctor(INVENTORY)
    assert run.returncode == 0 and broken(hops) == [], table
    assert hops["AMP notifications"][1].startswith("no failure counted since the last delivery"), table
    assert "history: " in hops["AMP notifications"][1], table
    assert hops["heartbeat"][1].startswith(f"alarm {ALARM} OK; the last heartbeat "), table
    assert all("AmpAlertingHeartbeat" not in json.dumps(message) for message in slack.received)

    # Dropping the search destination and its route: its secret is scheduled for deletion, and the output says until when.
    fewer = dict(paging, alerting_pagerduty_destinations={"payments": {"routing_key": PAYMENTS_KEY}},
                 alerting_routes=ROUTES[:1])
    dropped = run_playbook(SITE, INVENTORY, extra_vars=fewer)
    assert dropped.returncode == 0, dropped
    said = [result["msg"] for _play, name, _host, result in dropped.task_results()
            if name.endswith("When the removed destinations' keys are gone for good") for result in result["results"]]
    assert len(said) == 1 and said[0].startswith(PREFIX + "search is scheduled for deletion on ") and "7-day" in said[0]
    remaining = secrets.list_secrets(Filters=[{"Key": "name", "Values": [PREFIX]}])["SecretList"]
    assert [s["Name"] for s in remaining] == [PREFIX + "payments"]
    again = run_playbook(SITE, INVENTORY, extra_vars=fewer)
    assert again.returncode == 0 and again.total("changed") == 0, again.changed_tasks()
