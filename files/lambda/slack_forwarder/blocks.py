"""One parsed notification as a Slack message: Block Kit within Slack's limits, with a top-level text,
and a plain-text summary to send instead when Slack refuses the blocks anyway.

Text is escaped before it is measured and cut (escaping grows it: ``&`` is ``&amp;``), and the whole
message keeps one budget: blocks, characters per element and in all. What does not fit is said
("and 12 more alerts not shown", "labels cut").
"""

import datetime
import json
import re

# Slack's documented Block Kit limits: https://docs.slack.dev/reference/block-kit/blocks
# (50 blocks a message; header text 150; section text 3,000, up to 10 fields of 2,000; context up to
# 10 elements).
SLACK_MAX_BLOCKS = 50
SLACK_HEADER_MAX_CHARS = 150
SLACK_SECTION_MAX_CHARS = 3000
SLACK_MAX_FIELDS = 10
SLACK_FIELD_MAX_CHARS = 2000
SLACK_CONTEXT_MAX_ELEMENTS = 10
# chat.postMessage (https://docs.slack.dev/reference/methods/chat.postMessage): keep the top-level text
# to 4,000 characters (longer is truncated, at 40,000 at the latest).
SLACK_TEXT_MAX_CHARS = 4000
# The blocks of one message together: Slack refuses with msg_blocks_too_long past a length it does not
# document (about 13,200 characters measured, less with dividers: slackapi/bolt-js#2509). The budget
# counts the blocks' JSON, which is longer than their text, and keeps well below.
SLACK_BLOCKS_BUDGET_CHARS = 12000
# What one alert may take of the budget, so that a long one leaves room for the others.
ALERT_MAX_CHARS = 4000
# Room kept for the closing "and N more alerts not shown" context block.
TRAILER_CHARS = 300
RAW_MESSAGE_MAX_CHARS = SLACK_SECTION_MAX_CHARS - 100
# The raw text quoted in the plain-text summary of a message the parser could not read.
FALLBACK_RAW_CHARS = 1500

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
# An escaped entity or a Slack token (<url|label>, <!date^…>) left open at the end of a cut text.
_OPEN_ENTITY = re.compile(r"&[a-z]*$")
_OPEN_TOKEN = re.compile(r"<[^>]*$")


def escape_mrkdwn(text):
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text, limit):
    """Escaped mrkdwn cut to ``limit`` characters, never inside an entity or a Slack token."""
    text = str(text)
    if len(text) <= limit:
        return text
    kept = text[:limit - 1]
    kept = _OPEN_ENTITY.sub("", kept)
    kept = _OPEN_TOKEN.sub("", kept)
    return kept + "…"


def _fit(raw, limit):
    """``raw`` escaped for mrkdwn, then cut to ``limit`` characters."""
    return _cut(escape_mrkdwn(raw), limit)


def _unfence(text):
    """No two backticks side by side in ``text``, nor one at either end: shown between ``` fences, it
    cannot close them."""
    return "\u200b" + re.sub(r"`(?=`)", "`\u200b", text) + "\u200b" if "`" in text else text


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
        return _fit(stamp, 64)
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time_secs}}|{_fit(stamp, 64)}>"


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


def _size(blocks):
    """What blocks cost of the message's budget: their JSON, as Slack receives it."""
    return len(json.dumps(blocks, ensure_ascii=False))


