"""Fault injection, Lambda's DeadLetterConfig, the request log and the sandbox's process control."""

import io
import json
import os
import subprocess
import sys
import time
import zipfile

import pytest
from botocore.exceptions import ClientError

from sandbox.control import Sandbox

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---------------------------------------------------------------- 6e: fault injection


def test_throttling_on_amp_uses_amps_error(sandbox, aws_client):
    sandbox.inject_fault("ListWorkspaces", kind="throttle", count=1)
    amp = aws_client("amp")
    with pytest.raises(ClientError) as excinfo:
        amp.list_workspaces()
    assert excinfo.value.response["Error"]["Code"] == "ThrottlingException"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert amp.list_workspaces()["workspaces"] == []  # count=1: the next call passes


def test_server_error_and_query_protocol_throttling(sandbox, aws_client):
    sandbox.inject_fault("CreateTopic", kind="throttle", service="sns")
    sandbox.inject_fault("ListRoles", kind="server_error", count=2)
    with pytest.raises(ClientError) as excinfo:
        aws_client("sns").create_topic(Name="alerts")
    assert excinfo.value.response["Error"]["Code"] == "Throttling"
    iam = aws_client("iam")
    for attempt in (1, 2):
        with pytest.raises(ClientError) as excinfo:
            iam.list_roles()
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500, f"attempt {attempt}"
    iam.list_roles()


def test_retrying_client_gets_through_injected_faults(sandbox, aws_client):
    sandbox.inject_fault("CreateWorkspace", kind="server_error", count=2)
    created = aws_client("amp", retries=True).create_workspace(alias="retried")
    assert created["ResponseMetadata"]["RetryAttempts"] == 2
    assert [r["fault"] for r in sandbox.requests() if "fault" in r] == ["server_error", "server_error"]


def test_fault_scoped_to_another_service_does_not_fire(sandbox, aws_client):
    sandbox.inject_fault("TagResource", kind="throttle", service="sns")
    amp = aws_client("amp")
    arn = amp.create_workspace(alias="x")["arn"]
    sandbox.clear_requests()
    amp.tag_resource(resourceArn=arn, tags={"team": "sre"})  # amp's TagResource is not sns's
    assert [(r["service"], r["operation"], r["status"], r.get("fault")) for r in sandbox.requests()] == \
        [("amp", "TagResource", 200, None)]
    assert [(f["service"], f["operation"], f["count"]) for f in sandbox.faults()] == [("sns", "TagResource", 1)]


def test_workspace_creation_failed_on_request(sandbox, aws_client):
    sandbox.inject_fault("CreateWorkspace", kind="creation_failed")
    amp = aws_client("amp")
    failed = amp.create_workspace(alias="doomed")["workspaceId"]
    ok = amp.create_workspace(alias="fine")["workspaceId"]
    time.sleep(0.5)
    status = amp.describe_workspace(workspaceId=failed)["workspace"]["status"]
    assert status == {"statusCode": "CREATION_FAILED"}  # AMP gives no statusReason for workspaces
    assert amp.describe_workspace(workspaceId=ok)["workspace"]["status"] == {"statusCode": "ACTIVE"}


def test_bad_fault_request_is_refused(sandbox):
    with pytest.raises(Exception) as excinfo:
        sandbox.inject_fault("CreateWorkspace", kind="meteor")
    assert "400" in str(excinfo.value)


def test_request_log_names_every_operation(sandbox, aws_client):
    sandbox.clear_requests()
    aws_client("amp").list_workspaces()
    aws_client("sqs").create_queue(QueueName="dlq")
    aws_client("sns").list_topics()
    aws_client("lambda").list_functions()
    seen = [(r["service"], r["operation"], r["status"]) for r in sandbox.requests()]
    assert seen == [("amp", "ListWorkspaces", 200), ("sqs", "CreateQueue", 200),
                    ("sns", "ListTopics", 200), ("lambda", "ListFunctions", 200)]


# ---------------------------------------------------------------- 6d: Lambda DeadLetterConfig


