"""Sandbox: a workspace's alertmanager API is served by a real Alertmanager running its definition."""

import json
import time
import urllib.error
import urllib.request

import pytest
import yaml

from sandbox.processes import missing_binaries
from support.alertmanager import SnsCapture
from support.sigv4 import signed_request

pytestmark = pytest.mark.skipif(bool(missing_binaries("prometheus-alertmanager")),
                                reason="needs prometheus-alertmanager: apt-get install prometheus-alertmanager")


def post(url, payload):
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def test_alerts_posted_to_the_workspace_reach_its_sns_topic(sandbox, aws_client):
    amp = aws_client("amp")
    capture = SnsCapture(aws_client)
    workspace_id = amp.create_workspace(alias="dp")["workspaceId"]
    endpoint = amp.describe_workspace(workspaceId=workspace_id)["workspace"]["prometheusEndpoint"]
    assert endpoint == f"{sandbox.endpoint}/workspaces/{workspace_id}/"
    alerts_url = endpoint + "alertmanager/api/v2/alerts"
    status, body = post(alerts_url, [{"labels": {"alertname": "A"}}])
    assert status == 404 and b"no active alertmanager definition" in body

    config = {"route": {"receiver": "sns", "group_wait": "1s"}, "receivers": [{"name": "sns", "sns_configs": [
        {"topic_arn": capture.topic_arn, "sigv4": {"region": "us-east-1"}}]}]}
    definition = yaml.safe_dump({"alertmanager_config": yaml.safe_dump(config)}).encode()
    capture.let_workspace_publish(amp.describe_workspace(workspaceId=workspace_id)["workspace"]["arn"])
    amp.create_alert_manager_definition(workspaceId=workspace_id, data=definition)
    time.sleep(0.5)  # CREATING -> ACTIVE
    status, _body = post(alerts_url, [{"labels": {"alertname": "SandboxDataPlane", "severity": "info"}}])
    assert status == 200
    (envelope,) = capture.wait_for(1)
    assert envelope["Subject"] == "[FIRING:1]  (SandboxDataPlane info)"  # no group_by: no group labels
    assert "alertname = SandboxDataPlane" in envelope["Message"]
    # the uploaded definition stays as AMP requires: no api_url, no keys
    stored = amp.describe_alert_manager_definition(workspaceId=workspace_id)["alertManagerDefinition"]["data"]
    assert b"api_url" not in stored and b"secret_key" not in stored


def get(url):
    with urllib.request.urlopen(url, timeout=15) as response:
        return json.loads(response.read())


@pytest.mark.skipif(bool(missing_binaries("prometheus")), reason="needs prometheus: apt-get install prometheus")
def test_workspace_prometheus_evaluates_the_namespaces_in_effect(sandbox, aws_client):
    amp = aws_client("amp")
    workspace_id = amp.create_workspace(alias="dp")["workspaceId"]
    endpoint = amp.describe_workspace(workspaceId=workspace_id)["workspace"]["prometheusEndpoint"]
    rules = {"groups": [{"name": "g", "rules": [{"alert": "Always", "expr": "vector(1) > 0"}]}]}
    amp.create_rule_groups_namespace(workspaceId=workspace_id, name="ns", data=yaml.safe_dump(rules).encode())
    time.sleep(0.5)
    sandbox.set_data_plane(True)
    try:
        deadline = time.monotonic() + 30
        alerts = []
        while time.monotonic() < deadline and not alerts:
            alerts = get(endpoint + "api/v1/alerts")["data"]["alerts"]
            time.sleep(0.5)
        assert [alert["labels"]["alertname"] for alert in alerts] == ["Always"]
        # a Put takes effect: Prometheus reloads the new rule file
        rules["groups"][0]["rules"][0]["alert"] = "Renamed"
        amp.put_rule_groups_namespace(workspaceId=workspace_id, name="ns", data=yaml.safe_dump(rules).encode())
        deadline = time.monotonic() + 30
        names = []
        while time.monotonic() < deadline and names != ["Renamed"]:
            groups = get(endpoint + "api/v1/rules")["data"]["groups"]
            names = [rule["name"] for group in groups for rule in group["rules"]]
            time.sleep(0.5)
        assert names == ["Renamed"]
        assert get(endpoint + "api/v1/query?query=vector(42)")["data"]["result"][0]["value"][1] == "42"
    finally:
        sandbox.set_data_plane(False)


def signed(method, url, credentials, payload=None):
    """(status, body) of a request signed with SigV4 (service aps) with STS-style credentials."""
    return signed_request(method, url, credentials["AccessKeyId"], credentials["SecretAccessKey"],
                          credentials.get("SessionToken"), json.dumps(payload).encode() if payload is not None else b"")


def test_the_data_plane_is_authorized_against_the_role_that_signs(sandbox, aws_client):
    amp, iam, sts = aws_client("amp"), aws_client("iam"), aws_client("sts")
    workspace = amp.describe_workspace(workspaceId=amp.create_workspace(alias="signed")["workspaceId"])["workspace"]
    role = iam.create_role(RoleName="alert-reader", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    iam.put_role_policy(RoleName="alert-reader", PolicyName="read", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "aps:ListAlertManagerAlerts",
                                                "Resource": workspace["arn"]}]}))
    session = sts.assume_role(RoleArn=role, RoleSessionName="reader")["Credentials"]
    alerts = workspace["prometheusEndpoint"] + "alertmanager/api/v2/alerts"
    status, body = signed("GET", alerts, session)
    assert status != 403, body  # allowed: the data plane answers (here: no definition yet)
    status, body = signed("POST", alerts, session, [{"labels": {"alertname": "NotMine"}}])
    assert status == 403
    assert json.loads(body)["message"] == (f"User: {role} is not authorized to perform: aps:CreateAlertManagerAlerts "
                                           f"on resource: {workspace['arn']}")
    (refusal,) = [r for r in sandbox.refusals() if r["hop"] == "data plane"]
    assert (refusal["principal"], refusal["action"]) == (role, "aps:CreateAlertManagerAlerts")
    # the sandbox's administrator (the caller's own key, which belongs to no IAM principal) keeps every right
    status, _body = signed("POST", alerts, {"AccessKeyId": "testing", "SecretAccessKey": "testing"},
                           [{"labels": {"alertname": "Mine"}}])
    assert status != 403
