"""Sandbox: a workspace's alertmanager API is served by a real Alertmanager running its definition."""

import json
import time
import urllib.error
import urllib.request

import pytest
import yaml

from support.alertmanager import SnsCapture, missing_binaries

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
    # what the sandbox does not serve yet says so
    status, body = post(endpoint + "api/v1/remote_write", {})
    assert status == 501
