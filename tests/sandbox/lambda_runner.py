"""SNS → Lambda in the sandbox: run the deployed zip in a local Python process, as Lambda would.

moto would need Docker to run a function; without it, a publish to a lambda subscription "succeeds"
and the function never runs. Here a lambda subscription hands the event to a background invoker,
which behaves like Lambda's asynchronous invocation:

- SNS could not hand the event over at all (no such function, or the function's policy does not let
  sns.amazonaws.com invoke it from this topic): the message goes to the subscription's RedrivePolicy
  queue, if any (as SNS does), else it is lost, as on AWS.
- The function runs in a fresh ``python`` process with the zip unpacked, its environment variables,
  the sandbox's endpoint and keys, and a context whose clock is the function's timeout.
- It fails (exception, timeout): retried twice (SANDBOX_LAMBDA_RETRY_DELAY seconds apart, default 1;
  AWS waits about 1 and 2 minutes), then the event goes to the function's DeadLetterConfig queue with
  the RequestID / ErrorCode / ErrorMessage attributes Lambda adds.

With the setting ``sns_duplicate_deliveries`` on, every delivery is made twice with the same MessageId,
concurrently (SNS delivers at least once). Every attempt is recorded; ``GET /_sandbox/lambda`` lists them.
"""

import base64
import io
import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile

from moto.awslambda.utils import get_backend
from moto.sns.models import Subscription
from moto.sqs.models import sqs_backends

from .authorization import Principal
from .authorization import evaluate
from .authorization import role_access_key
from .authorization import role_decision
from .settings import SETTINGS

LOG = logging.getLogger("sandbox.lambda")
RETRIES = 2
_original_publish = Subscription.publish

# Runs inside the function's process: import the handler, call it with the event and a context.
_BOOTSTRAP = r"""
import importlib, json, sys, time
event_path, handler_spec, timeout, name, request_id = sys.argv[1:6]
deadline = time.monotonic() + float(timeout)

class Context:
    function_name = name
    aws_request_id = request_id
    def get_remaining_time_in_millis(self):
        return max(0, int((deadline - time.monotonic()) * 1000))

module_name, function_name = handler_spec.rsplit(".", 1)
handler = getattr(importlib.import_module(module_name), function_name)
with open(event_path, encoding="utf-8") as handle:
    event = json.load(handle)
try:
    result = handler(event, Context())
except Exception as exc:  # what Lambda reports as the function error
    print(json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}), file=sys.stderr)
    sys.exit(1)
print(json.dumps({"result": result}, default=str), file=sys.stderr)
"""


