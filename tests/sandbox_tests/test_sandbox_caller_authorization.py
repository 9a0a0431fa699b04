"""Sandbox: every call an IAM user or held role signs is authorized against its policies, as AWS does.

Each service answers a refusal its own way (query APIs 403 AccessDenied, SNS AuthorizationError, JSON
APIs AccessDeniedException), naming the action and the resource the Service Authorization Reference
names; dependent actions (iam:PassRole, tags at creation, KMS through SSM) and CloudFormation's
resource handlers are checked with the caller's rights; the administrator's keys keep full rights."""

import json

import boto3
import botocore.exceptions
import pytest

ACCOUNT = "123456789012"


def principal(aws_client, statements, name="ci"):
    """boto3 client factory signing with the key of a new IAM user whose only policy is STATEMENTS."""
    iam = aws_client("iam")
    iam.create_user(UserName=name)
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="only", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": statements}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return lambda service: boto3.client(service, aws_access_key_id=key["AccessKeyId"],
                                        aws_secret_access_key=key["SecretAccessKey"])


def allow(actions, resources="*", condition=None):
    statement = {"Effect": "Allow", "Action": actions, "Resource": resources}
    return dict(statement, Condition=condition) if condition else statement


def refusal(call, **params):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(**params)
    error = caught.value.response
    return error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"], error["Error"]["Message"]


@pytest.mark.parametrize("service, call, params, status, code, action, resource", [
    ("sns", "create_topic", {"Name": "amp-x-alerts"}, 403, "AuthorizationError", "sns:CreateTopic",
     f"arn:aws:sns:us-east-1:{ACCOUNT}:amp-x-alerts"),
    ("sqs", "create_queue", {"QueueName": "amp-x-dlq"}, 403, "AccessDenied", "sqs:CreateQueue",
     f"arn:aws:sqs:us-east-1:{ACCOUNT}:amp-x-dlq"),
    ("lambda", "get_function", {"FunctionName": "amp-x-slack-forwarder"}, 403, "AccessDeniedException",
     "lambda:GetFunction", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:amp-x-slack-forwarder"),
    ("ssm", "get_parameter", {"Name": "/amp-alerting/x/slack-webhook"}, 400, "AccessDeniedException",
     "ssm:GetParameter", f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/amp-alerting/x/slack-webhook"),
    ("iam", "create_role", {"RoleName": "amp-x", "Path": "/amp/", "AssumeRolePolicyDocument": "{}"}, 403,
     "AccessDenied", "iam:CreateRole", f"arn:aws:iam::{ACCOUNT}:role/amp/amp-x"),
    ("kms", "create_key", {}, 400, "AccessDeniedException", "kms:CreateKey", "*"),
    ("logs", "create_log_group", {"logGroupName": "/aws/lambda/amp-x"}, 400, "AccessDeniedException",
     "logs:CreateLogGroup", f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/amp-x"),
    ("dynamodb", "describe_table", {"TableName": "amp-x-state"}, 400, "AccessDeniedException",
     "dynamodb:DescribeTable", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/amp-x-state"),
    ("cloudformation", "describe_stacks", {"StackName": "amp-x-alerts-topic"}, 403, "AccessDenied",
     "cloudformation:DescribeStacks", f"arn:aws:cloudformation:us-east-1:{ACCOUNT}:stack/amp-x-alerts-topic/*"),
    ("cloudwatch", "list_metrics", {"Namespace": "AWS/Prometheus"}, 400, "AccessDeniedException",
     "cloudwatch:ListMetrics", "*"),
    ("amp", "list_workspaces", {}, 403, "AccessDeniedException", "aps:ListWorkspaces", "*"),
])
def test_a_user_without_rights_is_refused_as_each_service_refuses(
        sandbox, aws_client, service, call, params, status, code, action, resource):
    client = principal(aws_client, [])(service)
    got_status, got_code, message = refusal(getattr(client, call), **params)
    assert (got_status, got_code) == (status, code)
    assert message.startswith(f"User: arn:aws:iam::{ACCOUNT}:user/ci is not authorized to perform: {action} "
                              f"on resource: {resource}"), message
    assert [(r["hop"], r["action"]) for r in sandbox.refusals()] == [("caller", action)]
    # the request log names who was refused; the administrator's own calls name nobody
    (logged,) = [r for r in sandbox.requests() if r.get("fault") == "refused"]
    assert logged["principal"] == f"arn:aws:iam::{ACCOUNT}:user/ci"


def test_scoped_grants_hold_on_their_names_only_and_the_administrator_is_not_checked(sandbox, aws_client):
    as_ci = principal(aws_client, [allow(["sns:CreateTopic", "sns:GetTopicAttributes"], "arn:aws:sns:*:*:amp-*")])
    topic = as_ci("sns").create_topic(Name="amp-x-alerts")["TopicArn"]
    assert as_ci("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["TopicArn"] == topic
    assert refusal(as_ci("sns").create_topic, Name="payments")[1] == "AuthorizationError"
    assert aws_client("sns").create_topic(Name="payments")["TopicArn"].endswith(":payments")
    # sts:GetCallerIdentity needs no permission, as on AWS
    assert as_ci("sts").get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/ci"


def test_creating_a_function_needs_pass_role_to_lambda_on_its_role(sandbox, aws_client):
    role = aws_client("iam").create_role(RoleName="amp-x-slack-forwarder", Path="/amp/", AssumeRolePolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    function = allow(["lambda:CreateFunction"], "arn:aws:lambda:*:*:function:amp-*")
    to_ec2 = allow("iam:PassRole", role, {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}})
    as_ci = principal(aws_client, [function, to_ec2])
    create = dict(FunctionName="amp-x-slack-forwarder", Runtime="python3.12", Role=role, Handler="h.h",
                  Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18})
    status, code, message = refusal(as_ci("lambda").create_function, **create)
    assert (status, code) == (403, "AccessDeniedException") and f"iam:PassRole on resource: {role}" in message
    aws_client("iam").put_user_policy(UserName="ci", PolicyName="only", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [function, allow("iam:PassRole", role, {
            "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}})]}))
    assert as_ci("lambda").create_function(**create)["FunctionName"] == "amp-x-slack-forwarder"


def test_a_key_call_needs_the_key_policy_to_delegate_and_tags_need_tag_resource(sandbox, aws_client):
    kms = aws_client("kms")
    own = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/ops"},
                                                   "Action": "kms:*", "Resource": "*"}]}
    closed = kms.create_key(Policy=json.dumps(own))["KeyMetadata"]["Arn"]
    delegating = kms.create_key()["KeyMetadata"]["Arn"]  # the default key policy enables IAM policies
    kms.create_alias(AliasName="alias/amp-x-alerts", TargetKeyId=delegating)
    as_ci = principal(aws_client, [allow(["kms:DescribeKey", "kms:CreateKey"], "*"),
                                   allow("kms:DisableKey", "arn:aws:kms:*:*:key/*",
                                         {"ForAnyValue:StringLike": {"kms:ResourceAliases": "alias/amp-*"}})])
    assert as_ci("kms").describe_key(KeyId="alias/amp-x-alerts")["KeyMetadata"]["Arn"] == delegating
    assert refusal(as_ci("kms").describe_key, KeyId=closed)[2].startswith(
        f"User: arn:aws:iam::{ACCOUNT}:user/ci is not authorized to perform: kms:DescribeKey on resource: {closed}")
    as_ci("kms").disable_key(KeyId=delegating)  # aliased amp-*
    other = kms.create_key()["KeyMetadata"]["Arn"]
    assert "kms:DisableKey" in refusal(as_ci("kms").disable_key, KeyId=other)[2]
    assert "kms:TagResource on resource: *" in refusal(as_ci("kms").create_key, Tags=[{"TagKey": "a", "TagValue": "b"}])[2]


TOPIC_TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "amp-x-alerts"}}}})


