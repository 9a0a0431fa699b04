"""amp.alerting.stack_in_sync: the cloudformation task runs only when the deployed stack differs."""

import pytest

from ansible_collections.amp.alerting.plugins.filter.cloudformation_stacks import stack_in_sync

TEMPLATE = {"AWSTemplateFormatVersion": "2010-09-09", "Parameters": {"TopicName": {"Type": "String"}},
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "TopicName"}}}}}
PARAMETERS = {"TopicName": "alerts"}
TAGS = {"managed-by": "amp.alerting"}


def info(status="UPDATE_COMPLETE", template=None, parameters=None, tags=None):
    """What amazon.aws.cloudformation_info registers for one stack (stack_template: true)."""
    template = TEMPLATE if template is None else template
    parameters = PARAMETERS if parameters is None else parameters
    tags = TAGS if tags is None else tags
    return {"cloudformation": {"topic": {"stack_description": {"stack_name": "topic", "stack_status": status},
                                         "stack_template": template, "stack_parameters": dict(parameters),
                                         "stack_tags": dict(tags)}}}


def test_the_same_stack_is_in_sync():
    assert stack_in_sync(info(), "topic", TEMPLATE, PARAMETERS, TAGS) is True


def test_a_template_body_given_as_json_text_compares_too():
    import json

    assert stack_in_sync(info(template=json.dumps(TEMPLATE)), "topic", TEMPLATE, PARAMETERS, TAGS) is True


@pytest.mark.parametrize("deployed, why", [
    ({"cloudformation": {}}, "no such stack"),
    (None, "nothing registered (check mode skipped the read)"),
    (info(status="ROLLBACK_COMPLETE"), "a failed create"),
    (info(status="UPDATE_IN_PROGRESS"), "an update under way"),
    (info(template=dict(TEMPLATE, Description="older")), "another template"),
    (info(parameters={"TopicName": "old-alerts"}), "another parameter value"),
    (info(tags={}), "tags missing"),
    (info(tags=dict(TAGS, extra="1")), "an extra tag"),
])
def test_any_difference_runs_the_cloudformation_task(deployed, why):
    assert stack_in_sync(deployed, "topic", TEMPLATE, PARAMETERS, TAGS) is False, why


def test_parameter_values_compare_as_the_strings_cloudformation_keeps():
    assert stack_in_sync(info(parameters={"Port": "8080"}), "topic", TEMPLATE, {"Port": 8080}, TAGS) is True


# -- check mode's diff: both sides from what was read, no change set --------------------------------

def test_check_mode_diff_sides_are_equal_for_a_stack_in_sync():
    from ansible_collections.amp.alerting.plugins.filter.cloudformation_stacks import stack_as_deployed, stack_as_wanted

    assert stack_as_deployed(info(), "topic") == stack_as_wanted(TEMPLATE, PARAMETERS, TAGS)


def test_check_mode_diff_shows_the_changed_key_and_an_unsettled_status():
    from ansible_collections.amp.alerting.plugins.filter.cloudformation_stacks import stack_as_deployed, stack_as_wanted

    keyed = dict(TEMPLATE, Resources={"Topic": {"Type": "AWS::SNS::Topic", "Properties": {
        "TopicName": {"Ref": "TopicName"}, "KmsMasterKeyId": "arn:aws:kms:us-east-1:123456789012:key/k"}}})
    deployed = stack_as_deployed(info(status="UPDATE_ROLLBACK_FAILED"), "topic")
    wanted = stack_as_wanted(keyed, {"TopicName": "alerts"}, {"managed-by": "amp.alerting"})
    assert deployed["status"] == "UPDATE_ROLLBACK_FAILED" and "status" not in wanted
    assert "KmsMasterKeyId" in wanted["template"]["Resources"]["Topic"]["Properties"]
    assert "KmsMasterKeyId" not in deployed["template"]["Resources"]["Topic"]["Properties"]
    assert stack_as_deployed({"cloudformation": {}}, "topic") == {}
