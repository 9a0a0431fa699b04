"""The write gates of the lambda role say "differs" exactly when the writing module would change something.

For each resource the role writes: made as the role makes it, then left alone or drifted by hand; what
chain_info reads (module_utils/chain.py) goes through the gate (the `differs` filter the role uses),
and the writing module itself - amazon.aws's, community.aws's or ours - runs in check mode on the same
state. The two must agree: a gate saying "same" where the module would change something leaves drift
unrepaired; one saying "differs" where it would not costs a module run. AWS is moto, in process.
"""

import base64
import hashlib
import importlib
import io
import json
import zipfile

import boto3
import pytest
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper

from ansible_collections.amp.alerting.plugins.filter.gates import differs
from ansible_collections.amp.alerting.plugins.module_utils import chain
from ansible_collections.amp.alerting.plugins.modules import chain_info


pytest.importorskip("moto")

REGION = "eu-west-1"
ACCOUNT = "123456789012"
TAGS = {"team": "sre"}
TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
INLINE = {"Version": "2012-10-17", "Statement": [
    {"Sid": "OwnLogs", "Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": ["arn:aws:logs:*:*:*"]}]}
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:amp-prod-alerts"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:fwd"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/amp/fwd"
DLQ_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:fwd-dlq"
QUEUE_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "SnsRedrive", "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
     "Resource": DLQ_ARN, "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC}}}]}
ENVIRONMENT = {"SLACK_CHANNEL": "#alerts"}


def zipped(text):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", text)
    return buffer.getvalue()


CODE = zipped("def handler(event, context):\n    return 1\n")




def writer_changes(capsys, module_name, /, **args):
    """Whether the writing module changes anything. Run for real: amazon.aws.lambda_policy says changed=false
    in check mode for a statement it would add."""
    module = importlib.import_module(f"ansible_collections.{module_name}")
    with patch_module_args(dict(args, region=REGION)), pytest.raises(SystemExit):
        module.main()
    result = json.loads(capsys.readouterr().out)
    assert not result.get("failed"), result
    return result["changed"]


def read(**wanted):
    """What the role's chain_info task registers."""
    params = {key: [] for key in ("log_groups", "queues", "tables", "roles", "functions", "parameters", "subscriptions",
                                  "topics", "alarms", "secret_prefixes", "rule_namespaces", "stacks", "managed_policies",
                                  "parameter_paths")}
    params.update(workspace_id=None, workspace_alias=None, alertmanager_definition=False, resource_policy=False,
                  scrapers=False, scraper_configurations=False, workspace_configuration=False, workspace_settings=False, diagnose=None, **wanted)
    module = type("Module", (), {"params": params, "region": REGION, "client": lambda self, service, retry_decorator=None: RetryingBotoClientWrapper(
        boto3.client(service, region_name=REGION), AWSRetry.jittered_backoff())})()
    return chain_info.read_chain(module)


def agree(capsys, spec, kind, name, wanted, module_name, /, **module_args):
    """The gate on what SPEC reads, and the writing module run on the same state, agree; after the module
    ran, the gate finds nothing to change (else every run would run the module again)."""
    gate = differs(read(**spec), kind, name, wanted)
    module = writer_changes(capsys, module_name, **module_args)
    assert gate == module, f"gate says {gate}, {module_name} says changed={module}"
    assert differs(read(**spec), kind, name, wanted) is False, f"{module_name} ran, and the gate still says differs"
    return gate


@pytest.mark.parametrize("drift, expected", [(None, False), ("retention", True), ("deleted", True)])
def test_log_group(aws, capsys, drift, expected):
    logs = aws("logs")
    logs.create_log_group(logGroupName="/aws/lambda/fwd")
    logs.put_retention_policy(logGroupName="/aws/lambda/fwd", retentionInDays=30)
    if drift == "retention":
        logs.put_retention_policy(logGroupName="/aws/lambda/fwd", retentionInDays=7)
    if drift == "deleted":
        logs.delete_log_group(logGroupName="/aws/lambda/fwd")
    spec = dict(log_groups=["/aws/lambda/fwd"])
    assert agree(capsys, spec, "log_group", "/aws/lambda/fwd", {"retention": 30},
                 "amazon.aws.plugins.modules.cloudwatchlogs_log_group", log_group_name="/aws/lambda/fwd",
                 retention=30, state="present") is expected


