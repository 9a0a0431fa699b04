"""The Slack message: Block Kit with a text fallback, within Slack's limits."""

import json

from support.forwarder_events import fixture_envelope
from support.slack_sink import slack_violations


def message_for(forwarder, envelope_name=None, message=None, subject="", attributes=None, settings=None):
    if envelope_name:
        envelope = fixture_envelope(envelope_name)
        message, subject = envelope["Message"], envelope["Subject"]
    return forwarder.build_slack_message(forwarder.parse_notification(message, subject, attributes), settings)


def texts(payload):
    """Every text a reader sees, block by block."""
    found = []
    for block in payload["blocks"]:
        if "text" in block:
            found.append(block["text"]["text"])
        found.extend(field["text"] for field in block.get("fields", []))
        found.extend(element["text"] for element in block.get("elements", []))
    return found


def make_alerts(count, status="firing", **labels):
    return [{"status": status, "labels": {"alertname": "DiskFull", "severity": "warning", "device": f"sd{index}", **labels},
             "annotations": {"summary": f"disk {index} is full", "description": "below 5% free"},
             "startsAt": "2026-11-24T10:00:00Z", "endsAt": "2026-11-24T11:00:00Z", "generatorURL": "http://p/g",
             "fingerprint": str(index)} for index in range(count)]


def document(alerts, status="firing"):
    return json.dumps({"status": status, "receiver": "sns", "alerts": alerts,
                       "firingCount": sum(a["status"] == "firing" for a in alerts),
                       "resolvedCount": sum(a["status"] == "resolved" for a in alerts)})


def test_firing_alert_message(forwarder):
    payload = message_for(forwarder, "default_text_firing.json")
    assert not slack_violations(payload)
    header = payload["blocks"][0]
    assert header["type"] == "header"
    assert header["text"]["text"] == ":fire: FIRING: PodHighCpu (2 alerts)"
    assert payload["text"].startswith(":fire: FIRING: PodHighCpu (2 alerts) - Pod shop/api-7d9f uses 93% CPU")
    shown = texts(payload)
    assert ":red_circle: *critical*  *Pod shop/api-7d9f uses 93% CPU*\nCPU above 90% for 5m" in shown
    assert "*namespace*\nshop" in shown and "*pod*\napi-7d9f" in shown
    assert "<https://runbooks.example.com/pod-high-cpu|Runbook>" in shown
    assert "<http://prometheus.example:9090/graph?g0.expr=pod_cpu%3E0.9&amp;g0.tab=1|Source>" in shown


def test_resolved_message_looks_different(forwarder):
    alerts = make_alerts(1, status="resolved")
    payload = message_for(forwarder, message=document(alerts, "resolved"))
    assert payload["blocks"][0]["text"]["text"] == ":white_check_mark: RESOLVED: DiskFull (1 alert)"
    shown = texts(payload)
    assert any(text.startswith(":white_check_mark: *resolved*") for text in shown)
    assert any(text.startswith("resolved <!date^") for text in shown)


def test_mixed_notification_counts_both(forwarder):
    payload = message_for(forwarder, "default_text_mixed.json")
    assert payload["blocks"][0]["text"]["text"] == ":fire: FIRING: PodHighCpu (1 alert, 1 resolved)"


def test_mrkdwn_control_characters_are_escaped(forwarder):
    alerts = make_alerts(1)
    alerts[0]["annotations"]["summary"] = "a < b && c > d <!channel>"
    payload = message_for(forwarder, message=document(alerts))
    assert "a &lt; b &amp;&amp; c &gt; d &lt;!channel&gt;" in texts(payload)[1]
    assert "<!channel>" not in json.dumps(payload)


def test_many_alerts_stay_within_slack_limits(forwarder):
    payload = message_for(forwarder, message=document(make_alerts(200)))
    assert not slack_violations(payload)
    assert len(payload["blocks"]) <= 50
    assert texts(payload)[-1] == "and 184 more alerts not shown"


def test_long_values_are_cut_to_slack_limits(forwarder):
    alerts = make_alerts(1, **{f"label_{index:02d}": "v" * 2500 for index in range(15)})
    alerts[0]["labels"]["alertname"] = "A" * 400
    alerts[0]["annotations"]["description"] = "d" * 5000
    payload = message_for(forwarder, message=document(alerts))
    assert not slack_violations(payload)
    assert len(payload["blocks"][0]["text"]["text"]) == 150
    assert "+6 more labels" in texts(payload)


def test_unparsed_message_is_posted_as_code_block(forwarder):
    payload = message_for(forwarder, message="something ``` odd <here>", subject="[FIRING:1] Odd")
    assert not slack_violations(payload)
    assert payload["blocks"][0]["text"]["text"] == ":warning: [FIRING:1] Odd"
    assert payload["blocks"][1]["text"]["text"] == "```\u200bsomething `\u200b`\u200b` odd &lt;here&gt;\u200b```"


def test_huge_unparsed_message_is_cut_and_says_so(forwarder):
    payload = message_for(forwarder, message="x" * 300_000, subject="s", attributes={"truncated": "true"})
    assert not slack_violations(payload)
    notes = payload["blocks"][2]["elements"]
    assert "AMP truncated this message" in notes[0]["text"]
    assert "Showing the start of 300000 characters." in [note["text"] for note in notes]
    assert len(payload["blocks"][1]["text"]["text"]) <= 3000


def test_empty_message_still_posts(forwarder):
    payload = message_for(forwarder, message="", subject="[FIRING:1] X")
    assert "(empty message)" in payload["blocks"][1]["text"]["text"]


def test_optional_channel_username_icon(forwarder):
    settings = {"channel": "#alerts", "username": "AMP", "icon_emoji": ":bell:"}
    payload = message_for(forwarder, "default_text_firing.json", settings=settings)
    assert (payload["channel"], payload["username"], payload["icon_emoji"]) == ("#alerts", "AMP", ":bell:")
    assert "icon_url" not in payload
