"""amp_workspace_info with boto3 stubbed."""

import json

import pytest

from ansible_collections.amp.alerting.plugins.modules import amp_workspace_info

from support.amp_stubs import summary, workspace

WS_A = "ws-aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
WS_B = "ws-bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"


@pytest.fixture
def run(run_module):
    return run_module(amp_workspace_info)


def test_lists_by_alias_prefix_sorted_by_alias(run):
    b, a = workspace(WS_B, alias="prod-b"), workspace(WS_A, alias="prod-a")
    run.stub.add_response("list_workspaces", {"workspaces": [summary(b), summary(a)]}, {"alias": "prod-"})
    run.stub.add_response("describe_workspace", {"workspace": b}, {"workspaceId": WS_B})
    run.stub.add_response("describe_workspace", {"workspace": a}, {"workspaceId": WS_A})
    result = run(alias_prefix="prod-")
    assert result["changed"] is False
    assert [ws["alias"] for ws in result["workspaces"]] == ["prod-a", "prod-b"]
    assert result["workspaces"][0]["query_url"].endswith(f"/workspaces/{WS_A}/api/v1/query")


def test_unknown_ids_give_an_empty_list(run):
    run.not_found("describe_workspace", {"workspaceId": WS_A})
    assert run(workspace_ids=[WS_A])["workspaces"] == []


def test_include_rules_reports_namespaces_and_alertmanager_status(run):
    run.stub.add_response("describe_workspace", {"workspace": workspace(WS_A)}, {"workspaceId": WS_A})
    run.stub.add_response("list_rule_groups_namespaces", {"ruleGroupsNamespaces": [
        {"name": "pods", "arn": "arn:aws:aps:eu-west-1:123456789012:rulegroupsnamespace/x/pods",
         "status": {"statusCode": "UPDATE_FAILED", "statusReason": "parse error"},
         "createdAt": "2026-11-24T00:00:00Z", "modifiedAt": "2026-11-24T00:00:00Z"}]}, {"workspaceId": WS_A})
    run.not_found("describe_alert_manager_definition", {"workspaceId": WS_A})
    run.not_found("describe_logging_configuration", {"workspaceId": WS_A})
    result = run(workspace_ids=[WS_A], include_rules=True)
    ws = result["workspaces"][0]
    assert ws["rule_namespaces"] == [{"name": "pods", "status": "UPDATE_FAILED", "status_reason": "parse error"}]
    assert ws["alertmanager"] is None and ws["logging"] is None


SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:amp-alerting/prod/pagerduty/payments-AbCdEf"


def test_include_rules_names_the_sns_topics_and_pagerduty_secrets_of_the_receivers_and_nothing_else(run):
    topic = "arn:aws:sns:eu-west-1:123456789012:amp-prod-alerts"
    definition = (
        "alertmanager_config: |\n  route:\n    receiver: slack\n  receivers:\n    - name: slack\n"
        f"      sns_configs:\n        - topic_arn: {topic}\n          sigv4: {{region: eu-west-1}}\n"
        "    - name: pager\n      pagerduty_configs:\n        - routing_key: s3cr3t-routing-key\n"
        "    - name: page\n      pagerduty_configs:\n        - routing_key:\n            aws_secrets_manager:\n"
        f"              secret_arn: {SECRET}\n              secret_key: routing_key\n")
    log_group = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/prometheus/prod:*"
    run.stub.add_response("describe_workspace", {"workspace": workspace(WS_A)}, {"workspaceId": WS_A})
    run.stub.add_response("list_rule_groups_namespaces", {"ruleGroupsNamespaces": []}, {"workspaceId": WS_A})
    run.stub.add_response("describe_alert_manager_definition", {"alertManagerDefinition": {
        "status": {"statusCode": "ACTIVE"}, "data": definition.encode(), "createdAt": "2026-11-24T00:00:00Z",
        "modifiedAt": "2026-11-24T00:00:00Z"}}, {"workspaceId": WS_A})
    run.stub.add_response("describe_logging_configuration", {"loggingConfiguration": {
        "status": {"statusCode": "ACTIVE"}, "workspace": WS_A, "logGroupArn": log_group,
        "createdAt": "2026-11-24T00:00:00Z", "modifiedAt": "2026-11-24T00:00:00Z"}}, {"workspaceId": WS_A})
    result = run(workspace_ids=[WS_A], include_rules=True)
    ws = result["workspaces"][0]
    assert ws["alertmanager"] == {"status": "ACTIVE", "sns_topic_arns": {"slack": [topic], "pager": [], "page": []},
                                  "pagerduty_secret_arns": {"page": [SECRET]}}
    assert ws["logging"] == {"log_group_arn": log_group, "status": "ACTIVE"}
    assert "s3cr3t" not in json.dumps(result)


def test_alias_is_exact_not_a_prefix(run):
    exact, longer = workspace(WS_A, alias="prod"), workspace(WS_B, alias="prod-eu")
    run.stub.add_response("list_workspaces", {"workspaces": [summary(longer), summary(exact)]}, {"alias": "prod"})
    run.stub.add_response("describe_workspace", {"workspace": exact}, {"workspaceId": WS_A})
    result = run(alias="prod")
    assert [ws["workspace_id"] for ws in result["workspaces"]] == [WS_A]


def test_alias_shared_by_two_workspaces_fails_naming_both(run):
    one, two = workspace(WS_A, alias="prod"), workspace(WS_B, alias="prod")
    run.stub.add_response("list_workspaces", {"workspaces": [summary(two), summary(one)]}, {"alias": "prod"})
    result = run(alias="prod")
    assert result["failed"] is True
    assert result["msg"].startswith("alias 'prod' matches 2 workspaces") and WS_A in result["msg"] and WS_B in result["msg"]


def test_alias_of_a_workspace_being_deleted_is_not_a_match(run):
    run.stub.add_response("list_workspaces", {"workspaces": [summary(workspace(WS_A, alias="prod", status="DELETING"))]},
                          {"alias": "prod"})
    assert run(alias="prod")["workspaces"] == []


def test_aws_errors_name_the_call_and_keep_the_aws_error(run):
    run.stub.add_client_error("describe_workspace", "AccessDeniedException", "not authorized to perform aps:DescribeWorkspace",
                              403, expected_params={"workspaceId": WS_A})
    result = run(workspace_ids=[WS_A])
    assert result["failed"] is True
    assert result["msg"].startswith(f"Failed to describe workspace {WS_A}: ")
    assert "aps:DescribeWorkspace" in result["msg"] and result["error"]["code"] == "AccessDeniedException"
