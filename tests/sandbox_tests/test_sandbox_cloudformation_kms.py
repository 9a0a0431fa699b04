"""Sandbox: CloudFormation SNS subscriptions with a RedrivePolicy, in-place topic updates, KMS by ARN."""

import json

TOPIC_TEMPLATE = {"Parameters": {"Key": {"Type": "String"}}, "Resources": {"Topic": {
    "Type": "AWS::SNS::Topic", "Properties": {"TopicName": "t", "KmsMasterKeyId": {"Ref": "Key"}}}}}


def test_subscription_stack_with_redrive_policy(sandbox, aws_client):
    sns, cfn = aws_client("sns"), aws_client("cloudformation")
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    template = {"Resources": {"Subscription": {"Type": "AWS::SNS::Subscription", "Properties": {
        "TopicArn": topic, "Protocol": "sqs", "Endpoint": "arn:aws:sqs:us-east-1:123456789012:q",
        "RedrivePolicy": {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:dlq"}}}}}
    cfn.create_stack(StackName="sub", TemplateBody=json.dumps(template))
    (subscription,) = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    attributes = sns.get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])["Attributes"]
    assert json.loads(attributes["RedrivePolicy"]) == {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:dlq"}
    cfn.delete_stack(StackName="sub")
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == []


def test_topic_key_changes_in_place_keeping_subscriptions(sandbox, aws_client):
    sns, cfn = aws_client("sns"), aws_client("cloudformation")
    cfn.create_stack(StackName="topic", TemplateBody=json.dumps(TOPIC_TEMPLATE),
                     Parameters=[{"ParameterKey": "Key", "ParameterValue": "alias/one"}])
    topic = sns.list_topics()["Topics"][0]["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:q")
    cfn.update_stack(StackName="topic", TemplateBody=json.dumps(TOPIC_TEMPLATE),
                     Parameters=[{"ParameterKey": "Key", "ParameterValue": "alias/two"}])
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["KmsMasterKeyId"] == "alias/two"
    assert len(sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) == 1


def test_kms_key_deletion_by_arn(sandbox, aws_client):
    kms = aws_client("kms")
    arn = kms.create_key()["KeyMetadata"]["Arn"]
    kms.schedule_key_deletion(KeyId=arn, PendingWindowInDays=7)
    assert kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyState"] == "PendingDeletion"


def test_change_set_without_changes_fails_as_on_aws(sandbox, aws_client):
    # amazon.aws.cloudformation's check mode relies on this to report "no change"
    cfn = aws_client("cloudformation")
    parameters = [{"ParameterKey": "Key", "ParameterValue": "alias/one"}]
    cfn.create_stack(StackName="topic", TemplateBody=json.dumps(TOPIC_TEMPLATE), Parameters=parameters)
    same = cfn.create_change_set(StackName="topic", ChangeSetName="same", TemplateBody=json.dumps(TOPIC_TEMPLATE),
                                 Parameters=parameters)
    described = cfn.describe_change_set(ChangeSetName=same["Id"])
    assert described["Status"] == "FAILED"
    assert "didn't contain changes" in described["StatusReason"]
    other = cfn.create_change_set(StackName="topic", ChangeSetName="other", TemplateBody=json.dumps(TOPIC_TEMPLATE),
                                  Parameters=[{"ParameterKey": "Key", "ParameterValue": "alias/two"}])
    assert cfn.describe_change_set(ChangeSetName=other["Id"])["Status"] == "CREATE_COMPLETE"


def test_retain_then_delete_keeps_the_topic_and_the_subscription_as_on_aws(sandbox, aws_client):
    # AWS: DeletionPolicy is an attribute, not a property - a stack update that only adds it leaves the
    # resource as it is, and the stack's deletion then leaves the resource behind. Without the
    # DeletionPolicy, deleting the stacks deletes both (the last assertion shows what that would lose).
    sns, cfn = aws_client("sns"), aws_client("cloudformation")
    topic_template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "kept"}}}}
    cfn.create_stack(StackName="topic", TemplateBody=json.dumps(topic_template))
    topic = sns.list_topics()["Topics"][0]["TopicArn"]
    subscription_template = {"Resources": {"Subscription": {"Type": "AWS::SNS::Subscription", "Properties": {
        "TopicArn": topic, "Protocol": "sqs", "Endpoint": "arn:aws:sqs:us-east-1:123456789012:q"}}}}
    cfn.create_stack(StackName="sub", TemplateBody=json.dumps(subscription_template))
    (before,) = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    for name, template in (("sub", subscription_template), ("topic", topic_template)):
        retained = json.loads(json.dumps(template))
        for resource in retained["Resources"].values():
            resource["DeletionPolicy"] = "Retain"
        cfn.update_stack(StackName=name, TemplateBody=json.dumps(retained))
        cfn.delete_stack(StackName=name)
    assert sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"] == [before]

    cfn.create_stack(StackName="again", TemplateBody=json.dumps({"Resources": {"Topic": {
        "Type": "AWS::SNS::Topic", "Properties": {"TopicName": "not-kept"}}}}))
    cfn.delete_stack(StackName="again")
    assert [t["TopicArn"] for t in sns.list_topics()["Topics"]] == [topic]