@pytest.mark.parametrize("drift, expected", [(None, False), ("retention", True), ("policy", True), ("tag", True),
                                             ("deleted", True)])
def test_queue(aws, capsys, drift, expected):
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName="fwd-dlq", Attributes={"MessageRetentionPeriod": "1209600",
                                                             "Policy": json.dumps(QUEUE_POLICY)}, tags=TAGS)["QueueUrl"]
    if drift == "retention":
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "345600"})
    if drift == "policy":
        broader = dict(QUEUE_POLICY, Statement=[dict(QUEUE_POLICY["Statement"][0], Condition={})])
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(broader)})
    if drift == "tag":
        sqs.tag_queue(QueueUrl=url, Tags={"extra": "by hand"})
    if drift == "deleted":
        sqs.delete_queue(QueueUrl=url)
    spec = dict(queues=["fwd-dlq"])
    wanted = {"attributes": {"MessageRetentionPeriod": 1209600}, "policy": QUEUE_POLICY, "tags": TAGS}
    assert agree(capsys, spec, "queue", "fwd-dlq", wanted, "community.aws.plugins.modules.sqs_queue", name="fwd-dlq",
                 message_retention_period=1209600, policy=QUEUE_POLICY, tags=TAGS, state="present") is expected


@pytest.mark.parametrize("drift, expected", [(None, False), ("tag", True), ("provisioned", True), ("deleted", True)])
def test_table_and_its_time_to_live(aws, capsys, drift, expected):
    dynamodb = aws("dynamodb")
    arn = dynamodb.create_table(TableName="fwd-state", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                                AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                BillingMode="PAY_PER_REQUEST", Tags=[{"Key": "team", "Value": "sre"}])["TableDescription"]["TableArn"]
    dynamodb.update_time_to_live(TableName="fwd-state", TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"})
    if drift == "tag":
        dynamodb.untag_resource(ResourceArn=arn, TagKeys=["team"])
    if drift == "provisioned":
        dynamodb.update_table(TableName="fwd-state", BillingMode="PROVISIONED",
                              ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    if drift == "deleted":
        dynamodb.delete_table(TableName="fwd-state")
    spec = dict(tables=["fwd-state"])
    wanted = {"hash_key_name": "pk", "hash_key_type": "STRING", "billing_mode": "PAY_PER_REQUEST", "tags": TAGS}
    assert agree(capsys, spec, "table", "fwd-state", wanted, "community.aws.plugins.modules.dynamodb_table",
                 name="fwd-state", hash_key_name="pk", hash_key_type="STRING", billing_mode="PAY_PER_REQUEST",
                 tags=TAGS, state="present") is expected
    # dynamodb_ttl has no check mode: compared with its own test of the state it reads
    ttl_module = importlib.import_module("ansible_collections.community.aws.plugins.modules.dynamodb_ttl")
    state = ttl_module.get_current_ttl_state(aws("dynamodb"), "fwd-state")
    assert differs(read(**spec), "ttl", "fwd-state", {"attribute_name": "expires_at"}) == \
        ttl_module.does_state_need_changing("expires_at", "enable", state)


def make_role(iam):
    iam.create_role(RoleName="fwd", Path="/amp/", AssumeRolePolicyDocument=json.dumps(TRUST),
                    Tags=[{"Key": "team", "Value": "sre"}])
    iam.put_role_policy(RoleName="fwd", PolicyName="slack-forwarder", PolicyDocument=json.dumps(INLINE))


@pytest.mark.parametrize("drift, expected", [(None, False), ("trust", True), ("attached", True), ("tag", True),
                                             ("deleted", True)])
def test_execution_role(aws, capsys, drift, expected):
    iam = aws("iam")
    make_role(iam)
    if drift == "trust":
        iam.update_assume_role_policy(RoleName="fwd", PolicyDocument=json.dumps(dict(TRUST, Statement=[
            dict(TRUST["Statement"][0], Principal={"AWS": "*"})])))
    if drift == "attached":
        arn = iam.create_policy(PolicyName="admin", PolicyDocument=json.dumps(INLINE))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName="fwd", PolicyArn=arn)
    if drift == "tag":
        iam.tag_role(RoleName="fwd", Tags=[{"Key": "extra", "Value": "by hand"}])
    if drift == "deleted":
        iam.delete_role_policy(RoleName="fwd", PolicyName="slack-forwarder")
        iam.delete_role(RoleName="fwd")
    spec = dict(roles=[{"name": "fwd", "inline_policies": ["slack-forwarder"]}])
    wanted = {"trust_policy": TRUST, "tags": TAGS, "managed_policy_arns": []}
    assert agree(capsys, spec, "role", "fwd", wanted, "amazon.aws.plugins.modules.iam_role", name="fwd", path="/amp/",
                 assume_role_policy_document=json.dumps(TRUST), managed_policies=[], purge_policies=True,
                 create_instance_profile=False, tags=TAGS, state="present") is expected


@pytest.mark.parametrize("drift, expected", [(None, False), ("replaced", True), ("deleted", True)])
def test_inline_policy_of_the_execution_role(aws, capsys, drift, expected):
    iam = aws("iam")
    make_role(iam)
    if drift == "replaced":
        iam.put_role_policy(RoleName="fwd", PolicyName="slack-forwarder", PolicyDocument=json.dumps(
            dict(INLINE, Statement=[dict(INLINE["Statement"][0], Action="*")])))
    if drift == "deleted":
        iam.delete_role_policy(RoleName="fwd", PolicyName="slack-forwarder")
    spec = dict(roles=[{"name": "fwd", "inline_policies": ["slack-forwarder"]}])
    assert agree(capsys, spec, "inline_policy", "fwd", {"policy_name": "slack-forwarder", "document": INLINE},
                 "amazon.aws.plugins.modules.iam_policy", iam_type="role", iam_name="fwd",
                 policy_name="slack-forwarder", policy_json=json.dumps(INLINE), state="present") is expected


def make_function(aws):
    make_role(aws("iam"))
    aws("sqs").create_queue(QueueName="fwd-dlq")
    aws("lambda").create_function(FunctionName="fwd", Runtime="python3.12", Role=ROLE_ARN, Handler="handler.handler",
                                  Code={"ZipFile": CODE}, Description="Forwards", Timeout=30, MemorySize=128,
                                  Environment={"Variables": ENVIRONMENT}, DeadLetterConfig={"TargetArn": DLQ_ARN},
                                  Tags=TAGS)


@pytest.mark.parametrize("drift, expected", [(None, False), ("environment", True), ("timeout", True), ("code", True),
                                             ("tag", True), ("deleted", True)])
def test_function(aws, capsys, tmp_path, drift, expected):
    make_function(aws)
    client = aws("lambda")
    if drift == "environment":
        client.update_function_configuration(FunctionName="fwd", Environment={"Variables": {"SLACK_CHANNEL": "#other"}})
    if drift == "timeout":
        client.update_function_configuration(FunctionName="fwd", Timeout=3)
    if drift == "code":
        client.update_function_code(FunctionName="fwd", ZipFile=zipped("def handler(event, context):\n    return 2\n"))
    if drift == "tag":
        client.tag_resource(Resource=FUNCTION_ARN, Tags={"extra": "by hand"})
    if drift == "deleted":
        client.delete_function(FunctionName="fwd")
    package = tmp_path / "fwd.zip"
    package.write_bytes(CODE)
    settings = {"description": "Forwards", "runtime": "python3.12", "handler": "handler.handler", "role": ROLE_ARN,
                "timeout": 30, "memory_size": 128, "environment_variables": ENVIRONMENT, "dead_letter_arn": DLQ_ARN}
    code_sha256 = base64.b64encode(hashlib.sha256(CODE).digest()).decode()
    spec = dict(functions=["fwd"])
    assert agree(capsys, spec, "function", "fwd", {"settings": settings, "code_sha256": code_sha256, "tags": TAGS},
                 "amazon.aws.plugins.modules.lambda", name="fwd", zip_file=str(package), tags=TAGS, state="present",
                 **settings) is expected


@pytest.mark.parametrize("drift, expected", [(None, False), ("other_topic", True), ("removed", True)])
def test_invoke_permission(aws, capsys, drift, expected):
    make_function(aws)
    client = aws("lambda")
    client.add_permission(FunctionName="fwd", StatementId="amp-alerting-sns-invoke", Action="lambda:InvokeFunction",
                          Principal="sns.amazonaws.com", SourceArn=TOPIC)
    if drift == "other_topic":
        client.remove_permission(FunctionName="fwd", StatementId="amp-alerting-sns-invoke")
        client.add_permission(FunctionName="fwd", StatementId="amp-alerting-sns-invoke", Action="lambda:InvokeFunction",
                              Principal="sns.amazonaws.com", SourceArn=TOPIC + "-other")
    if drift == "removed":
        client.remove_permission(FunctionName="fwd", StatementId="amp-alerting-sns-invoke")
    spec = dict(functions=["fwd"])
    wanted = {"statement_id": "amp-alerting-sns-invoke", "action": "lambda:InvokeFunction",
              "principal": "sns.amazonaws.com", "source_arn": TOPIC}
    assert agree(capsys, spec, "permission", "fwd", wanted, "amazon.aws.plugins.modules.lambda_policy",
                 function_name="fwd", state="present", **wanted) is expected


@pytest.mark.parametrize("drift, expected", [(None, False), ("value", True), ("description", True), ("deleted", True)])
def test_webhook_parameter(aws, capsys, drift, expected):
    ssm = aws("ssm")
    ssm.put_parameter(Name="/amp/prod/slack-webhook", Type="SecureString", Value="https://hooks.example/T0/B0/secret",
                      Description="Slack incoming webhook")
    if drift == "value":
        ssm.put_parameter(Name="/amp/prod/slack-webhook", Type="SecureString", Value="https://hooks.example/T0/B0/other",
                          Overwrite=True)
    if drift == "description":
        ssm.put_parameter(Name="/amp/prod/slack-webhook", Type="SecureString", Value="https://hooks.example/T0/B0/secret",
                          Description="edited", Overwrite=True)
    if drift == "deleted":
        ssm.delete_parameter(Name="/amp/prod/slack-webhook")
    spec = dict(parameters=["/amp/prod/slack-webhook"])
    assert "B0/secret" not in json.dumps(read(**spec))  # only the value's digest is read back
    wanted = {"value": "https://hooks.example/T0/B0/secret", "string_type": "SecureString",
              "description": "Slack incoming webhook"}
    assert agree(capsys, spec, "parameter", "/amp/prod/slack-webhook", wanted, "community.aws.plugins.modules.ssm_parameter",
                 name="/amp/prod/slack-webhook", value=wanted["value"], string_type="SecureString",
                 description=wanted["description"]) is expected


@pytest.mark.parametrize("drift, expected", [(None, False), ("redrive_stripped", True), ("unsubscribed", True)])
def test_forwarder_subscription(aws, capsys, drift, expected):
    sns = aws("sns")
    sns.create_topic(Name="amp-prod-alerts")
    redrive = {"deadLetterTargetArn": DLQ_ARN}
    arn = sns.subscribe(TopicArn=TOPIC, Protocol="lambda", Endpoint=FUNCTION_ARN, ReturnSubscriptionArn=True,
                        Attributes={"RedrivePolicy": json.dumps(redrive)})["SubscriptionArn"]
    if drift == "redrive_stripped":
        sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="RedrivePolicy", AttributeValue="")
    if drift == "unsubscribed":
        sns.unsubscribe(SubscriptionArn=arn)
    spec = dict(subscriptions=[{"topic_arn": TOPIC, "protocol": "lambda", "endpoint": FUNCTION_ARN}])
    assert agree(capsys, spec, "subscription", FUNCTION_ARN, {"attributes": {"RedrivePolicy": redrive}},
                 "amp.alerting.plugins.modules.sns_subscription", topic_arn=TOPIC, protocol="lambda",
                 endpoint=FUNCTION_ARN, attributes={"RedrivePolicy": redrive}, state="present") is expected


