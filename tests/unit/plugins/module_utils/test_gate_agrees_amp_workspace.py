"""The workspace role's write gate (differs 'workspace') says "differs" exactly when amp_workspace would write.

The same AMP answers (DescribeWorkspace, its logging and query logging configurations, its configuration) go to
chain_info's read (module_utils/chain.py, with workspace_settings) and through the filter, and to amp_workspace
in check mode (boto3 stubbed): the gate and the module's `changed` must agree for the workspace as the role left
it and for each drift a user or AMP can cause - a tag changed or added, logging switched off or pointed elsewhere,
a query threshold changed, a retention or label-set limit changed, a log configuration AMP failed to apply, and
the workspace deleted. A module that refuses (its reason is the user's to read) counts as acting. When they agree that nothing changes, the read's view is what the module returns.
"""

import copy

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from botocore.stub import Stubber

from ansible_collections.amp.alerting.plugins.filter.gates import differs
from ansible_collections.amp.alerting.plugins.module_utils import chain
from ansible_collections.amp.alerting.plugins.modules import amp_workspace

from support.amp_stubs import ACCOUNT
from support.amp_stubs import NOW
from support.amp_stubs import REGION
from support.amp_stubs import workspace

WS_ID = "ws-11111111-1111-1111-1111-111111111111"
LOGS = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/vendedlogs/amp/prod:*"
QUERY_LOGS = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/vendedlogs/amp/prod-queries:*"
LIMITS = [{"label_set": {"team": "payments"}, "max_series": 2000000}]
# the options the workspace role gives amp_workspace (as its _workspace_options)
OPTIONS = {"workspace_id": WS_ID, "alias": "prod", "tags": {"team": "sre"}, "purge_tags": True, "kms_key_arn": None,
           "log_group_arn": LOGS, "query_log_group_arn": QUERY_LOGS, "query_log_qsp_threshold": 1000,
           "retention_period_in_days": 450, "limits_per_label_set": LIMITS}
ACTIVE = {"statusCode": "ACTIVE"}
AS_LEFT = {
    "workspace": workspace(WS_ID, tags={"team": "sre"}),
    "logging": {"logGroupArn": LOGS, "status": ACTIVE, "workspace": WS_ID, "createdAt": NOW, "modifiedAt": NOW},
    "query_logging": {"destinations": [{"cloudWatchLogs": {"logGroupArn": QUERY_LOGS}, "filters": {"qspThreshold": 1000}}],
                      "status": ACTIVE, "workspace": WS_ID, "createdAt": NOW, "modifiedAt": NOW},
    "configuration": {"retentionPeriodInDays": 450, "status": ACTIVE,
                      "limitsPerLabelSet": [{"labelSet": {"team": "payments"}, "limits": {"maxSeries": 2000000}}]},
}


def drifted(**changes):
    state = copy.deepcopy(AS_LEFT)
    for path, value in changes.items():
        where, key = path.split("__")
        if value is None:
            state[where].pop(key, None) if key != "all" else state.update({where: None})
        else:
            state[where][key] = value
    return state


CASES = {
    "as the role left it": AS_LEFT,
    "a tag changed by hand": drifted(workspace__tags={"team": "platform"}),
    "a tag added by hand": drifted(workspace__tags={"team": "sre", "cost-center": "42"}),
    "logging switched off by hand": drifted(logging__all=None),
    "logging pointed at another group": drifted(logging__logGroupArn=LOGS.replace("prod:", "other:")),
    "logging AMP failed to apply": drifted(logging__status={"statusCode": "UPDATE_FAILED", "statusReason": "denied"}),
    "query threshold changed": drifted(query_logging__destinations=[
        {"cloudWatchLogs": {"logGroupArn": QUERY_LOGS}, "filters": {"qspThreshold": 5}}]),
    "query logging switched off": drifted(query_logging__all=None),
    "retention shortened by hand": drifted(configuration__retentionPeriodInDays=300),
    # the module refuses to shorten it (and the preflight before it): the gate must not skip it either
    "retention lengthened by hand": drifted(configuration__retentionPeriodInDays=500),
    "a label-set limit changed": drifted(configuration__limitsPerLabelSet=[
        {"labelSet": {"team": "payments"}, "limits": {"maxSeries": 10}}]),
    "renamed by hand": drifted(workspace__alias="prod-old"),
    # the module says the workspace named by id is gone: the gate must not skip it
    "deleted": None,
}


def answer(stub, state, order):
    """AMP's answers for STATE, in the order the reader asks."""
    params = {"workspaceId": WS_ID}
    if state is None:
        stub.add_client_error("describe_workspace", "ResourceNotFoundException", "not found", 404, expected_params=params)
        return
    calls = {"workspace": ("describe_workspace", "workspace"),
             "logging": ("describe_logging_configuration", "loggingConfiguration"),
             "query_logging": ("describe_query_logging_configuration", "queryLoggingConfiguration"),
             "configuration": ("describe_workspace_configuration", "workspaceConfiguration")}
    for part in order:
        operation, key = calls[part]
        if state[part] is None:
            stub.add_client_error(operation, "ResourceNotFoundException", "not found", 404, expected_params=params)
        else:
            stub.add_response(operation, {key: state[part]}, params)


def chain_read(state):
    client = boto3.client("amp", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        answer(stub, state, ["workspace", "configuration", "logging", "query_logging"])
        found = chain.read_workspace(RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff()), WS_ID,
                                     settings=True)
        stub.assert_no_pending_responses()
    return {"workspace": found, "read": {"workspace_settings": True, "workspace_id": WS_ID}}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_the_gate_and_the_module_agree(run_module, case):
    found = chain_read(CASES[case])
    run = run_module(amp_workspace)
    answer(run.stub, CASES[case], ["workspace", "logging", "query_logging", "configuration"])
    module = run(**{key: value for key, value in OPTIONS.items() if value is not None}, _ansible_check_mode=True)
    gate = differs(found, "workspace", "prod", OPTIONS)
    # a module that would refuse (a shorter retention, a workspace named by id that is gone) acts too
    assert gate is (module.get("changed", False) or module.get("failed", False)), case
    if not gate:
        # the role then takes the read's view for the module's result (workspace_details)
        assert found["workspace"]["view"] == module["workspace"]


def test_a_workspace_read_without_its_settings_is_a_roles_mistake():
    from ansible.errors import AnsibleFilterError  # pylint: disable=import-outside-toplevel
    with pytest.raises(AnsibleFilterError, match="did not read workspace"):
        differs({"workspace": {"workspace_id": WS_ID}, "read": {"workspace_settings": False}}, "workspace", "prod", OPTIONS)
