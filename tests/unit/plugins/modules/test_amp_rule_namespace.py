"""amp_rule_namespace with boto3 stubbed."""

import pytest
import yaml

from ansible_collections.amp.alerting.plugins.modules import amp_rule_namespace

from support.amp_stubs import summary, workspace

WS_ID = "ws-11111111-1111-1111-1111-111111111111"
NS_ARN = f"arn:aws:aps:eu-west-1:123456789012:rulegroupsnamespace/{WS_ID}/pods"
GROUPS = [{"name": "pods", "rules": [{"alert": "PodHighMemoryUsage", "expr": "container_memory_usage_bytes > 600000000", "for": "1m"}]}]
BODY = yaml.safe_dump({"groups": GROUPS}, sort_keys=False).encode()


@pytest.fixture
def run(run_module):
    return run_module(amp_rule_namespace)


def namespace(status="ACTIVE", data=BODY, reason=None, tags=None):
    status_block = {"statusCode": status}
    if reason:
        status_block["statusReason"] = reason
    return {"ruleGroupsNamespace": {"name": "pods", "arn": NS_ARN, "status": status_block, "data": data,
                                    "createdAt": "2026-11-24T00:00:00Z", "modifiedAt": "2026-11-24T00:00:00Z", "tags": tags or {}}}


def expect_workspace(run):
    run.stub.add_response("list_workspaces", {"workspaces": [summary(workspace())]}, {"alias": "prod"})
    run.stub.add_response("describe_workspace", {"workspace": workspace()}, {"workspaceId": WS_ID})


def expect_workspace_by_id(run):
    run.stub.add_response("describe_workspace", {"workspace": workspace()}, {"workspaceId": WS_ID})


def ns_params():
    return {"workspaceId": WS_ID, "name": "pods"}


def test_create_waits_for_active(run):
    expect_workspace(run)
    run.not_found("describe_rule_groups_namespace", ns_params())
    run.stub.add_response("create_rule_groups_namespace", {"name": "pods", "arn": NS_ARN, "status": {"statusCode": "CREATING"}},
                          dict(ns_params(), data=BODY))
    run.stub.add_response("describe_rule_groups_namespace", namespace("CREATING"), ns_params())
    run.stub.add_response("describe_rule_groups_namespace", namespace(), ns_params())
    result = run(workspace_alias="prod", name="pods", groups=GROUPS, _ansible_diff=True)
    assert result["changed"] is True
    assert result["namespace"]["status"] == "ACTIVE" and result["namespace"]["arn"] == NS_ARN
    assert result["diff"]["before"] == "" and "PodHighMemoryUsage" in result["diff"]["after"]


def test_formatting_only_difference_is_no_change(run):
    expect_workspace_by_id(run)
    reformatted = b"# comment\n" + yaml.safe_dump({"groups": GROUPS}, default_flow_style=True).encode()
    run.stub.add_response("describe_rule_groups_namespace", namespace(data=reformatted), ns_params())
    result = run(workspace_id=WS_ID, name="pods", groups=GROUPS)
    assert result["changed"] is False


def test_update_failed_reports_amps_reason(run):
    expect_workspace_by_id(run)
    run.stub.add_response("describe_rule_groups_namespace", namespace(data=b"groups: []"), ns_params())
    run.stub.add_response("put_rule_groups_namespace", {"name": "pods", "arn": NS_ARN, "status": {"statusCode": "UPDATING"}},
                          dict(ns_params(), data=BODY))
    run.stub.add_response("describe_rule_groups_namespace", namespace("UPDATE_FAILED", data=b"groups: []", reason="quota exceeded"), ns_params())
    result = run(workspace_id=WS_ID, name="pods", groups=GROUPS)
    assert result["failed"] is True
    assert result["msg"] == f"rule groups namespace pods of workspace {WS_ID} is UPDATE_FAILED: quota exceeded"


def test_failed_namespace_with_same_data_is_written_again(run):
    expect_workspace_by_id(run)
    run.stub.add_response("describe_rule_groups_namespace", namespace("CREATION_FAILED", reason="x"), ns_params())
    run.stub.add_response("put_rule_groups_namespace", {"name": "pods", "arn": NS_ARN, "status": {"statusCode": "UPDATING"}},
                          dict(ns_params(), data=BODY))
    run.stub.add_response("describe_rule_groups_namespace", namespace(), ns_params())
    assert run(workspace_id=WS_ID, name="pods", groups=GROUPS)["changed"] is True


def test_check_mode_update_writes_nothing(run):
    expect_workspace_by_id(run)
    run.stub.add_response("describe_rule_groups_namespace", namespace(data=b"groups: []"), ns_params())
    result = run(workspace_id=WS_ID, name="pods", groups=GROUPS, _ansible_check_mode=True)
    assert result["changed"] is True


def test_tags_follow_the_inventory(run):
    expect_workspace_by_id(run)
    run.stub.add_response("describe_rule_groups_namespace", namespace(tags={"old": "1"}), ns_params())
    run.stub.add_response("untag_resource", {}, {"resourceArn": NS_ARN, "tagKeys": ["old"]})
    run.stub.add_response("tag_resource", {}, {"resourceArn": NS_ARN, "tags": {"team": "sre"}})
    result = run(workspace_id=WS_ID, name="pods", groups=GROUPS, tags={"team": "sre"})
    assert result["changed"] is True and result["namespace"]["tags"] == {"team": "sre"}


def test_absent_deletes_and_waits(run):
    expect_workspace_by_id(run)
    run.stub.add_response("describe_rule_groups_namespace", namespace(), ns_params())
    run.stub.add_response("delete_rule_groups_namespace", {}, ns_params())
    run.stub.add_response("describe_rule_groups_namespace", namespace("DELETING"), ns_params())
    run.not_found("describe_rule_groups_namespace", ns_params())
    assert run(workspace_id=WS_ID, name="pods", state="absent")["changed"] is True


def test_absent_when_missing_is_no_change(run):
    expect_workspace_by_id(run)
    run.not_found("describe_rule_groups_namespace", ns_params())
    assert run(workspace_id=WS_ID, name="pods", state="absent")["changed"] is False


def test_bad_rule_fails_before_any_aws_call(run):
    bad = [{"name": "pods", "rules": [{"alert": "A", "expr": "sum(up"}]}]
    result = run(workspace_alias="prod", name="pods", groups=bad)
    assert result["failed"] is True and "group 'pods', rule 1 (alert 'A'): expr does not parse" in result["msg"]


def test_aws_error_of_a_write_names_the_call(run):
    expect_workspace_by_id(run)
    run.not_found("describe_rule_groups_namespace", ns_params())
    run.stub.add_client_error("create_rule_groups_namespace", "ValidationException", "namespace name too long", 400,
                              expected_params=dict(ns_params(), data=BODY))
    result = run(workspace_id=WS_ID, name="pods", groups=GROUPS)
    assert result["failed"] is True
    assert result["msg"].startswith(f"Failed to create rule groups namespace pods of workspace {WS_ID}: ")
    assert result["error"]["code"] == "ValidationException" and "too long" in result["msg"]
