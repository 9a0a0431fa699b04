"""amp_silence and amp_alert_info run by Ansible against the sandbox, whose workspace alertmanager is
the real Alertmanager 0.25 (the silences and alerts API AMP serves)."""

import datetime
import json
import os
import urllib.request

import pytest
import yaml

from sandbox.processes import missing_binaries
from support import eventually
from support.ansible_run import REPO, run_module, run_playbook

MISSING = missing_binaries("prometheus-alertmanager")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(bool(MISSING), reason=f"needs {', '.join(MISSING)}: apt-get install prometheus-alertmanager"),
]

ALIAS = "it-silence"
CONFIG = {"route": {"receiver": "sns", "group_by": ["alertname"]},
          "receivers": [{"name": "sns", "sns_configs": [{"topic_arn": "arn:aws:sns:us-east-1:123456789012:amp-alerts",
                                                         "sigv4": {"region": "us-east-1"}}]}]}
COMMENT = "CHG-1234 payments deploy"


MAINTENANCE = os.path.join(REPO, "playbooks", "maintenance.yml")
SANDBOX_INVENTORY = os.path.join(REPO, "inventories", "sandbox")
CHANGE = os.path.join(REPO, "tests", "integration", "tasks", "maintenance_change.yml")


def firing_workspace(sandbox, aws_client, alias):
    """A workspace with an active alertmanager definition, and two alerts firing in it."""
    sandbox.set_amp_delay(0)
    amp = aws_client("amp")
    workspace_id = amp.create_workspace(alias=alias)["workspaceId"]
    amp.create_alert_manager_definition(workspaceId=workspace_id,
                                        data=yaml.safe_dump({"alertmanager_config": yaml.safe_dump(CONFIG)}).encode())
    url = f"{sandbox.endpoint}/workspaces/{workspace_id}/alertmanager/api/v2/"
    now = datetime.datetime.now(datetime.timezone.utc)
    alerts = [{"labels": {"alertname": name, "service": service, "severity": "critical"},
               "startsAt": now.isoformat(), "endsAt": (now + datetime.timedelta(hours=1)).isoformat()}
              for name, service in (("PaymentsDown", "payments"), ("SearchSlow", "search"))]
    request = urllib.request.Request(url + "alerts", data=json.dumps(alerts).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    eventually(lambda: urllib.request.urlopen(request, timeout=10).status == 200, timeout=60,  # noqa: S310
               what="the workspace's alertmanager to take alerts")
    sandbox.clear_requests()
    return workspace_id


@pytest.fixture
def workspace(sandbox, aws_client):
    return firing_workspace(sandbox, aws_client, ALIAS)


def silence_writes(sandbox):
    return [r["operation"] for r in sandbox.requests()
            if r["service"] == "aps-workspaces" and r["operation"].split()[0] in ("POST", "DELETE")]


def silence_args(**extra):
    args = dict({"workspace_alias": ALIAS, "matchers": ['service="payments"'], "comment": COMMENT,
                 "duration": "30m", "created_by": "it"}, **extra)
    return {key: value for key, value in args.items() if value is not None}


def payments_alerts(**extra):
    return run_module("amp_alert_info", dict({"workspace_alias": ALIAS, "matchers": ['service="payments"']}, **extra))


def test_silence_lifecycle_mutes_only_its_alerts_and_is_never_duplicated(sandbox, workspace):
    predicted = run_module("amp_silence", silence_args(), check=True, diff=True)
    assert predicted["changed"] is True and predicted["diff"]["before"] == {}
    assert predicted["silence"]["matchers"] == ['service="payments"']
    assert silence_writes(sandbox) == [], "check mode wrote to the alertmanager"

    made = run_module("amp_silence", silence_args())
    assert made["changed"] is True and made["silence_id"]
    assert made["silence"]["state"] == "active"

    again = run_module("amp_silence", silence_args())
    assert (again["changed"], again["silence_id"]) == (False, made["silence_id"])

    # The payments alert is muted, the search alert still notifies.
    listed = payments_alerts()
    (alert,) = listed["alerts"]
    assert alert["labels"]["alertname"] == "PaymentsDown"
    assert (alert["state"], alert["silenced_by"]) == ("suppressed", [made["silence_id"]])
    notifying = run_module("amp_alert_info", {"workspace_alias": ALIAS, "silenced": False, "inhibited": False})
    assert [a["labels"]["alertname"] for a in notifying["alerts"]] == ["SearchSlow"]
    assert notifying["counts"] == {"active": 1, "suppressed": 0, "unprocessed": 0}
    grouped = run_module("amp_alert_info", {"workspace_alias": ALIAS, "groups": True})
    assert sorted(g["labels"]["alertname"] for g in grouped["groups"]) == ["PaymentsDown", "SearchSlow"]

    # A longer change extends the same silence; it does not add a second one.
    extended = run_module("amp_silence", silence_args(duration="2h"), diff=True)
    assert extended["changed"] is True
    assert extended["silence"]["ends_at"] > made["silence"]["ends_at"]
    assert extended["diff"]["before"]["ends_at"] == made["silence"]["ends_at"]
    listed = json.loads(urllib.request.urlopen(  # noqa: S310
        f"{sandbox.endpoint}/workspaces/{workspace}/alertmanager/api/v2/silences", timeout=10).read())
    in_effect = [s for s in listed if s["status"]["state"] == "active"]
    assert len(in_effect) == 1 and in_effect[0]["endsAt"].startswith(extended["silence"]["ends_at"][:16])

    sandbox.clear_requests()
    would_expire = run_module("amp_silence", silence_args(state="absent", duration=None), check=True)
    assert would_expire["changed"] is True and would_expire["expired"] == [in_effect[0]["id"]]
    assert silence_writes(sandbox) == []

    expired = run_module("amp_silence", silence_args(state="absent", duration=None))
    assert expired["changed"] is True and expired["expired"] == [in_effect[0]["id"]]
    assert payments_alerts()["alerts"][0]["state"] == "active"
    gone_again = run_module("amp_silence", silence_args(state="absent", duration=None))
    assert (gone_again["changed"], gone_again["expired"]) == (False, [])


@pytest.mark.parametrize("args, message", [
    ({"matchers": ['service=~"(?=payments)"']}, "matchers[0]: invalid regexp"),
    ({"matchers": ['service=~".*"']}, "matchers: every matcher also matches alerts without the label"),
    ({"matchers": ["service payments"]}, "matchers[0]: bad matcher format"),
    ({"comment": " "}, "comment: a silence needs a comment"),
    ({"duration": "45 minutes"}, "duration: '45 minutes' is not a positive Prometheus duration"),
    ({"duration": None, "ends_at": "2026-11-25 22:00"}, "ends_at: '2026-11-25 22:00' has no time zone"),
    ({"duration": None, "ends_at": "2001-01-01T00:00:00Z"}, "ends_at: 2001-01-01T00:00:00.000Z is in the past"),
    ({"duration": None}, "ends_at / duration: exactly one of them is required"),
], ids=["lookahead", "matches-everything", "no-operator", "no-comment", "duration-words", "no-zone", "past",
        "no-end"])
def test_bad_silences_are_named_before_any_call(sandbox, workspace, args, message):
    result = run_module("amp_silence", silence_args(**args))
    assert result.get("failed") is True
    assert result["msg"].startswith(message.split(":")[0]) and message in result["msg"], result["msg"]
    assert [r for r in sandbox.requests() if r["service"] in ("aps-workspaces", "amp")] == []


def maintenance(**extra):
    extra = dict({"maintenance_matchers": ['service="payments"'], "maintenance_comment": "CHG-9 payments",
                  "maintenance_minutes": 30}, **extra)
    return run_playbook(MAINTENANCE, SANDBOX_INVENTORY, extra_vars=extra)


def payments_state(host="sandbox-amp"):
    return [a["state"] for a in payments_alerts(workspace_alias=host)["alerts"]]


def test_maintenance_silences_around_a_failing_change_and_ends_the_silence_anyway(sandbox, aws_client):
    firing_workspace(sandbox, aws_client, "sandbox-amp")
    run = maintenance(maintenance_change_tasks=CHANGE, maintenance_change_fails=True)
    assert run.returncode != 0 and "the change broke" in run.failure(), run
    names = [name for _play, name, _host, result in run.task_results() if not result.get("skipped")]
    assert names.index("Silence the scope") < names.index("Only the silence mutes it") < names.index("End the silence with the change")
    assert payments_state() == ["active"], "the silence outlived the failed change"


def test_maintenance_window_lasts_is_not_duplicated_and_ends_on_request(sandbox, aws_client):
    workspace_id = firing_workspace(sandbox, aws_client, "sandbox-amp")
    # As the AWX survey gives it: a text, one matcher per line.
    first = maintenance(maintenance_matchers='service="payments"\n')
    assert first.returncode == 0, first
    assert payments_state() == ["suppressed"]
    again = maintenance()
    assert again.returncode == 0 and again.total("changed") == 0, again.changed_tasks()
    silences = json.loads(urllib.request.urlopen(  # noqa: S310
        f"{sandbox.endpoint}/workspaces/{workspace_id}/alertmanager/api/v2/silences", timeout=10).read())
    assert [s["comment"] for s in silences if s["status"]["state"] == "active"] == ["CHG-9 payments"]
    ended = maintenance(maintenance_state="absent")
    assert ended.returncode == 0 and ended.total("changed") == 1, ended
    assert payments_state() == ["active"]


@pytest.mark.parametrize("extra, message", [
    ({"maintenance_matchers": []}, "maintenance_matchers must be a non-empty list"),
    ({"maintenance_matchers": {"service": "payments"}}, "maintenance_matchers must be a non-empty list"),
    ({"maintenance_comment": ""}, "maintenance_comment a non-empty text"),
    ({"maintenance_minutes": "an hour"}, "maintenance_minutes a positive number of minutes"),
], ids=["no-matchers", "matchers-not-a-list", "no-comment", "minutes-words"])
def test_bad_maintenance_settings_stop_before_any_silence(sandbox, aws_client, extra, message):
    firing_workspace(sandbox, aws_client, "sandbox-amp")
    run = maintenance(**extra)
    assert run.returncode != 0 and message in run.failure(), run.failure()
    assert [r for r in sandbox.requests() if r["service"] == "aps-workspaces"] == []
