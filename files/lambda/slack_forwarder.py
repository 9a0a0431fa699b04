"""Forward Amazon Managed Service for Prometheus (AMP) alerts from SNS to a Slack incoming webhook.

Handler: ``slack_forwarder.forward_alerts_to_slack``. Python standard library only.

Every SNS record becomes one Slack message. The message body is read, in this order, as
1. the JSON that ``amp_alerting_sns.tmpl`` (shipped next to this file) makes Alertmanager publish,
   repaired where Alertmanager 0.25 templates produce invalid JSON, and salvaged alert by alert
   when AMP cut it at 256 KB;
2. AMP's default text message ("Alerts Firing:" / "Labels:" / " - name = value" / "Source:");
3. anything else, posted as received in a code block. Nothing is dropped.

Delivery succeeds only on HTTP 200 with body ``ok``. 429 waits for Retry-After, 5xx and network
errors back off with jitter, both within the function's remaining time; other 4xx answers are
final. When a record cannot be delivered the handler raises, so Lambda's asynchronous retries and
then the dead-letter queue keep the event.

Environment:
  SLACK_WEBHOOK_SSM_PARAMETER  name of an SSM SecureString holding the webhook URL (preferred)
  SLACK_WEBHOOK_URL            the webhook URL itself (simple setups)
  SLACK_CHANNEL, SLACK_USERNAME, SLACK_ICON_EMOJI, SLACK_ICON_URL   optional (legacy webhooks only)
  SLACK_TIMEOUT_SECONDS        per-request timeout (default 10)
  SLACK_MAX_ATTEMPTS           attempts per record (default 8)
"""

import datetime
import hashlib
import hmac
import json
import os
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request

# Slack's Block Kit limits (https://api.slack.com/reference/block-kit/blocks).
SLACK_MAX_BLOCKS = 50
SLACK_HEADER_MAX_CHARS = 150
SLACK_SECTION_MAX_CHARS = 3000
SLACK_MAX_FIELDS = 10
SLACK_FIELD_MAX_CHARS = 2000
SLACK_CONTEXT_MAX_ELEMENTS = 10
# Blocks per alert: divider, section, context. Room is kept for the header, notes and "+N more".
BLOCKS_PER_ALERT = 3
MAX_ALERTS_SHOWN = (SLACK_MAX_BLOCKS - 3) // BLOCKS_PER_ALERT
RAW_MESSAGE_MAX_CHARS = SLACK_SECTION_MAX_CHARS - 100

# Time kept back from the Lambda deadline to log and raise before the runtime kills us.
TIME_RESERVE_SECONDS = 2.0
# Budget when there is no Lambda context (local runs).
DEFAULT_TIME_BUDGET_SECONDS = 60.0
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0
RETRY_AFTER_DEFAULT_SECONDS = 1.0

SEVERITY_EMOJI = {
    "critical": ":red_circle:", "error": ":red_circle:", "page": ":red_circle:",
    "warning": ":large_orange_circle:", "info": ":large_blue_circle:",
}
# Labels shown first; the rest follow alphabetically (alertname and severity have their own place).
PREFERRED_LABELS = ("namespace", "pod", "container", "service", "job", "instance", "node", "cluster", "workspace")
HIDDEN_LABELS = ("alertname", "severity")
LINK_ANNOTATIONS = (("runbook_url", "Runbook"), ("runbook", "Runbook"), ("dashboard_url", "Dashboard"),
                    ("dashboard", "Dashboard"), ("grafana_url", "Dashboard"))
ZERO_TIME_PREFIX = "0001-01-01"

_WEBHOOK_CACHE = {}


class ForwardError(Exception):
    """A record could not be delivered. Messages never contain the webhook URL."""

    def __init__(self, message, slack_status=None, attempts=0):
        super().__init__(message)
        self.slack_status = slack_status
        self.attempts = attempts