def test_a_gate_on_a_resource_not_read_is_refused_not_said_to_differ(aws):
    from ansible.errors import AnsibleFilterError
    found = read(log_groups=["/aws/lambda/fwd"])
    assert found["log_groups"] == {"/aws/lambda/fwd": None}
    with pytest.raises(AnsibleFilterError, match="did not read queue fwd-dlq"):
        differs(found, "queue", "fwd-dlq", {})
    with pytest.raises(AnsibleFilterError, match="kind must be one of"):
        differs(found, "bucket", "x", {})
    with pytest.raises(AnsibleFilterError, match="not a result of amp.alerting.chain_info"):
        differs({"skipped": True}, "log_group", "/aws/lambda/fwd", {})


def test_a_refused_read_fails_naming_the_resource(aws):
    client = RetryingBotoClientWrapper(boto3.client("logs", region_name=REGION), AWSRetry.jittered_backoff(retries=1))
    from botocore.stub import Stubber
    with Stubber(client.client) as stub:
        stub.add_client_error("describe_log_groups", "AccessDeniedException", "not authorized", 400)
        with pytest.raises(chain.ChainError, match="Failed to read log group /aws/lambda/fwd"):
            chain.read_log_group(client, "/aws/lambda/fwd")


# The alerting role's heartbeat alarm, with the options the role gives amazon.aws.cloudwatch_metric_alarm.
ALARM = {"name": "amp-prod-heartbeat", "description": "No heartbeat from AMP workspace prod", "namespace": "AmpAlerting",
         "metric_name": "Heartbeat", "dimensions": {"WorkspaceAlias": "prod"}, "statistic": "SampleCount",
         "comparison": "LessThanThreshold", "threshold": 1.0, "period": 300, "evaluation_periods": 3,
         "treat_missing_data": "breaching", "alarm_actions": [], "ok_actions": []}


