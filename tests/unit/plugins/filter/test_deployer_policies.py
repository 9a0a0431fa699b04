"""The shipped deployer policies (files/iam/) and the filters that narrow and cut them.

That every playbook runs under them is shown by the integration tests, which run as sandbox users
holding only these documents (support/principals.py); here: the documents are valid as they stand,
fit where IAM puts them, and the filters keep what they grant."""

import json
import os
import re

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.amp.alerting.plugins.filter.policies import narrowed_policy, policy_parts, policy_size
from ansible_collections.amp.alerting.plugins.module_utils.policy_evaluation import Principal, evaluate

from support import REPO_ROOT

POLICIES = os.path.join(REPO_ROOT, "files", "iam")
DEPLOYER = Principal.iam("arn:aws:iam::123456789012:role/amp-alerting-deployer")


def load(name):
    with open(os.path.join(POLICIES, name), encoding="utf-8") as handle:
        return json.load(handle)


def allowed(document, action, resource, context=None):
    return evaluate(action, resource, DEPLOYER, context or {}, identity_policies=[document],
                    resource_account="123456789012" if resource == "*" else None).allowed


@pytest.mark.parametrize("name", ["deploy-policy.json", "check-policy.json"])
def test_each_document_is_a_policy_iam_takes_as_it_stands(name):
    document = load(name)
    assert document["Version"] == "2012-10-17"
    sids = [statement["Sid"] for statement in document["Statement"]]
    assert len(sids) == len(set(sids)), "statement ids are unique"
    for statement in document["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all(re.fullmatch(r"[a-z0-9-]+:[A-Za-z0-9]+", action) for action in actions), \
            f"{statement['Sid']}: actions one by one, no wildcard"
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        assert all(r == "*" or r.startswith("arn:*:") for r in resources), statement["Sid"]
    # a role's inline policies hold 10,240 characters; as managed policies it is cut in parts of 6,144
    assert policy_size(document) <= 10240


def test_the_check_policy_fits_one_managed_policy_and_holds_no_write():
    document = load("check-policy.json")
    assert policy_size(document) <= 6144
    actions = [a for s in document["Statement"] for a in s["Action"]]
    # kms:Decrypt through SSM: check mode compares a stored webhook parameter under a customer key
    writes = [a for a in actions if not re.match(r"[a-z0-9-]+:(Describe|Get|List|Filter)", a) and a != "kms:Decrypt"]
    assert writes == []


def test_pass_role_only_for_the_forwarder_and_only_to_lambda():
    document = load("deploy-policy.json")
    role = "arn:aws:iam::123456789012:role/amp/amp-prod-slack-forwarder"
    assert allowed(document, "iam:PassRole", role, {"iam:PassedToService": "lambda.amazonaws.com"})
    assert not allowed(document, "iam:PassRole", role, {"iam:PassedToService": "ec2.amazonaws.com"})
    assert not allowed(document, "iam:PassRole", "arn:aws:iam::123456789012:role/amp/amp-prod-ingest",
                       {"iam:PassedToService": "lambda.amazonaws.com"})


def test_the_deployer_may_attach_only_the_collections_own_policies():
    document = load("deploy-policy.json")
    role = "arn:aws:iam::123456789012:role/amp/amp-prod-ingest"
    assert allowed(document, "iam:AttachRolePolicy", role,
                   {"iam:PolicyARN": "arn:aws:iam::123456789012:policy/amp/amp-prod-remote-write"})
    assert not allowed(document, "iam:AttachRolePolicy", role,
                       {"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"})


def test_names_outside_the_default_naming_are_refused():
    document = load("deploy-policy.json")
    assert allowed(document, "sns:CreateTopic", "arn:aws:sns:eu-west-1:123456789012:amp-prod-alerts")
    assert not allowed(document, "sns:CreateTopic", "arn:aws:sns:eu-west-1:123456789012:payments-orders")
    assert not allowed(document, "ssm:GetParameter", "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/db-password")


def test_narrowing_keeps_the_grants_inside_the_account_and_region_and_drops_the_rest():
    document = narrowed_policy(load("deploy-policy.json"), "aws", "eu-west-1", "123456789012")
    assert allowed(document, "sns:CreateTopic", "arn:aws:sns:eu-west-1:123456789012:amp-prod-alerts")
    assert not allowed(document, "sns:CreateTopic", "arn:aws:sns:us-east-1:123456789012:amp-prod-alerts")
    assert not allowed(document, "sns:CreateTopic", "arn:aws:sns:eu-west-1:210987654321:amp-prod-alerts")
    # IAM ARNs have no region: the empty field stays empty
    assert allowed(document, "iam:CreateRole", "arn:aws:iam::123456789012:role/amp/amp-prod-slack-forwarder")
    with pytest.raises(AnsibleFilterError, match="12-digit"):
        narrowed_policy(load("deploy-policy.json"), account="prod")


def test_the_parts_fit_a_managed_policy_and_grant_what_the_whole_does():
    document = load("deploy-policy.json")
    parts = policy_parts(document)
    assert len(parts) >= 2 and all(policy_size(part) <= 6144 for part in parts)
    assert [s for part in parts for s in part["Statement"]] == document["Statement"]
    with pytest.raises(AnsibleFilterError, match="alone is over"):
        policy_parts(document, limit=100)