class SlackRejected(ForwardError):
    """Slack gave a final answer other than success (a 4xx, or 200 without "ok")."""


# --- configuration -------------------------------------------------------------------------------


def _settings(environ):
    return {
        "channel": environ.get("SLACK_CHANNEL") or None,
        "username": environ.get("SLACK_USERNAME") or None,
        "icon_emoji": environ.get("SLACK_ICON_EMOJI") or None,
        "icon_url": environ.get("SLACK_ICON_URL") or None,
        "timeout": float(environ.get("SLACK_TIMEOUT_SECONDS") or 10),
        "max_attempts": int(environ.get("SLACK_MAX_ATTEMPTS") or 8),
    }


def webhook_url(environ=None):
    """The webhook URL: from SSM once per container (then cached), or from SLACK_WEBHOOK_URL."""
    environ = os.environ if environ is None else environ
    parameter = environ.get("SLACK_WEBHOOK_SSM_PARAMETER")
    if parameter:
        key = ("ssm", parameter)
        if key not in _WEBHOOK_CACHE:
            _WEBHOOK_CACHE[key] = _check_webhook(ssm_get_parameter(parameter, environ), f"SSM parameter {parameter}")
        return _WEBHOOK_CACHE[key]
    url = environ.get("SLACK_WEBHOOK_URL")
    if url:
        return _check_webhook(url, "SLACK_WEBHOOK_URL")
    raise ForwardError("no webhook configured: set SLACK_WEBHOOK_SSM_PARAMETER (or SLACK_WEBHOOK_URL)")


def forget_webhook():
    """Drop the cached URL, so that a rotated webhook is read again on the next invocation."""
    _WEBHOOK_CACHE.clear()


def _check_webhook(url, source):
    url = (url or "").strip()
    if not re.match(r"^https?://[^/\s]+", url):
        raise ForwardError(f"{source} does not hold an http(s) webhook URL")
    return url


# --- SSM GetParameter with a hand-made SigV4 signature (no boto3: fast cold start, no packages) -----


