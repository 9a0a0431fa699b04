"""policy_evaluation against the cases of AWS's policy-evaluation documentation (IAM User Guide:
"Policy evaluation for requests within a single account", "Cross-account policy evaluation logic",
"Condition operators", the SNS and KMS confused-deputy examples)."""

import pytest

from ansible_collections.amp.alerting.plugins.module_utils.policy_evaluation import Principal
from ansible_collections.amp.alerting.plugins.module_utils.policy_evaluation import PolicyNotUnderstood
from ansible_collections.amp.alerting.plugins.module_utils.policy_evaluation import evaluate

ACCOUNT = "123456789012"
CARLOS = Principal.iam(f"arn:aws:iam::{ACCOUNT}:user/carlossalazar")
LOGS = "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs/2026/11/app.log"
TOPIC = f"arn:aws:sns:eu-west-1:{ACCOUNT}:amp-alerts"
WORKSPACE = f"arn:aws:aps:eu-west-1:{ACCOUNT}:workspace/ws-a"
APS = Principal.service("aps.amazonaws.com")


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


CARLOS_IDENTITY = policy({"Sid": "AllowS3ListRead", "Effect": "Allow",
                          "Action": ["s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket"],
                          "Resource": "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/*"})
LOGS_BUCKET = policy({"Sid": "AllowCarlosPut", "Effect": "Allow",
                      "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/carlossalazar"},
                      "Action": "s3:PutObject", "Resource": "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar-logs/*"})
TOPIC_POLICY = policy({"Sid": "AMPPublish", "Effect": "Allow", "Principal": {"Service": "aps.amazonaws.com"},
                       "Action": ["sns:Publish", "sns:GetTopicAttributes"], "Resource": TOPIC,
                       "Condition": {"ArnEquals": {"aws:SourceArn": WORKSPACE},
                                     "StringEquals": {"aws:SourceAccount": ACCOUNT}}})


def test_same_account_the_resource_policy_alone_allows():
    # The guide's example: Carlos's own policy does not allow PutObject, the logs bucket's policy does.
    decision = evaluate("s3:PutObject", LOGS, CARLOS, identity_policies=[CARLOS_IDENTITY], resource_policy=LOGS_BUCKET,
                        resource_account=ACCOUNT)
    assert decision.allowed and "AllowCarlosPut" in decision.reason


def test_same_account_the_identity_policy_alone_allows():
    thing = "arn:aws:s3:::amzn-s3-demo-bucket-carlossalazar/report.csv"
    assert evaluate("s3:GetObject", thing, CARLOS, identity_policies=[CARLOS_IDENTITY], resource_account=ACCOUNT).allowed


def test_nothing_allows_is_an_implicit_deny():
    decision = evaluate("s3:DeleteObject", LOGS, CARLOS, identity_policies=[CARLOS_IDENTITY], resource_policy=LOGS_BUCKET,
                        resource_account=ACCOUNT)
    assert not decision.allowed and decision.reason.startswith("no statement allows s3:DeleteObject")


def test_an_explicit_deny_anywhere_wins_over_an_allow():
    deny = policy({"Sid": "NoLogsWrites", "Effect": "Deny", "Action": "s3:Put*", "Resource": "*"})
    decision = evaluate("s3:PutObject", LOGS, CARLOS, identity_policies=[deny], resource_policy=LOGS_BUCKET,
                        resource_account=ACCOUNT)
    assert not decision.allowed and decision.reason == "explicit deny: statement NoLogsWrites of the identity policy 1"


def test_across_accounts_both_the_identity_and_the_resource_policy_must_allow():
    stranger = Principal.iam("arn:aws:iam::111122223333:role/reader")
    reads = policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    bucket = policy({"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject", "Resource": "*"})
    assert evaluate("s3:GetObject", LOGS, stranger, identity_policies=[reads], resource_policy=bucket,
                    resource_account=ACCOUNT).allowed
    only_identity = evaluate("s3:GetObject", LOGS, stranger, identity_policies=[reads], resource_account=ACCOUNT)
    assert not only_identity.allowed and "the resource policy must allow" in only_identity.reason
    only_resource = evaluate("s3:GetObject", LOGS, stranger, resource_policy=bucket, resource_account=ACCOUNT)
    assert not only_resource.allowed


