"""amp.alerting.amp_workspace and amp_workspace_info run by Ansible against the sandbox, as a user runs them."""

import concurrent.futures
import json

import pytest

from support.ansible_run import amp_snapshot, amp_write_calls
from support.ansible_run import run_module as run_any

LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/prometheus/it:*"


def run_module(args, check=False, diff=False, module="amp_workspace"):
    return run_any(module, args, check=check, diff=diff)


def amp_state(aws_client):
    return [entry["workspace"] for entry in amp_snapshot(aws_client("amp"))]


def write_calls(sandbox):
    return amp_write_calls(sandbox)


def test_lifecycle_check_create_rerun_update_delete(sandbox, aws_client):
    args = {"alias": "it-prod", "tags": {"team": "sre"}}

    result = run_module(args, check=True)
    assert result["changed"] is True
    assert amp_state(aws_client) == []  # check mode created nothing
    assert write_calls(sandbox) == []

    result = run_module(args)
    assert result["changed"] is True
    workspace = result["workspace"]
    assert workspace["status"] == "ACTIVE" and workspace["alias"] == "it-prod"
    assert workspace["remote_write_url"] == workspace["prometheus_endpoint"] + "api/v1/remote_write"

    sandbox.clear_requests()
    result = run_module(args)
    assert result["changed"] is False
    assert write_calls(sandbox) == []

    result = run_module(dict(args, tags={"team": "sre", "env": "prod"}, log_group_arn=LOG_GROUP), diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"]["tags"] == {"team": "sre"}
    assert result["diff"]["after"]["tags"] == {"team": "sre", "env": "prod"}
    assert result["workspace"]["logging"] == {"log_group_arn": LOG_GROUP, "status": "ACTIVE"}
    assert amp_state(aws_client) == [(workspace["workspace_id"], "it-prod", "ACTIVE", {"team": "sre", "env": "prod"}, None, LOG_GROUP)]

    result = run_module({"workspace_id": workspace["workspace_id"], "alias": "it-prod-renamed"})
    assert result["changed"] is True and result["workspace"]["alias"] == "it-prod-renamed"

    result = run_module({"alias": "it-prod-renamed", "log_group_arn": ""})
    assert result["changed"] is True and result["workspace"]["logging"] is None

    result = run_module({"alias": "it-prod-renamed", "state": "absent"}, check=True)
    assert result["changed"] is True and len(amp_state(aws_client)) == 1

    result = run_module({"alias": "it-prod-renamed", "state": "absent"})
    assert result["changed"] is True
    assert amp_state(aws_client) == []
    result = run_module({"alias": "it-prod-renamed", "state": "absent"})
    assert result["changed"] is False

    # The first request again, its workspace deleted since: AMP answers its client token with that
    # deleted workspace (as the sandbox does); the module makes a new one instead of failing or
    # returning the deleted one.
    again = run_module(args)
    assert again["changed"] is True and again["workspace"]["status"] == "ACTIVE"
    assert again["workspace"]["workspace_id"] != workspace["workspace_id"]
    assert [ws[0] for ws in amp_state(aws_client)] == [again["workspace"]["workspace_id"]]


def test_throttling_and_server_errors_are_retried(sandbox, aws_client):
    sandbox.inject_fault("ListWorkspaces", kind="throttle", count=2)
    sandbox.inject_fault("CreateWorkspace", kind="server_error", count=1)
    result = run_module({"alias": "it-faults"})
    assert result["changed"] is True and result["workspace"]["status"] == "ACTIVE"
    assert len(amp_state(aws_client)) == 1  # retried, not duplicated


def test_creation_failed_is_reported(sandbox):
    sandbox.inject_fault("CreateWorkspace", kind="creation_failed")
    result = run_module({"alias": "it-doomed"})
    assert result["failed"] is True
    assert "CREATION_FAILED" in result["msg"]


def test_a_workspace_that_failed_to_create_is_recreated_only_when_asked(sandbox, aws_client):
    sandbox.inject_fault("CreateWorkspace", kind="creation_failed")
    failed_id = run_module({"alias": "it-doomed"})["msg"].split("workspace ")[1].split()[0]
    refused = run_module({"alias": "it-doomed"})
    assert refused["failed"] is True and "recreate_failed=true" in refused["msg"]
    recreated = run_module({"alias": "it-doomed", "recreate_failed": True})
    assert recreated["changed"] is True and recreated["workspace"]["status"] == "ACTIVE"
    assert recreated["workspace"]["workspace_id"] != failed_id
    assert [(ws[1], ws[2]) for ws in amp_state(aws_client)] == [("it-doomed", "ACTIVE")]


def test_two_runs_creating_one_workspace_at_once_make_one(sandbox, aws_client):
    # Both find no workspace; CreateWorkspace is throttled, so their creations overlap. AMP's client
    # token (same request, same token) makes the second creation return the first workspace.
    sandbox.inject_fault("CreateWorkspace", kind="throttle", count=2)
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _run: run_module({"alias": "it-together", "tags": {"team": "sre"}}), range(2)))
    assert [result.get("failed", False) for result in results] == [False, False], results
    assert len({result["workspace"]["workspace_id"] for result in results}) == 1
    assert len([ws for ws in amp_state(aws_client) if ws[1] == "it-together"]) == 1