def sigv4_headers(method, url, body, headers, region, service, credentials, now=None):
    """Headers (incl. Authorization) for an AWS Signature Version 4 request with an empty query."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    access_key, secret_key, token = credentials
    parts = urllib.parse.urlsplit(url)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    datestamp = amz_date[:8]
    signed = {name.lower(): " ".join(str(value).split()) for name, value in headers.items()}
    signed["host"] = parts.netloc
    signed["x-amz-date"] = amz_date
    if token:
        signed["x-amz-security-token"] = token
    names = sorted(signed)
    canonical_request = "\n".join([
        method,
        urllib.parse.quote(parts.path or "/", safe="/-_.~"),
        "",
        "".join(f"{name}:{signed[name]}\n" for name in names),
        ";".join(names),
        hashlib.sha256(body).hexdigest(),
    ])
    scope = f"{datestamp}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                                hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = ("AWS4" + secret_key).encode()
    for part in (datestamp, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    result = dict(headers)
    result["X-Amz-Date"] = amz_date
    if token:
        result["X-Amz-Security-Token"] = token
    result["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
                               f"SignedHeaders={';'.join(names)}, Signature={signature}")
    return result


def ssm_get_parameter(name, environ, attempts=3):
    """The decrypted value of an SSM parameter; errors name the parameter, never its value."""
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise ForwardError("AWS_REGION is not set: cannot reach SSM")
    credentials = (environ.get("AWS_ACCESS_KEY_ID"), environ.get("AWS_SECRET_ACCESS_KEY"),
                   environ.get("AWS_SESSION_TOKEN"))
    if not credentials[0] or not credentials[1]:
        raise ForwardError("no AWS credentials in the environment: cannot read SSM parameter " + name)
    endpoint = (environ.get("AWS_ENDPOINT_URL_SSM") or environ.get("AWS_ENDPOINT_URL")
                or f"https://ssm.{region}.amazonaws.com")
    endpoint = endpoint.rstrip("/") + "/"
    body = json.dumps({"Name": name, "WithDecryption": True}).encode()
    last_error = None
    for attempt in range(attempts):
        headers = sigv4_headers("POST", endpoint, body, {
            "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AmazonSSM.GetParameter",
        }, region, "ssm", credentials)
        request = urllib.request.Request(endpoint, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return json.loads(response.read())["Parameter"]["Value"]
        except urllib.error.HTTPError as err:
            answer = _aws_error(err)
            last_error = f"SSM GetParameter {name}: HTTP {err.code} {answer}"
            if err.code < 500 and "Throttl" not in answer:
                break
        except (OSError, ValueError, KeyError) as err:
            last_error = f"SSM GetParameter {name}: {type(err).__name__}: {err}"
        time.sleep(min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** attempt) * random.uniform(0.5, 1))
    raise ForwardError(last_error)


def _aws_error(err):
    try:
        payload = json.loads(err.read() or b"{}")
    except ValueError:
        return ""
    kind = str(payload.get("__type", "")).rsplit("#", 1)[-1]
    return f"{kind}: {payload.get('message') or payload.get('Message') or ''}".strip(": ")


# --- parsing the SNS message ------------------------------------------------------------------------

# One JSON escape: \uXXXX, \xNN (Go's %q), or a backslash and any character.
_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.DOTALL)
_ESCAPE_FIXES = {"a": "\\u0007", "v": "\\u000b", "'": "'", "0": "\\u0000"}
_JSON_ESCAPES = set('"\\/bfnrtu')
_ALERTS_KEY = re.compile(r'"alerts"\s*:\s*\[')


def _repair_escapes(text):
    """Turn the escapes Go templates produce (js: \\' ; printf %q: \\x00 \\a \\v) into JSON ones."""
    def fix(match):
        escape = match.group(1)
        if escape[0] == "x" and len(escape) == 3:
            return "\\u00" + escape[1:]
        if escape in _ESCAPE_FIXES:
            return _ESCAPE_FIXES[escape]
        if escape[0] in _JSON_ESCAPES:
            return match.group(0)
        return "\\\\" + escape  # a stray backslash (e.g. a regexp-quoted receiver): keep it literally
    return _ESCAPE.sub(fix, text)


def _load_json(text):
    """Parse JSON leniently: raw control characters allowed, Go-style escapes repaired."""
    try:
        return json.loads(text, strict=False), False
    except ValueError:
        pass
    repaired = _repair_escapes(text)
    try:
        return json.loads(repaired, strict=False), False
    except ValueError:
        return _salvage(repaired), True


def _salvage(text):
    """Recover the header fields and every complete alert from JSON cut short (AMP's 256 KB limit)."""
    found = _ALERTS_KEY.search(text)
    if not found:
        return None
    head = text[:found.start()].rstrip().rstrip(",") + "}"
    try:
        data = json.loads(head, strict=False)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    decoder = json.JSONDecoder(strict=False)
    alerts, position = [], found.end()
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        try:
            alert, position = decoder.raw_decode(text, position)
        except ValueError:
            break
        if not isinstance(alert, dict):
            break
        alerts.append(alert)
    data["alerts"] = alerts
    return data


def _string_map(value):
    if not isinstance(value, dict):
        return {}
    return {str(key): "" if item is None else str(item) for key, item in value.items()}


def _alert_from_json(item):
    status = str(item.get("status") or "firing").lower()
    return {
        "status": "resolved" if status == "resolved" else "firing",
        "labels": _string_map(item.get("labels")),
        "annotations": _string_map(item.get("annotations")),
        "starts_at": str(item.get("startsAt") or ""),
        "ends_at": str(item.get("endsAt") or ""),
        "generator_url": str(item.get("generatorURL") or ""),
        "fingerprint": str(item.get("fingerprint") or ""),
    }


def _parse_json_message(message):
    stripped = message.strip()
    if not stripped.startswith("{"):
        return None
    data, salvaged = _load_json(stripped)
    if not isinstance(data, dict) or not isinstance(data.get("alerts"), list):
        return None
    alerts = [_alert_from_json(item) for item in data["alerts"] if isinstance(item, dict)]
    if not alerts:
        return None
    firing = sum(1 for alert in alerts if alert["status"] == "firing")
    notification = {
        "format": "json",
        "status": "firing" if str(data.get("status", "")).lower() == "firing" or firing else "resolved",
        "receiver": re.sub(r"\\(.)", r"\1", str(data.get("receiver") or "")),
        "group_labels": _string_map(data.get("groupLabels")),
        "common_labels": _string_map(data.get("commonLabels")),
        "alerts": alerts,
        "firing_count": _count(data.get("firingCount"), firing),
        "resolved_count": _count(data.get("resolvedCount"), len(alerts) - firing),
        "notes": [],
    }
    if salvaged:
        notification["notes"].append(
            f"The message was cut short; {len(alerts)} complete alert(s) recovered from it.")
    return notification


def _count(value, fallback):
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else fallback


def _parse_default_text(message):
    """Rebuild the alerts from Alertmanager's default SNS text (see default.tmpl, sns.default.message)."""
    alerts, section, current, mode, last_key = [], None, None, None, None
    for line in message.split("\n"):
        if line in ("Alerts Firing:", "Alerts Resolved:"):
            section, current, mode = ("firing" if line == "Alerts Firing:" else "resolved"), None, None
        elif section and line == "Labels:":
            current = {"status": section, "labels": {}, "annotations": {}, "starts_at": "", "ends_at": "",
                       "generator_url": "", "fingerprint": ""}
            alerts.append(current)
            mode, last_key = "labels", None
        elif current is not None and line == "Annotations:":
            mode, last_key = "annotations", None
        elif current is not None and (line == "Source:" or line.startswith("Source: ")):
            current["generator_url"] = line[len("Source:"):].strip()
            mode = None
        elif mode and line.startswith(" - ") and " = " in line:
            last_key, value = line[3:].split(" = ", 1)
            current[mode][last_key] = value
        elif mode and last_key is not None:
            # a value with newlines continues on the following lines
            current[mode][last_key] += "\n" + line
    if not any(alert["labels"] for alert in alerts):
        return None
    firing = sum(1 for alert in alerts if alert["status"] == "firing")
    return {
        "format": "text", "status": "firing" if firing else "resolved", "receiver": "",
        "group_labels": {}, "common_labels": _common(alert["labels"] for alert in alerts),
        "alerts": alerts, "firing_count": firing, "resolved_count": len(alerts) - firing, "notes": [],
    }


def _common(label_sets):
    label_sets = list(label_sets)
    if not label_sets:
        return {}
    common = dict(label_sets[0])
    for labels in label_sets[1:]:
        common = {key: value for key, value in common.items() if labels.get(key) == value}
    return common


def _attribute(attributes, name):
    value = (attributes or {}).get(name)
    if isinstance(value, dict):
        value = value.get("Value")
    return None if value is None else str(value)


def parse_notification(message, subject="", attributes=None):
    """The alerts in one SNS message, whatever its shape; never None."""
    message = message if isinstance(message, str) else json.dumps(message)
    notification = _parse_json_message(message) or _parse_default_text(message)
    if notification is None:
        notification = {"format": "raw", "status": "unknown", "receiver": "", "group_labels": {},
                        "common_labels": {}, "alerts": [], "firing_count": 0, "resolved_count": 0,
                        "notes": [], "raw": message}
    notification["subject"] = subject or ""
    if (_attribute(attributes, "truncated") or "").lower() == "true":
        notification["truncated"] = True
        notification["notes"].insert(0, "AMP truncated this message (SNS limit 256 KB): some alerts may be missing.")
    modified = _attribute(attributes, "modified")
    if modified:
        notification["notes"].append(f"AMP modified the message: {modified}")
    return notification


# --- the Slack message ------------------------------------------------------------------------------


def escape_mrkdwn(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text, limit):
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _link(url, label):
    if not re.match(r"^https?://", url or ""):
        return None
    return f"<{escape_mrkdwn(url).replace('|', '%7C')}|{label}>"


def _when(stamp):
    """A Slack date token (rendered in the reader's time zone) with the ISO text as fallback."""
    if not stamp or stamp.startswith(ZERO_TIME_PREFIX):
        return None
    try:  # Go prints up to nanoseconds; Python reads up to microseconds
        moment = datetime.datetime.fromisoformat(re.sub(r"(\.\d{6})\d+", r"\1", stamp.replace("Z", "+00:00")))
    except ValueError:
        return escape_mrkdwn(stamp)
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time_secs}}|{escape_mrkdwn(stamp)}>"


