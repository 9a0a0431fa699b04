"""amp.alerting.stack_handover: a 0.2.0 stack is told to retain its resources before it is deleted."""

import json

import pytest

from ansible_collections.amp.alerting.plugins.filter.stack_handover import stack_handover

TEMPLATE = {"AWSTemplateFormatVersion": "2010-09-09", "Parameters": {"TopicName": {"Type": "String"}},
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": {"Ref": "TopicName"}}}}}


def info(status="UPDATE_COMPLETE", template=None, parameters=None):
    """What amazon.aws.cloudformation_info registers for one stack (stack_template: true)."""
    return {"cloudformation": {"topic": {"stack_description": {"stack_name": "topic", "stack_status": status},
                                         "stack_template": TEMPLATE if template is None else template,
                                         "stack_parameters": parameters or {"TopicName": "alerts"}}}}


def test_a_stack_is_first_updated_to_retain_every_resource_with_its_parameters():
    handover = stack_handover(info(), "topic")
    assert handover["exists"] is True and handover["retain"] is True
    assert handover["template"]["Resources"]["Topic"]["DeletionPolicy"] == "Retain"
    assert handover["template"]["Resources"]["Topic"]["Properties"] == TEMPLATE["Resources"]["Topic"]["Properties"]
    assert handover["parameters"] == {"TopicName": "alerts"} and handover["problem"] == ""
    assert "DeletionPolicy" not in TEMPLATE["Resources"]["Topic"], "the input is not changed"


def test_a_stack_that_retains_already_is_only_deleted():
    retained = json.loads(json.dumps(TEMPLATE))
    retained["Resources"]["Topic"]["DeletionPolicy"] = "Retain"
    handover = stack_handover(info(template=json.dumps(retained)), "topic")  # GetTemplate's text, too
    assert handover["exists"] is True and handover["retain"] is False


def test_a_failed_create_holds_nothing_and_is_only_deleted():
    handover = stack_handover(info(status="ROLLBACK_COMPLETE"), "topic")
    assert handover["exists"] is True and handover["retain"] is False


@pytest.mark.parametrize("status", ["UPDATE_ROLLBACK_FAILED", "UPDATE_IN_PROGRESS", "DELETE_FAILED"])
def test_a_stack_that_cannot_be_updated_is_neither_updated_nor_deleted(status):
    handover = stack_handover(info(status=status), "topic")
    assert handover["retain"] is False
    assert handover["problem"].startswith(f"stack topic is {status}: it can be neither told to retain")


def test_a_stack_that_retains_already_may_go_whatever_its_status():
    retained = json.loads(json.dumps(TEMPLATE))
    retained["Resources"]["Topic"]["DeletionPolicy"] = "Retain"
    assert stack_handover(info(status="DELETE_FAILED", template=retained), "topic")["problem"] == ""


def test_no_stack_is_nothing_to_do():
    for registered in ({"cloudformation": {}}, info(status="DELETE_COMPLETE"), {"skipped": True}, None):
        assert stack_handover(registered, "topic")["exists"] is False
