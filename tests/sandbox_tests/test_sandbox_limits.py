"""The sandbox refuses what AWS refuses for the values the preflight checks (tests/sandbox/limits.py)."""

import io
import zipfile

import pytest
from botocore.exceptions import ClientError

OTHER_REGION_KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def refused(call):
    with pytest.raises(ClientError) as excinfo:
        call()
    return excinfo.value.response["Error"]


def _zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return None\n")
    return buffer.getvalue()


def test_lambda_timeout_over_900_is_refused(sandbox, aws_client):
    role = aws_client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    awslambda = aws_client("lambda")
    spec = dict(FunctionName="fn", Runtime="python3.12", Role=role, Handler="handler.handle", Code={"ZipFile": _zip()})
    assert "900" in refused(lambda: awslambda.create_function(Timeout=1000, **spec))["Message"]
    awslambda.create_function(Timeout=900, **spec)
    assert "900" in refused(lambda: awslambda.update_function_configuration(FunctionName="fn", Timeout=901))["Message"]


def test_a_kms_key_of_another_region_is_refused_for_a_topic_and_a_workspace(sandbox, aws_client):
    sns = aws_client("sns")
    assert refused(lambda: sns.create_topic(Name="t", Attributes={"KmsMasterKeyId": OTHER_REGION_KEY}))["Code"] == "InvalidParameter"
    topic = sns.create_topic(Name="t")["TopicArn"]
    refused(lambda: sns.set_topic_attributes(TopicArn=topic, AttributeName="KmsMasterKeyId", AttributeValue=OTHER_REGION_KEY))
    sns.set_topic_attributes(TopicArn=topic, AttributeName="KmsMasterKeyId", AttributeValue="alias/aws/sns")
    assert refused(lambda: aws_client("amp").create_workspace(alias="w", kmsKeyArn=OTHER_REGION_KEY))["Code"] == "ValidationException"


def test_only_cloudwatchs_retention_values_are_accepted(sandbox, aws_client):
    logs = aws_client("logs")
    logs.create_log_group(logGroupName="g")
    assert refused(lambda: logs.put_retention_policy(logGroupName="g", retentionInDays=45))["Code"] == "InvalidParameterException"
    logs.put_retention_policy(logGroupName="g", retentionInDays=1096)  # CloudWatch has it


def test_a_region_aws_does_not_have_reaches_no_endpoint(sandbox):
    import boto3
    from botocore.config import Config

    client = boto3.client("amp", region_name="us-east-l", config=Config(retries={"total_max_attempts": 1}))
    assert refused(client.list_workspaces)["Code"] == "UnknownEndpoint"