def _alertnames(alerts):
    names = []
    for alert in alerts:
        name = alert["labels"].get("alertname")
        if name and name not in names:
            names.append(name)
    return names


def _plural(count, word):
    return f"{count} {word}" + ("" if count == 1 else "s")


def _title(notification):
    """Status, alert name and count: the header text and the start of the notification text."""
    alerts = notification["alerts"]
    names = _alertnames(alerts) or [notification["group_labels"].get("alertname") or "alert"]
    name = names[0] if len(names) == 1 else f"{names[0]} and {len(names) - 1} more"
    if notification["status"] == "firing":
        count = notification["firing_count"] or sum(1 for alert in alerts if alert["status"] == "firing")
        extra = f", {notification['resolved_count']} resolved" if notification["resolved_count"] else ""
        return f":fire: FIRING: {name} ({_plural(count, 'alert')}{extra})"
    count = notification["resolved_count"] or len(alerts)
    return f":white_check_mark: RESOLVED: {name} ({_plural(count, 'alert')})"


def _alert_blocks(alert):
    labels, annotations = alert["labels"], alert["annotations"]
    severity = labels.get("severity", "")
    if alert["status"] == "resolved":
        badge = ":white_check_mark: *resolved*"
    else:
        badge = f"{SEVERITY_EMOJI.get(severity.lower(), ':white_circle:')} *{escape_mrkdwn(severity or 'firing')}*"
    summary = annotations.get("summary") or annotations.get("message") or labels.get("alertname", "alert")
    text = f"{badge}  *{escape_mrkdwn(summary)}*"
    description = annotations.get("description")
    if description and description != summary:
        text += "\n" + escape_mrkdwn(description)
    names = [name for name in PREFERRED_LABELS if name in labels]
    names += sorted(name for name in labels if name not in names and name not in HIDDEN_LABELS)
    fields = [{"type": "mrkdwn", "text": _cut(f"*{escape_mrkdwn(name)}*\n{escape_mrkdwn(labels[name])}",
                                              SLACK_FIELD_MAX_CHARS)}
              for name in names[:SLACK_MAX_FIELDS]]
    section = {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text, SLACK_SECTION_MAX_CHARS)}}
    if fields:
        section["fields"] = fields
    context = []
    started, ended = _when(alert["starts_at"]), _when(alert["ends_at"])
    if started:
        context.append(f"started {started}")
    if ended and alert["status"] == "resolved":
        context.append(f"resolved {ended}")
    for key, label in LINK_ANNOTATIONS:
        link = _link(annotations.get(key), label)
        if link and link not in context:
            context.append(link)
    source = _link(alert["generator_url"], "Source")
    if source:
        context.append(source)
    if len(names) > SLACK_MAX_FIELDS:
        context.append(f"+{len(names) - SLACK_MAX_FIELDS} more labels")
    blocks = [{"type": "divider"}, section]
    if context:
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": _cut(item, SLACK_SECTION_MAX_CHARS)} for item in context[:SLACK_CONTEXT_MAX_ELEMENTS]]})
    return blocks


