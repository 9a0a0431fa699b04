"""A Slack rate-limit storm: one forwarder invocation per alert notification, all at once, while the
Slack stand-in answers 429 (Retry-After) for a while - as SNS invokes the function when a rule fires for
many series. Used by the forwarder's test (a short storm) and by benchmarks/forwarder.py (the issue's
100 alerts during 45 s).
"""

import contextlib
import io
import json
import threading
import time

from support.forwarder_events import LambdaContext, sns_record


def _notification(index):
    return json.dumps({"receiver": "sns", "status": "firing", "groupLabels": {"alertname": f"Storm{index}"},
                       "alerts": [{"status": "firing", "labels": {"alertname": f"Storm{index}", "severity": "warning"},
                                   "annotations": {"summary": f"storm alert #{index}#"},
                                   "startsAt": "2026-12-05T10:00:00Z", "endsAt": "0001-01-01T00:00:00Z"}]})


def run_storm(forwarder, slack, alerts, storm_seconds, retry_after=1, invocation_seconds=60):
    """ALERTS invocations of the handler (threads of this process, one record each) against SLACK, which
    answers 429 for the first STORM_SECONDS. Returns the figures: Slack requests, deliveries (each
    alert's summary counted), failed invocations, seconds until the last delivery."""
    slack.answer(429, "rate_limited", retry_after=retry_after, times=None)
    healer = threading.Timer(storm_seconds, slack.heal)
    failures = []
    lock = threading.Lock()

    def invoke(index):
        record = sns_record(_notification(index), f"[FIRING:1] Storm{index}", message_id=f"storm-{index}")
        try:
            forwarder.forward_alerts_to_slack({"Records": [record]}, LambdaContext(invocation_seconds))
        except forwarder.ForwardError as err:
            with lock:
                failures.append(str(err))

    invocations = [threading.Thread(target=invoke, args=(index,)) for index in range(alerts)]
    started = time.monotonic()
    healer.start()
    with contextlib.redirect_stdout(io.StringIO()):  # one JSON log line per record
        for invocation in invocations:
            invocation.start()
        for invocation in invocations:
            invocation.join()
    healer.cancel()
    delivered = {}
    for payload in slack.received:
        for index in range(alerts):
            if f"storm alert #{index}#" in json.dumps(payload):
                delivered[index] = delivered.get(index, 0) + 1
    return {"requests": len(slack.requests), "delivered": delivered, "failures": failures,
            "seconds": time.monotonic() - started}
