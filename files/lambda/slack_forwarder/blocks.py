"""One parsed notification as a Slack message: Block Kit within Slack's limits, with a top-level text."""

import datetime
import re

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


def resolved_reply(notification):
    """The thread reply that says when an alert group resolved (its original message is updated to match)."""
    ends = [alert["ends_at"] for alert in notification["alerts"] if alert["status"] == "resolved" and alert["ends_at"]]
    when = _when(max(ends)) if ends else None
    text = ":white_check_mark: Resolved" + (f" {when}" if when else "")
    count = notification["resolved_count"] or len(notification["alerts"])
    text += f": {_plural(count, 'alert')} of this group."
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
