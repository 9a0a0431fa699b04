"""differing: a role's gates decided at once, as differs decides each, in the role's groups - so that a file of
writers none of which differs is not included, and one that does runs exactly the writers that differ."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.amp.alerting.plugins.filter.gates import anything_differs
from ansible_collections.amp.alerting.plugins.filter.gates import differing
from ansible_collections.amp.alerting.plugins.filter.gates import differs
from ansible_collections.amp.alerting.plugins.filter.gates import managed_policy_differs

LOG_GROUP = "/aws/lambda/amp-prod-slack-forwarder"
FOUND = {
    "log_groups": {LOG_GROUP: {"retention_in_days": 30}},
    "queues": {"dlq": {"attributes": {"MessageRetentionPeriod": "1209600"}, "tags": {}}, "gone": None},
}
GATES = {
    "storage": {
        "log_group": ["log_group", LOG_GROUP, {"retention": 30}],
        "state_table": None,  # not wanted
        "dead_letter_queue": ["queue", "dlq", {"attributes": {"MessageRetentionPeriod": 1209600}, "tags": {}}],
    },
    "subscription": {"delivery_dead_letter_queue": ["queue", "gone", {"attributes": {}}]},
}


def test_each_gate_is_what_differs_says_in_the_roles_groups():
    decided = differing(FOUND, GATES)
    assert decided == {"storage": {"log_group": False, "state_table": False, "dead_letter_queue": False},
                       "subscription": {"delivery_dead_letter_queue": True}}
    for group, gates in GATES.items():
        for key, gate in gates.items():
            assert decided[group][key] == (gate is not None and differs(FOUND, *gate)), (group, key)
            # a writer's own gate alone (its task's when) decides the same
            assert differing(FOUND, gate) == decided[group][key], (group, key)


def test_a_drifted_resource_differs_and_only_its_group_is_to_include():
    drifted = dict(FOUND, log_groups={LOG_GROUP: {"retention_in_days": 1}})
    decided = differing(drifted, GATES)
    assert decided["storage"]["log_group"] is True
    assert [group for group, gates in decided.items() if any(gates.values())] == ["storage", "subscription"]
    repaired = differing(dict(FOUND, queues=dict(FOUND["queues"], gone=FOUND["queues"]["dlq"])), GATES)
    assert [group for group, gates in repaired.items() if any(gates.values())] == []


def test_a_full_check_runs_every_wanted_writer_and_no_unwanted_one():
    assert differing(FOUND, GATES, True) == {
        "storage": {"log_group": True, "state_table": False, "dead_letter_queue": True},
        "subscription": {"delivery_dead_letter_queue": True}}


@pytest.mark.parametrize("gates, message", [
    ({"storage": {"log_group": ["log_group", "/aws/lambda/other", {"retention": 30}]}}, "did not read log_group /aws/lambda/other"),
    ({"storage": {"log_group": "log_group"}}, "a gate is [kind, name, wanted], a boolean or null"),
    ({"storage": {"log_group": ["log_grup", LOG_GROUP, {}]}}, "kind must be one of"),
], ids=["not-read", "not-a-gate", "unknown-kind"])
def test_a_gate_that_cannot_be_decided_is_refused_not_said_to_differ(gates, message):
    with pytest.raises(AnsibleFilterError, match=message.replace("[", r"\[").replace("]", r"\]")):
        differing(FOUND, gates)


POLICY_ARN = "arn:aws:iam::123456789012:policy/amp-prod-query"
DOCUMENT = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["aps:QueryMetrics"], "Resource": "*"}]}
POLICY_FOUND = dict(FOUND, managed_policies={POLICY_ARN: {"exists": True, "version_ids": ["v1"], "document": DOCUMENT}})


def test_a_managed_policy_gate_decides_as_managed_policy_differs():
    edited = {"Version": "2012-10-17", "Statement": [dict(DOCUMENT["Statement"][0], Action=["aps:*"])]}
    for document in (DOCUMENT, edited):
        assert differing(POLICY_FOUND, ["managed_policy", POLICY_ARN, document]) is managed_policy_differs(
            POLICY_FOUND, POLICY_ARN, document)
    assert differing(POLICY_FOUND, ["managed_policy", POLICY_ARN, edited]) is True
    with pytest.raises(AnsibleFilterError, match="did not read policy"):
        differing(POLICY_FOUND, ["managed_policy", POLICY_ARN + "-other", DOCUMENT])


def test_a_writer_the_read_does_not_gate_runs_when_wanted_full_check_or_not():
    gates = {"scrapers_removed": True, "anomaly_detectors": False}
    assert differing(FOUND, gates) == gates
    assert differing(FOUND, gates, True) == gates


def test_anything_differs_is_whether_any_writer_would_run_at_any_depth():
    in_step = {"storage": {"log_group": GATES["storage"]["log_group"], "state_table": None},
               "deletions": False, "policies": {"query": ["managed_policy", POLICY_ARN, DOCUMENT]}}
    assert anything_differs(POLICY_FOUND, in_step) is False
    # one drifted resource deep in a group, a writer the read does not gate, a full check: each includes the writers
    assert anything_differs(dict(POLICY_FOUND, log_groups={LOG_GROUP: {"retention_in_days": 1}}), in_step) is True
    assert anything_differs(POLICY_FOUND, dict(in_step, deletions=True)) is True
    assert anything_differs(POLICY_FOUND, in_step, True) is True
    # nothing wanted: nothing to write, even for a full check
    assert anything_differs(FOUND, {"state_table": None, "scrapers": {}}, True) is False
    assert anything_differs(FOUND, GATES) is any(any(group.values()) for group in differing(FOUND, GATES).values())