def _alert_blocks(alert, allowance):
    """Divider, section (summary, description, labels as fields) and context (times, links) of one
    alert in about ``allowance`` characters, saying so when something of it was cut."""
    labels, annotations = alert["labels"], alert["annotations"]
    severity = labels.get("severity", "")
    if alert["status"] == "resolved":
        badge = ":white_check_mark: *resolved*"
    else:
        badge = f"{SEVERITY_EMOJI.get(severity.lower(), ':white_circle:')} *{_fit(severity or 'firing', 50)}*"
    summary = annotations.get("summary") or annotations.get("message") or labels.get("alertname", "alert")
    # Two fifths for the summary and description, two fifths for the labels, the rest for times and links.
    text_limit = max(200, min(SLACK_SECTION_MAX_CHARS, allowance * 2 // 5))
    text = f"{badge}  *{_fit(summary, text_limit // 2)}*"
    cut = len(escape_mrkdwn(summary)) > text_limit // 2
    description = annotations.get("description")
    if description and description != summary:
        room = text_limit - len(text) - 1
        cut = cut or len(escape_mrkdwn(description)) > room
        text += "\n" + _fit(description, room)
    names = [name for name in PREFERRED_LABELS if name in labels]
    names += sorted(name for name in labels if name not in names and name not in HIDDEN_LABELS)
    shown = names[:SLACK_MAX_FIELDS]
    field_limit = max(60, min(SLACK_FIELD_MAX_CHARS, (allowance * 2 // 5) // max(1, len(shown))))
    fields = []
    for name in shown:
        field = f"*{_fit(name, 100)}*\n{escape_mrkdwn(labels[name])}"
        cut = cut or len(field) > field_limit
        fields.append({"type": "mrkdwn", "text": _cut(field, field_limit)})
    section = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if fields:
        section["fields"] = fields
    context = []
    started, ended = _when(alert["starts_at"]), _when(alert["ends_at"])
    if started:
        context.append(f"started {started}")
    if ended and alert["status"] == "resolved":
        context.append(f"resolved {ended}")
    link_limit = max(100, allowance // 5 // 4)
    for key, label in LINK_ANNOTATIONS:
        link = _link(annotations.get(key), label)
        if link and link not in context and len(link) <= link_limit:
            context.append(link)
    source = _link(alert["generator_url"], "Source")
    if source and len(source) <= link_limit:
        context.append(source)
    if len(names) > SLACK_MAX_FIELDS:
        context.append(f"+{len(names) - SLACK_MAX_FIELDS} more labels")
    if cut:
        context.append("labels or text cut to fit Slack's limits")
    blocks = [{"type": "divider"}, section]
    if context:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": item}
                                                       for item in context[-SLACK_CONTEXT_MAX_ELEMENTS:]]})
    return blocks


def _raw_payload(notification):
    raw = notification.get("raw") or ""
    subject = notification["subject"] or "AMP notification"
    # A zero-width space between backticks: no run of them can close the code block early.
    shown = _unfence(escape_mrkdwn(raw if raw.strip() else "(empty message)"))
    notes = list(notification["notes"])
    notes.append("Posted as received: the forwarder did not recognise this message's format.")
    if len(shown) > RAW_MESSAGE_MAX_CHARS:
        notes.append(f"Showing the start of {len(raw)} characters.")
        shown = _cut(shown, RAW_MESSAGE_MAX_CHARS)
    header = _cut(f":warning: {subject}", SLACK_HEADER_MAX_CHARS)
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": header, "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"```{shown}```"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _fit(note, 300)}
                                         for note in notes[:SLACK_CONTEXT_MAX_ELEMENTS]]},
    ]
    return {"text": _cut(f":warning: {escape_mrkdwn(subject)}: {_fit(raw, 500)}", SLACK_TEXT_MAX_CHARS),
            "blocks": blocks}