def put_alarm(cloudwatch, **changes):
    request = dict(
        AlarmName=ALARM["name"], AlarmDescription=ALARM["description"], Namespace="AmpAlerting", MetricName="Heartbeat",
        Dimensions=[{"Name": "WorkspaceAlias", "Value": "prod"}], Statistic="SampleCount",
        ComparisonOperator="LessThanThreshold", Threshold=1.0, Period=300, EvaluationPeriods=3,
        TreatMissingData="breaching", AlarmActions=[], OKActions=[])
    request.update(changes)
    cloudwatch.put_metric_alarm(**request)


@pytest.mark.parametrize("drift, state, expected", [
    (None, "present", False), ("threshold", "present", True), ("actions", "present", True), ("deleted", "present", True),
    (None, "absent", True), ("deleted", "absent", False)])
def test_heartbeat_alarm(aws, capsys, drift, state, expected):
    cloudwatch = aws("cloudwatch")
    put_alarm(cloudwatch)
    if drift == "threshold":
        cloudwatch.set_alarm_state(AlarmName=ALARM["name"], StateValue="ALARM", StateReason="by hand")  # ignored
        put_alarm(cloudwatch, Threshold=5.0)
    if drift == "actions":
        put_alarm(cloudwatch, AlarmActions=[TOPIC])
    if drift == "deleted":
        cloudwatch.delete_alarms(AlarmNames=[ALARM["name"]])
    spec = dict(alarms=[ALARM["name"]])
    gate = differs(read(**spec), "alarm", ALARM["name"], {"options": ALARM, "state": state})
    assert gate == writer_changes(capsys, "amazon.aws.plugins.modules.cloudwatch_metric_alarm", state=state, **ALARM)
    assert gate is expected
    assert differs(read(**spec), "alarm", ALARM["name"], {"options": ALARM, "state": state}) is False


