"""The gates on AMP documents (the alerting role's rules and alertmanager definition, the workspace role's
resource policy) say "differs" exactly when their module would write.

The same DescribeRuleGroupsNamespace / DescribeAlertManagerDefinition answer goes to chain_info's read
(module_utils/chain.py) and through the `differs` filter, and to amp_rule_namespace / amp_alertmanager in
check mode (boto3 stubbed): the gate and the module's `changed` must agree, for the document as uploaded,
the same document written otherwise, an edited one, a missing one and one AMP left UPDATE_FAILED.
"""

import json

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
from ansible_collections.amp.alerting.plugins.modules import amp_resource_policy
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


# The workspace role's resource policy: the same DescribeResourcePolicy answer to chain_info's read and to
# amp_resource_policy in check mode.
POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "RemoteWrite", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:root"]},
     "Action": ["aps:RemoteWrite"], "Resource": workspace()["arn"]}]}
POLICY_CASES = {
    "as put": POLICY,
    "the same as AMP hands it back": {"Version": "2012-10-17", "Statement": [dict(
        POLICY["Statement"][0], Principal={"AWS": "arn:aws:iam::111122223333:root"}, Action="aps:RemoteWrite")]},
    "another account let in by hand": {"Version": "2012-10-17", "Statement": [dict(
        POLICY["Statement"][0], Principal={"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::999999999999:root"]})]},
    "deleted by hand": None,
}


def policy_answer(document, stub):
    if document is None:
        stub.add_client_error("describe_resource_policy", "ResourceNotFoundException", "not found", 404,
                              expected_params={"workspaceId": WS_ID})
    else:
        stub.add_response("describe_resource_policy", {"policyDocument": json.dumps(document), "policyStatus": "ACTIVE",
                                                       "revisionId": "rev-1"}, {"workspaceId": WS_ID})


@pytest.mark.parametrize("state", ["present", "absent"])
@pytest.mark.parametrize("case", POLICY_CASES, ids=list(POLICY_CASES))
def test_resource_policy(run_module, case, state):
    client = boto3.client("amp", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        policy_answer(POLICY_CASES[case], stub)
        read = chain.read_resource_policy(RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff()), WS_ID)
    found = {"workspace": {"workspace_id": WS_ID}, "resource_policy": read}
    run = run_module(amp_resource_policy)
    run.stub.add_response("describe_workspace", {"workspace": workspace()}, {"workspaceId": WS_ID})
    policy_answer(POLICY_CASES[case], run.stub)
    module = run(workspace_id=WS_ID, state=state, _ansible_check_mode=True,
                 **({"policy": json.dumps(POLICY)} if state == "present" else {}))
    assert differs(found, "resource_policy", WS_ID, {"policy": POLICY, "state": state}) is module["changed"], case


def test_a_policy_read_for_no_or_another_workspace_is_missing():
    # the workspace was made by this run: nothing of it was read, so its policy is to be put
    assert differs({"workspace": None, "resource_policy": None}, "resource_policy", WS_ID, {"policy": POLICY}) is True
    assert differs({"workspace": {"workspace_id": "ws-other"}, "resource_policy": {"document": POLICY, "status": "ACTIVE"}},
                   "resource_policy", WS_ID, {"policy": POLICY}) is True
    assert differs({"workspace": None, "resource_policy": None}, "resource_policy", WS_ID, {"state": "absent"}) is False


def test_the_workspace_by_alias_and_the_scrapers_writing_to_it():
    client = boto3.client("amp", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    ws = workspace()
    other = workspace(workspace_id="ws-22222222-2222-2222-2222-222222222222", alias="prod-old")

    def scraper(scraper_id, destination, alias):
        return {"scraperId": scraper_id, "alias": alias, "arn": f"arn:aws:aps:{REGION}:123456789012:scraper/{scraper_id}",
                "roleArn": "arn:aws:iam::123456789012:role/scraper", "status": {"statusCode": "ACTIVE"},
                "createdAt": "2026-11-24T00:00:00Z", "lastModifiedAt": "2026-11-24T00:00:00Z", "tags": {"amp-alerting-workspace": "prod"},
                "source": {"eksConfiguration": {"clusterArn": "arn:aws:eks:eu-west-1:123456789012:cluster/c", "subnetIds": ["s"]}},
                "destination": {"ampConfiguration": {"workspaceArn": destination}}}
    wrapped = RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff())
    with Stubber(client) as stub:
        # AMP's alias filter matches prefixes: only the exact alias counts
        stub.add_response("list_workspaces", {"workspaces": [{k: w[k] for k in ("workspaceId", "alias", "arn", "status", "createdAt")}
                                                             for w in (ws, other)]}, {"alias": "prod"})
        stub.add_response("list_scrapers", {"scrapers": [scraper("s-1", ws["arn"], "prod-c"), scraper("s-2", other["arn"], "old-c")]},
                          {"filters": {"destinationArn": [ws["arn"]]}})
        found = chain.read_workspace(wrapped, alias="prod")
        scrapers = chain.read_scrapers(wrapped, found["arn"])
    assert found == {"workspace_id": WS_ID, "arn": ws["arn"], "alias": "prod", "status": "ACTIVE"}
    assert scrapers == [{"scraper_id": "s-1", "alias": "prod-c", "status": "ACTIVE", "tags": {"amp-alerting-workspace": "prod"}}]