def _alerts_payload(notification):
    title = _title(notification)
    # Firing alerts first: they are what the reader has to act on.
    alerts = sorted(notification["alerts"], key=lambda alert: alert["status"] != "firing")
    blocks = [{"type": "header", "text": {"type": "plain_text", "text": _cut(title, SLACK_HEADER_MAX_CHARS),
                                          "emoji": True}}]
    if notification["notes"]:
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": _fit(":warning: " + note, 300)}
            for note in notification["notes"][:SLACK_CONTEXT_MAX_ELEMENTS]]})
    used = _size(blocks)
    shown = 0
    for alert in alerts:
        room = SLACK_BLOCKS_BUDGET_CHARS - TRAILER_CHARS - used
        if len(blocks) + 3 > SLACK_MAX_BLOCKS - 1 or (shown and room < 600):
            break
        # The first alert is always shown, in whatever room there is.
        alert_blocks = _alert_blocks(alert, min(ALERT_MAX_CHARS, room))
        size = _size(alert_blocks)
        if size > room:
            alert_blocks = _alert_blocks(alert, max(300, room // 2))
            size = _size(alert_blocks)
            if shown and size > room:
                break
        blocks.extend(alert_blocks)
        used += size
        shown += 1
    total = max(len(alerts), notification["firing_count"] + notification["resolved_count"])
    if total > shown:
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": f"and {total - shown} more alert{'s' if total - shown > 1 else ''} not shown"}]})
    first = alerts[0]["annotations"].get("summary", "") if alerts else ""
    text = escape_mrkdwn(title) + (f" - {escape_mrkdwn(first)}" if first else "")
    return {"text": _cut(text, SLACK_TEXT_MAX_CHARS), "blocks": blocks}


def build_slack_message(notification, settings=None):
    """The Slack payload (Block Kit with a top-level text fallback) for one parsed notification."""
    settings = settings or {}
    payload = _raw_payload(notification) if notification["format"] == "raw" else _alerts_payload(notification)
    return _with_settings(payload, settings)


def _with_settings(payload, settings):
    for key in ("channel", "username", "icon_emoji", "icon_url"):
        if (settings or {}).get(key):
            payload[key] = settings[key]
    return payload


def text_message(notification, settings=None, refused=None, where=None):
    """The plain-text summary sent when Slack refused the blocks: what fired, how many, how severe,
    where, and where to read the rest. No blocks; within Slack's text limit."""
    lines = []
    if notification["format"] == "raw":
        raw = notification.get("raw") or ""
        lines.append(f":warning: {_fit(notification['subject'] or 'AMP notification', SLACK_HEADER_MAX_CHARS)}")
        if raw.strip():
            shown = _cut(_unfence(escape_mrkdwn(raw)), FALLBACK_RAW_CHARS)
            lines.append(f"```{shown}```")
        lines.append(f"Posted as received ({len(raw)} characters): the forwarder did not recognise its format.")
    else:
        lines.append(escape_mrkdwn(_title(notification)))
        counts = {}
        severities = {}
        for alert in notification["alerts"]:
            name = alert["labels"].get("alertname") or "alert"
            counts[name] = counts.get(name, 0) + 1
            if alert["status"] == "firing":
                severity = alert["labels"].get("severity") or "none"
                severities[severity] = severities.get(severity, 0) + 1
        names = ", ".join(f"{name} ({count})" for name, count in sorted(counts.items(), key=lambda item: -item[1]))
        lines.append("Alerts: " + _fit(names, 1500))
        if severities:
            lines.append("Severity: " + _fit(", ".join(f"{name} {count}" for name, count in sorted(severities.items())), 300))
        scope = {key: value for key, value in notification["common_labels"].items()
                 if key in PREFERRED_LABELS or key in ("environment", "env", "region")}
        if scope:
            lines.append("Where: " + _fit(", ".join(f"{key}={value}" for key, value in sorted(scope.items())), 500))
        source = next((alert["generator_url"] for alert in notification["alerts"] if alert["generator_url"]), "")
        link = _link(source, "query")
        if link and len(link) < 1000:
            lines.append(f"Source: {link}")
    for note in notification["notes"][:3]:
        lines.append(":warning: " + _fit(note, 300))
    reason = f"Slack refused the formatted message ({_fit(refused, 60)})" if refused else "The formatted message was refused"
    look = f"; the full notification is in {_fit(where, 400)}" if where else ""
    lines.append(f"_{reason}: this is its plain-text summary{look}._")
    return _with_settings({"text": _cut("\n".join(lines), SLACK_TEXT_MAX_CHARS)}, settings)


def resolved_reply(notification):
    """The thread reply that says when an alert group resolved (its original message is updated to match)."""
    ends = [alert["ends_at"] for alert in notification["alerts"] if alert["status"] == "resolved" and alert["ends_at"]]
    when = _when(max(ends)) if ends else None
    text = ":white_check_mark: Resolved" + (f" {when}" if when else "")
    count = notification["resolved_count"] or len(notification["alerts"])
    text += f": {_plural(count, 'alert')} of this group."
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