class Invocations:
    """What the sandbox ran: one entry per attempt.

    A reset starts a new generation: an asynchronous invocation begun before it (a forwarder still
    retrying when its test ended) neither runs again nor records into the next test's log."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries = []
        self.generation = 0

    def add(self, generation=None, **entry):
        with self.lock:
            if generation is None or generation == self.generation:
                self.entries.append(dict(entry, time=time.time()))

    def current(self, generation):
        with self.lock:
            return generation == self.generation

    def list(self):
        with self.lock:
            return list(self.entries)

    def clear(self):
        with self.lock:
            self.entries.clear()
            self.generation += 1


INVOCATIONS = Invocations()


def _sns_event(subscription, message, message_id, subject, message_attributes):
    return {"Records": [{
        "EventVersion": "1.0",
        "EventSubscriptionArn": subscription.arn,
        "EventSource": "aws:sns",
        "Sns": {
            "Type": "Notification",
            "MessageId": message_id,
            "TopicArn": subscription.topic.arn,
            "Subject": subject,
            "Message": message,
            "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "SignatureVersion": "1",
            "Signature": "SANDBOX",
            "SigningCertUrl": "https://sns.amazonaws.com/SANDBOX.pem",
            "UnsubscribeUrl": "https://sns.amazonaws.com/?Action=Unsubscribe",
            "MessageAttributes": {name: {"Type": value.get("Type", "String"), "Value": value.get("Value")}
                                  for name, value in (message_attributes or {}).items()},
        },
    }]}


def _send_to_queue(account_id, queue_arn, body, attributes=None):
    region, queue_name = queue_arn.split(":")[3], queue_arn.split(":")[5]
    sqs_backends[account_id][region].send_message(queue_name, body, message_attributes=attributes or {})


def _sns_may_redrive(account_id, queue_arn, topic_arn):
    """Does the redrive queue's policy let sns.amazonaws.com send to it for this topic? (SNS writes a
    subscription's undeliverable messages with its own service principal; a queue without such a
    policy loses them.)"""
    region, queue_name = queue_arn.split(":")[3], queue_arn.split(":")[5]
    try:
        policy = sqs_backends[account_id][region].get_queue(queue_name).policy
    except Exception:  # pylint: disable=broad-except  # the queue is gone
        return False, "the queue does not exist"
    decision = evaluate("sqs:SendMessage", queue_arn, Principal.service("sns.amazonaws.com"),
                        {"aws:SourceArn": topic_arn, "aws:SourceAccount": topic_arn.split(":")[4]},
                        resource_policy=json.loads(policy) if policy else None, resource_label="queue policy")
    return decision.allowed, decision.reason


def _allows_sns(backend, function, topic_arn):
    """Does the function's resource policy let sns.amazonaws.com invoke it for this topic? Evaluated
    as Lambda does (authorization.py's evaluator), with the topic as aws:SourceArn."""
    try:
        policy = json.loads(backend.get_policy(function.function_name))
    except Exception:  # pylint: disable=broad-except  # no policy at all
        return False
    if isinstance(policy.get("Policy"), str):  # moto wraps it as GetPolicy answers
        policy = json.loads(policy["Policy"])
    decision = evaluate("lambda:InvokeFunction", function.function_arn, Principal.service("sns.amazonaws.com"),
                        {"aws:SourceArn": topic_arn, "aws:SourceAccount": topic_arn.split(":")[4]},
                        resource_policy=policy, resource_label="function policy")
    if not decision.allowed:
        LOG.info("SNS may not invoke %s: %s", function.function_name, decision.reason)
    return decision.allowed


def _run_once(function, event, request_id):
    with tempfile.TemporaryDirectory(prefix="sandbox-lambda-") as workdir:
        with zipfile.ZipFile(io.BytesIO(function.code_bytes)) as archive:
            archive.extractall(workdir)
        event_path = os.path.join(workdir, ".event.json")
        with open(event_path, "w", encoding="utf-8") as handle:
            json.dump(event, handle)
        endpoint = SETTINGS.endpoint
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "PYTHONPATH": workdir,
            "PYTHONDONTWRITEBYTECODE": "1",
            "AWS_REGION": function.region,
            "AWS_DEFAULT_REGION": function.region,
            # the execution role's session: authorization.py checks the function's calls against the role
            "AWS_ACCESS_KEY_ID": role_access_key(function.role),
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "sandbox-session-token",
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(function.timeout),
        }
        env.update(function.environment_vars or {})
        started = time.monotonic()
        try:
            proc = subprocess.run(
                [sys.executable, "-c", _BOOTSTRAP, event_path, function.handler, str(function.timeout),
                 function.function_name, request_id],
                cwd=workdir, env=env, capture_output=True, text=True, timeout=float(function.timeout) + 1, check=False)
        except subprocess.TimeoutExpired as exc:
            return False, {"errorType": "TimeoutError", "errorMessage": f"Task timed out after {function.timeout} seconds"}, \
                (exc.stdout or b"").decode("utf-8", "replace") if isinstance(exc.stdout, bytes) else (exc.stdout or ""), \
                time.monotonic() - started
        report = {}
        for line in reversed(proc.stderr.strip().splitlines()):
            try:
                report = json.loads(line)
                break
            except ValueError:
                continue
        return proc.returncode == 0, report, proc.stdout + proc.stderr, time.monotonic() - started


def _write_function_log(account_id, region, function, request_id, output, error_report):
    """What Lambda writes to /aws/lambda/<function>: the function's own lines, then the error of a failed
    attempt. Only into a log group that exists: the collection's execution role may not create one."""
    from moto.logs.models import logs_backends  # pylint: disable=import-outside-toplevel

    backend = logs_backends[account_id][region]
    group = f"/aws/lambda/{function.function_name}"
    if group not in backend.groups:
        return
    stream = time.strftime("%Y/%m/%d/", time.gmtime()) + "[$LATEST]" + request_id.replace("-", "")
    decision = role_decision(function.role, "logs:PutLogEvents",
                             f"arn:aws:logs:{region}:{account_id}:log-group:{group}:log-stream:{stream}")
    if not decision.allowed:  # Lambda writes the log with the role's rights: nothing is kept
        LOG.info("%s may not write its log: %s", function.function_name, decision.reason)
        return
    lines = [f"START RequestId: {request_id} Version: $LATEST"]
    lines += [line for line in output.splitlines() if line.strip() and not line.startswith(('{"result"', '{"errorType"'))]
    if error_report is not None:
        lines.append(f"[ERROR] {error_report.get('errorType', 'Error')}: {error_report.get('errorMessage', '')}")
    lines.append(f"END RequestId: {request_id}")
    if stream not in backend.groups[group].streams:
        backend.create_log_stream(group, stream)
    now = int(time.time() * 1000)
    backend.put_log_events(group, stream, [{"timestamp": now, "message": line} for line in lines])


