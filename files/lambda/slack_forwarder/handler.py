"""The Lambda handler: every SNS record of the event becomes one Slack message (or thread reply).

When a record cannot be delivered the handler raises, so that Lambda's asynchronous retries and
then the dead-letter queue keep the event. One JSON log line per record says what happened.
"""

import json
import os
import time

from .aws import put_heartbeat
from .aws import ssm_get_parameter
from .blocks import build_slack_message
from .blocks import text_message
from .delivery import ForwardError
from .delivery import SlackRejected
from .delivery import allowed_hosts
from .delivery import check_url
from .delivery import deliver
from .delivery import payload_refused
from .delivery import redact
from .parsing import parse_notification

# Time kept back from the Lambda deadline to log and raise before the runtime kills us.
TIME_RESERVE_SECONDS = 2.0
# Budget when there is no Lambda context (local runs).
DEFAULT_TIME_BUDGET_SECONDS = 60.0
# Slack's answers for a webhook that was revoked, or whose channel is gone: the stored URL may have
# been rotated since it was cached.
WEBHOOK_GONE_STATUSES = (403, 404, 410)
# The label of doctor.yml's test alert (a unique value per run).
PROBE_LABEL = "amp_alerting_probe"
# The same for a Slack app's bot token.
TOKEN_GONE_ERRORS = ("invalid_auth", "token_revoked", "account_inactive", "not_authed")

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
        "api_url": environ.get("SLACK_API_URL") or None,
        # Hosts besides Slack's the forwarder may post to (a stand-in); unset in production.
        "extra_hosts": allowed_hosts(environ),
    }


def webhook_url(environ=None):
    """The default destination: from SSM once per container (then cached), or SLACK_WEBHOOK_URL."""
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


def heartbeat_of(record):
    """The workspace of a firing heartbeat (SNS message attribute 'heartbeat', set by the alerting role's
    heartbeat receiver), or None: a heartbeat is recorded as a metric, never posted to Slack. A resolved
    one (the rules stopped) records nothing: its absence is what the alarm watches."""
    attributes = (_sns_of(record) or {}).get("MessageAttributes") or {}
    if not isinstance(attributes, dict):
        return None
    value = (attributes.get("heartbeat") or {}).get("Value")
    status = (attributes.get("status") or {}).get("Value")
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip() if status == "firing" else ""


def record_heartbeat(record, workspace, environ=None):
    """Put the heartbeat's datapoint (workspace "" : a resolved heartbeat, logged only); raises ForwardError."""
    environ = os.environ if environ is None else environ
    line = {"event": "heartbeat", "sns_message_id": (_sns_of(record) or {}).get("MessageId", "")}
    if not workspace:
        _log(**line, outcome="resolved_heartbeat")
        return
    try:
        put_heartbeat(workspace, environ)
    except ForwardError as err:
        _log(**line, workspace=workspace, outcome="failed", error=str(err))
        raise
    _log(**line, workspace=workspace, outcome="heartbeat")


def destination_target(destination, environ=None):
    """Where a named destination posts (webhook URL or Slack app): SSM parameter <SLACK_DESTINATION_SSM_PREFIX><name>, cached."""
    environ = os.environ if environ is None else environ
    known = [name for name in (environ.get("SLACK_DESTINATIONS") or "").split(",") if name]
    prefix = environ.get("SLACK_DESTINATION_SSM_PREFIX")
    if not prefix or destination not in known:
        # Posting it to another channel would hide the mistake: the event goes to the DLQ, saying why.
        raise ForwardError(f"destination {destination!r} is not configured (configured: {', '.join(known) or 'none'}); "
                           "add it to lambda_slack_destinations or fix the route's slack_destination")
    return _stored_webhook(prefix + destination, environ)


def _stored_webhook(parameter, environ):
    """A destination from an SSM parameter, read once per container: a webhook URL, or a Slack app as
    JSON {"token": "xoxb-…", "channel": "C…"}."""
    if parameter not in _WEBHOOK_CACHE:
        value = ssm_get_parameter(parameter, environ)
        if (value or "").lstrip().startswith("{"):
            _WEBHOOK_CACHE[parameter] = _check_app(value, f"SSM parameter {parameter}")
        else:
            _WEBHOOK_CACHE[parameter] = _check_webhook(value, f"SSM parameter {parameter}")
    return _WEBHOOK_CACHE[parameter]