def _zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handle(event, context):\n    return None\n")
    return buffer.getvalue()


def test_lambda_dead_letter_config_is_kept(sandbox, aws_client):
    iam, awslambda, sqs = aws_client("iam"), aws_client("lambda"), aws_client("sqs")
    role = iam.create_role(RoleName="forwarder", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }))["Role"]["Arn"]
    dlq_url = sqs.create_queue(QueueName="forwarder-dlq")["QueueUrl"]
    dlq = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    other_url = sqs.create_queue(QueueName="other-dlq")["QueueUrl"]
    other = sqs.get_queue_attributes(QueueUrl=other_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    awslambda.create_function(FunctionName="forwarder", Runtime="python3.12", Role=role, Handler="handler.handle",
                              Code={"ZipFile": _zip()}, DeadLetterConfig={"TargetArn": dlq})
    assert awslambda.get_function_configuration(FunctionName="forwarder")["DeadLetterConfig"] == {"TargetArn": dlq}
    assert awslambda.get_function(FunctionName="forwarder")["Configuration"]["DeadLetterConfig"] == {"TargetArn": dlq}

    awslambda.update_function_configuration(FunctionName="forwarder", DeadLetterConfig={"TargetArn": other})
    assert awslambda.get_function_configuration(FunctionName="forwarder")["DeadLetterConfig"] == {"TargetArn": other}
    awslambda.update_function_configuration(FunctionName="forwarder", Timeout=10)
    assert awslambda.get_function_configuration(FunctionName="forwarder")["DeadLetterConfig"] == {"TargetArn": other}

    awslambda.update_function_configuration(FunctionName="forwarder", DeadLetterConfig={"TargetArn": ""})
    assert "DeadLetterConfig" not in awslambda.get_function_configuration(FunctionName="forwarder")


# ---------------------------------------------------------------- 6f: process control


def _cli(state_dir, *args):
    env = dict(os.environ, PYTHONPATH=TESTS_DIR)
    return subprocess.run([sys.executable, "-m", "sandbox", "--state-dir", str(state_dir), *args],
                          capture_output=True, text=True, env=env, timeout=90, check=False)


def test_command_line_up_env_down(tmp_path):
    up = _cli(tmp_path, "up")
    assert up.returncode == 0, up.stderr
    try:
        exports = _cli(tmp_path, "env").stdout
        endpoint = Sandbox(str(tmp_path)).endpoint
        assert f"export AWS_ENDPOINT_URL={endpoint}" in exports
        assert endpoint.startswith("http://127.0.0.1:")
        assert "export AWS_DEFAULT_REGION=us-east-1" in exports
        assert _cli(tmp_path, "up").returncode == 0  # a second up reuses the running server
        pid = int((tmp_path / "server.pid").read_text())
        assert _cli(tmp_path, "status").stdout.strip() == endpoint
    finally:
        down = _cli(tmp_path, "down")
    assert "sandbox stopped" in down.stderr
    assert not os.path.exists(f"/proc/{pid}") or b"zombie" in open(f"/proc/{pid}/status", "rb").read().lower()
    assert _cli(tmp_path, "status").returncode == 1
    assert "sandbox listening" in (tmp_path / "server.log").read_text()


def test_server_stops_by_itself_after_its_lifetime(tmp_path):
    server = Sandbox(str(tmp_path))
    server.start(lifetime=1)
    pid = int((tmp_path / "server.pid").read_text())
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and server.running:
        time.sleep(0.2)
    try:
        assert not server.running
        assert "lifetime over" in server.log_tail()
    finally:
        server.stop()
    assert pid > 0


def test_lambda_basic_execution_role_can_be_attached(sandbox, aws_client):
    iam = aws_client("iam")
    iam.create_role(RoleName="forwarder", AssumeRolePolicyDocument="{}")
    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    iam.attach_role_policy(RoleName="forwarder", PolicyArn=arn)
    attached = iam.list_attached_role_policies(RoleName="forwarder")["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == [arn]
