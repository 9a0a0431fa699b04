"""The gates on AMP documents (the alerting role's rules and alertmanager definition, the workspace role's
resource policy) say "differs" exactly when their module would write.

The same DescribeRuleGroupsNamespace / DescribeAlertManagerDefinition answer goes to chain_info's read
(module_utils/chain.py) and through the `differs` filter, and to amp_rule_namespace / amp_alertmanager in
check mode (boto3 stubbed): the gate and the module's `changed` must agree, for the document as uploaded,
the same document written otherwise, an edited one, a missing one and one AMP left UPDATE_FAILED.
"""

import copy
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
from ansible_collections.amp.alerting.plugins.modules import amp_scraper

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
    # amp_scraper's view of each summary (AMP lists no scrape configuration: not known)
    assert [{k: s[k] for k in ("scraper_id", "alias", "status", "tags", "cluster_arn", "workspace_arn", "scrape_configuration")}
            for s in scrapers] == [{"scraper_id": "s-1", "alias": "prod-c", "status": "ACTIVE", "tags": {"amp-alerting-workspace": "prod"},
                                    "cluster_arn": "arn:aws:eks:eu-west-1:123456789012:cluster/c", "workspace_arn": ws["arn"],
                                    "scrape_configuration": None}]


# The workspace role's scrapers: the same ListScrapers / DescribeScraper answers to chain_info's read (the
# summaries AMP lists leave the scrape configuration out) and to amp_scraper in check mode.
CLUSTER = f"arn:aws:eks:{REGION}:123456789012:cluster/prod"
SCRAPE_CONFIG = "global:\n  scrape_interval: 30s\nscrape_configs:\n  - job_name: pods\n    kubernetes_sd_configs: [{role: pod}]\n"
SCRAPER_TAGS = {"team": "sre", "amp-alerting-workspace": "prod"}
TARGET_ROLE = "arn:aws:iam::123456789012:role/amp-writer"


def described_scraper(**changes):
    scraper = {"scraperId": "s-1", "alias": "prod-prod", "arn": f"arn:aws:aps:{REGION}:123456789012:scraper/s-1",
               "roleArn": "arn:aws:iam::123456789012:role/aws-service-role/scraper", "status": {"statusCode": "ACTIVE"},
               "createdAt": "2026-11-24T00:00:00Z", "lastModifiedAt": "2026-11-24T00:00:00Z", "tags": dict(SCRAPER_TAGS),
               "source": {"eksConfiguration": {"clusterArn": CLUSTER, "subnetIds": ["subnet-0a1b", "subnet-2c3d"]}},
               "destination": {"ampConfiguration": {"workspaceArn": workspace()["arn"]}},
               "roleConfiguration": {"targetRoleArn": TARGET_ROLE},
               "scrapeConfiguration": {"configurationBlob": SCRAPE_CONFIG.encode()}}
    scraper.update(changes)
    return scraper


SCRAPER_CASES = {
    "as made": described_scraper(),
    "the same configuration written otherwise": described_scraper(scrapeConfiguration={"configurationBlob": yaml.safe_dump(
        yaml.safe_load(SCRAPE_CONFIG), default_flow_style=True).encode()}),
    "another configuration put by hand": described_scraper(scrapeConfiguration={"configurationBlob": SCRAPE_CONFIG.replace(
        "30s", "5s").encode()}),
    "a tag added by hand": described_scraper(tags=dict(SCRAPER_TAGS, owner="someone")),
    "its tag taken off by hand": described_scraper(tags={"team": "sre"}),
    "another target role": described_scraper(roleConfiguration={"targetRoleArn": "arn:aws:iam::123456789012:role/other"}),
    "left UPDATE_FAILED": described_scraper(status={"statusCode": "UPDATE_FAILED"}, statusReason="bad config"),
    "writing to a workspace since replaced": described_scraper(destination={"ampConfiguration": {
        "workspaceArn": workspace(workspace_id="ws-22222222-2222-2222-2222-222222222222")["arn"]}}),
    "deleted by hand": None,
}
SCRAPER_WANTED = {"cluster_arn": CLUSTER, "subnet_ids": ["subnet-2c3d", "subnet-0a1b"], "target_role_arn": TARGET_ROLE,
                  "tags": SCRAPER_TAGS}