@pytest.mark.parametrize(
    "args, field",
    [
        ({"alias": ""}, "alias:"),
        ({"alias": "it-prod", "log_group_arn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/prometheus/it"}, "log_group_arn:"),
        ({"alias": "it-prod", "kms_key_arn": "alias/amp"}, "kms_key_arn:"),
        ({"alias": "it-prod", "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/other"}, "kms_key_arn:"),
        ({"workspace_id": "ws-00000000-0000-0000-0000-000000000000", "alias": "it-prod"}, "workspace_id:"),
        ({"alias": "it-dup"}, "alias 'it-dup' matches 2 workspaces"),
    ],
    ids=["empty-alias", "log-group-without-suffix", "kms-not-an-arn", "kms-change", "unknown-id", "duplicate-alias"],
)
def test_bad_input_fails_naming_the_field_and_changes_nothing(sandbox, aws_client, args, field):
    sandbox.set_amp_delay(0)
    amp = aws_client("amp")
    amp.create_workspace(alias="it-prod", tags={"team": "sre"})
    amp.create_workspace(alias="it-dup")
    amp.create_workspace(alias="it-dup")
    before = amp_state(aws_client)
    sandbox.clear_requests()

    result = run_module(args)

    assert result["failed"] is True
    assert result["msg"].startswith(field), result["msg"]  # the message leads with the option to fix
    assert write_calls(sandbox) == []
    assert amp_state(aws_client) == before


def test_configuration_create_noop_update_check_remove(sandbox, aws_client):
    """Retention and label-set limits: set with the workspace, kept, changed, predicted, removed."""
    limits = [{"label_set": {"team": "payments"}, "max_series": 2000000}, {"label_set": {}, "max_series": 5000000}]
    args = {"alias": "it-config", "retention_period_in_days": 30, "limits_per_label_set": limits}
    created = run_module(args)
    assert created["changed"] is True
    workspace_id = created["workspace"]["workspace_id"]
    amp = aws_client("amp")
    stored = amp.describe_workspace_configuration(workspaceId=workspace_id)["workspaceConfiguration"]
    assert stored["retentionPeriodInDays"] == 30 and stored["status"]["statusCode"] == "ACTIVE"
    assert sorted(json.dumps(entry, sort_keys=True) for entry in stored["limitsPerLabelSet"]) == sorted(
        json.dumps({"labelSet": e["label_set"], "limits": {"maxSeries": e["max_series"]}}, sort_keys=True) for e in limits)

    sandbox.clear_requests()
    again = run_module(dict(args, limits_per_label_set=list(reversed(limits))))  # AMP keeps no order
    assert again["changed"] is False and write_calls(sandbox) == []

    predicted = run_module(dict(args, retention_period_in_days=450), check=True, diff=True)
    assert predicted["changed"] is True and write_calls(sandbox) == []
    assert (predicted["diff"]["before"]["retention_period_in_days"], predicted["diff"]["after"]["retention_period_in_days"]) \
        == (30, 450)

    updated = run_module(dict(args, retention_period_in_days=450, limits_per_label_set=limits[:1]))
    assert updated["changed"] is True
    assert updated["workspace"]["configuration"] == {
        "retention_period_in_days": 450, "status": "ACTIVE",
        "limits_per_label_set": [{"label_set": {"team": "payments"}, "max_series": 2000000}]}
    assert [r["operation"] for r in write_calls(sandbox)] == ["UpdateWorkspaceConfiguration"]

    removed = run_module({"alias": "it-config", "limits_per_label_set": []})
    assert removed["changed"] is True and removed["workspace"]["configuration"]["limits_per_label_set"] == []
    assert removed["workspace"]["configuration"]["retention_period_in_days"] == 450  # left as it was


