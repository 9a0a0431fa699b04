"""A real Alertmanager (Debian's prometheus-alertmanager) publishing to the sandbox's SNS.

Used to capture what Alertmanager 0.25, the version AMP runs, really publishes: the default text
message, and the output of the forwarder's JSON template. The process binds 127.0.0.1 only, gets
SIGTERM when the test process dies (PR_SET_PDEATHSIG), and is stopped by ``stop()``.
"""

import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

ALERTMANAGER_BINARY = "prometheus-alertmanager"
DEFAULT_TEMPLATE = "/usr/share/prometheus/alertmanager/default.tmpl"
_PR_SET_PDEATHSIG = 1


def missing_binaries(*names):
    """The names of the binaries that are not on PATH, for a pytest skip message.

    Under CI (CI set) a missing binary is an error, not a skip: those tests must run there.
    """
    missing = [name for name in names if shutil.which(name) is None]
    if missing and os.environ.get("CI", "").lower() not in ("", "0", "false"):
        raise RuntimeError(f"CI must run the tests that need {', '.join(missing)}: apt-get install "
                           "prometheus prometheus-alertmanager (.ci/run does)")
    return missing


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent():
    """Runs in the child before exec: SIGTERM it when the process that started it dies."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def start_child(argv, log_path):
    """Start a helper server that cannot outlive the test process."""
    log = open(log_path, "ab")  # pylint: disable=consider-using-with
    try:
        return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
    finally:
        log.close()


def stop_child(process, timeout=10):
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


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


class RealAlertmanager:
    """One Alertmanager process with a given config and template files, in its own directory."""

    def __init__(self, workdir, config, template_files=None):
        self.workdir = workdir
        self.config = dict(config)
        self.template_files = dict(template_files or {})
        self.port = None
        self.process = None
        self.log_path = os.path.join(workdir, "alertmanager.log")

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
        self.process = start_child([
            ALERTMANAGER_BINARY,
            f"--config.file={config_path}",
            f"--storage.path={os.path.join(self.workdir, 'data')}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            f"--web.external-url={self.url}",
            "--cluster.listen-address=",
            "--log.level=debug",
        ], self.log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"alertmanager exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"alertmanager not ready after {timeout}s:\n{self.log_tail()}")

    def stop(self):
        stop_child(self.process)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def log_tail(self, lines=40):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as handle:
                return "".join(handle.readlines()[-lines:])
        except FileNotFoundError:
            return ""

    def post_alerts(self, alerts):
        """POST alerts to the v2 API, as Prometheus (or AMP's ruler) does."""
        request = urllib.request.Request(
            f"{self.url}/api/v2/alerts", data=json.dumps(alerts).encode(), method="POST",
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            if response.status != 200:
                raise RuntimeError(f"alertmanager answered {response.status}")


class SnsCapture:
    """An SQS queue subscribed to a sandbox SNS topic: what Alertmanager published, envelope and all."""

    def __init__(self, aws_client, name="captured-alerts"):
        self.sns = aws_client("sns")
        self.sqs = aws_client("sqs")
        self.topic_arn = self.sns.create_topic(Name=name)["TopicArn"]
        self.queue_url = self.sqs.create_queue(QueueName=name)["QueueUrl"]
        queue_arn = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.sns.subscribe(TopicArn=self.topic_arn, Protocol="sqs", Endpoint=queue_arn)

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
