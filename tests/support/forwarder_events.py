"""SNS events and a Lambda context for the Slack forwarder's tests."""

import json
import os
import time

from support import REPO_ROOT

FIXTURES = os.path.join(REPO_ROOT, "tests", "fixtures", "forwarder")


def fixture_envelope(name):
    with open(os.path.join(FIXTURES, name), encoding="utf-8") as handle:
        return json.load(handle)


def sns_record(message, subject="", attributes=None, message_id="msg-1"):
    """One record as SNS hands it to Lambda."""
    return {"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": {
        "Type": "Notification", "MessageId": message_id, "TopicArn": "arn:aws:sns:us-east-1:123456789012:alerts",
        "Subject": subject or None, "Message": message, "Timestamp": "2026-11-24T10:00:00.000Z",
        "MessageAttributes": {name: {"Type": "String", "Value": value} for name, value in (attributes or {}).items()},
    }}


class LambdaContext:
    """The part of Lambda's context object the handler uses: a clock running down."""

    def __init__(self, seconds):
        self._deadline = time.monotonic() + seconds

    def get_remaining_time_in_millis(self):
        return int(max(0.0, self._deadline - time.monotonic()) * 1000)