def _raw_payload(notification):
    raw = notification.get("raw") or ""
    subject = notification["subject"] or "AMP notification"
    shown = raw if raw.strip() else "(empty message)"
    shown = shown.replace("```", "`\u200b``")
    notes = list(notification["notes"])
    notes.append("Posted as received: the forwarder did not recognise this message's format.")
    if len(shown) > RAW_MESSAGE_MAX_CHARS:
        notes.append(f"Showing the first {RAW_MESSAGE_MAX_CHARS} of {len(raw)} characters.")
        shown = shown[:RAW_MESSAGE_MAX_CHARS]
    header = _cut(f":warning: {subject}", SLACK_HEADER_MAX_CHARS)
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"```{escape_mrkdwn(shown)}```"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(escape_mrkdwn(note), SLACK_SECTION_MAX_CHARS)}
                                         for note in notes[:SLACK_CONTEXT_MAX_ELEMENTS]]},
    ]
    return {"text": _cut(f":warning: {escape_mrkdwn(subject)}: {escape_mrkdwn(raw[:500])}", SLACK_SECTION_MAX_CHARS),
            "blocks": blocks}


def build_slack_message(notification, settings=None):
    """The Slack payload (Block Kit with a top-level text fallback) for one parsed notification."""
    settings = settings or {}
    if notification["format"] == "raw":
        payload = _raw_payload(notification)
    else:
        title = _title(notification)
        # Firing alerts first: they are what the reader has to act on.
        alerts = sorted(notification["alerts"], key=lambda alert: alert["status"] != "firing")
        shown = alerts[:MAX_ALERTS_SHOWN]
        blocks = [{"type": "header", "text": {"type": "plain_text", "text": _cut(title, SLACK_HEADER_MAX_CHARS),
                                              "emoji": True}}]
        if notification["notes"]:
            blocks.append({"type": "context", "elements": [
                {"type": "mrkdwn", "text": _cut(":warning: " + escape_mrkdwn(note), SLACK_SECTION_MAX_CHARS)}
                for note in notification["notes"][:SLACK_CONTEXT_MAX_ELEMENTS]]})
        for alert in shown:
            blocks.extend(_alert_blocks(alert))
        total = max(len(alerts), notification["firing_count"] + notification["resolved_count"])
        if total > len(shown):
            blocks.append({"type": "context", "elements": [
                {"type": "mrkdwn", "text": f"+{total - len(shown)} more alerts not shown"}]})
        first = shown[0]["annotations"].get("summary", "") if shown else ""
        text = escape_mrkdwn(title) + (f" - {escape_mrkdwn(first)}" if first else "")
        payload = {"text": _cut(text, SLACK_SECTION_MAX_CHARS), "blocks": blocks[:SLACK_MAX_BLOCKS]}
    for key in ("channel", "username", "icon_emoji", "icon_url"):
        if settings.get(key):
            payload[key] = settings[key]
    return payload


