"""amp_alertmanager with boto3 stubbed."""

import pytest

from ansible_collections.amp.alerting.plugins.module_utils.amp_alertmanager_config import prepare_definition
from ansible_collections.amp.alerting.plugins.modules import amp_alertmanager

from support.amp_stubs import workspace

WS_ID = "ws-11111111-1111-1111-1111-111111111111"
CONFIG = {"route": {"receiver": "sns"}, "receivers": [{"name": "sns", "sns_configs": [
    {"topic_arn": "arn:aws:sns:eu-west-1:123456789012:amp-alerts", "sigv4": {"region": "eu-west-1"}}]}]}
BODY = prepare_definition(CONFIG, {})[0]


@pytest.fixture
def run(run_module):
    return run_module(amp_alertmanager)


def definition(status="ACTIVE", data=BODY, reason=None):
    block = {"statusCode": status}
    if reason:
        block["statusReason"] = reason
    return {"alertManagerDefinition": {"status": block, "data": data, "createdAt": "2026-11-24T00:00:00Z", "modifiedAt": "2026-11-24T00:00:00Z"}}


def expect_workspace(run):
    run.stub.add_response("describe_workspace", {"workspace": workspace()}, {"workspaceId": WS_ID})


def test_create_waits_for_active(run):
    expect_workspace(run)
    run.not_found("describe_alert_manager_definition", {"workspaceId": WS_ID})
    run.stub.add_response("create_alert_manager_definition", {"status": {"statusCode": "CREATING"}}, {"workspaceId": WS_ID, "data": BODY})
    run.stub.add_response("describe_alert_manager_definition", definition(), {"workspaceId": WS_ID})
    result = run(workspace_id=WS_ID, config=CONFIG)
    assert result["changed"] is True
    assert result["alertmanager"]["status"] == "ACTIVE"
    assert result["alertmanager"]["definition"].startswith("alertmanager_config: |")


def test_same_config_in_other_formatting_is_no_change(run):
    expect_workspace(run)
    flow = b"alertmanager_config: '{route: {receiver: sns}, receivers: [{name: sns, sns_configs: [{topic_arn: " \
           b"\"arn:aws:sns:eu-west-1:123456789012:amp-alerts\", sigv4: {region: eu-west-1}}]}]}'\n"
    run.stub.add_response("describe_alert_manager_definition", definition(data=flow), {"workspaceId": WS_ID})
    assert run(workspace_id=WS_ID, config=CONFIG)["changed"] is False


def test_creation_failed_reports_amps_reason(run):
    expect_workspace(run)
    run.not_found("describe_alert_manager_definition", {"workspaceId": WS_ID})
    run.stub.add_response("create_alert_manager_definition", {"status": {"statusCode": "CREATING"}}, {"workspaceId": WS_ID, "data": BODY})
    run.stub.add_response("describe_alert_manager_definition", definition("CREATION_FAILED", reason="bad template"), {"workspaceId": WS_ID})
    result = run(workspace_id=WS_ID, config=CONFIG)
    assert result["failed"] is True and result["msg"].endswith("is CREATION_FAILED: bad template")


def test_topic_in_another_account_fails_before_any_write(run):
    expect_workspace(run)
    other = {"route": {"receiver": "sns"}, "receivers": [{"name": "sns", "sns_configs": [
        {"topic_arn": "arn:aws:sns:eu-west-1:999999999999:amp-alerts", "sigv4": {"region": "eu-west-1"}}]}]}
    result = run(workspace_id=WS_ID, config=other)
    assert result["failed"] is True and "topic is in account 999999999999, the workspace in 123456789012" in result["msg"]


def test_long_repeat_interval_warns(run):
    config = dict(CONFIG, route={"receiver": "sns", "repeat_interval": "10d"})
    body = prepare_definition(config, {})[0]
    expect_workspace(run)
    run.stub.add_response("describe_alert_manager_definition", definition(data=body), {"workspaceId": WS_ID})
    result = run(workspace_id=WS_ID, config=config)
    assert result["changed"] is False
    assert "5-day cap" in str(result["warnings"])


def test_absent_deletes(run):
    expect_workspace(run)
    run.stub.add_response("describe_alert_manager_definition", definition(), {"workspaceId": WS_ID})
    run.stub.add_response("delete_alert_manager_definition", {}, {"workspaceId": WS_ID})
    run.not_found("describe_alert_manager_definition", {"workspaceId": WS_ID})
    assert run(workspace_id=WS_ID, state="absent")["changed"] is True


def test_conflict_while_updating_is_waited_out(run):
    expect_workspace(run)
    run.stub.add_response("describe_alert_manager_definition", definition(data=b"alertmanager_config: 'route: {receiver: x}'"), {"workspaceId": WS_ID})
    run.stub.add_client_error("put_alert_manager_definition", "ConflictException", "busy", 409)
    run.stub.add_response("describe_alert_manager_definition", definition("UPDATING"), {"workspaceId": WS_ID})
    run.stub.add_response("put_alert_manager_definition", {"status": {"statusCode": "UPDATING"}}, {"workspaceId": WS_ID, "data": BODY})
    run.stub.add_response("describe_alert_manager_definition", definition(), {"workspaceId": WS_ID})
    assert run(workspace_id=WS_ID, config=CONFIG)["changed"] is True