def test_configuration_update_failed_reports_amps_reason_and_keeps_the_previous_one(sandbox, aws_client):
    workspace_id = run_module({"alias": "it-config-fail", "retention_period_in_days": 30})["workspace"]["workspace_id"]
    sandbox.inject_fault("UpdateWorkspaceConfiguration", kind="update_failed")
    result = run_module({"alias": "it-config-fail", "retention_period_in_days": 90})
    assert result["failed"] is True
    assert f"the configuration of workspace {workspace_id} is UPDATE_FAILED: injected UpdateWorkspaceConfiguration" \
        in result["msg"]
    stored = aws_client("amp").describe_workspace_configuration(workspaceId=workspace_id)["workspaceConfiguration"]
    assert stored["retentionPeriodInDays"] == 30
    assert run_module({"alias": "it-config-fail", "retention_period_in_days": 90})["changed"] is True  # tried again


@pytest.mark.parametrize("args, field", [
    ({"retention_period_in_days": 0}, "retention_period_in_days: 0 is not a number of days from 1 to 1095"),
    ({"retention_period_in_days": 1096}, "retention_period_in_days: 1096"),
    ({"limits_per_label_set": [{"label_set": {"team-name": "payments"}, "max_series": 1}]},
     "limits_per_label_set[0].label_set: 'team-name' is not a label name"),
    ({"limits_per_label_set": [{"label_set": {"team": "   "}, "max_series": 1}]},
     "limits_per_label_set[0].label_set.team: AMP takes an ASCII value"),
    ({"limits_per_label_set": [{"label_set": {"__name__": "http-requests"}, "max_series": 1}]},
     "limits_per_label_set[0].label_set.__name__: 'http-requests' is not a metric name"),
    ({"limits_per_label_set": [{"label_set": {"team": "a"}, "max_series": -5}]},
     "limits_per_label_set[0].max_series: must be 0"),
    ({"limits_per_label_set": [{"label_set": {"team": "a"}, "max_series": 1}, {"label_set": {"team": "a"}, "max_series": 2}]},
     "limits_per_label_set[1].label_set: the same label set as limits_per_label_set[0]"),
], ids=["retention-zero", "retention-over-1095", "label-name", "blank-value", "metric-name", "negative-series", "twice"])
def test_bad_configuration_fails_naming_the_field_and_changes_nothing(sandbox, aws_client, args, field):
    workspace_id = run_module({"alias": "it-config-bad", "retention_period_in_days": 30})["workspace"]["workspace_id"]
    sandbox.clear_requests()
    result = run_module(dict(args, alias="it-config-bad"))
    assert result["failed"] is True and result["msg"].startswith(field), result["msg"]
    assert write_calls(sandbox) == []
    stored = aws_client("amp").describe_workspace_configuration(workspaceId=workspace_id)["workspaceConfiguration"]
    assert (stored["retentionPeriodInDays"], stored["limitsPerLabelSet"]) == (30, [])


QUERY_LOGS = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/prometheus/it/queries:*"


def stored_query_logging(aws_client, workspace_id):
    amp = aws_client("amp")
    try:
        return amp.describe_query_logging_configuration(workspaceId=workspace_id)["queryLoggingConfiguration"]
    except amp.exceptions.ResourceNotFoundException:
        return None