# --- delivery ---------------------------------------------------------------------------------------


def _post_once(url, body, timeout):
    """(status, body text, Retry-After header) for one POST; network errors become status None."""
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(2048).decode("utf-8", "replace"), None
    except urllib.error.HTTPError as err:
        text = err.read(2048).decode("utf-8", "replace") if err.fp else ""
        return err.code, text, err.headers.get("Retry-After") if err.headers else None
    except urllib.error.URLError as err:
        return None, f"network error: {type(err.reason).__name__}: {err.reason}", None
    except (OSError, ValueError) as err:  # timeouts, resets, a malformed answer
        return None, f"network error: {type(err).__name__}: {err}", None


def _retry_after(header):
    try:
        return max(0.0, float(header))
    except (TypeError, ValueError):
        return RETRY_AFTER_DEFAULT_SECONDS


def deliver(url, payload, deadline, settings=None, sleep=time.sleep, clock=time.monotonic):
    """POST to Slack until it says ok, or until retrying is pointless or out of time.

    Returns {"status", "attempts"}; raises ForwardError (never naming the URL) otherwise.
    """
    settings = settings or _settings({})
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    attempt = 0
    while True:
        attempt += 1
        remaining = deadline - clock()
        status, answer, retry_after = _post_once(url, body, max(0.5, min(settings["timeout"], remaining)))
        answer = _redact(answer, url).strip()
        if status == 200 and answer == "ok":
            return {"status": status, "attempts": attempt}
        if status == 200 or (status is not None and 400 <= status < 500 and status != 429):
            if status in (403, 404, 410):
                forget_webhook()  # revoked or rotated: read SSM again next time
            raise SlackRejected(f"Slack answered HTTP {status} {answer!r} (attempt {attempt})", status, attempt)
        if status == 429:
            wait = _retry_after(retry_after)
        else:
            wait = random.uniform(0.5, 1.0) * min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
        last = f"HTTP {status} {answer!r}" if status else answer
        if attempt >= settings["max_attempts"]:
            raise ForwardError(f"gave up after {attempt} attempts; last answer: {last}", status, attempt)
        if clock() + wait >= deadline:
            raise ForwardError(f"out of time after {attempt} attempts (next try in {wait:.1f}s); "
                               f"last answer: {last}", status, attempt)
        sleep(wait)


