"""Routing to several Slack channels, run for real: site.yml with lambda_slack_destinations and routes
naming them; test alerts through the workspace's real Alertmanager (0.25), SNS and the deployed
forwarder reach the channel their route names; a Slack app destination threads an alert group and
updates its message when it resolves, and SNS's duplicate deliveries post nothing; removing a
destination deletes its secret."""

import json
import os

import boto3
import pytest

from sandbox.processes import missing_binaries
from support import eventually
from support.alertmanager import post_alerts as post_to
from support.alertmanager import timed_alert, workspace_alertmanager
from support.ansible_run import REPO, run_playbook
from support.slack_sink import SlackSink

MISSING = missing_binaries("prometheus-alertmanager")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(bool(MISSING), reason=f"needs {', '.join(MISSING)}: apt-get install prometheus-alertmanager"),
]

INVENTORY = os.path.join(REPO, "inventories", "sandbox")
SITE = os.path.join(REPO, "site.yml")
FUNCTION = "amp-sandbox-amp-slack-forwarder"
PREFIX = "/amp-alerting/sandbox-amp/slack/"
STATE_TABLE = FUNCTION + "-state"
PAYMENTS_TOKEN = "xoxb-42-43-paymentsbot"
PAYMENTS_CHANNEL = "C0PAYMENTS"
ROUTES = [{"name": "oncall", "matchers": ['severity="critical"'], "slack_destination": "oncall", "continue": True},
          {"name": "payments", "matchers": ['team="payments"'], "slack_destination": "payments"}]


def post_alerts(sandbox, alerts, resolved=False):
    post_to(workspace_alertmanager(sandbox.endpoint, "sandbox-amp"),
            [timed_alert(name, labels, name, resolved) for name, labels in alerts])


def titles(messages):
    return [message["blocks"][0]["text"]["text"] for message in messages]


