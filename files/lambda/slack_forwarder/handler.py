"""The Lambda handler: every SNS record of the event becomes one Slack message.

When a record cannot be delivered the handler raises, so that Lambda's asynchronous retries and
then the dead-letter queue keep the event. One JSON log line per record says what happened.
"""

import json
import os
import re
import time

from .aws import ssm_get_parameter
from .blocks import build_slack_message
from .delivery import ForwardError
from .delivery import SlackRejected
from .delivery import deliver
from .delivery import redact
from .parsing import parse_notification

# Time kept back from the Lambda deadline to log and raise before the runtime kills us.
TIME_RESERVE_SECONDS = 2.0
# Budget when there is no Lambda context (local runs).
DEFAULT_TIME_BUDGET_SECONDS = 60.0
# Slack's answers for a webhook that was revoked, or whose channel is gone: the stored URL may have
# been rotated since it was cached.
WEBHOOK_GONE_STATUSES = (403, 404, 410)

_WEBHOOK_CACHE = {}


def settings_from(environ):
    return {
        "channel": environ.get("SLACK_CHANNEL") or None,
        "username": environ.get("SLACK_USERNAME") or None,
        "icon_emoji": environ.get("SLACK_ICON_EMOJI") or None,
        "icon_url": environ.get("SLACK_ICON_URL") or None,
        "timeout": float(environ.get("SLACK_TIMEOUT_SECONDS") or 10),
        # Unset or 0: retry for as long as the invocation has time.
        "max_attempts": int(environ.get("SLACK_MAX_ATTEMPTS") or 0) or None,
    }


def webhook_url(environ=None):
    """The webhook URL: from SSM once per container (then cached), or from SLACK_WEBHOOK_URL."""
    environ = os.environ if environ is None else environ
    parameter = environ.get("SLACK_WEBHOOK_SSM_PARAMETER")
    if parameter:
        return _stored_webhook(parameter, environ)
    url = environ.get("SLACK_WEBHOOK_URL")
    if url:
        return _check_webhook(url, "SLACK_WEBHOOK_URL")
    raise ForwardError("no webhook configured: set SLACK_WEBHOOK_SSM_PARAMETER (or SLACK_WEBHOOK_URL)")


def _sns_of(record):
    """The SNS part of a Lambda event record, or None for anything else."""
    sns = record.get("Sns") if isinstance(record, dict) else None
    return sns if isinstance(sns, dict) else None


def destination_of(record):
    """The Slack destination an alertmanager route set (SNS message attribute 'destination'), or None."""
    attributes = (_sns_of(record) or {}).get("MessageAttributes") or {}
    value = (attributes.get("destination") or {}).get("Value") if isinstance(attributes, dict) else None
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def destination_webhook_url(destination, environ=None):
    """The webhook of a named destination: SSM parameter <SLACK_DESTINATION_SSM_PREFIX><name>, cached."""
    environ = os.environ if environ is None else environ
    known = [name for name in (environ.get("SLACK_DESTINATIONS") or "").split(",") if name]
    prefix = environ.get("SLACK_DESTINATION_SSM_PREFIX")
    if not prefix or destination not in known:
        # Posting it to another channel would hide the mistake: the event goes to the DLQ, saying why.
        raise ForwardError(f"destination {destination!r} is not configured (configured: {', '.join(known) or 'none'}); "
                           "add it to lambda_slack_destinations or fix the route's slack_destination")
    return _stored_webhook(prefix + destination, environ)


def _stored_webhook(parameter, environ):
    """A webhook URL from an SSM parameter, read once per container."""
    if parameter not in _WEBHOOK_CACHE:
        _WEBHOOK_CACHE[parameter] = _check_webhook(ssm_get_parameter(parameter, environ), f"SSM parameter {parameter}")
    return _WEBHOOK_CACHE[parameter]


def forget_webhook():
    """Drop the cached URL, so that a rotated webhook is read again on the next invocation."""
    _WEBHOOK_CACHE.clear()


def _check_webhook(url, source):
    url = (url or "").strip()
    if not re.match(r"^https?://[^/\s]+", url):
        raise ForwardError(f"{source} does not hold an http(s) webhook URL")
    return url


def _deadline(context, clock):
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        return clock() + context.get_remaining_time_in_millis() / 1000.0 - TIME_RESERVE_SECONDS
    return clock() + DEFAULT_TIME_BUDGET_SECONDS


def _log(**fields):
    print(json.dumps(fields, ensure_ascii=False, sort_keys=True), flush=True)


def forward_record(record, url, settings, deadline, sleep=time.sleep, clock=time.monotonic, destination=None):
    """Parse one SNS record, post it to Slack, log one JSON line; raises ForwardError on failure."""
    started = clock()
    sns = _sns_of(record)
    if sns is not None:
        message_id = sns.get("MessageId", "")
        notification = parse_notification(sns.get("Message") or "", sns.get("Subject") or "",
                                          sns.get("MessageAttributes"))
    else:  # not an SNS record: still shown, never dropped
        message_id = ""
        notification = parse_notification(json.dumps(record, default=str), "Unexpected event record")
    line = {"event": "slack_forward", "sns_message_id": message_id, "destination": destination or "default",
            "format": notification["format"],
            "status": notification["status"], "alert_count": len(notification["alerts"]),
            "truncated": bool(notification.get("truncated"))}
    try:
        result = deliver(url, build_slack_message(notification, settings), deadline, settings["timeout"],
                         settings["max_attempts"], sleep, clock)
    except ForwardError as err:
        if isinstance(err, SlackRejected) and err.slack_status in WEBHOOK_GONE_STATUSES:
            forget_webhook()  # revoked or rotated: read SSM again next time
        _log(**line, outcome="failed", slack_status=err.slack_status, attempts=err.attempts,
             duration_ms=round((clock() - started) * 1000), error=redact(str(err), url))
        raise
    _log(**line, outcome="delivered", slack_status=result["status"], attempts=result["attempts"],
         duration_ms=round((clock() - started) * 1000))
    return result


def forward_alerts_to_slack(event, context=None):
    """Lambda handler: every SNS record in the event becomes one Slack message."""
    clock = time.monotonic
    deadline = _deadline(context, clock)
    records = (event or {}).get("Records") or []
    if not records:
        _log(event="slack_forward", outcome="no_records")
        return {"delivered": 0}
    settings = settings_from(os.environ)
    failures = []
    for record in records:
        destination = destination_of(record)
        try:
            url = destination_webhook_url(destination) if destination else webhook_url()
        except ForwardError as err:
            _log(event="slack_forward", outcome="failed", destination=destination or "default",
                 sns_message_id=(_sns_of(record) or {}).get("MessageId", ""),
                 error=str(err))
            failures.append(str(err))
            continue
        try:
            forward_record(record, url, settings, deadline, clock=clock, destination=destination)
        except ForwardError as err:
            failures.append(redact(str(err), url))
    if failures:
        # Raising hands the event back to Lambda: two async retries, then the dead-letter queue.
        raise ForwardError(f"{len(failures)} of {len(records)} SNS record(s) not delivered to Slack: "
                           + "; ".join(failures))
    return {"delivered": len(records)}