def _redact(text, url):
    return text.replace(url, "<webhook>") if url and text else text


# --- the handler ------------------------------------------------------------------------------------


def _deadline(context, clock):
    if context is not None and hasattr(context, "get_remaining_time_in_millis"):
        return clock() + context.get_remaining_time_in_millis() / 1000.0 - TIME_RESERVE_SECONDS
    return clock() + DEFAULT_TIME_BUDGET_SECONDS


def _log(**fields):
    print(json.dumps(fields, ensure_ascii=False, sort_keys=True), flush=True)


def forward_record(record, url, settings, deadline, sleep=time.sleep, clock=time.monotonic):
    """Parse one SNS record, post it to Slack, log one JSON line; raises ForwardError on failure."""
    started = clock()
    sns = record.get("Sns") if isinstance(record, dict) else None
    if isinstance(sns, dict):
        message_id = sns.get("MessageId", "")
        notification = parse_notification(sns.get("Message") or "", sns.get("Subject") or "",
                                          sns.get("MessageAttributes"))
    else:  # not an SNS record: still shown, never dropped
        message_id = ""
        notification = parse_notification(json.dumps(record, default=str), "Unexpected event record")
    line = {"event": "slack_forward", "sns_message_id": message_id, "format": notification["format"],
            "status": notification["status"], "alert_count": len(notification["alerts"]),
            "truncated": bool(notification.get("truncated"))}
    try:
        result = deliver(url, build_slack_message(notification, settings), deadline, settings, sleep, clock)
    except ForwardError as err:
        _log(**line, outcome="failed", slack_status=err.slack_status, attempts=err.attempts,
             duration_ms=round((clock() - started) * 1000), error=_redact(str(err), url))
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
    settings = _settings(os.environ)
    try:
        url = webhook_url()
    except ForwardError as err:
        _log(event="slack_forward", outcome="failed", records=len(records), error=str(err))
        raise
    failures = []
    for record in records:
        try:
            forward_record(record, url, settings, deadline, clock=clock)
        except ForwardError as err:
            failures.append(_redact(str(err), url))
    if failures:
        # Raising hands the event back to Lambda: two async retries, then the dead-letter queue.
        raise ForwardError(f"{len(failures)} of {len(records)} SNS record(s) not delivered to Slack: "
                           + "; ".join(failures))
    return {"delivered": len(records)}
