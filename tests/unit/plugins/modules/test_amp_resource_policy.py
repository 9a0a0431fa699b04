"""amp_resource_policy with boto3 stubbed: semantic comparison, revisions, check mode, bad input."""

import json

import pytest

from ansible_collections.amp.alerting.plugins.modules import amp_resource_policy

from support.amp_stubs import workspace

WS_ID = "ws-11111111-1111-1111-1111-111111111111"
ARN = workspace()["arn"]
POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Write", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root"]},
     "Action": ["aps:RemoteWrite"], "Resource": ARN},
    {"Sid": "Query", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:role/grafana"},
     "Action": ["aps:QueryMetrics", "aps:GetSeries"], "Resource": ARN}]}
# The same policy as AMP may hand it back: statements and actions in another order, one-item lists as strings.
POLICY_REORDERED = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Query", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::444455556666:role/grafana"]},
     "Action": ["aps:GetSeries", "aps:QueryMetrics"], "Resource": [ARN]},
    {"Sid": "Write", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
     "Action": "aps:RemoteWrite", "Resource": ARN}]}


@pytest.fixture
def run(run_module):
    return run_module(amp_resource_policy)


def expect_workspace(run):
    run.stub.add_response("describe_workspace", {"workspace": workspace()}, {"workspaceId": WS_ID})


def described(document, revision="rev-1", status="ACTIVE"):
    return {"policyDocument": json.dumps(document), "policyStatus": status, "revisionId": revision}


def test_first_policy_is_put_with_no_policy_revision_and_waited_for(run):
    expect_workspace(run)
    run.not_found("describe_resource_policy", {"workspaceId": WS_ID})
    run.stub.add_response("put_resource_policy", {"policyStatus": "CREATING", "revisionId": "rev-1"},
                          {"workspaceId": WS_ID, "policyDocument": json.dumps(POLICY, sort_keys=True), "revisionId": "NO_POLICY"})
    run.stub.add_response("describe_resource_policy", described(POLICY, status="CREATING"), {"workspaceId": WS_ID})
    run.stub.add_response("describe_resource_policy", described(POLICY), {"workspaceId": WS_ID})
    result = run(workspace_id=WS_ID, policy=POLICY, _ansible_diff=True)
    assert result["changed"] is True
    assert result["policy"] == {"workspace_id": WS_ID, "document": POLICY, "revision_id": "rev-1", "status": "ACTIVE"}
    assert result["diff"]["before"] == "" and '"aps:RemoteWrite"' in result["diff"]["after"]


def test_the_same_policy_in_another_order_writes_nothing(run):
    expect_workspace(run)
    run.stub.add_response("describe_resource_policy", described(POLICY_REORDERED), {"workspaceId": WS_ID})
    result = run(workspace_id=WS_ID, policy=POLICY)
    assert result["changed"] is False and result["policy"]["revision_id"] == "rev-1"


def test_a_changed_policy_is_put_with_the_revision_read(run):
    expect_workspace(run)
    run.stub.add_response("describe_resource_policy", described(POLICY), {"workspaceId": WS_ID})
    wanted = json.loads(json.dumps(POLICY))
    wanted["Statement"][0]["Principal"]["AWS"].append("arn:aws:iam::777788889999:root")
    run.stub.add_response("put_resource_policy", {"policyStatus": "UPDATING", "revisionId": "rev-2"},
                          {"workspaceId": WS_ID, "policyDocument": json.dumps(wanted, sort_keys=True), "revisionId": "rev-1"})
    run.stub.add_response("describe_resource_policy", described(wanted, "rev-2"), {"workspaceId": WS_ID})
    result = run(workspace_id=WS_ID, policy=json.dumps(wanted))  # JSON text is taken as well as a mapping
    assert result["changed"] is True and result["policy"]["revision_id"] == "rev-2"


def test_a_change_made_meanwhile_is_reported_not_overwritten(run):
    expect_workspace(run)
    run.stub.add_response("describe_resource_policy", described(POLICY), {"workspaceId": WS_ID})
    run.stub.add_client_error("put_resource_policy", "ConflictException", "revision does not match", 409)
    result = run(workspace_id=WS_ID, policy={"Version": "2012-10-17", "Statement": POLICY["Statement"][:1]})
    assert result["failed"] is True
    assert f"the resource policy of workspace {WS_ID} changed while this task ran (it read revision rev-1)" in result["msg"]


def test_an_expected_revision_that_is_not_in_force_fails_before_writing(run):
    expect_workspace(run)
    run.stub.add_response("describe_resource_policy", described(POLICY, "rev-7"), {"workspaceId": WS_ID})
    result = run(workspace_id=WS_ID, policy=POLICY, revision_id="rev-6")
    assert result["failed"] is True and result["msg"].startswith("revision_id: ") and "rev-7, not rev-6" in result["msg"]


def test_check_mode_predicts_and_writes_nothing(run):
    expect_workspace(run)
    run.not_found("describe_resource_policy", {"workspaceId": WS_ID})
    result = run(workspace_id=WS_ID, policy=POLICY, _ansible_check_mode=True)
    assert result["changed"] is True and result["policy"]["status"] == "CREATING"


def test_absent_deletes_with_the_revision_and_waits(run):
    expect_workspace(run)
    run.stub.add_response("describe_resource_policy", described(POLICY), {"workspaceId": WS_ID})
    run.stub.add_response("delete_resource_policy", {}, {"workspaceId": WS_ID, "revisionId": "rev-1"})
    run.not_found("describe_resource_policy", {"workspaceId": WS_ID})
    result = run(workspace_id=WS_ID, state="absent")
    assert result["changed"] is True and result["policy"] == {}


def test_absent_without_a_policy_is_no_change(run):
    expect_workspace(run)
    run.not_found("describe_resource_policy", {"workspaceId": WS_ID})
    assert run(workspace_id=WS_ID, state="absent")["changed"] is False


@pytest.mark.parametrize("policy, message", [
    ("{not json", "policy: not JSON"),
    ([POLICY], "policy: must be a JSON object"),
    ({"Version": "2012-10-17", "Statement": []}, "policy.Statement: must be a non-empty list"),
    ({"Statement": [dict(POLICY["Statement"][0], Effect="allow")]}, "policy.Statement[0].Effect: 'allow' is neither Allow nor Deny"),
    ({"Statement": [{k: v for k, v in POLICY["Statement"][0].items() if k != "Principal"}]},
     "policy.Statement[0].Principal: a resource-based policy must say whom it applies to"),
    ({"Statement": [{k: v for k, v in POLICY["Statement"][0].items() if k != "Action"}]}, "policy.Statement[0].Action: missing"),
])
def test_bad_policy_is_named_before_any_call(run, policy, message):
    result = run(workspace_id=WS_ID, policy=policy)  # no stubbed response: any AWS call would fail differently
    assert result["failed"] is True and result["msg"].startswith(message), result["msg"]
