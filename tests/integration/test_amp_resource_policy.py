"""amp.alerting.amp_resource_policy run by Ansible against the sandbox, as a user runs it."""

import json

from support.ansible_run import amp_write_calls
from support.ansible_run import run_module as run_any


def run_module(args, check=False, diff=False):
    return run_any("amp_resource_policy", args, check=check, diff=diff)


def sharing(workspace_arn, *accounts, action="aps:RemoteWrite"):
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "SharedWith", "Effect": "Allow", "Action": action, "Resource": workspace_arn,
        "Principal": {"AWS": [f"arn:aws:iam::{account}:root" for account in accounts]}}]}


def test_policy_create_noop_check_update_stale_revision_absent(sandbox, aws_client):
    amp = aws_client("amp")
    workspace = amp.create_workspace(alias="it-shared")
    workspace_id, arn = workspace["workspaceId"], workspace["arn"]
    policy = sharing(arn, "111122223333", "444455556666")

    created = run_module({"workspace_alias": "it-shared", "policy": policy})
    assert created["changed"] is True and created["policy"]["status"] == "ACTIVE"
    stored = amp.describe_resource_policy(workspaceId=workspace_id)
    assert json.loads(stored["policyDocument"]) == policy and stored["revisionId"] == created["policy"]["revision_id"]

    sandbox.clear_requests()
    reordered = sharing(arn, "444455556666", "111122223333", action=["aps:RemoteWrite"])
    assert run_module({"workspace_alias": "it-shared", "policy": reordered})["changed"] is False
    assert amp_write_calls(sandbox) == []

    wider = sharing(arn, "111122223333", "444455556666", "777788889999")
    predicted = run_module({"workspace_alias": "it-shared", "policy": wider}, check=True, diff=True)
    assert predicted["changed"] is True and amp_write_calls(sandbox) == []
    assert "777788889999" in predicted["diff"]["after"] and "777788889999" not in predicted["diff"]["before"]

    updated = run_module({"workspace_alias": "it-shared", "policy": wider})
    assert updated["changed"] is True and updated["policy"]["revision_id"] != created["policy"]["revision_id"]

    # Someone else changes the policy; a task that still expects the revision it saw refuses to write.
    amp.put_resource_policy(workspaceId=workspace_id, policyDocument=json.dumps(policy),
                            revisionId=updated["policy"]["revision_id"])
    sandbox.clear_requests()
    stale = run_module({"workspace_alias": "it-shared", "policy": wider, "revision_id": updated["policy"]["revision_id"]})
    assert stale["failed"] is True and stale["msg"].startswith("revision_id: ") and amp_write_calls(sandbox) == []
    assert json.loads(amp.describe_resource_policy(workspaceId=workspace_id)["policyDocument"]) == policy

    removed = run_module({"workspace_alias": "it-shared", "state": "absent"})
    assert removed["changed"] is True and removed["policy"] == {}
    assert run_module({"workspace_alias": "it-shared", "state": "absent"})["changed"] is False


def test_bad_policies_fail_naming_the_field_and_change_nothing(sandbox, aws_client):
    amp = aws_client("amp")
    workspace = amp.create_workspace(alias="it-shared-bad")
    good = sharing(workspace["arn"], "111122223333")
    amp.put_resource_policy(workspaceId=workspace["workspaceId"], policyDocument=json.dumps(good))
    sandbox.clear_requests()
    statement = good["Statement"][0]
    for policy, message in [
        ("{not json", "policy: not JSON"),
        ({"Version": "2012-10-17"}, "policy.Statement: must be a non-empty list"),
        ({"Statement": [dict(statement, Effect="Permit")]}, "policy.Statement[0].Effect: 'Permit' is neither Allow nor Deny"),
        ({"Statement": [{k: v for k, v in statement.items() if k != "Principal"}]}, "policy.Statement[0].Principal:"),
        ({"Statement": [{k: v for k, v in statement.items() if k != "Action"}]}, "policy.Statement[0].Action: missing"),
    ]:
        result = run_module({"workspace_alias": "it-shared-bad", "policy": policy})
        assert result["failed"] is True and result["msg"].startswith(message), result["msg"]
    assert sandbox.requests() == []  # refused before any call, reads included
    assert json.loads(amp.describe_resource_policy(workspaceId=workspace["workspaceId"])["policyDocument"]) == good