def test_cloudformation_makes_the_stacks_resources_with_the_callers_rights(sandbox, aws_client):
    stacks = allow(["cloudformation:CreateStack", "cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents",
                    "cloudformation:DeleteStack"], "arn:aws:cloudformation:*:*:stack/amp-*/*")
    as_ci = principal(aws_client, [stacks])
    cfn = as_ci("cloudformation")
    cfn.create_stack(StackName="amp-x-alerts-topic", TemplateBody=TOPIC_TEMPLATE)
    (stack,) = cfn.describe_stacks(StackName="amp-x-alerts-topic")["Stacks"]
    assert stack["StackStatus"] == "ROLLBACK_COMPLETE"
    failed = [e for e in cfn.describe_stack_events(StackName="amp-x-alerts-topic")["StackEvents"]
              if e["ResourceStatus"] == "CREATE_FAILED"]
    assert failed[0]["LogicalResourceId"] == "Topic"
    assert "is not authorized to perform: sns:CreateTopic on resource: arn:aws:sns:us-east-1:123456789012:amp-x-alerts" \
        in failed[0]["ResourceStatusReason"]
    assert aws_client("sns").list_topics()["Topics"] == [], "the refused handler made nothing"

    # with the topic handler's permissions the stack is made; without DeleteTopic its deletion fails
    handler = ["sns:CreateTopic", "sns:GetTopicAttributes", "sns:ListTagsForResource", "sns:ListSubscriptionsByTopic"]
    aws_client("iam").put_user_policy(UserName="ci", PolicyName="only", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [stacks, allow(handler, "arn:aws:sns:*:*:amp-*")]}))
    cfn.delete_stack(StackName="amp-x-alerts-topic")
    cfn.create_stack(StackName="amp-x-alerts-topic", TemplateBody=TOPIC_TEMPLATE)
    assert cfn.describe_stacks(StackName="amp-x-alerts-topic")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    cfn.delete_stack(StackName="amp-x-alerts-topic")
    assert cfn.describe_stacks(StackName="amp-x-alerts-topic")["Stacks"][0]["StackStatus"] == "DELETE_FAILED"
    assert [t["TopicArn"] for t in aws_client("sns").list_topics()["Topics"]] == [
        "arn:aws:sns:us-east-1:123456789012:amp-x-alerts"]


def test_iam_refuses_a_managed_policy_over_its_quota_as_aws_does(sandbox, aws_client):
    statement = allow([f"sns:Action{i:04d}" for i in range(400)], "*")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        aws_client("iam").create_policy(PolicyName="big", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [statement]}))
    assert caught.value.response["Error"]["Code"] == "LimitExceeded"
    assert "PolicySize: 6144" in caught.value.response["Error"]["Message"]
