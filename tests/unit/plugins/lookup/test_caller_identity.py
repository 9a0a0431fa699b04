"""The lookup amp.alerting.caller_identity (the account role's one STS call), with boto3 mocked."""

from unittest import mock

import botocore.exceptions
import pytest
from ansible.errors import AnsibleError
from ansible_collections.amp.alerting.plugins.lookup.caller_identity import LookupModule

IDENTITY = {"Account": "210987654321", "Arn": "arn:aws-cn:sts::210987654321:assumed-role/amp-alerting-deployer/ci",
            "UserId": "AROAEXAMPLE:ci", "ResponseMetadata": {"HTTPStatusCode": 200}}


@pytest.fixture(name="caller_identity")
def caller_identity_lookup(monkeypatch):
    """The lookup with its options as given (the documented ones are amazon.aws' fragments: ansible-doc and
    sanity check them; the account role runs it through Ansible in every integration test)."""
    lookup = LookupModule()
    given = {}
    monkeypatch.setattr(lookup, "set_options", lambda var_options=None, direct=None: given.update(direct or {}))
    monkeypatch.setattr(lookup, "get_options", lambda hostvars=None: dict(given))
    return lookup


@pytest.fixture(name="sts")
def mocked_sts(monkeypatch):
    client = mock.Mock()
    made = []

    def fake_conn(plugin, conn_type=None, resource=None, region=None, endpoint=None, **params):
        made.append({"service": resource, "region": region, **params})
        return client

    monkeypatch.setattr("ansible_collections.amazon.aws.plugins.plugin_utils.base.boto3_conn", fake_conn)
    client.made = made
    return client


def test_one_sts_call_gives_the_account_arn_and_user_id_of_the_options_credentials(caller_identity, sts):
    sts.get_caller_identity.return_value = IDENTITY
    answer = caller_identity.run([], {}, region="cn-north-1", access_key="AKIAEXAMPLE", secret_key="s3cr3t",
                                 session_token="token")
    assert answer == [{"account": "210987654321", "arn": IDENTITY["Arn"], "user_id": "AROAEXAMPLE:ci"}]
    (made,) = sts.made
    assert (made["service"], made["region"]) == ("sts", "cn-north-1")
    assert (made["aws_access_key_id"], made["aws_secret_access_key"], made["aws_session_token"]) == (
        "AKIAEXAMPLE", "s3cr3t", "token")
    assert [c[0] for c in sts.method_calls] == ["get_caller_identity"]  # nothing of IAM (no account aliases)


def test_a_refusal_is_an_error_naming_the_call_and_aws_reason(caller_identity, sts):
    sts.get_caller_identity.side_effect = botocore.exceptions.ClientError(
        {"Error": {"Code": "InvalidClientTokenId", "Message": "The security token included in the request is invalid."}},
        "GetCallerIdentity")
    with pytest.raises(AnsibleError, match=r"sts:GetCallerIdentity.*InvalidClientTokenId.*security token included"):
        caller_identity.run([], {}, region="us-east-1")