def test_a_service_principal_publishes_only_for_the_workspace_and_account_named():
    context = {"aws:SourceArn": WORKSPACE, "aws:SourceAccount": ACCOUNT}
    assert evaluate("sns:Publish", TOPIC, APS, context, resource_policy=TOPIC_POLICY).allowed
    other = evaluate("sns:Publish", TOPIC, APS, dict(context, **{"aws:SourceArn": WORKSPACE[:-1] + "b"}),
                     resource_policy=TOPIC_POLICY)
    assert not other.allowed
    assert "statement AMPPublish of the resource policy needs ArnEquals aws:SourceArn" in other.reason
    assert "workspace/ws-b" in other.reason
    assert not evaluate("sns:Publish", TOPIC, APS, dict(context, **{"aws:SourceAccount": "999999999999"}),
                        resource_policy=TOPIC_POLICY).allowed
    # another service, or no condition keys at all (the confused deputy): refused
    assert not evaluate("sns:Publish", TOPIC, Principal.service("events.amazonaws.com"), context,
                        resource_policy=TOPIC_POLICY).allowed
    assert not evaluate("sns:Publish", TOPIC, APS, {}, resource_policy=TOPIC_POLICY).allowed


def test_a_service_principal_is_not_an_iam_principal_of_the_account():
    account_wide = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                           "Action": "sns:Publish", "Resource": TOPIC})
    assert not evaluate("sns:Publish", TOPIC, APS, {"aws:SourceArn": WORKSPACE}, resource_policy=account_wide).allowed
    assert evaluate("sns:Publish", TOPIC, Principal.iam(f"arn:aws:iam::{ACCOUNT}:role/x"),
                    resource_policy=account_wide).allowed


def test_actions_are_case_insensitive_with_wildcards_resources_are_not():
    allow = policy({"Effect": "Allow", "Action": "SNS:Pub*", "Resource": "arn:aws:sns:*:*:amp-*"})
    caller = Principal.iam(f"arn:aws:iam::{ACCOUNT}:role/x")
    assert evaluate("sns:Publish", TOPIC, caller, identity_policies=[allow]).allowed
    assert not evaluate("sns:Publish", TOPIC.replace("amp-", "AMP-"), caller, identity_policies=[allow]).allowed
    one_char = policy({"Effect": "Allow", "Action": "sns:Publis?", "Resource": "*"})
    assert evaluate("sns:Publish", TOPIC, caller, identity_policies=[one_char]).allowed


def test_not_action_and_not_resource():
    caller = Principal.iam(f"arn:aws:iam::{ACCOUNT}:role/x")
    everything_but_iam = policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert evaluate("sns:Publish", TOPIC, caller, identity_policies=[everything_but_iam]).allowed
    assert not evaluate("iam:CreateUser", "arn:aws:iam::123456789012:user/x", caller,
                        identity_policies=[everything_but_iam]).allowed
    not_this_topic = policy({"Effect": "Allow", "Action": "sns:Publish", "NotResource": TOPIC})
    assert not evaluate("sns:Publish", TOPIC, caller, identity_policies=[not_this_topic]).allowed
    assert evaluate("sns:Publish", TOPIC + "-2", caller, identity_policies=[not_this_topic]).allowed


def test_a_deny_on_insecure_transport_applies_only_when_the_key_says_false():
    caller = Principal.iam(f"arn:aws:iam::{ACCOUNT}:role/x")
    topic = policy({"Sid": "Allow", "Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sns:Publish", "Resource": TOPIC},
                   {"Sid": "TLSOnly", "Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": TOPIC,
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}}})
    assert not evaluate("sns:Publish", TOPIC, caller, {"aws:SecureTransport": "false"}, resource_policy=topic).allowed
    assert evaluate("sns:Publish", TOPIC, caller, {"aws:SecureTransport": "true"}, resource_policy=topic).allowed
    assert evaluate("sns:Publish", TOPIC, caller, {}, resource_policy=topic).allowed  # key absent: Bool does not match