def forget_webhook():
    """Drop the cached URL, so that a rotated webhook is read again on the next invocation."""
    _WEBHOOK_CACHE.clear()


def _check_webhook(url, source):
    return check_url((url or "").strip(), "webhook", allowed_hosts(os.environ), f"the webhook URL in {source}")


def _check_app(value, source):
    try:
        app = json.loads(value)
    except ValueError:
        app = None
    if not isinstance(app, dict) or not isinstance(app.get("token"), str) or not app["token"].strip() \
            or not isinstance(app.get("channel"), str) or not app["channel"].strip():
        raise ForwardError(f"{source} holds neither a webhook URL nor a Slack app as JSON with 'token' and 'channel'")
    return {"token": app["token"].strip(), "channel": app["channel"].strip()}


def _deadline(context, clock):
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        return clock() + context.get_remaining_time_in_millis() / 1000.0 - TIME_RESERVE_SECONDS
    return clock() + DEFAULT_TIME_BUDGET_SECONDS


def _log(**fields):
    print(json.dumps(fields, ensure_ascii=False, sort_keys=True), flush=True)


def forward_record(record, target, settings, deadline, sleep=time.sleep, clock=time.monotonic, destination=None,
                   state=None):
    """Parse one SNS record, post it to Slack, log one JSON line; raises ForwardError on failure.

    ``target`` is a webhook URL, or a Slack app ({"token", "channel"}) posted through ``state``."""
    started = clock()
    sns = _sns_of(record)
    if sns is not None:
        message_id = sns.get("MessageId", "")
        notification = parse_notification(sns.get("Message") or "", sns.get("Subject") or "",
                                          sns.get("MessageAttributes"))
    else:  # not an SNS record: still shown, never dropped
        message_id = ""
        notification = parse_notification(json.dumps(record, default=str), "Unexpected event record")
    app = target if isinstance(target, dict) else None
    secret = app["token"] if app else target
    line = {"event": "slack_forward", "sns_message_id": message_id, "destination": destination or "default",
            "mode": "app" if app else "webhook", "format": notification["format"],
            "status": notification["status"], "alert_count": len(notification["alerts"]),
            "truncated": bool(notification.get("truncated"))}
    # doctor.yml's test alert carries a unique label: its value in the line is how the doctor finds
    # the delivery of its own alert in the log group.
    probes = sorted({alert["labels"][PROBE_LABEL] for alert in notification["alerts"] if PROBE_LABEL in alert["labels"]})
    if probes:
        line["probe"] = ",".join(probes)
    # When Slack refuses the blocks, the same alerts go once more as plain text; where to read them whole.
    where = (f"the forwarder's log (/aws/lambda/{os.environ.get('AWS_LAMBDA_FUNCTION_NAME') or 'slack-forwarder'}, "
             f"SNS message {message_id or 'unknown'})")
    try:
        if app:
            if state is None:
                raise ForwardError("a Slack app destination needs the state table: SLACK_STATE_TABLE is not set "
                                   "(the lambda role sets it when lambda_slack_destinations has an app)")
            # Imported here: a webhook-only function's cold start does not pay for app mode.
            from .app_mode import deliver_to_app  # pylint: disable=import-outside-toplevel

            result = deliver_to_app(notification, build_slack_message(notification), app, destination or "default",
                                    message_id, state, settings, deadline, sleep, clock,
                                    fallback=lambda refused: text_message(notification, refused=refused, where=where),
                                    rate_limit=shared_rate_limit(state, destination, sleep, clock))
            result["status"] = 200
        else:
            result = _deliver_webhook(target, notification, settings, deadline, sleep, clock, where,
                                      shared_rate_limit(state, destination, sleep, clock))
    except ForwardError as err:
        if isinstance(err, SlackRejected) and (err.slack_status in WEBHOOK_GONE_STATUSES
                                               or getattr(err, "error", None) in TOKEN_GONE_ERRORS):
            forget_webhook()  # revoked or rotated: read SSM again next time
        _log(**line, outcome="failed", slack_status=err.slack_status, attempts=err.attempts,
             slack_error=getattr(err, "error", None), duration_ms=round((clock() - started) * 1000),
             error=redact(str(err), secret))
        raise
    outcome = "duplicate" if result.get("thread") == "duplicate" else "delivered"
    extra = {"thread": result["thread"]} if app else {}
    if result.get("fallback"):
        # The alert reached Slack, but only as the plain-text summary: say which refusal made it so.
        extra.update(fallback="text", slack_refused=result["fallback"])
    _log(**line, **extra, outcome=outcome, slack_status=result["status"], attempts=result["attempts"],
         duration_ms=round((clock() - started) * 1000))
    return result


