"""The shared AMP helper: waiting, conflicts, lookups."""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.amp.alerting.plugins.module_utils import amp


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    slept = []
    monkeypatch.setattr(amp.time, "sleep", slept.append)
    return slept


def sequence(*items):
    items = list(items)
    return lambda: items.pop(0)


def conflict():
    return ClientError({"Error": {"Code": "ConflictException", "Message": "busy"}}, "PutRuleGroupsNamespace")


def test_wait_returns_the_active_resource(no_sleep):
    active = {"status": {"statusCode": "ACTIVE"}}
    assert amp.wait_for(sequence({"status": {"statusCode": "UPDATING"}}, active), "namespace x", 60) is active
    assert no_sleep == [amp.FIRST_POLL_INTERVAL]


def test_update_failed_carries_amps_reason():
    failed = {"status": {"statusCode": "UPDATE_FAILED", "statusReason": "rules.yml: 5:11: parse error"}}
    with pytest.raises(amp.AmpError, match=r"namespace x is UPDATE_FAILED: rules.yml: 5:11: parse error"):
        amp.wait_for(sequence(failed), "namespace x", 60)


def test_wait_for_deletion_ends_when_gone():
    assert amp.wait_for(sequence({"status": {"statusCode": "DELETING"}}, None), "workspace w", 60, until="gone") is None


def test_vanishing_resource_is_an_error():
    with pytest.raises(amp.AmpError, match="disappeared"):
        amp.wait_for(sequence(None), "definition", 60)


def test_conflict_is_retried_while_busy(no_sleep):
    calls = []

    def put(**_kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise conflict()
        return "ok"

    def call():
        return amp.amp_call(put, "put namespace x")

    assert amp.retry_on_conflict(call, sequence({"status": {"statusCode": "UPDATING"}}), "namespace x") == "ok"
    assert len(calls) == 2 and no_sleep == [amp.FIRST_POLL_INTERVAL]


def test_conflict_on_an_idle_resource_is_reported_at_once():
    def put(**_kwargs):
        raise conflict()

    with pytest.raises(amp.AmpError, match="refused the change to namespace x .status ACTIVE.") as excinfo:
        amp.retry_on_conflict(lambda: amp.amp_call(put, "put namespace x"), sequence({"status": {"statusCode": "ACTIVE"}}),
                              "namespace x")
    assert excinfo.value.exception.response["Error"]["Code"] == "ConflictException"  # fail_json_aws shows AWS's error


def test_endpoints_from_prometheus_endpoint():
    urls = amp.endpoints("https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1")
    assert urls["remote_write_url"] == "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write"
    assert urls["alertmanager_url"].endswith("/workspaces/ws-1/alertmanager/api/v2/alerts")
