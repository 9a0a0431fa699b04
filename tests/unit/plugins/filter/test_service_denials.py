"""service_denials: the roles' question 'may this service do that, by this resource policy?'."""

import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.amp.alerting.plugins.filter.policies import service_denials

KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234"
ROOT_ONLY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
     "Action": "kms:*", "Resource": "*"}]}
WITH_AMP = {"Version": "2012-10-17", "Statement": ROOT_ONLY["Statement"] + [
    {"Sid": "AMP", "Effect": "Allow", "Principal": {"Service": "aps.amazonaws.com"},
     "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": "*",
     "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}]}
ACTIONS = ["kms:GenerateDataKey", "kms:Decrypt"]


def test_kms_default_policy_lets_the_account_not_amp():
    assert service_denials(ROOT_ONLY, "aps.amazonaws.com", ACTIONS, KEY, {"aws:SourceAccount": "123456789012"}, True) == [
        f"aps.amazonaws.com may not kms:GenerateDataKey: no statement allows kms:GenerateDataKey on {KEY} for aps.amazonaws.com",
        f"aps.amazonaws.com may not kms:Decrypt: no statement allows kms:Decrypt on {KEY} for aps.amazonaws.com"]


def test_a_statement_for_amp_in_this_account_is_enough_as_json_text_too():
    assert service_denials(json.dumps(WITH_AMP), "aps.amazonaws.com", ACTIONS, KEY, {"aws:SourceAccount": "123456789012"}, True) == []


def test_another_account_is_named_by_the_condition_that_kept_it_out():
    (denial, _decrypt) = service_denials(WITH_AMP, "aps.amazonaws.com", ACTIONS, KEY, {"aws:SourceAccount": "999999999999"}, True)
    assert "needs StringEquals aws:SourceAccount ['123456789012'] (the request has 999999999999)" in denial


def test_an_operator_it_cannot_evaluate_fails_the_task():
    dated = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*",
                            "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}]}
    with pytest.raises(AnsibleFilterError, match="cannot evaluate the policy of .*DateGreaterThan"):
        service_denials(dated, "aps.amazonaws.com", ACTIONS, KEY, {}, True)
