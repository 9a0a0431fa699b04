"""amp_test_alert with boto3 stubbed and the signed HTTP call recorded."""

import datetime

import pytest

from ansible_collections.amp.alerting.plugins.module_utils import amp as amp_utils
from ansible_collections.amp.alerting.plugins.modules import amp_test_alert

from support.amp_stubs import summary, workspace

WS = "ws-aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"


@pytest.fixture
def run(run_module, monkeypatch):
    module_run = run_module(amp_test_alert)
    module_run.posts = []
    module_run.answer = (200, "")

    def fake_request(_module, url, method="GET", payload=None, timeout=30):
        module_run.posts.append((method, url, payload))
        return module_run.answer

    # The signed call itself: amp_test_alert posts through module_utils.amp.alertmanager_api.
    monkeypatch.setattr(amp_utils, "signed_workspace_request", fake_request)
    return module_run


def test_posts_one_alert_to_the_workspace_alertmanager(run):
    run.stub.add_response("describe_workspace", {"workspace": workspace(WS)}, {"workspaceId": WS})
    result = run(workspace_id=WS, labels={"team": "sre"}, annotations={"runbook_url": "https://r"})
    assert result["changed"] is True
    ((method, url, payload),) = run.posts
    assert method == "POST" and url.endswith(f"/workspaces/{WS}/alertmanager/api/v2/alerts")
    (alert,) = payload
    assert alert["labels"] == {"alertname": "AmpAlertingTestAlert", "severity": "info", "team": "sre"}
    assert alert["annotations"]["runbook_url"] == "https://r"
    assert "Test alert from amp.alerting" in alert["annotations"]["summary"]
    assert alert["endsAt"] > alert["startsAt"]


NOW = datetime.datetime(2026, 11, 24, 9, 59, 59, 999999, tzinfo=datetime.timezone.utc)  # a minute about to turn


def test_resolved_ends_now(run, monkeypatch):
    monkeypatch.setattr(amp_test_alert, "utc_now", lambda: NOW)
    run.stub.add_response("describe_workspace", {"workspace": workspace(WS)}, {"workspaceId": WS})
    alert = run(workspace_id=WS, state="resolved")["alert"]
    assert (alert["startsAt"], alert["endsAt"]) == ("2026-11-24T09:59:58.999999Z", "2026-11-24T09:59:59.999999Z")


def test_firing_ends_after_its_duration(run, monkeypatch):
    monkeypatch.setattr(amp_test_alert, "utc_now", lambda: NOW)
    run.stub.add_response("describe_workspace", {"workspace": workspace(WS)}, {"workspaceId": WS})
    alert = run(workspace_id=WS, duration_minutes=10)["alert"]
    assert (alert["startsAt"], alert["endsAt"]) == ("2026-11-24T09:59:58.999999Z", "2026-11-24T10:09:59.999999Z")


def test_check_mode_sends_nothing(run):
    ws = workspace(WS, alias="prod")
    run.stub.add_response("list_workspaces", {"workspaces": [summary(ws)]}, {"alias": "prod"})
    run.stub.add_response("describe_workspace", {"workspace": ws}, {"workspaceId": WS})
    result = run(workspace_alias="prod", _ansible_check_mode=True)
    assert result["changed"] is True and run.posts == []


def test_alertmanager_refusal_is_reported(run):
    run.answer = (400, '{"message": "no alertmanager definition"}')
    run.stub.add_response("describe_workspace", {"workspace": workspace(WS)}, {"workspaceId": WS})
    result = run(workspace_id=WS)
    assert result["failed"] and "answered HTTP 400" in result["msg"] and "no alertmanager definition" in result["msg"]


def test_unknown_alias_fails_naming_it(run):
    run.stub.add_response("list_workspaces", {"workspaces": []}, {"alias": "nope"})
    result = run(workspace_alias="nope")
    assert result["failed"] and "workspace_alias 'nope' matches no AMP workspace" in result["msg"]