def shared_rate_limit(state, destination, sleep, clock):
    """Slack's rate limit of DESTINATION as all invocations see it, or None without the state table."""
    if state is None:
        return None
    from .ratelimit import SharedRateLimit  # pylint: disable=import-outside-toplevel

    return SharedRateLimit(state, destination or "default", sleep=sleep, clock=clock)


def _deliver_webhook(url, notification, settings, deadline, sleep, clock, where, rate_limit=None):
    """The message as blocks; when Slack refuses them, once more as plain text (only that failing raises)."""
    def send(payload):
        return deliver(url, payload, deadline, settings["timeout"], settings["max_attempts"], sleep, clock,
                       settings["extra_hosts"], rate_limit)

    try:
        return send(build_slack_message(notification, settings))
    except SlackRejected as err:
        if not payload_refused(err):
            raise
        refused = err.error or f"HTTP {err.slack_status}"
    result = send(text_message(notification, settings, refused=refused, where=where))
    return dict(result, fallback=refused)


def state_table(environ=None):
    """The state table (SLACK_STATE_TABLE): Slack app threads and deliveries, and Slack's rate limit shared
    by all invocations; None when the function has none (it then waits a rate limit out alone)."""
    environ = os.environ if environ is None else environ
    table = environ.get("SLACK_STATE_TABLE")
    if not table:
        return None
    from .state import StateTable  # pylint: disable=import-outside-toplevel

    return StateTable(table, environ)


def forward_alerts_to_slack(event, context=None):
    """Lambda handler: every SNS record in the event becomes one Slack message."""
    clock = time.monotonic
    deadline = _deadline(context, clock)
    records = (event or {}).get("Records") or []
    if not records:
        _log(event="slack_forward", outcome="no_records")
        return {"delivered": 0}
    settings = settings_from(os.environ)
    state = state_table()
    failures = []
    for record in records:
        heartbeat = heartbeat_of(record)
        if heartbeat is not None:
            try:
                record_heartbeat(record, heartbeat)
            except ForwardError as err:
                failures.append(str(err))
            continue
        destination = destination_of(record)
        try:
            target = destination_target(destination) if destination else webhook_url()
        except ForwardError as err:
            _log(event="slack_forward", outcome="failed", destination=destination or "default",
                 sns_message_id=(_sns_of(record) or {}).get("MessageId", ""),
                 error=str(err))
            failures.append(str(err))
            continue
        secret = target["token"] if isinstance(target, dict) else target
        try:
            forward_record(record, target, settings, deadline, clock=clock, destination=destination, state=state)
        except ForwardError as err:
            failures.append(redact(str(err), secret))
        except Exception as err:  # pylint: disable=broad-exception-caught
            # A fault of this record (a state item of an unexpected shape, a bug) must not cost the
            # other records of the event their delivery; the event still goes back to Lambda.
            failure = f"{type(err).__name__} while forwarding SNS message {(_sns_of(record) or {}).get('MessageId', '')}"
            _log(event="slack_forward", outcome="failed", destination=destination or "default",
                 sns_message_id=(_sns_of(record) or {}).get("MessageId", ""), error=failure)
            failures.append(failure)
    if failures:
        # Raising hands the event back to Lambda: two async retries, then the dead-letter queue.
        raise ForwardError(f"{len(failures)} of {len(records)} SNS record(s) not delivered to Slack: "
                           + "; ".join(failures))
    return {"delivered": len(records)}
