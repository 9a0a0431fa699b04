"""The alerting role's gates on its AMP documents say "differs" exactly when its module would write.

The same DescribeRuleGroupsNamespace / DescribeAlertManagerDefinition answer goes to chain_info's read
(module_utils/chain.py) and through the `differs` filter, and to amp_rule_namespace / amp_alertmanager in
check mode (boto3 stubbed): the gate and the module's `changed` must agree, for the document as uploaded,
the same document written otherwise, an edited one, a missing one and one AMP left UPDATE_FAILED.
"""

import boto3
import pytest
import yaml
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from botocore.stub import Stubber

from ansible_collections.amp.alerting.plugins.filter.gates import differs
from ansible_collections.amp.alerting.plugins.module_utils import chain
from ansible_collections.amp.alerting.plugins.module_utils.amp_alertmanager_config import prepare_definition
from ansible_collections.amp.alerting.plugins.modules import amp_alertmanager
from ansible_collections.amp.alerting.plugins.modules import amp_rule_namespace

from support.amp_stubs import REGION
from support.amp_stubs import workspace

WS_ID = "ws-11111111-1111-1111-1111-111111111111"
GROUPS = [{"name": "pods", "rules": [{"alert": "PodHighMemoryUsage", "expr": "container_memory_usage_bytes > 600000000",
                                      "for": "1m", "labels": {"severity": "critical"}}]}]
RULES = yaml.safe_dump({"groups": GROUPS}, sort_keys=False).encode()
CONFIG = {"route": {"receiver": "sns"}, "receivers": [{"name": "sns", "sns_configs": [
    {"topic_arn": f"arn:aws:sns:{REGION}:123456789012:amp-alerts", "sigv4": {"region": REGION}}]}]}
TEMPLATES = {"amp_alerting_sns.tmpl": '{{ define "sns.default.message" }}{{ .Status }}{{ end }}'}
DEFINITION = prepare_definition(CONFIG, TEMPLATES)[0]

# each case: (status, data) as AMP describes the document, or None when it does not exist
RULE_CASES = {
    "as uploaded": ("ACTIVE", RULES),
    "the same rules written otherwise": ("ACTIVE", b"# by hand\n" + yaml.safe_dump({"groups": GROUPS}, default_flow_style=True).encode()),
    "a threshold edited by hand": ("ACTIVE", RULES.replace(b"600000000", b"900000000")),
    "left UPDATE_FAILED": ("UPDATE_FAILED", RULES),
    "deleted by hand": None,
}
DEFINITION_CASES = {
    "as uploaded": ("ACTIVE", DEFINITION),
    "the same written otherwise": ("ACTIVE", yaml.safe_dump(yaml.safe_load(DEFINITION), default_style='"').encode()),
    "a receiver replaced by hand": ("ACTIVE", DEFINITION.replace(b"amp-alerts", b"someone-elses-topic")),
    "left UPDATE_FAILED": ("UPDATE_FAILED", DEFINITION),
    "deleted by hand": None,
}


def answer(operation, key, case, params, stub):
    if case is None:
        stub.add_client_error(operation, "ResourceNotFoundException", "not found", 404, expected_params=params)
        return
    status, data = case
    document = {"status": {"statusCode": status, **({"statusReason": "bad rule"} if status.endswith("FAILED") else {})},
                "data": data, "createdAt": "2026-11-24T00:00:00Z", "modifiedAt": "2026-11-24T00:00:00Z"}
    if key == "ruleGroupsNamespace":
        document.update(name="amp-alerting", tags={},
                        arn=f"arn:aws:aps:{REGION}:123456789012:rulegroupsnamespace/{WS_ID}/amp-alerting")
    stub.add_response(operation, {key: document}, params)


def chain_read(read, operation, key, case, params):
    """What chain_info reads of the answer."""
    client = boto3.client("amp", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        answer(operation, key, case, params, stub)
        return read(RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff()))


@pytest.mark.parametrize("case", RULE_CASES, ids=list(RULE_CASES))
def test_rule_namespace(run_module, case):
    params = {"workspaceId": WS_ID, "name": "amp-alerting"}
    found = {"rule_namespaces": {"amp-alerting": chain_read(
        lambda client: chain.read_rule_namespace(client, WS_ID, "amp-alerting"),
        "describe_rule_groups_namespace", "ruleGroupsNamespace", RULE_CASES[case], params)}}
    run = run_module(amp_rule_namespace)
    run.stub.add_response("describe_workspace", {"workspace": workspace()}, {"workspaceId": WS_ID})
    answer("describe_rule_groups_namespace", "ruleGroupsNamespace", RULE_CASES[case], params, run.stub)
    module = run(workspace_id=WS_ID, name="amp-alerting", groups=GROUPS, _ansible_check_mode=True)
    assert differs(found, "rule_namespace", "amp-alerting", {"groups": GROUPS}) is module["changed"], case


@pytest.mark.parametrize("case", DEFINITION_CASES, ids=list(DEFINITION_CASES))
def test_alertmanager_definition(run_module, case):
    params = {"workspaceId": WS_ID}
    found = {"alertmanager_definition": chain_read(
        lambda client: chain.read_alertmanager_definition(client, WS_ID),
        "describe_alert_manager_definition", "alertManagerDefinition", DEFINITION_CASES[case], params),
        "workspace_id_read": WS_ID}
    run = run_module(amp_alertmanager)
    run.stub.add_response("describe_workspace", {"workspace": workspace()}, {"workspaceId": WS_ID})
    answer("describe_alert_manager_definition", "alertManagerDefinition", DEFINITION_CASES[case], params, run.stub)
    module = run(workspace_id=WS_ID, config=CONFIG, template_files=TEMPLATES, _ansible_check_mode=True)
    gate = differs(found, "alertmanager", WS_ID, {"config": CONFIG, "template_files": TEMPLATES})
    assert gate is module["changed"], case


def test_a_definition_read_for_another_workspace_is_refused():
    from ansible.errors import AnsibleFilterError
    found = {"alertmanager_definition": None, "workspace_id_read": WS_ID}
    with pytest.raises(AnsibleFilterError, match="did not read alertmanager ws-other"):
        differs(found, "alertmanager", "ws-other", {"config": CONFIG})
