"""The write gates decide as the writing module does: a gate that says "same" where the module would change
something leaves drift unrepaired; one that says "differs" where it would not costs a module run."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.amp.alerting.plugins.filter.gates import managed_policy_differs

ARN = "arn:aws:iam::123456789012:policy/amp/amp-prod-query"
DOCUMENT = {"Version": "2012-10-17", "Statement": [
    {"Sid": "Query", "Effect": "Allow", "Action": ["aps:QueryMetrics", "aps:GetSeries"], "Resource": ["arn:aws:aps:ws"]}]}


def found(**entry):
    return {"policies": [dict({"arn": ARN, "exists": True, "version_ids": ["v2"], "default_version_id": "v2",
                               "document": DOCUMENT}, **entry)]}


def test_the_policy_as_asked_needs_no_write_however_iam_orders_it():
    # IAM gives a one-item list back as a string and keeps its own order: the same policy to compare_policies
    reordered = {"Version": "2012-10-17", "Statement": [
        {"Resource": "arn:aws:aps:ws", "Action": ["aps:GetSeries", "aps:QueryMetrics"], "Effect": "Allow", "Sid": "Query"}]}
    assert managed_policy_differs(found(document=reordered), ARN, DOCUMENT) is False


@pytest.mark.parametrize("entry, why", [
    ({"exists": False, "version_ids": [], "document": None}, "deleted by hand"),
    ({"document": dict(DOCUMENT, Statement=[dict(DOCUMENT["Statement"][0], Action="aps:*")])}, "edited by hand"),
    ({"version_ids": ["v1", "v2"]}, "an older version kept (only_version deletes it)"),
])
def test_a_policy_the_module_would_change_differs(entry, why):
    assert managed_policy_differs(found(**entry), ARN, DOCUMENT) is True, why


def test_a_policy_not_read_differs_and_a_wrong_input_is_refused():
    assert managed_policy_differs({"policies": []}, ARN, DOCUMENT) is True
    with pytest.raises(AnsibleFilterError, match="not a result of amp.alerting.iam_managed_policy_info"):
        managed_policy_differs({"skipped": True}, ARN, DOCUMENT)
