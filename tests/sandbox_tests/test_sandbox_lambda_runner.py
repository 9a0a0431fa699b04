"""Sandbox: SNS runs the deployed Lambda zip locally, retries like async Lambda, then dead-letters."""

import json

import pytest

from sandbox.lambda_runner import encode_zip
from support import eventually

HANDLER = '''
import json, os, urllib.request
def handle(event, context):
    record = event["Records"][0]["Sns"]
    if "fail" in record["Message"]:
        raise RuntimeError("asked to fail: " + record["Message"])
    if record["Message"].startswith("read "):  # a call under the function's execution role
        import boto3
        boto3.client("ssm").get_parameter(Name=record["Message"][5:], WithDecryption=True)
    with open(os.environ["OUT_FILE"], "a") as handle:
        handle.write(json.dumps({"message": record["Message"], "subject": record["Subject"],
                                 "attributes": record["MessageAttributes"],
                                 "remaining_ms": context.get_remaining_time_in_millis(),
                                 "endpoint": os.environ["AWS_ENDPOINT_URL"]}) + "\\n")
'''


@pytest.fixture
def wired(sandbox, aws_client, tmp_path, monkeypatch):
    """A topic, a function subscribed with permission, its DLQ, and the subscription's redrive queue."""
    sns, lam, sqs, iam = aws_client("sns"), aws_client("lambda"), aws_client("sqs"), aws_client("iam")
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    queues = {name: sqs.create_queue(QueueName=name)["QueueUrl"] for name in ("fn-dlq", "delivery-dlq")}
    arns = {name: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            for name, url in queues.items()}
    # what Lambda does for the function runs with its role: writing its log, sending to its DLQ
    iam.put_role_policy(RoleName="fn", PolicyName="fn", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:*"},
        {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": arns["fn-dlq"]}]}))
    out_file = tmp_path / "calls.jsonl"
    function = lam.create_function(FunctionName="fn", Runtime="python3.12", Role=role, Handler="handler.handle",
                                   Code={"ZipFile": __import__("base64").b64decode(encode_zip({"handler.py": HANDLER}))},
                                   Timeout=5, Environment={"Variables": {"OUT_FILE": str(out_file)}},
                                   DeadLetterConfig={"TargetArn": arns["fn-dlq"]})
    topic = sns.create_topic(Name="alerts")["TopicArn"]
    lam.add_permission(FunctionName="fn", StatementId="sns", Action="lambda:InvokeFunction",
                       Principal="sns.amazonaws.com", SourceArn=topic)
    subscription = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function["FunctionArn"],
                                 ReturnSubscriptionArn=True)["SubscriptionArn"]
    sns.set_subscription_attributes(SubscriptionArn=subscription, AttributeName="RedrivePolicy",
                                    AttributeValue=json.dumps({"deadLetterTargetArn": arns["delivery-dlq"]}))
    # SNS writes undeliverable messages with its service principal: the queue policy must let it
    sqs.set_queue_attributes(QueueUrl=queues["delivery-dlq"], Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
                                                "Action": "sqs:SendMessage", "Resource": arns["delivery-dlq"],
                                                "Condition": {"ArnEquals": {"aws:SourceArn": topic}}}]})})
    return {"sns": sns, "lambda": lam, "sqs": sqs, "iam": iam, "topic": topic, "queues": queues, "out": out_file}


def messages(sqs, url):
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                               WaitTimeSeconds=1).get("Messages", [])


def test_publish_runs_the_function_with_the_sns_event(wired):
    wired["sns"].publish(TopicArn=wired["topic"], Message="hello", Subject="[FIRING:1] X",
                         MessageAttributes={"severity": {"DataType": "String", "StringValue": "critical"}})
    call = json.loads(eventually(lambda: wired["out"].exists() and wired["out"].read_text()).splitlines()[0])
    assert (call["message"], call["subject"]) == ("hello", "[FIRING:1] X")
    assert call["attributes"] == {"severity": {"Type": "String", "Value": "critical"}}
    assert 0 < call["remaining_ms"] <= 5000
    assert call["endpoint"].startswith("http://127.0.0.1:")


def test_failing_function_is_retried_twice_then_dead_lettered(wired, sandbox, aws_client):
    logs = aws_client("logs")
    logs.create_log_group(logGroupName="/aws/lambda/fn")
    wired["sns"].publish(TopicArn=wired["topic"], Message="please fail")
    dead = eventually(lambda: messages(wired["sqs"], wired["queues"]["fn-dlq"]), timeout=40)
    event = json.loads(dead[0]["Body"])
    assert event["Records"][0]["Sns"]["Message"] == "please fail"
    assert "asked to fail" in dead[0]["MessageAttributes"]["ErrorMessage"]["StringValue"]
    attempts = [entry for entry in sandbox.lambda_invocations() if entry["outcome"] == "failed"]
    assert [entry["attempt"] for entry in attempts] == [1, 2, 3]
    # each attempt's error is in the function's log group, where Lambda writes it
    errors = logs.filter_log_events(logGroupName="/aws/lambda/fn", filterPattern='"[ERROR]"')["events"]
    assert [e["message"] for e in errors] == ["[ERROR] RuntimeError: asked to fail: please fail"] * 3


