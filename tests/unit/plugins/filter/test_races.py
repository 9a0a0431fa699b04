"""create_race_lost: which failed task results the roles run once more (another run created it first)."""

import pytest

from ansible_collections.amp.alerting.plugins.filter.races import create_race_lost


def failed(msg, code=None):
    result = {"failed": True, "msg": msg}
    if code:
        result["error"] = {"code": code, "message": msg}
    return result


@pytest.mark.parametrize("result", [
    failed("Unable to create log group: An error occurred (ResourceAlreadyExistsException) when calling the "
           "CreateLogGroup operation: The specified log group already exists"),
    failed("Failed to create role", code="EntityAlreadyExists"),
    failed("Failed to create stack amp-prod-alerts-topic: An error occurred (AlreadyExistsException) when calling the "
           "CreateStack operation: Stack amp-prod-alerts-topic already exists"),
    failed("An error occurred (ValidationError) when calling the UpdateStack operation: Stack:arn:aws:cloudformation:"
           "us-east-1:123456789012:stack/amp-prod-alerts-topic/1 is in CREATE_IN_PROGRESS state and can not be updated."),
    failed("Failed to create rule groups namespace alerts: An error occurred (ConflictException) when calling the "
           "CreateRuleGroupsNamespace operation: A rule groups namespace with this name already exists"),
    failed("Table already exists", code="ResourceInUseException"),
    failed("Failed to create anomaly detector checkout-rate of workspace ws-1: An error occurred (ConflictException) when "
           "calling the CreateAnomalyDetector operation: An anomaly detector with alias checkout-rate already exists",
           code="ConflictException"),
], ids=["log-group", "iam-role", "stack-exists", "stack-being-created", "amp-namespace", "dynamodb-table", "amp-anomaly-detector"])
def test_a_create_another_run_won_is_run_once_more(result):
    assert create_race_lost(result) is True


@pytest.mark.parametrize("result", [
    {"changed": True},
    {"failed": False, "msg": "An error occurred (ResourceAlreadyExistsException)"},
    failed("An error occurred (AccessDenied) when calling the CreateRole operation: not authorized", code="AccessDenied"),
    failed("An error occurred (ValidationError) when calling the CreateStack operation: Template format error"),
    failed("log group name /aws/prometheus/x already exists in the inventory twice"),
    None,
], ids=["ok", "not-failed", "access-denied", "template-error", "words-not-a-code", "no-result"])
def test_any_other_result_is_final(result):
    assert create_race_lost(result) is False


# amazon.aws.iam_policy's failure when another run put the policy between its two lists of the role's
# inline policies: a bare KeyError of the name, as ansible-core 2.19 reports an uncaught exception.
IAM_POLICY_LISTED_TWICE = failed("Task failed: Module failed: 'slack-forwarder'")


def test_an_inline_policy_another_run_put_between_the_modules_two_lists_is_run_once_more():
    assert create_race_lost(IAM_POLICY_LISTED_TWICE, "slack-forwarder") is True


@pytest.mark.parametrize("result, name", [
    (IAM_POLICY_LISTED_TWICE, None),
    (IAM_POLICY_LISTED_TWICE, "another-policy"),
    (failed("Task failed: Module failed: 'slack-forwarder-extra'"), "slack-forwarder"),
    (failed("Task failed: Module failed: Failed to put policy slack-forwarder: AccessDenied"), "slack-forwarder"),
    ({"changed": True, "msg": "Module failed: 'slack-forwarder'"}, "slack-forwarder"),
], ids=["name-not-given", "another-name", "a-longer-name", "access-denied", "not-failed"])
def test_a_key_error_counts_only_for_the_policy_named(result, name):
    assert create_race_lost(result, name) is False
