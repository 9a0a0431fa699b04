"""A real Alertmanager (Debian's prometheus-alertmanager) publishing to the sandbox's SNS.

Used to capture what Alertmanager 0.25, the version AMP runs, really publishes: the default text
message, and the output of the forwarder's JSON template. The process binds 127.0.0.1 only, gets
SIGTERM when the test process dies (PR_SET_PDEATHSIG), and is stopped by ``stop()``.
"""

import datetime
import json
import os
import time
import urllib.request

from sandbox.processes import ChildProcess
from sandbox.processes import ServerHelper
from sandbox.processes import free_port

ALERTMANAGER_BINARY = "prometheus-alertmanager"
DEFAULT_TEMPLATE = "/usr/share/prometheus/alertmanager/default.tmpl"


def sns_receiver_config(name, topic_arn, sandbox_endpoint, region, access_key, secret_key):
    """An SNS receiver as AMP would accept it, plus the api_url and static keys only the sandbox needs."""
    return {
        "name": name,
        "sns_configs": [{
            "topic_arn": topic_arn,
            "api_url": sandbox_endpoint,
            "sigv4": {"region": region, "access_key": access_key, "secret_key": secret_key},
            "send_resolved": True,
        }],
    }


class RealAlertmanager(ServerHelper):
    """One Alertmanager process with a given config and template files, in its own directory."""

    def __init__(self, workdir, config, template_files=None):
        self.workdir = workdir
        self.config = dict(config)
        self.template_files = dict(template_files or {})
        self.port = None
        self.child = ChildProcess("alertmanager", os.path.join(workdir, "alertmanager.log"))

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=20):
        template_dir = os.path.join(self.workdir, "templates")
        os.makedirs(template_dir, exist_ok=True)
        for name, text in self.template_files.items():
            with open(os.path.join(template_dir, name), "w", encoding="utf-8") as handle:
                handle.write(text)
        config = dict(self.config)
        if self.template_files:
            config["templates"] = [os.path.join(template_dir, "*")]
        config_path = os.path.join(self.workdir, "alertmanager.yml")
        with open(config_path, "w", encoding="utf-8") as handle:
            json.dump(config, handle)  # JSON is YAML
        self.port = free_port()
        self.child.start([
            ALERTMANAGER_BINARY,
            f"--config.file={config_path}",
            f"--storage.path={os.path.join(self.workdir, 'data')}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            f"--web.external-url={self.url}",
            "--cluster.listen-address=",
            "--log.level=debug",
        ], f"{self.url}/-/ready", timeout=timeout)
        return self

    def post_alerts(self, alerts):
        """POST alerts to the v2 API, as Prometheus (or AMP's ruler) does."""
        post_alerts(self.url, alerts)


def post_alerts(alertmanager_url, alerts):
    """POST alerts to an Alertmanager's v2 API: a RealAlertmanager's, or a sandbox workspace's
    (``<prometheusEndpoint>alertmanager``, with the data plane on)."""
    request = urllib.request.Request(
        f"{alertmanager_url.rstrip('/')}/api/v2/alerts", data=json.dumps(alerts).encode(), method="POST",
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 (a local URL)
        if response.status != 200:
            raise RuntimeError(f"alertmanager answered {response.status}")


def timed_alert(name, labels, summary, resolved=False):
    """An alert as Prometheus sends it: started a minute ago, ending in ten (or a second ago: resolved)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ends = now - datetime.timedelta(seconds=1) if resolved else now + datetime.timedelta(minutes=10)
    return {"labels": dict(labels, alertname=name), "annotations": {"summary": summary},
            "startsAt": (now - datetime.timedelta(minutes=1)).isoformat(), "endsAt": ends.isoformat()}


def workspace_alertmanager(sandbox_endpoint, alias):
    """The alertmanager API of the sandbox workspace with ALIAS (the gateway's data-plane path)."""
    import boto3  # pylint: disable=import-outside-toplevel

    workspace_id = next(w["workspaceId"] for w in boto3.client("amp").list_workspaces()["workspaces"]
                        if w["alias"] == alias)
    return f"{sandbox_endpoint}/workspaces/{workspace_id}/alertmanager"


class SnsCapture:
    """An SQS queue subscribed to a sandbox SNS topic: what Alertmanager published, envelope and all."""

    def __init__(self, aws_client, name="captured-alerts", workspace_arn=None, kms_key_id=None):
        self.sns = aws_client("sns")
        self.sqs = aws_client("sqs")
        attributes = {"KmsMasterKeyId": kms_key_id} if kms_key_id else {}
        self.topic_arn = self.sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
        if workspace_arn:
            self.let_workspace_publish(workspace_arn)
        self.queue_url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.sns.subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=queue_arn)

    def let_workspace_publish(self, workspace_arn):
        """The topic policy AMP's user guide gives: AMP may publish for this workspace of this account."""
        account = workspace_arn.split(":")[4]
        self.sns.set_topic_attributes(TopicArn=self.topic_arn, AttributeName="Policy", AttributeValue=json.dumps({
            "Version": "2012-10-17", "Statement": [{
                "Sid": "AllowAMPPublish", "Effect": "Allow", "Principal": {"Service": "aps.amazonaws.com"},
                "Action": ["sns:Publish", "sns:GetTopicAttributes"], "Resource": self.topic_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": workspace_arn},
                              "StringEquals": {"aws:SourceAccount": account}}}]}))

    def wait_for(self, count=1, timeout=30):
        """The SNS envelopes (Message, Subject, MessageAttributes, …) of the next `count` messages."""
        envelopes = []
        deadline = time.monotonic() + timeout
        while len(envelopes) < count and time.monotonic() < deadline:
            answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
            for message in answer.get("Messages", []):
                envelopes.append(json.loads(message["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        if len(envelopes) < count:
            raise AssertionError(f"expected {count} SNS message(s) within {timeout}s, got {len(envelopes)}")
        return envelopes