@pytest.mark.parametrize("exists", [True, False])
def test_fallback_topic_not_wanted(aws, capsys, exists):
    fallback = f"arn:aws:sns:{REGION}:{ACCOUNT}:amp-prod-heartbeat-fallback"
    if exists:
        aws("sns").create_topic(Name="amp-prod-heartbeat-fallback")
    spec = dict(topics=[fallback])
    assert agree(capsys, spec, "topic", fallback, {"state": "absent"}, "community.aws.plugins.modules.sns_topic",
                 name="amp-prod-heartbeat-fallback", state="absent") is exists
    # a topic to be present is always left to that module, which compares its subscriptions too
    assert differs(read(**spec), "topic", fallback, {"state": "present"}) is True


TOPIC_POLICY = {"Version": "2012-10-17", "Statement": [
    {"Sid": "AmpPublish", "Effect": "Allow", "Principal": {"Service": "aps.amazonaws.com"}, "Action": "sns:Publish",
     "Resource": TOPIC, "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}}}]}


@pytest.mark.parametrize("drift, expected", [(None, False), ("display_name", True), ("policy", True), ("tag", True),
                                             ("deleted", True)])
def test_alerts_topic(aws, capsys, drift, expected):
    sns = aws("sns")
    sns.create_topic(Name="amp-prod-alerts", Attributes={"DisplayName": "AMP prod", "Policy": json.dumps(TOPIC_POLICY)},
                     Tags=[{"Key": "team", "Value": "sre"}])
    if drift == "display_name":
        sns.set_topic_attributes(TopicArn=TOPIC, AttributeName="DisplayName", AttributeValue="edited")
    if drift == "policy":
        sns.set_topic_attributes(TopicArn=TOPIC, AttributeName="Policy", AttributeValue=json.dumps(
            dict(TOPIC_POLICY, Statement=[dict(TOPIC_POLICY["Statement"][0], Condition={})])))
    if drift == "tag":
        sns.tag_resource(ResourceArn=TOPIC, Tags=[{"Key": "extra", "Value": "by hand"}])
    if drift == "deleted":
        sns.delete_topic(TopicArn=TOPIC)
    options = {"display_name": "AMP prod", "policy": TOPIC_POLICY}
    assert agree(capsys, dict(topics=[TOPIC]), "alert_topic", TOPIC, {"options": options, "tags": TAGS},
                 "amp.alerting.plugins.modules.sns_alert_topic", name="amp-prod-alerts", display_name="AMP prod",
                 policy=json.dumps(TOPIC_POLICY), tags=TAGS, state="present") is expected


def test_a_stack_is_read_with_its_status_and_a_missing_one_is_none(aws):
    aws("cloudformation").create_stack(StackName="amp-prod-alerts", TemplateBody=json.dumps(
        {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "amp-prod-alerts"}}}}))
    found = read(stacks=["amp-prod-alerts", "amp-prod-slack-forwarder-subscription"])["stacks"]
    assert found["amp-prod-alerts"]["status"] == "CREATE_COMPLETE"
    assert found["amp-prod-slack-forwarder-subscription"] is None
    aws("cloudformation").delete_stack(StackName="amp-prod-alerts")
    assert read(stacks=["amp-prod-alerts"])["stacks"] == {"amp-prod-alerts": None}