def test_alerts_reach_the_channels_their_routes_name_and_a_removed_destination_loses_its_secret(sandbox, monkeypatch):
    with SlackSink() as default, SlackSink() as oncall, SlackSink() as slack_api:
        monkeypatch.setenv("SANDBOX_SLACK_WEBHOOK_URL", default.url)
        slack_api.add_app(PAYMENTS_TOKEN, [PAYMENTS_CHANNEL])
        payments_app = {"bot_token": PAYMENTS_TOKEN, "channel": PAYMENTS_CHANNEL}
        routing = {"lambda_slack_destinations": {"oncall": oncall.url, "payments": payments_app},
                   "lambda_slack_api_url": slack_api.api_url, "alerting_routes": ROUTES}
        deployed = run_playbook(SITE, INVENTORY, extra_vars=routing, diff=True)
        assert deployed.returncode == 0, deployed
        assert oncall.url not in deployed.stdout + deployed.stderr and PAYMENTS_TOKEN not in deployed.stdout + deployed.stderr

        ssm = boto3.client("ssm")
        stored = ssm.get_parameters_by_path(Path=PREFIX.rstrip("/"), WithDecryption=True)["Parameters"]
        assert {(p["Name"], p["Type"], p["Value"]) for p in stored} == {
            (PREFIX + "oncall", "SecureString", oncall.url),
            (PREFIX + "payments", "SecureString", json.dumps({"channel": PAYMENTS_CHANNEL, "token": PAYMENTS_TOKEN}))}
        variables = boto3.client("lambda").get_function(FunctionName=FUNCTION)["Configuration"]["Environment"]["Variables"]
        assert (variables["SLACK_DESTINATIONS"], variables["SLACK_DESTINATION_SSM_PREFIX"]) == ("oncall,payments", PREFIX)
        assert (variables["SLACK_STATE_TABLE"], variables["SLACK_API_URL"]) == (STATE_TABLE, slack_api.api_url)
        table = boto3.client("dynamodb").describe_table(TableName=STATE_TABLE)["Table"]
        assert (table["BillingModeSummary"]["BillingMode"], table["KeySchema"]) == \
            ("PAY_PER_REQUEST", [{"AttributeName": "pk", "KeyType": "HASH"}])
        ttl = boto3.client("dynamodb").describe_time_to_live(TableName=STATE_TABLE)["TimeToLiveDescription"]
        assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
        policy = boto3.client("iam").get_role_policy(RoleName=FUNCTION, PolicyName="slack-forwarder")["PolicyDocument"]
        (state,) = [statement for statement in policy["Statement"] if statement.get("Sid") == "SlackState"]
        assert (sorted(state["Action"]), state["Resource"]) == (
            ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [table["TableArn"]])

        # Again, without the bot token (a job without the Slack credential): the stored one is kept. With
        # every writing module run (amp_alerting_full_check, as before the write gates): none changes anything.
        without_token = dict(routing, lambda_slack_destinations={"oncall": oncall.url,
                                                                 "payments": {"channel": PAYMENTS_CHANNEL}})
        again = run_playbook(SITE, INVENTORY, extra_vars=dict(without_token, amp_alerting_full_check=True))
        assert again.returncode == 0 and again.total("changed") == 0, again.changed_tasks()
        ran = {name for _play, name, _host, result in again.task_results() if not result.get("skipped")}
        assert {"amp.alerting.lambda : The forwarder function", "amp.alerting.lambda : State table of the forwarder (Slack "
                "app threads and deliveries, Slack's rate limit shared by all invocations)",
                "amp.alerting.sns : The topic (Standard; encrypted when a key is given or created), its policy and tags",
                "amp.alerting.alerting : Rule groups namespace with the inventory's thresholds"} <= ran, ran
        assert ssm.get_parameter(Name=PREFIX + "payments", WithDecryption=True)["Parameter"]["Value"] == \
            json.dumps({"channel": PAYMENTS_CHANNEL, "token": PAYMENTS_TOKEN})

        # critical → oncall (and, with continue, on to the next route); team=payments → payments;
        # anything else → the default webhook.
        # (The alerts go straight to the workspace's alertmanager API in one POST: test_alert.yml's own
        # path is covered by test_chain_sns_lambda_slack.)
        post_alerts(sandbox, [("CriticalPayments", {"team": "payments", "severity": "critical"}),
                              ("WarnPayments", {"team": "payments", "severity": "warning"}),
                              ("CriticalOther", {"severity": "critical"}),
                              ("InfoOther", {"severity": "info"})])
        eventually(lambda: len(oncall.received) + len(slack_api.channel(PAYMENTS_CHANNEL)) + len(default.received) >= 5,
                   timeout=60, what="five Slack messages")
        assert sorted(titles(oncall.received)) == [":fire: FIRING: CriticalOther (1 alert)",
                                                   ":fire: FIRING: CriticalPayments (1 alert)"]
        assert sorted(titles(slack_api.channel(PAYMENTS_CHANNEL))) == [":fire: FIRING: CriticalPayments (1 alert)",
                                                                       ":fire: FIRING: WarnPayments (1 alert)"]
        assert titles(default.received) == [":fire: FIRING: InfoOther (1 alert)"]
        logged = [entry for entry in sandbox.lambda_invocations() if entry["outcome"] != "succeeded"]
        assert logged == [], json.dumps(logged)[:2000]

        # The payments app: WarnPayments resolves while SNS delivers every message twice. Its message is
        # updated once, one reply says when, and the duplicate posts nothing.
        sandbox.set_sns_duplicate_deliveries(True)
        post_alerts(sandbox, [("WarnPayments", {"team": "payments", "severity": "warning"})], resolved=True)

        def warn_payments():
            return next(m for m in slack_api.channel(PAYMENTS_CHANNEL) if "WarnPayments" in m["text"])
        eventually(lambda: warn_payments()["replies"], timeout=30, what="the resolution's reply in the thread")
        eventually(lambda: sum(1 for e in sandbox.lambda_invocations() if e["outcome"] == "succeeded") >= 7, timeout=30,
                   what="both deliveries of the resolution")
        sandbox.set_sns_duplicate_deliveries(False)
        message = warn_payments()
        assert message["blocks"][0]["text"]["text"] == ":white_check_mark: RESOLVED: WarnPayments (1 alert)"
        assert [len(message["edits"]), len(message["replies"])] == [1, 1], message
        assert message["replies"][0]["text"].startswith(":white_check_mark: Resolved")
        outputs = [e["output"] for e in sandbox.lambda_invocations() if '"status": "resolved"' in e.get("output", "")]
        assert sorted(json.loads(line)["outcome"] for output in outputs for line in output.splitlines()
                      if line.startswith('{"alert_count"')) == ["delivered", "duplicate"]

        # Dropping the payments destination (and its route): --check --diff shows the routing change
        # and writes nothing; the run deletes its secret; oncall keeps working.
        fewer = {"lambda_slack_destinations": {"oncall": oncall.url}, "alerting_routes": ROUTES[:1],
                 "lambda_slack_api_url": slack_api.api_url}
        predicted = run_playbook(SITE, INVENTORY, extra_vars=fewer, check=True, diff=True)
        assert predicted.returncode == 0, predicted
        (diff,) = [result["diff"] for _play, name, _host, result in predicted.task_results()
                   if name.startswith("amp.alerting.alerting : Alertmanager definition") and result.get("changed")]
        assert "slack_destination" not in diff["before"] and "destination: payments" in diff["before"]
        assert "destination: payments" not in diff["after"] and "destination: oncall" in diff["after"]
        assert len(ssm.get_parameters_by_path(Path=PREFIX.rstrip("/"))["Parameters"]) == 2
        changed = run_playbook(SITE, INVENTORY, extra_vars=fewer)
        assert changed.returncode == 0, changed
        remaining = ssm.get_parameters_by_path(Path=PREFIX.rstrip("/"))["Parameters"]
        assert [p["Name"] for p in remaining] == [PREFIX + "oncall"]
        variables = boto3.client("lambda").get_function(FunctionName=FUNCTION)["Configuration"]["Environment"]["Variables"]
        assert variables["SLACK_DESTINATIONS"] == "oncall"
