"""chain_info's diagnose (module_utils/doctor_reads.py's ChainFollower) and the read-only modules doctor.yml ran one
task each before it give the doctor the same verdicts: on an intact chain and on each way a hop breaks, the hops
amp.alerting.chain_hops finds in the one read are those it found in the modules' results. AWS is moto, in process;
the workspace (AMP) is given as amp_workspace_info returns it (the sandbox's doctor runs cover AMP's reads)."""

import importlib
import json
import time

import boto3
import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from botocore.stub import Stubber

from ansible_collections.amp.alerting.plugins.filter.doctor import chain_hops
from ansible_collections.amp.alerting.plugins.module_utils.doctor_reads import ChainFollower


pytest.importorskip("moto")

REGION = "eu-west-1"
ACCOUNT = "123456789012"
WORKSPACE_ARN = f"arn:aws:aps:{REGION}:{ACCOUNT}:workspace/ws-1"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:amp-prod-alerts"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fwd"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/fwd"
DLQ_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:fwd-dlq"
DELIVERY_DLQ_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:fwd-delivery-dlq"
ALARM = "amp-prod-heartbeat"
SINCE = 60


def statement(sid, principal, action, resource, source_arn=None):
    entry = {"Sid": sid, "Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource}
    if source_arn:
        entry["Condition"] = {"ArnEquals": {"aws:SourceArn": source_arn}}
    return entry


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


KEY_POLICY = policy(statement("Account", {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "kms:*", "*"),
                    statement("Aps", {"Service": "aps.amazonaws.com"}, ["kms:GenerateDataKey", "kms:Decrypt"], "*"))
ROLE_POLICY = policy(*[dict(s, Sid=sid) for sid, s in (
    ("Queue", {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": DLQ_ARN}),
    ("Logs", {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:*"}),
    ("Webhook", {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/*"}))])




def deploy(aws):
    """The chain from the topic on, as site.yml makes it: an encrypted topic AMP may publish to, the forwarder
    subscribed with a delivery dead-letter queue, its role, its own dead-letter queue, its log, the heartbeat alarm."""
    key_id = aws("kms").create_key(Policy=KEY_POLICY)["KeyMetadata"]["KeyId"]
    sqs = aws("sqs")
    sqs.create_queue(QueueName="fwd-dlq")
    sqs.create_queue(QueueName="fwd-delivery-dlq", Attributes={"Policy": policy(statement(
        "Sns", {"Service": "sns.amazonaws.com"}, "sqs:SendMessage", DELIVERY_DLQ_ARN, TOPIC))})
    iam = aws("iam")
    iam.create_role(RoleName="fwd", AssumeRolePolicyDocument=policy(statement(
        "Lambda", {"Service": "lambda.amazonaws.com"}, "sts:AssumeRole", "*")))
    iam.put_role_policy(RoleName="fwd", PolicyName="slack-forwarder", PolicyDocument=ROLE_POLICY)
    aws("lambda").create_function(
        FunctionName="fwd", Runtime="python3.12", Role=ROLE_ARN, Handler="handler.handler",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18}, DeadLetterConfig={"TargetArn": DLQ_ARN},
        Environment={"Variables": {"SLACK_WEBHOOK_SSM_PARAMETER": "/amp-alerting/prod/slack-webhook"}})
    aws("lambda").add_permission(FunctionName="fwd", StatementId="sns", Action="lambda:InvokeFunction",
                                 Principal="sns.amazonaws.com", SourceArn=TOPIC)
    sns = aws("sns")
    sns.create_topic(Name="amp-prod-alerts", Attributes={"KmsMasterKeyId": key_id, "Policy": policy(statement(
        "Aps", {"Service": "aps.amazonaws.com"}, "sns:Publish", TOPIC, WORKSPACE_ARN))})
    sns.subscribe(TopicArn=TOPIC, Protocol="lambda", Endpoint=FUNCTION_ARN, Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": DELIVERY_DLQ_ARN})})
    logs = aws("logs")
    logs.create_log_group(logGroupName="/aws/lambda/fwd")
    logs.create_log_stream(logGroupName="/aws/lambda/fwd", logStreamName="s")
    logs.put_log_events(logGroupName="/aws/lambda/fwd", logStreamName="s", logEvents=[
        {"timestamp": int(time.time() * 1000), "message": json.dumps({"outcome": "delivered"})}])
    aws("cloudwatch").put_metric_alarm(AlarmName=ALARM, Namespace="AmpAlerting", MetricName="Heartbeat",
                                       Dimensions=[{"Name": "WorkspaceAlias", "Value": "prod"}], Statistic="SampleCount",
                                       Period=300, EvaluationPeriods=3, Threshold=1, ComparisonOperator="LessThanThreshold")
    return key_id


WORKSPACE = {"workspace_id": "ws-1", "arn": WORKSPACE_ARN, "alias": "prod", "status": "ACTIVE",
             "rule_namespaces": [{"name": "amp-alerting", "status": "ACTIVE", "status_reason": None}],
             "alertmanager": {"status": "ACTIVE", "status_reason": None, "sns_topic_arns": {"default": [TOPIC]},
                              "pagerduty_secret_arns": {}},
             "logging": None}
FACTS = {"alias": "prod", "since_minutes": SINCE, "anomaly_alerts": {}, "heartbeat_alarm_name": ALARM,
         "webhook_kms_key_arn": ""}


def client_factory(refuse=None):
    """chain_info's client(service, region); REFUSE: (service, operation) that AWS refuses (AccessDenied)."""
    made = {}

    def client(service, region=None):
        if service not in made:
            raw = boto3.client(service, region_name=region or REGION)
            if refuse and refuse[0] == service:
                stubber = Stubber(raw)
                for _n in range(5):  # once for each item that reads it
                    stubber.add_client_error(refuse[1], "AccessDenied", "not authorized", 403)
                stubber.activate()
                made["stubber"] = stubber
            made[service] = RetryingBotoClientWrapper(raw, AWSRetry.jittered_backoff())
        return made[service]
    return client


def followed(refuse=None):
    evidence = ChainFollower(client_factory(refuse), since_minutes=SINCE).follow(
        WORKSPACE, heartbeat_alarm=ALARM, heartbeat_workspace_alias="prod")
    return dict(evidence, now=time.time(), **FACTS)


def run(capsys, module_name, **args):
    module = importlib.import_module(f"ansible_collections.{module_name}")
    with patch_module_args(dict(args, region=REGION)):
        try:
            module.main()
        except SystemExit:
            return json.loads(capsys.readouterr().out)
        except KeyError as e:  # a module that crashes: Ansible registers a failed result
            return {"failed": True, "msg": f"MODULE FAILURE: KeyError {e}"}
    raise AssertionError(f"{module_name} did not exit")


def loop(capsys, items, module_name, **args):
    """A doctor.yml loop's registered results (failed_when: false)."""
    return [dict(run(capsys, module_name, **{k: v(item) if callable(v) else v for k, v in args.items()}), item=item)
            for item in items]


def by_modules(capsys):
    """The evidence as doctor.yml gathered it before, one read-only module a task."""
    topics = loop(capsys, [TOPIC], "amp.alerting.plugins.modules.sns_alert_topic_info", topic_arn=lambda arn: arn)
    keys = [dict(run(capsys, "amazon.aws.plugins.modules.kms_key_info", key_id=t["topic"]["kms_master_key_id"]), item=t["item"])
            for t in topics if (t.get("topic") or {}).get("kms_master_key_id")]
    functions = sorted({s["endpoint"] for t in topics for s in t.get("subscriptions") or [] if s["protocol"] == "lambda"})
    configs = loop(capsys, functions, "amazon.aws.plugins.modules.lambda_info", function_name=lambda arn: arn.split(":")[6],
                   query="config")
    roles = sorted({f["role"] for c in configs for f in c.get("functions") or [] if f.get("function_arn")})
    queues = sorted({s["redrive_policy"]["deadLetterTargetArn"] for t in topics for s in t.get("subscriptions") or []
                     if s.get("redrive_policy")} | {f["dead_letter_config"]["target_arn"] for c in configs
                                                    for f in c.get("functions") or [] if f.get("dead_letter_config")})
    return dict(
        workspace=WORKSPACE, topics=topics, topic_keys=keys, pagerduty_secrets=[], pagerduty_keys=[], function_configs=configs,
        function_policies=loop(capsys, functions, "amp.alerting.plugins.modules.lambda_policy_info", function_name=lambda arn: arn),
        roles=loop(capsys, roles, "amazon.aws.plugins.modules.iam_role_info", name=lambda arn: arn.split("/")[-1]),
        role_policies=loop(capsys, roles, "amazon.aws.plugins.modules.iam_policy_info", iam_type="role",
                           iam_name=lambda arn: arn.split("/")[-1]),
        queues=loop(capsys, queues, "amp.alerting.plugins.modules.sqs_queue_info", queue_name=lambda arn: arn.split(":")[5]),
        queue_ages=loop(capsys, queues, "amp.alerting.plugins.modules.cloudwatch_metric_info", namespace="AWS/SQS",
                        metric_names=["ApproximateAgeOfOldestMessage"], statistic="Maximum", since_minutes=15,
                        dimensions=lambda arn: {"QueueName": arn.split(":")[5]}),
        function_logs=loop(capsys, functions, "amp.alerting.plugins.modules.cloudwatchlogs_log_events_info",
                           log_group_name=lambda arn: f"/aws/lambda/{arn.split(':')[6]}", since_minutes=SINCE, limit=200,
                           newest=True, filter_pattern='?failed ?delivered ?duplicate ?heartbeat ?"Task timed out" ?ERROR'),
        webhook_key=None, anomaly_detectors=None,
        heartbeat_alarm=run(capsys, "amazon.aws.plugins.modules.cloudwatch_metric_alarm_info", alarm_names=[ALARM]),
        heartbeats=[], amp_failure_metrics=[], amp_log_events=[], now=time.time(), **FACTS)


def hops(evidence):
    return [(hop["hop"], hop["status"], hop["detail"].split(" s ago")[0]) for hop in chain_hops(evidence)]


BREAKAGES = {
    "intact": lambda aws, key_id: None,
    "topic policy edited": lambda aws, key_id: aws("sns").set_topic_attributes(
        TopicArn=TOPIC, AttributeName="Policy", AttributeValue=policy(statement(
            "Account", {"AWS": ACCOUNT}, "sns:Publish", TOPIC))),
    "key disabled": lambda aws, key_id: aws("kms").disable_key(KeyId=key_id),
    "key policy without aps": lambda aws, key_id: aws("kms").put_key_policy(
        KeyId=key_id, PolicyName="default", Policy=policy(statement("Account", {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "kms:*", "*"))),
    "invoke permission removed": lambda aws, key_id: aws("lambda").remove_permission(FunctionName="fwd", StatementId="sns"),
    "role policy replaced": lambda aws, key_id: aws("iam").put_role_policy(
        RoleName="fwd", PolicyName="slack-forwarder", PolicyDocument=policy(dict(
            Sid="Nothing", Effect="Allow", Action="s3:GetObject", Resource="*"))),
    "function queue deleted": lambda aws, key_id: aws("sqs").delete_queue(QueueUrl=aws("sqs").get_queue_url(QueueName="fwd-dlq")["QueueUrl"]),
    "delivery queue filled": lambda aws, key_id: aws("sqs").send_message(
        QueueUrl=aws("sqs").get_queue_url(QueueName="fwd-delivery-dlq")["QueueUrl"], MessageBody="{}"),
    "forwarder failing": lambda aws, key_id: aws("logs").put_log_events(
        logGroupName="/aws/lambda/fwd", logStreamName="s", logEvents=[
            {"timestamp": int(time.time() * 1000) + 1, "message": json.dumps({"outcome": "failed", "error": "Slack 404"})}]),
    "role deleted": lambda aws, key_id: (aws("iam").delete_role_policy(RoleName="fwd", PolicyName="slack-forwarder"),
                                         aws("iam").delete_role(RoleName="fwd")),
    "function deleted": lambda aws, key_id: aws("lambda").delete_function(FunctionName="fwd"),
    "subscription removed": lambda aws, key_id: [aws("sns").unsubscribe(SubscriptionArn=s["SubscriptionArn"])
                                                 for s in aws("sns").list_subscriptions_by_topic(TopicArn=TOPIC)["Subscriptions"]],
    "topic deleted": lambda aws, key_id: aws("sns").delete_topic(TopicArn=TOPIC),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_one_read_finds_what_the_modules_found(aws, capsys, breakage):
    BREAKAGES[breakage](aws, deploy(aws))
    expected = hops(by_modules(capsys))
    if breakage == "function deleted":
        # amazon.aws.lambda_info (10.1.2) crashes on a function that does not exist (KeyError 'function_name'):
        # the modules left the hop unknown; the one read says what is wrong
        assert ("function", "unknown", "fwd: not read: MODULE FAILURE: KeyError 'function_name'") in expected
        expected = [("function", "broken", "fwd does not exist") if hop == "function" else (hop, status, detail)
                    for hop, status, detail in expected]
    assert hops(followed()) == expected
    if breakage == "intact":
        assert all(status == "ok" for _hop, status, _detail in expected), expected
    else:
        assert any(status == "broken" for _hop, status, _detail in expected), expected


@pytest.mark.parametrize("service, operation, hop", [
    ("kms", "describe_key", "topic key"), ("lambda", "get_function_configuration", "function"),
    ("iam", "get_role", "execution role"), ("sqs", "get_queue_url", "delivery dead-letter queue"),
    ("logs", "filter_log_events", "forwarder errors"), ("cloudwatch", "describe_alarms", "heartbeat"),
    # AMP's failure metrics: no failure seen where the doctor could not look is not ok
    ("cloudwatch", "list_metrics", "AMP notifications")])
def test_a_refused_read_is_a_hop_not_read_and_the_rest_is_read(aws, service, operation, hop):
    deploy(aws)
    found = {name: (status, detail) for name, status, detail in hops(followed(refuse=(service, operation)))}
    assert found[hop][0] == "unknown" and "not read" in found[hop][1] and "AccessDenied" in found[hop][1], found[hop]
    assert found["topic policy"][0] == "ok"  # the reads after the refused one were made