def test_query_logging_create_noop_check_update_failed_remove(sandbox, aws_client):
    args = {"alias": "it-queries", "query_log_group_arn": QUERY_LOGS, "query_log_qsp_threshold": 50000000}
    created = run_module(args)
    assert created["changed"] is True
    assert created["workspace"]["query_logging"] == {"log_group_arn": QUERY_LOGS, "qsp_threshold": 50000000, "status": "ACTIVE"}
    workspace_id = created["workspace"]["workspace_id"]
    assert stored_query_logging(aws_client, workspace_id)["destinations"] == [
        {"cloudWatchLogs": {"logGroupArn": QUERY_LOGS}, "filters": {"qspThreshold": 50000000}}]

    sandbox.clear_requests()
    assert run_module(args)["changed"] is False and write_calls(sandbox) == []

    predicted = run_module(dict(args, query_log_qsp_threshold=1000), check=True, diff=True)
    assert predicted["changed"] is True and write_calls(sandbox) == []
    assert (predicted["diff"]["before"]["query_logging"]["qsp_threshold"],
            predicted["diff"]["after"]["query_logging"]["qsp_threshold"]) == (50000000, 1000)

    updated = run_module(dict(args, query_log_qsp_threshold=1000))
    assert updated["changed"] is True and updated["workspace"]["query_logging"]["qsp_threshold"] == 1000
    assert [r["operation"] for r in write_calls(sandbox)] == ["UpdateQueryLoggingConfiguration"]

    sandbox.inject_fault("UpdateQueryLoggingConfiguration", kind="update_failed")
    failed = run_module(dict(args, query_log_qsp_threshold=0))
    assert failed["failed"] is True
    assert f"the query logging configuration of workspace {workspace_id} is UPDATE_FAILED: injected" in failed["msg"]
    assert stored_query_logging(aws_client, workspace_id)["destinations"][0]["filters"]["qspThreshold"] == 1000
    retried = run_module(dict(args, query_log_qsp_threshold=0))  # written again, not taken as done
    assert retried["changed"] is True and retried["workspace"]["query_logging"]["status"] == "ACTIVE"

    removed = run_module({"alias": "it-queries", "query_log_group_arn": ""})
    assert removed["changed"] is True and removed["workspace"]["query_logging"] is None
    assert stored_query_logging(aws_client, workspace_id) is None


def test_bad_query_logging_fails_naming_the_field_and_changes_nothing(sandbox, aws_client):
    args = {"alias": "it-queries-bad", "query_log_group_arn": QUERY_LOGS, "query_log_qsp_threshold": 1000}
    workspace_id = run_module(args)["workspace"]["workspace_id"]
    sandbox.clear_requests()
    for bad, message in [
        ({"query_log_group_arn": QUERY_LOGS[:-2]}, "query_log_group_arn: '" + QUERY_LOGS[:-2] + "' is not a CloudWatch Logs"),
        ({"query_log_group_arn": "/aws/vendedlogs/prometheus/it/queries"}, "query_log_group_arn: '/aws/vendedlogs/"),
        ({"query_log_qsp_threshold": -1}, "query_log_qsp_threshold: -1 is not a number of samples"),
        ({"query_log_qsp_threshold": None}, "query_log_qsp_threshold: required with query_log_group_arn"),
        ({"query_log_group_arn": ""}, "query_log_qsp_threshold: given without query_log_group_arn"),
    ]:
        result = run_module({k: v for k, v in dict(args, **bad).items() if v is not None})
        assert result["failed"] is True and result["msg"].startswith(message), result["msg"]
    assert write_calls(sandbox) == []
    assert stored_query_logging(aws_client, workspace_id)["destinations"][0]["filters"]["qspThreshold"] == 1000


def test_info_lists_workspaces_with_rules(sandbox, aws_client):
    sandbox.set_amp_delay(0)
    amp = aws_client("amp")
    prod = amp.create_workspace(alias="it-prod-eu")["workspaceId"]
    amp.create_workspace(alias="it-dev")
    amp.create_rule_groups_namespace(workspaceId=prod, name="pods", data=b"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n")

    result = run_module({"alias_prefix": "it-prod", "include_rules": True}, module="amp_workspace_info")

    assert result["changed"] is False
    assert [(ws["workspace_id"], ws["alias"]) for ws in result["workspaces"]] == [(prod, "it-prod-eu")]
    assert result["workspaces"][0]["rule_namespaces"] == [{"name": "pods", "status": "ACTIVE"}]
    assert result["workspaces"][0]["alertmanager"] is None
    assert run_module({"alias_prefix": "nothing-"}, module="amp_workspace_info")["workspaces"] == []