def scraper_answers(stub, scraper, filters, configurations):
    summaries = [{k: v for k, v in copy.deepcopy(scraper).items() if k != "scrapeConfiguration"}] if scraper else []
    stub.add_response("list_scrapers", {"scrapers": summaries}, {"filters": filters})
    if scraper and configurations:
        stub.add_response("describe_scraper", {"scraper": copy.deepcopy(scraper)}, {"scraperId": "s-1"})


def read_scrapers(case, configurations, workspace_arn=None):
    """What chain_info registers of the workspace's scrapers; the workspace is WORKSPACE_ARN's, which the scraper
    of the case writes to (else the read's filter would leave it out)."""
    scraper = SCRAPER_CASES[case]
    workspace_arn = workspace_arn or (scraper or described_scraper())["destination"]["ampConfiguration"]["workspaceArn"]
    client = boto3.client("amp", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        scraper_answers(stub, scraper, {"destinationArn": [workspace_arn]}, configurations)
        scrapers = chain.read_scrapers(RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff()), workspace_arn, configurations)
    return {"scrapers": scrapers, "read": {"scrapers": True, "scraper_configurations": configurations}}


# (with none given, a configuration put by hand is left alone by the module, and by the gate)
@pytest.mark.parametrize("with_configuration", [False, True], ids=["AMP's default configuration", "a configuration given"])
@pytest.mark.parametrize("case", SCRAPER_CASES, ids=list(SCRAPER_CASES))
def test_scraper(run_module, case, with_configuration):
    wanted = dict(SCRAPER_WANTED, **({"scrape_configuration": SCRAPE_CONFIG} if with_configuration else {}))
    found = read_scrapers(case, configurations=with_configuration)
    run = run_module(amp_scraper)
    run.stub.add_response("describe_workspace", {"workspace": workspace()}, {"workspaceId": WS_ID})
    scraper_answers(run.stub, SCRAPER_CASES[case], {"alias": ["prod-prod"]}, configurations=True)
    if SCRAPER_CASES[case] is None and not with_configuration:  # made with AMP's default configuration
        run.stub.add_response("get_default_scraper_configuration", {"configuration": SCRAPE_CONFIG.encode()}, {})
    module = run(alias="prod-prod", workspace_id=WS_ID, wait=False, _ansible_check_mode=True, **wanted)
    gate = differs(found, "scraper", "prod-prod", dict(wanted, workspace_arn=workspace()["arn"]))
    assert gate is module["changed"], case


def test_a_scraper_of_another_cluster_differs_and_the_module_says_why(run_module):
    found = read_scrapers("as made", configurations=False)
    moved = dict(SCRAPER_WANTED, cluster_arn=CLUSTER + "-2")
    assert differs(found, "scraper", "prod-prod", dict(moved, workspace_arn=workspace()["arn"])) is True
    run = run_module(amp_scraper)
    run.stub.add_response("describe_workspace", {"workspace": workspace()}, {"workspaceId": WS_ID})
    scraper_answers(run.stub, SCRAPER_CASES["as made"], {"alias": ["prod-prod"]}, configurations=True)
    module = run(alias="prod-prod", workspace_id=WS_ID, wait=False, _ansible_check_mode=True, **moved)
    assert module["failed"] and "cluster_arn" in module["msg"] and "cannot change a scraper's source" in module["msg"]


def test_a_configuration_to_compare_needs_a_read_that_described_the_scrapers():
    from ansible.errors import AnsibleFilterError
    found = read_scrapers("as made", configurations=False)
    assert found["scrapers"][0]["scrape_configuration"] is None  # ListScrapers leaves it out
    with pytest.raises(AnsibleFilterError, match="scrape configuration was not read"):
        differs(found, "scraper", "prod-prod", dict(SCRAPER_WANTED, scrape_configuration=SCRAPE_CONFIG,
                                                    workspace_arn=workspace()["arn"]))
    with pytest.raises(AnsibleFilterError, match="did not read scraper prod-prod"):
        differs(dict(found, read={"scrapers": False}), "scraper", "prod-prod", dict(SCRAPER_WANTED, workspace_arn=workspace()["arn"]))