def _invoke_async(account_id, region, subscription_arn, redrive_arn, topic_arn, function_name, event, envelope,
                  generation=None):
    if generation is not None and not INVOCATIONS.current(generation):
        return  # the sandbox was reset since SNS accepted the message
    backend = get_backend(account_id, region)
    message_id = event["Records"][0]["Sns"]["MessageId"]
    try:
        function = backend.get_function(function_name)
    except Exception:  # pylint: disable=broad-except  # deleted or never made
        function = None
    if function is None or not _allows_sns(backend, function, topic_arn):
        reason = "function not found" if function is None else "no permission for sns.amazonaws.com"
        INVOCATIONS.add(generation=generation, function=function_name, message_id=message_id, attempt=0,
                        outcome="undeliverable",
                        error=reason, subscription=subscription_arn)
        redrive_allowed, redrive_reason = _sns_may_redrive(account_id, redrive_arn, topic_arn) if redrive_arn else (False, "")
        if redrive_arn and not redrive_allowed:
            INVOCATIONS.add(generation=generation, function=function_name, message_id=message_id, attempt=0,
                            outcome="redrive_refused", error=redrive_reason, target=redrive_arn)
            LOG.warning("SNS may not write %s to its redrive queue %s: %s", message_id, redrive_arn, redrive_reason)
        elif redrive_arn:
            _send_to_queue(account_id, redrive_arn, json.dumps(envelope))
        LOG.warning("SNS could not deliver %s to %s (%s); redrive queue: %s", message_id, function_name, reason, redrive_arn)
        return
    request_id = str(uuid.uuid4())
    delay = float(os.environ.get("SANDBOX_LAMBDA_RETRY_DELAY", "1"))
    report = {}
    for attempt in range(1 + RETRIES):
        if generation is not None and not INVOCATIONS.current(generation):
            return  # reset meanwhile: its state (parameters, queues) is gone
        succeeded, report, output, seconds = _run_once(function, event, request_id)
        _write_function_log(account_id, region, function, request_id, output, None if succeeded else report)
        INVOCATIONS.add(generation=generation, function=function_name, message_id=message_id, attempt=attempt + 1,
                        request_id=request_id,
                        outcome="succeeded" if succeeded else "failed", error=report.get("errorMessage"),
                        duration=round(seconds, 3), output=output[-4000:])
        LOG.info("lambda %s attempt %d for %s: %s", function_name, attempt + 1, message_id,
                 "ok" if succeeded else report.get("errorMessage"))
        if succeeded:
            return
        if attempt < RETRIES:
            time.sleep(delay)
    target = (getattr(function, "dead_letter_config", None) or {}).get("TargetArn")
    if generation is not None and not INVOCATIONS.current(generation):
        return
    refused = role_decision(function.role, "sqs:SendMessage", target) if target else None
    if refused is not None and not refused.allowed:
        # Lambda sends to the dead-letter queue with the function's role: refused, the event is lost
        # (AWS counts it in the function's DeadLetterErrors metric).
        INVOCATIONS.add(generation=generation, function=function_name, message_id=message_id, attempt=1 + RETRIES,
                        outcome="dead_letter_refused", target=target, error=refused.reason)
        LOG.warning("%s may not send to its dead-letter queue %s: %s", function_name, target, refused.reason)
        return
    if target and target.startswith("arn:aws:sqs:"):
        _send_to_queue(account_id, target, json.dumps(event), {
            "RequestID": {"DataType": "String", "StringValue": request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {"DataType": "String", "StringValue": (report.get("errorMessage") or "")[:1000]},
        })
        INVOCATIONS.add(generation=generation, function=function_name, message_id=message_id, attempt=1 + RETRIES,
                        outcome="dead_lettered",
                        target=target)


def _publish(self, message, message_id, subject=None, message_attributes=None, group_id=None,
             deduplication_id=None, message_structure=None):
    if self.protocol != "lambda":
        return _original_publish(self, message, message_id, subject=subject, message_attributes=message_attributes,
                                 group_id=group_id, deduplication_id=deduplication_id,
                                 message_structure=message_structure)
    if self._filter_policy_matcher is not None and not self._filter_policy_matcher.matches(message_attributes, message):
        return None
    if message_structure == "json":
        message = self._parse_message_structure(message, self.protocol)
    parts = self.endpoint.split(":")
    region, function_name = parts[3], parts[6]
    event = _sns_event(self, message, message_id, subject, message_attributes)
    envelope = self.get_post_data(message, message_id, subject, message_attributes=message_attributes)
    redrive = json.loads(self.attributes.get("RedrivePolicy") or "{}").get("deadLetterTargetArn")
    # Lambda's asynchronous invocation: SNS gets its answer at once, the function runs later.
    for _delivery in range(2 if SETTINGS.sns_duplicate_deliveries else 1):
        threading.Thread(target=_invoke_async, daemon=True, name=f"lambda-{function_name}",
                         args=(self.account_id, region, self.arn, redrive, self.topic.arn, function_name, event,
                               envelope, INVOCATIONS.generation)).start()
    return None


def install():
    Subscription.publish = _publish


def encode_zip(files):
    """A zip (base64) of {name: text}: for tests that deploy small functions."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return base64.b64encode(buffer.getvalue()).decode()