def test_without_permission_sns_redrives_to_the_subscription_queue(wired, sandbox):
    wired["lambda"].remove_permission(FunctionName="fn", StatementId="sns")
    wired["sns"].publish(TopicArn=wired["topic"], Message="nobody may run me")
    redriven = eventually(lambda: messages(wired["sqs"], wired["queues"]["delivery-dlq"]))
    assert json.loads(redriven[0]["Body"])["Message"] == "nobody may run me"
    assert not wired["out"].exists()


def test_a_permission_for_another_topic_does_not_let_this_one_invoke(wired, sandbox):
    # what `amazon.aws.lambda_policy` with the wrong source_arn leaves: Lambda refuses SNS, SNS redrives
    wired["lambda"].remove_permission(FunctionName="fn", StatementId="sns")
    wired["lambda"].add_permission(FunctionName="fn", StatementId="sns", Action="lambda:InvokeFunction",
                                   Principal="sns.amazonaws.com", SourceArn=wired["topic"] + "-other")
    wired["sns"].publish(TopicArn=wired["topic"], Message="wrong topic")
    redriven = eventually(lambda: messages(wired["sqs"], wired["queues"]["delivery-dlq"]))
    assert json.loads(redriven[0]["Body"])["Message"] == "wrong topic"
    assert not wired["out"].exists()
    (undeliverable,) = [entry for entry in sandbox.lambda_invocations() if entry["outcome"] == "undeliverable"]
    assert undeliverable["error"] == "no permission for sns.amazonaws.com"


def test_the_function_calls_aws_with_its_execution_roles_rights(wired, sandbox, aws_client):
    ssm, kms = aws_client("ssm"), aws_client("kms")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    ssm.put_parameter(Name="/fn/webhook", Value="https://hooks.example/x", Type="SecureString", KeyId=key)
    # the role may not read the parameter: SSM refuses as on AWS, the function fails, the event is kept
    wired["sns"].publish(TopicArn=wired["topic"], Message="read /fn/webhook")
    dead = eventually(lambda: messages(wired["sqs"], wired["queues"]["fn-dlq"]), timeout=40)
    error = dead[0]["MessageAttributes"]["ErrorMessage"]["StringValue"]
    assert "AccessDeniedException" in error and "is not authorized to perform: ssm:GetParameter on resource: " \
        "arn:aws:ssm:us-east-1:123456789012:parameter/fn/webhook" in error
    # allowed to read it, but not to decrypt with the parameter's key: refused again, for the key
    wired["iam"].put_role_policy(RoleName="fn", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"}]}))
    wired["sns"].publish(TopicArn=wired["topic"], Message="read /fn/webhook")
    eventually(lambda: [m for m in messages(wired["sqs"], wired["queues"]["fn-dlq"])
                        if "kms:Decrypt on resource: " + key in m["MessageAttributes"]["ErrorMessage"]["StringValue"]],
               timeout=60, what="the refusal of kms:Decrypt")
    # with kms:Decrypt (the key's default policy lets IAM policies grant it) the call succeeds
    wired["iam"].put_role_policy(RoleName="fn", PolicyName="decrypt", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key}]}))
    wired["sns"].publish(TopicArn=wired["topic"], Message="read /fn/webhook")
    eventually(lambda: [e for e in sandbox.lambda_invocations() if e["outcome"] == "succeeded"], timeout=30)


def test_without_sqs_send_message_on_its_role_a_failed_event_is_lost(wired, sandbox):
    wired["iam"].delete_role_policy(RoleName="fn", PolicyName="fn")
    wired["sns"].publish(TopicArn=wired["topic"], Message="please fail, unkept")
    (lost,) = eventually(lambda: [e for e in sandbox.lambda_invocations() if e["outcome"] == "dead_letter_refused"],
                         timeout=40)
    assert "no statement allows sqs:SendMessage" in lost["error"]
    assert messages(wired["sqs"], wired["queues"]["fn-dlq"]) == []


def test_a_redrive_queue_whose_policy_does_not_let_sns_write_loses_the_message(wired, sandbox):
    wired["lambda"].remove_permission(FunctionName="fn", StatementId="sns")
    wired["sqs"].set_queue_attributes(QueueUrl=wired["queues"]["delivery-dlq"], Attributes={"Policy": ""})
    wired["sns"].publish(TopicArn=wired["topic"], Message="nowhere to go")
    (lost,) = eventually(lambda: [e for e in sandbox.lambda_invocations() if e["outcome"] == "redrive_refused"])
    assert lost["error"].startswith("no statement allows sqs:SendMessage")
    assert messages(wired["sqs"], wired["queues"]["delivery-dlq"]) == []
