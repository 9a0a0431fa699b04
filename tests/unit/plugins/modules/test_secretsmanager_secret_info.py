"""secretsmanager_secret_info with boto3 stubbed: what the alerting role's PagerDuty clean-up and the doctor rely on."""

import datetime
import json

import pytest

from ansible_collections.amp.alerting.plugins.modules import secretsmanager_secret_info

PREFIX = "amp-alerting/prod/pagerduty/"
ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:"


@pytest.fixture
def run(run_module):
    return run_module(secretsmanager_secret_info, "secretsmanager")


def listing(*names, **extra):
    return {"SecretList": [dict({"Name": name, "ARN": f"{ARN}{name}-AbCdEf"}, **extra) for name in names]}


def test_only_names_under_the_prefix_with_their_policies_never_a_value(run):
    request = {"Filters": [{"Key": "name", "Values": [PREFIX]}], "IncludePlannedDeletion": False}
    # ListSecrets' name filter is looser than a prefix: a secret outside it must not be listed (nor deleted)
    run.stub.add_response("list_secrets", listing(PREFIX + "payments", "amp-alerting/prod/pagerduty-old/x",
                                                  Tags=[{"Key": "team", "Value": "payments"}]), request)
    policy = {"Version": "2012-10-17", "Statement": []}
    run.stub.add_response("get_resource_policy", {"ResourcePolicy": json.dumps(policy)},
                          {"SecretId": f"{ARN}{PREFIX}payments-AbCdEf"})
    result = run(name_prefix=PREFIX, resource_policy=True)
    assert result["changed"] is False
    (secret,) = result["secrets"]
    assert (secret["name"], secret["resource_policy"], secret["tags"]) == (PREFIX + "payments", policy, {"team": "payments"})
    assert secret["kms_key_id"] is None and secret["deleted_date"] is None


def test_a_secret_without_policy_or_gone_meanwhile_has_none(run):
    run.stub.add_response("list_secrets", listing(PREFIX + "a", PREFIX + "b",
                                                  DeletedDate=datetime.datetime(2026, 12, 5, tzinfo=datetime.timezone.utc)),
                          {"Filters": [{"Key": "name", "Values": [PREFIX]}], "IncludePlannedDeletion": True})
    run.stub.add_response("get_resource_policy", {"ARN": f"{ARN}{PREFIX}a-AbCdEf"}, {"SecretId": f"{ARN}{PREFIX}a-AbCdEf"})
    run.stub.add_client_error("get_resource_policy", "ResourceNotFoundException", "gone", 400,
                              expected_params={"SecretId": f"{ARN}{PREFIX}b-AbCdEf"})
    secrets = run(name_prefix=PREFIX, resource_policy=True, include_planned_deletion=True)["secrets"]
    assert [(s["name"], s["resource_policy"]) for s in secrets] == [(PREFIX + "a", None), (PREFIX + "b", None)]
    assert secrets[0]["deleted_date"].startswith("2026-12-05")


def test_an_empty_prefix_is_refused_before_any_call(run):
    result = run(name_prefix="")
    assert result["failed"] is True and "name_prefix" in result["msg"]


def test_access_denied_fails_naming_the_prefix(run):
    run.stub.add_client_error("list_secrets", "AccessDeniedException", "not authorized", 400)
    result = run(name_prefix=PREFIX)
    assert result["failed"] is True and result["msg"].startswith(f"Failed to list the secrets under {PREFIX}")
