"""Routing to several Slack channels, run for real: site.yml with lambda_slack_destinations and routes
naming them; test alerts through the workspace's real Alertmanager (0.25), SNS and the deployed
forwarder reach the channel their route names; removing a destination deletes its secret."""

import datetime
import json
import os
import urllib.request

import boto3
import pytest

from sandbox.processes import missing_binaries
from support import eventually
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
ROUTES = [{"name": "oncall", "matchers": ['severity="critical"'], "slack_destination": "oncall", "continue": True},
          {"name": "payments", "matchers": ['team="payments"'], "slack_destination": "payments"}]


def post_alerts(sandbox, alerts):
    workspace_id = next(w["workspaceId"] for w in boto3.client("amp").list_workspaces()["workspaces"]
                        if w["alias"] == "sandbox-amp")
    now = datetime.datetime.now(datetime.timezone.utc)
    body = [{"labels": dict(labels, alertname=name), "annotations": {"summary": name}, "startsAt": now.isoformat(),
             "endsAt": (now + datetime.timedelta(minutes=10)).isoformat()} for name, labels in alerts]
    request = urllib.request.Request(f"{sandbox.endpoint}/workspaces/{workspace_id}/alertmanager/api/v2/alerts",
                                     data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    assert urllib.request.urlopen(request, timeout=10).status == 200  # noqa: S310


def titles(sink):
    return [message["blocks"][0]["text"]["text"] for message in sink.received]


def test_alerts_reach_the_channels_their_routes_name_and_a_removed_destination_loses_its_secret(sandbox, monkeypatch):
    with SlackSink() as default, SlackSink() as oncall, SlackSink() as payments:
        monkeypatch.setenv("SANDBOX_SLACK_WEBHOOK_URL", default.url)
        routing = {"lambda_slack_destinations": {"oncall": oncall.url, "payments": payments.url}, "alerting_routes": ROUTES}
        deployed = run_playbook(SITE, INVENTORY, extra_vars=routing, diff=True)
        assert deployed.returncode == 0, deployed
        assert oncall.url not in deployed.stdout + deployed.stderr and payments.url not in deployed.stdout

        ssm = boto3.client("ssm")
        stored = ssm.get_parameters_by_path(Path=PREFIX.rstrip("/"), WithDecryption=True)["Parameters"]
        assert {(p["Name"], p["Type"], p["Value"]) for p in stored} == {
            (PREFIX + "oncall", "SecureString", oncall.url), (PREFIX + "payments", "SecureString", payments.url)}
        variables = boto3.client("lambda").get_function(FunctionName=FUNCTION)["Configuration"]["Environment"]["Variables"]
        assert (variables["SLACK_DESTINATIONS"], variables["SLACK_DESTINATION_SSM_PREFIX"]) == ("oncall,payments", PREFIX)

        again = run_playbook(SITE, INVENTORY, extra_vars=routing)
        assert again.returncode == 0 and again.total("changed") == 0, again.changed_tasks()

        # critical → oncall (and, with continue, on to the next route); team=payments → payments;
        # anything else → the default webhook.
        # (The alerts go straight to the workspace's alertmanager API in one POST: test_alert.yml's own
        # path is covered by test_chain_sns_lambda_slack.)
        post_alerts(sandbox, [("CriticalPayments", {"team": "payments", "severity": "critical"}),
                              ("WarnPayments", {"team": "payments", "severity": "warning"}),
                              ("CriticalOther", {"severity": "critical"}),
                              ("InfoOther", {"severity": "info"})])
        eventually(lambda: len(oncall.received) + len(payments.received) + len(default.received) >= 5, timeout=60,
                   what="five Slack messages")
        assert sorted(titles(oncall)) == [":fire: FIRING: CriticalOther (1 alert)", ":fire: FIRING: CriticalPayments (1 alert)"]
        assert sorted(titles(payments)) == [":fire: FIRING: CriticalPayments (1 alert)", ":fire: FIRING: WarnPayments (1 alert)"]
        assert titles(default) == [":fire: FIRING: InfoOther (1 alert)"]
        logged = [entry for entry in sandbox.lambda_invocations() if entry["outcome"] != "succeeded"]
        assert logged == [], json.dumps(logged)[:2000]

        # Dropping the payments destination (and its route): --check --diff shows the routing change
        # and writes nothing; the run deletes its secret; oncall keeps working.
        fewer = {"lambda_slack_destinations": {"oncall": oncall.url}, "alerting_routes": ROUTES[:1]}
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
