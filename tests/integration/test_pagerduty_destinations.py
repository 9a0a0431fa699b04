"""PagerDuty destinations, run for real (issue 27 §2): site.yml with alerting_pagerduty_destinations and
a route naming one keeps the key in a Secrets Manager secret only AMP acting for this workspace may
read; the workspace's real Alertmanager (0.25) pages the sandbox's PagerDuty Events API stand-in with
it, trigger then resolve with one dedup_key; a secret policy edited by hand stops the page, the doctor
names the secret's hop, the next run repairs it and the doctor reads ok at once (AMP's failures before the
chain's last delivery are history); a removed destination's secret is scheduled for deletion, said in the
output."""

import datetime
import json
import os
import re
import urllib.request

import boto3
import pytest

from sandbox.processes import missing_binaries
from support import eventually
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
PAGING = {"alerting_pagerduty_destinations": {"payments": {"routing_key": PAYMENTS_KEY},
                                              "search": {"routing_key": SEARCH_KEY}},
          "alerting_routes": ROUTES}


def workspace():
    return next(w for w in boto3.client("amp").list_workspaces()["workspaces"] if w["alias"] == "sandbox-amp")


def post_alert(sandbox, name, labels, resolved=False):
    now = datetime.datetime.now(datetime.timezone.utc)
    ends = now - datetime.timedelta(seconds=1) if resolved else now + datetime.timedelta(minutes=10)
    body = [{"labels": dict(labels, alertname=name), "annotations": {"summary": f"{name} summary"},
             "startsAt": (now - datetime.timedelta(minutes=1)).isoformat(), "endsAt": ends.isoformat()}]
    request = urllib.request.Request(f"{sandbox.endpoint}/workspaces/{workspace()['workspaceId']}/alertmanager/api/v2/alerts",
                                     data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    assert urllib.request.urlopen(request, timeout=10).status == 200  # noqa: S310


def pages(sandbox, name):
    return [event for event in sandbox.pagerduty_events() if event["summary"].startswith(name)]


def test_a_critical_alert_pages_with_the_key_only_amp_may_read_and_a_repaired_policy_pages_again(sandbox, monkeypatch):
    with SlackSink() as slack:
        monkeypatch.setenv("SANDBOX_SLACK_WEBHOOK_URL", slack.url)
        check_paging(sandbox, slack)


def check_paging(sandbox, slack):
    secrets = boto3.client("secretsmanager")
    deployed = run_playbook(SITE, INVENTORY, extra_vars=PAGING)
    assert deployed.returncode == 0, deployed
    assert PAYMENTS_KEY not in deployed.stdout + deployed.stderr and SEARCH_KEY not in deployed.stdout + deployed.stderr

    stored = {s["Name"]: s for s in secrets.list_secrets(Filters=[{"Key": "name", "Values": [PREFIX]}])["SecretList"]}
    assert sorted(stored) == [PREFIX + "payments", PREFIX + "search"]
    payments = stored[PREFIX + "payments"]["ARN"]
    assert json.loads(secrets.get_secret_value(SecretId=payments)["SecretString"]) == {"routing_key": PAYMENTS_KEY}
    (statement,) = json.loads(secrets.get_resource_policy(SecretId=payments)["ResourcePolicy"])["Statement"]
    assert (statement["Principal"], statement["Action"]) == ({"Service": "aps.amazonaws.com"}, "secretsmanager:GetSecretValue")
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == workspace()["arn"]

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

    # Someone replaces the secret's policy: AMP may no longer read the key, nothing is paged.
    secrets.delete_resource_policy(SecretId=payments)
    post_alert(sandbox, "PaymentsSlow", {"team": "payments", "severity": "critical"})
    eventually(lambda: [r for r in sandbox.refusals() if r["hop"] == "alertmanager->pagerduty (secret)"],
               timeout=60, what="AMP refused the secret")
    assert not pages(sandbox, "PaymentsSlow")
    run, hops, table = doctor(INVENTORY, principal="checker")  # the read-only check policy reads the secrets too
    assert run.returncode == 2
    assert broken(hops) == ["pagerduty secret payments", "AMP notifications"], table
    assert hops["pagerduty secret payments"][1] == (
        f"secretsmanager:GetSecretValue refused: no statement allows secretsmanager:GetSecretValue on {payments} "
        "for aps.amazonaws.com"), table
    assert re.match(r"[1-9][0-9]* failed, 0 throttled in the last 60 min", hops["AMP notifications"][1]), table

    # The next run writes the policy back (and nothing else); the page goes out.
    repaired = run_playbook(SITE, INVENTORY, extra_vars=PAGING)
    assert repaired.returncode == 0, repaired
    assert [name for name, _host in repaired.changed_tasks()] == [
        "amp.alerting.alerting : PagerDuty key of each destination in Secrets Manager, readable by AMP for this workspace only"]
    sandbox.set_data_plane(True)  # AMP reads the key again every refresh_interval; the sandbox at each sync
    try:
        eventually(lambda: pages(sandbox, "PaymentsSlow"), timeout=60, what="the page after the repair")
    finally:
        sandbox.set_data_plane(False)
    # an alert through the default route reaches Slack: the chain delivers again, and the doctor says so at once,
    # AMP's failures before that delivery shown as history
    post_alert(sandbox, "ChainBack", {"severity": "warning"})
    eventually(lambda: slack.received, timeout=60, what="a Slack message")
    run, hops, table = doctor(INVENTORY)
    assert run.returncode == 0 and broken(hops) == [], table
    assert hops["AMP notifications"][1].startswith("no failure counted since the last delivery"), table
    assert "history: " in hops["AMP notifications"][1], table

    # Dropping the search destination and its route: its secret is scheduled for deletion, and the output says until when.
    fewer = {"alerting_pagerduty_destinations": {"payments": {"routing_key": PAYMENTS_KEY}}, "alerting_routes": ROUTES[:1]}
    dropped = run_playbook(SITE, INVENTORY, extra_vars=fewer)
    assert dropped.returncode == 0, dropped
    said = [result["msg"] for _play, name, _host, result in dropped.task_results()
            if name.endswith("When the removed destinations' keys are gone for good") for result in result["results"]]
    assert len(said) == 1 and said[0].startswith(PREFIX + "search is scheduled for deletion on ") and "7-day" in said[0]
    remaining = secrets.list_secrets(Filters=[{"Key": "name", "Values": [PREFIX]}])["SecretList"]
    assert [s["Name"] for s in remaining] == [PREFIX + "payments"]
    again = run_playbook(SITE, INVENTORY, extra_vars=fewer)
    assert again.returncode == 0 and again.total("changed") == 0, again.changed_tasks()