@pytest.mark.parametrize("condition, context, holds", [
    ({"StringLike": {"aws:SourceArn": "arn:aws:aps:*:123456789012:workspace/*"}}, {"aws:SourceArn": WORKSPACE}, True),
    ({"StringLike": {"aws:SourceArn": "arn:aws:aps:*:999999999999:workspace/*"}}, {"aws:SourceArn": WORKSPACE}, False),
    ({"ArnLike": {"aws:SourceArn": "arn:aws:aps:eu-*:123456789012:workspace/ws-?"}}, {"aws:SourceArn": WORKSPACE}, True),
    ({"StringNotEquals": {"aws:SourceAccount": "999999999999"}}, {"aws:SourceAccount": ACCOUNT}, True),
    ({"StringNotEquals": {"aws:SourceAccount": "999999999999"}}, {}, True),  # negated: absent key holds
    ({"StringEquals": {"aws:SourceAccount": ACCOUNT}}, {}, False),
    ({"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}, {}, True),
    ({"StringEquals": {"AWS:SOURCEACCOUNT": ACCOUNT}}, {"aws:SourceAccount": ACCOUNT}, True),  # keys ignore case
    ({"StringEquals": {"aws:SourceAccount": ["111111111111", ACCOUNT]}}, {"aws:SourceAccount": ACCOUNT}, True),
    ({"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnEquals": {"aws:SourceArn": "arn:aws:aps:eu-west-1:123456789012:workspace/ws-b"}},
     {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": WORKSPACE}, False),  # operators AND
    ({"Null": {"aws:SourceArn": "true"}}, {}, True),
    ({"Null": {"aws:SourceArn": "false"}}, {}, False),
    ({"NumericLessThanEquals": {"aws:MultiFactorAuthAge": "3600"}}, {"aws:MultiFactorAuthAge": "600"}, True),
    ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}}, {"aws:TagKeys": ["env", "team"]}, True),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}, {"aws:TagKeys": ["env", "team"]}, False),
    ({"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}, {}, True),
])
def test_condition_operators(condition, context, holds):
    caller = Principal.iam(f"arn:aws:iam::{ACCOUNT}:role/x")
    allow = policy({"Effect": "Allow", "Action": "sns:Publish", "Resource": "*", "Condition": condition})
    assert evaluate("sns:Publish", TOPIC, caller, context, identity_policies=[allow]).allowed is holds


def test_a_key_policy_must_delegate_to_the_account_before_identity_policies_count():
    key = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234"
    reader = Principal.iam(f"arn:aws:iam::{ACCOUNT}:role/forwarder")
    decrypt = policy({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key})
    aps_only = policy({"Effect": "Allow", "Principal": {"Service": "aps.amazonaws.com"},
                       "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"})
    delegating = policy({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"},
                        *aps_only["Statement"])
    assert not evaluate("kms:Decrypt", key, reader, identity_policies=[decrypt], resource_policy=aps_only,
                        key_policy=True).allowed
    assert evaluate("kms:Decrypt", key, reader, identity_policies=[decrypt], resource_policy=delegating,
                    key_policy=True).allowed
    assert evaluate("kms:GenerateDataKey", key, APS, resource_policy=aps_only, key_policy=True).allowed
    # the account's statement only enables IAM policies: without one, the role may not decrypt
    assert not evaluate("kms:Decrypt", key, reader, identity_policies=[], resource_policy=delegating,
                        key_policy=True).allowed
    # a key policy statement naming the role itself is enough
    naming_the_role = policy({"Effect": "Allow", "Principal": {"AWS": reader.name}, "Action": "kms:Decrypt", "Resource": "*"})
    assert evaluate("kms:Decrypt", key, reader, resource_policy=naming_the_role, key_policy=True).allowed


def test_an_operator_it_does_not_implement_is_an_error_not_a_guess():
    caller = Principal.iam(f"arn:aws:iam::{ACCOUNT}:role/x")
    dated = policy({"Effect": "Allow", "Action": "sns:Publish", "Resource": "*",
                    "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}})
    with pytest.raises(PolicyNotUnderstood, match="DateLessThan"):
        evaluate("sns:Publish", TOPIC, caller, {"aws:CurrentTime": "2026-11-26T00:00:00Z"}, identity_policies=[dated])


def test_policies_given_as_json_text():
    import json
    assert evaluate("sns:Publish", TOPIC, APS, {"aws:SourceArn": WORKSPACE, "aws:SourceAccount": ACCOUNT},
                    resource_policy=json.dumps(TOPIC_POLICY)).allowed
