"""iam_managed_policy_info with boto3 stubbed: two calls a policy, a missing one is not an error."""

import json
from urllib.parse import quote

import pytest

from ansible_collections.amp.alerting.plugins.modules import iam_managed_policy_info

ARN = "arn:aws:iam::123456789012:policy/amp/amp-prod-query"
GONE = "arn:aws:iam::123456789012:policy/amp/amp-prod-rules"
DOCUMENT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "aps:QueryMetrics", "Resource": "*"}]}


@pytest.fixture
def run(run_module):
    return run_module(iam_managed_policy_info, "iam")


def test_versions_and_the_default_document_and_a_missing_policy(run):
    run.stub.add_response("list_policy_versions", {"Versions": [
        {"VersionId": "v3", "IsDefaultVersion": True}, {"VersionId": "v2", "IsDefaultVersion": False}]}, {"PolicyArn": ARN})
    run.stub.add_response("get_policy_version", {"PolicyVersion": {"VersionId": "v3", "IsDefaultVersion": True,
                                                                   # IAM's own form, URL-encoded JSON text, which botocore decodes
                                                                   "Document": quote(json.dumps(DOCUMENT))}},
                          {"PolicyArn": ARN, "VersionId": "v3"})
    run.stub.add_client_error("list_policy_versions", "NoSuchEntity", "not found", 404, expected_params={"PolicyArn": GONE})
    result = run(policy_arns=[ARN, GONE])
    assert result["changed"] is False
    assert result["policies"] == [
        {"arn": ARN, "exists": True, "version_ids": ["v3", "v2"], "default_version_id": "v3", "document": DOCUMENT},
        {"arn": GONE, "exists": False, "version_ids": [], "default_version_id": None, "document": None}]


def test_a_refused_read_fails_naming_the_policy(run):
    run.stub.add_client_error("list_policy_versions", "AccessDenied", "not authorized", 403)
    result = run(policy_arns=[ARN])
    assert result["failed"] is True and result["msg"].startswith(f"Failed to list the versions of policy {ARN}")
