"""amp.alerting.amp_workspace and amp_workspace_info run by Ansible against the sandbox, as a user runs them."""

import concurrent.futures

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
