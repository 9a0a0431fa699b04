"""The preflight's one read of the chain: chain_reads makes it of every role's request, and chain_serves says
whether it covers a role's request - or the role must read again (another workspace, region, a 0.2.0 stack)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.amp.alerting.plugins.filter.gates import chain_reads
from ansible_collections.amp.alerting.plugins.filter.gates import chain_serves

REGION = "eu-west-1"
WORKSPACE = {"region": REGION, "log_groups": ["/aws/vendedlogs/amp/prod"], "workspace_id": "", "workspace_alias": "prod",
             "resource_policy": True, "scrapers": True, "workspace_configuration": True}
SNS = {"region": REGION, "topics": ["arn:aws:sns:eu-west-1:111122223333:amp-prod-alerts"], "stacks": ["amp-prod-sns"]}
LAMBDA = {"region": REGION, "log_groups": ["/aws/lambda/amp-prod-slack-forwarder"], "queues": ["dlq", "delivery-dlq"],
          "roles": [{"name": "amp-prod-slack-forwarder", "inline_policies": ["slack-forwarder"]}],
          "functions": ["amp-prod-slack-forwarder"],
          "subscriptions": [{"topic_arn": SNS["topics"][0], "protocol": "lambda", "endpoint": "arn:fn"}]}
ALERTING = {"region": REGION, "workspace_id": "", "workspace_alias": "prod", "rule_namespaces": ["amp-alerting"],
            "alertmanager_definition": True, "topics": ["arn:aws:sns:eu-west-1:111122223333:amp-prod-heartbeat"]}


def chain_read(requests, workspace=None, stacks=None):
    """What chain_info registers for the merged request: the read, and what it found."""
    read = chain_reads(requests, REGION)
    return {"read": read, "region": REGION, "workspace": workspace,
            "stacks": stacks if stacks is not None else dict.fromkeys(read["stacks"])}


def test_the_union_of_every_roles_request():
    merged = chain_reads({"workspace": WORKSPACE, "sns": SNS, "lambda": LAMBDA, "alerting": ALERTING,
                          "again": dict(LAMBDA, roles=[{"name": "amp-prod-slack-forwarder", "inline_policies": ["other"]}])},
                         REGION)
    assert merged["log_groups"] == ["/aws/vendedlogs/amp/prod", "/aws/lambda/amp-prod-slack-forwarder"]
    assert merged["topics"] == SNS["topics"] + ALERTING["topics"]
    assert merged["roles"] == [{"name": "amp-prod-slack-forwarder", "inline_policies": ["slack-forwarder", "other"]}]
    assert merged["subscriptions"] == LAMBDA["subscriptions"]
    assert merged["alertmanager_definition"] and merged["scrapers"] and merged["workspace_configuration"]
    assert merged["workspace_alias"] == "prod" and not merged["workspace_id"]


def test_a_role_of_another_region_reads_on_its_own():
    merged = chain_reads([WORKSPACE, dict(ALERTING, region="us-east-1")], REGION)
    assert merged["rule_namespaces"] == [] and not merged["alertmanager_definition"]
    found = chain_read([WORKSPACE, dict(ALERTING, region="us-east-1")], workspace={"workspace_id": "ws-1"})
    assert not chain_serves(found, dict(ALERTING, region="us-east-1"))


def test_two_workspaces_are_a_mistake():
    with pytest.raises(AnsibleFilterError, match="different workspaces"):
        chain_reads([WORKSPACE, dict(ALERTING, workspace_alias="staging")], REGION)


def test_the_read_serves_each_role_it_covers():
    found = chain_read([WORKSPACE, SNS, LAMBDA, ALERTING], workspace={"workspace_id": "ws-1", "alias": "prod"})
    for request in (WORKSPACE, SNS, LAMBDA, ALERTING):
        assert chain_serves(found, request)
    # the alerting role in the site play names the workspace the workspace role left: the one read
    assert chain_serves(found, dict(ALERTING, workspace_id="ws-1", workspace_alias=""))


@pytest.mark.parametrize("request_, why", [
    (dict(LAMBDA, functions=["another"]), "a function not read"),
    (dict(LAMBDA, roles=[{"name": "amp-prod-slack-forwarder", "inline_policies": ["another"]}]), "an inline policy not read"),
    (dict(LAMBDA, subscriptions=[dict(LAMBDA["subscriptions"][0], endpoint="arn:other")]), "another subscription"),
    (dict(ALERTING, workspace_id="ws-made-by-this-run", workspace_alias=""), "a workspace made since the read"),
    (dict(ALERTING, workspace_alias="staging"), "another alias"),
    (dict(SNS, region="us-east-1"), "another region"),
    (dict(WORKSPACE, workspace_configuration=True, resource_policy=True, scrapers=True, log_groups=["/other"]),
     "a log group not read"),
])
def test_a_request_the_read_does_not_cover(request_, why):
    found = chain_read([WORKSPACE, SNS, LAMBDA, ALERTING], workspace={"workspace_id": "ws-1", "alias": "prod"})
    assert not chain_serves(found, request_), why


def test_a_stack_of_0_2_0_found_serves_no_role():
    found = chain_read([SNS, LAMBDA], stacks={"amp-prod-sns": {"status": "CREATE_COMPLETE"}})
    assert not chain_serves(found, SNS) and not chain_serves(found, LAMBDA)


@pytest.mark.parametrize("found", [None, {}, {"skipped": True, "changed": False}, "text"])
def test_no_read_serves_nothing(found):
    assert not chain_serves(found, SNS)


def test_a_read_by_workspace_id_serves_the_role_naming_it():
    found = chain_read([dict(WORKSPACE, workspace_id="ws-9"), ALERTING], workspace=None)
    assert chain_serves(found, dict(ALERTING, workspace_id="ws-9", workspace_alias=""))
    assert not chain_serves(found, dict(ALERTING, workspace_id="ws-8", workspace_alias=""))
