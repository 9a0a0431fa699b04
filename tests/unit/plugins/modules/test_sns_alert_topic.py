"""sns_alert_topic with boto3 stubbed: the alerts topic's key, policy, display name and tags, each
written only when it differs."""

import json

import pytest

from ansible_collections.amp.alerting.plugins.modules import sns_alert_topic

NAME = "amp-prod-alerts"
ARN = f"arn:aws:sns:eu-west-1:123456789012:{NAME}"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-0000-4000-8000-000000000000"
POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "AmpWorkspacePublish", "Effect": "Allow", "Principal": {"Service": "aps.amazonaws.com"},
     "Action": ["sns:Publish", "sns:GetTopicAttributes"], "Resource": ARN}]}
TAGS = {"managed-by": "amp.alerting"}
ARGS = {"name": NAME, "display_name": "AMP alerts for prod", "kms_master_key_id": KEY, "policy": POLICY, "tags": TAGS}


@pytest.fixture
def run(run_module, monkeypatch):
    monkeypatch.setattr(sns_alert_topic, "topic_arn_of", lambda module, name: f"arn:aws:sns:{module.region}:123456789012:{name}")
    return run_module(sns_alert_topic, "sns")


def attributes(**changes):
    data = {"TopicArn": ARN, "Owner": "123456789012", "DisplayName": "AMP alerts for prod", "KmsMasterKeyId": KEY,
            # SNS gives the policy back as it serialises it: another order, the list as one value
            "Policy": json.dumps({"Statement": [dict(POLICY["Statement"][0], Action=["sns:GetTopicAttributes", "sns:Publish"])],
                                  "Version": "2012-10-17"}),
            "SubscriptionsConfirmed": "1", "SubscriptionsPending": "0"}
    data.update(changes)
    return {"Attributes": {k: v for k, v in data.items() if v is not None}}


def found(run, tags=None, **changes):
    run.stub.add_response("get_topic_attributes", attributes(**changes), {"TopicArn": ARN})
    run.stub.add_response("list_tags_for_resource",
                          {"Tags": [{"Key": k, "Value": v} for k, v in (TAGS if tags is None else tags).items()]},
                          {"ResourceArn": ARN})


def missing(run):
    run.stub.add_client_error("get_topic_attributes", "NotFound", "Topic does not exist", 404, expected_params={"TopicArn": ARN})


def test_a_missing_topic_is_created_with_its_key_policy_and_tags_in_one_call(run):
    missing(run)
    run.stub.add_response("create_topic", {"TopicArn": ARN}, {
        "Name": NAME, "Tags": [{"Key": "managed-by", "Value": "amp.alerting"}],
        "Attributes": {"DisplayName": "AMP alerts for prod", "KmsMasterKeyId": KEY,
                       "Policy": json.dumps(POLICY, sort_keys=True, separators=(",", ":"))}})
    found(run, SubscriptionsConfirmed="0")
    result = run(**ARGS)
    assert result["changed"] is True
    assert result["topic"]["kms_master_key_id"] == KEY and result["topic"]["tags"] == TAGS
    assert result["topic_arn"] == ARN


def test_a_topic_as_asked_is_read_and_left_alone(run):
    found(run)
    result = run(**ARGS)
    assert result["changed"] is False
    assert result["topic"]["subscriptions_confirmed"] == 1


def test_a_key_changed_by_hand_is_set_back_alone(run):
    found(run, KmsMasterKeyId="alias/someone-elses")
    run.stub.add_response("set_topic_attributes", {}, {"TopicArn": ARN, "AttributeName": "KmsMasterKeyId", "AttributeValue": KEY})
    found(run)
    result = run(**ARGS, _ansible_diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"]["kms_master_key_id"] == "alias/someone-elses"
    assert result["diff"]["after"]["kms_master_key_id"] == KEY


def test_encryption_off_and_a_replaced_policy_and_an_extra_tag(run):
    other_policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sns:Publish",
                                                            "Resource": ARN}]}
    found(run, tags=dict(TAGS, owner="someone"), Policy=json.dumps(other_policy))
    run.stub.add_response("set_topic_attributes", {}, {"TopicArn": ARN, "AttributeName": "KmsMasterKeyId", "AttributeValue": ""})
    run.stub.add_response("set_topic_attributes", {}, {
        "TopicArn": ARN, "AttributeName": "Policy", "AttributeValue": json.dumps(POLICY, sort_keys=True, separators=(",", ":"))})
    run.stub.add_response("untag_resource", {}, {"ResourceArn": ARN, "TagKeys": ["owner"]})
    found(run, KmsMasterKeyId=None)
    assert run(**dict(ARGS, kms_master_key_id=""))["changed"] is True


def test_check_mode_predicts_without_writing(run):
    missing(run)
    result = run(**ARGS, _ansible_check_mode=True, _ansible_diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"] == {} and result["diff"]["after"]["kms_master_key_id"] == KEY
    assert result["topic"]["policy"] == json.loads(json.dumps(POLICY))

    found(run, KmsMasterKeyId=None)
    result = run(**ARGS, _ansible_check_mode=True)
    assert result["changed"] is True and result["topic"]["kms_master_key_id"] == KEY


def test_absent_deletes_and_a_missing_topic_is_nothing_to_do(run):
    found(run)
    run.stub.add_response("delete_topic", {}, {"TopicArn": ARN})
    assert run(name=NAME, state="absent")["changed"] is True
    missing(run)
    assert run(name=NAME, state="absent")["changed"] is False


def test_bad_arguments_are_refused_together_before_any_call(run):
    result = run(name="amp.prod alerts", policy="{not json")
    assert result["failed"] is True
    assert result["msg"].startswith("name: 'amp.prod alerts' is not a valid sns topic name")
    assert "; policy: not a JSON document" in result["msg"]


def test_access_denied_fails_naming_the_call_and_the_topic(run):
    found(run, DisplayName="old")
    run.stub.add_client_error("set_topic_attributes", "AuthorizationError", "not authorized", 403)
    result = run(**ARGS)
    assert result["failed"] is True
    assert result["msg"].startswith(f"Failed to set attribute DisplayName of topic {ARN}")


def test_a_topic_not_seen_yet_right_after_its_create_is_returned_as_written(run):
    missing(run)
    run.stub.add_response("create_topic", {"TopicArn": ARN})
    missing(run)
    result = run(**ARGS)
    assert result["changed"] is True and result["topic"]["kms_master_key_id"] == KEY
