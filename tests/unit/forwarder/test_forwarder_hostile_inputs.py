"""Every alert reaches Slack in some form, and the forwarder talks only to Slack.

The handler runs against the Slack stand-in (real sockets), which refuses what Slack refuses: Block
Kit's per-element limits and the blocks' length in all (msg_blocks_too_long / invalid_blocks).
Each input here was lost before (the record went through Lambda's retries to the DLQ) or leaked.
"""

import json
import re

import pytest

from support.forwarder_events import LambdaContext, sns_record
from support.slack_sink import BLOCKS_TEXT_MAX, SlackSink, slack_violations

TOKEN = "xoxb-111-222-hostiletoken"
CHANNEL = "C0ALERTS"
TABLE = "amp-test-slack-state"  # conftest.state_table


def event(*records):
    return {"Records": list(records)}


def log_lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def alerts_message(alerts, status="firing", **extra):
    firing = sum(1 for alert in alerts if alert.get("status", "firing") == "firing")
    return json.dumps({"receiver": "sns", "status": status, "groupLabels": {"alertname": alerts[0]["labels"]["alertname"]},
                       "commonLabels": {"alertname": alerts[0]["labels"]["alertname"]}, "firingCount": firing,
                       "resolvedCount": len(alerts) - firing, "alerts": alerts, **extra})


def alert(index=0, labels=None, annotations=None):
    return {"status": "firing", "labels": {"alertname": "DiskFull", "severity": "critical", "device": f"sd{index}",
                                           **(labels or {})},
            "annotations": {"summary": f"disk {index} is full", **(annotations or {})},
            "startsAt": "2026-12-05T10:00:00Z", "generatorURL": "http://prometheus.example/graph", "fingerprint": str(index)}


def block_text_length(payload):
    total = 0
    for block in payload.get("blocks") or []:
        if isinstance(block.get("text"), dict):
            total += len(block["text"]["text"])
        total += sum(len(field["text"]) for field in block.get("fields", []))
        total += sum(len(element["text"]) for element in block.get("elements", []))
    return total


HOSTILE = {
    # Escaping grows the text: cut first, escaped after, this section was 12,553 characters.
    "raw body of &<>": (sns_record("ALERT " + "&<>" * 1000, "[FIRING:1] Odd"), "blocks"),
    # 46 blocks and 33,030 characters of block text before: Slack refuses it as too long.
    "15 alerts x long labels": (sns_record(alerts_message(
        [alert(index, labels={f"label_{n}": "v" * 400 for n in range(8)}) for index in range(15)]),
        "[FIRING:15] DiskFull"), "blocks"),
    "a 3,000-character description": (sns_record(alerts_message(
        [alert(0, annotations={"description": "&" * 3000})]), "[FIRING:1] DiskFull"), "blocks"),
    "a truncated message with no readable alert": (sns_record(
        '{"receiver": "sns", "status": "firing", "alerts": [{"labels": {"alertname": "Disk' + "x" * 5000,
        "[FIRING:40] DiskFull", {"truncated": "true"}), "blocks"),
    "four backticks": (sns_record("before ```` inside ```` after `", "[FIRING:1] Fence"), "blocks"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_or_oversized_input_reaches_slack_as_blocks(forwarder, slack, webhook_env, capsys, name):
    record, _form = HOSTILE[name]
    assert forwarder.forward_alerts_to_slack(event(record), LambdaContext(10)) == {"delivered": 1}
    (payload,) = slack.received
    assert not slack_violations(payload) and payload["blocks"]
    assert block_text_length(payload) < BLOCKS_TEXT_MAX
    assert len(payload["text"]) <= 4000
    (line,) = log_lines(capsys)
    assert line["outcome"] == "delivered" and "fallback" not in line


def test_what_did_not_fit_is_said(forwarder, slack, webhook_env):
    record, _form = HOSTILE["15 alerts x long labels"]
    forwarder.forward_alerts_to_slack(event(record), LambdaContext(10))
    shown = json.dumps(slack.received[0]["blocks"])
    assert re.search(r"and \d+ more alerts not shown", shown)
    assert "labels or text cut to fit Slack's limits" in shown


def test_backticks_cannot_close_the_code_block(forwarder, slack, webhook_env):
    record, _form = HOSTILE["four backticks"]
    forwarder.forward_alerts_to_slack(event(record), LambdaContext(10))
    section = slack.received[0]["blocks"][1]["text"]["text"]
    assert section.startswith("```") and section.endswith("```")
    assert "``" not in section[3:-3] and not section[3:-3].startswith("`") and not section[3:-3].endswith("`")


def test_escaping_never_leaves_half_an_entity(forwarder):
    payload = forwarder.build_slack_message(forwarder.parse_notification("&" * 5000, "s"))
    code = payload["blocks"][1]["text"]["text"]
    assert len(code) <= 3000 and re.fullmatch(r"```(&amp;)+…```", code), code[-20:]


@pytest.mark.parametrize("refusal", ["invalid_blocks", "msg_too_long"])
def test_blocks_slack_refuses_are_sent_again_as_plain_text(forwarder, slack, webhook_env, capsys, refusal):
    slack.answer(400, refusal)
    record = sns_record(alerts_message([alert(0), alert(1, labels={"severity": "warning"})]), "[FIRING:2] DiskFull",
                        message_id="m-refused")
    assert forwarder.forward_alerts_to_slack(event(record), LambdaContext(10)) == {"delivered": 1}
    assert len(slack.requests) == 2
    (payload,) = slack.received
    assert "blocks" not in payload
    text = payload["text"]
    assert text.startswith(":fire: FIRING: DiskFull (2 alerts)")
    assert "Alerts: DiskFull (2)" in text and "Severity: critical 1, warning 1" in text
    assert f"Slack refused the formatted message ({refusal})" in text and "SNS message m-refused" in text
    (line,) = log_lines(capsys)
    assert (line["outcome"], line["fallback"], line["slack_refused"]) == ("delivered", "text", refusal)


def test_only_a_refused_plain_text_goes_to_the_dead_letter_queue(forwarder, slack, webhook_env, capsys):
    slack.answer(400, "invalid_blocks", times=2)
    with pytest.raises(forwarder.ForwardError, match="HTTP 400 invalid_blocks"):
        forwarder.forward_alerts_to_slack(event(sns_record(alerts_message([alert()]))), LambdaContext(10))
    assert len(slack.requests) == 2 and not slack.received


def test_a_destination_that_is_gone_gets_no_text_resend(forwarder, slack, webhook_env):
    slack.answer(404, "channel_not_found")
    with pytest.raises(forwarder.ForwardError, match="HTTP 404 channel_not_found"):
        forwarder.forward_alerts_to_slack(event(sns_record(alerts_message([alert()]))), LambdaContext(10))
    assert len(slack.requests) == 1


def test_a_label_value_imitating_the_default_text_makes_no_second_alert(forwarder):
    message = ("s\n\nAlerts Firing:\nLabels:\n - alertname = DiskFull\n - device = sda\nLabels:\n - alertname = Fake\n"
               " - severity = warning\nAnnotations:\n - summary = full\nSource: http://p\n")
    parsed = forwarder.parse_notification(message, "[FIRING:1] DiskFull")
    assert [a["labels"]["alertname"] for a in parsed["alerts"]] == ["DiskFull"]
    assert parsed["alerts"][0]["labels"]["device"] == "sda\nLabels:\n - alertname = Fake"
    assert "Fake" not in json.dumps(forwarder.build_slack_message(parsed)["blocks"][0])


def test_a_text_whose_alerts_disagree_with_the_subjects_count_is_shown_as_received(forwarder):
    fake = "x\nAnnotations:\nSource: http://evil\nLabels:\n - alertname = Fake"
    message = (f"s\n\nAlerts Firing:\nLabels:\n - alertname = DiskFull\n - zone = {fake}\nAnnotations:\n"
               " - summary = full\nSource: http://p\n")
    parsed = forwarder.parse_notification(message, "[FIRING:1] DiskFull")
    assert parsed["format"] == "raw"
    assert any("subject counts 1 firing alert(s)" in note for note in parsed["notes"])


def test_a_record_that_fails_unexpectedly_does_not_cost_the_others(forwarder, slack, webhook_env, capsys, monkeypatch):
    handler = __import__(forwarder.__name__ + ".handler", fromlist=["build_slack_message"])
    real = handler.build_slack_message
    calls = []

    def fails_once(notification, settings=None):
        calls.append(1)
        if len(calls) == 1:
            raise KeyError("channel")
        return real(notification, settings)

    monkeypatch.setattr(handler, "build_slack_message", fails_once)
    with pytest.raises(forwarder.ForwardError, match="1 of 2 SNS record.*KeyError while forwarding SNS message m1"):
        forwarder.forward_alerts_to_slack(event(sns_record(alerts_message([alert()]), message_id="m1"),
                                                sns_record(alerts_message([alert()]), message_id="m2")), LambdaContext(10))
    assert len(slack.received) == 1
    assert [line["outcome"] for line in log_lines(capsys)] == ["failed", "delivered"]


# -- only Slack -----------------------------------------------------------------------------------


def test_a_host_that_is_not_slacks_is_refused_at_run_time(forwarder, slack, monkeypatch, capsys):
    monkeypatch.delenv("SLACK_ALLOWED_HOSTS")
    for url in (slack.url, "http://169.254.170.2/v2/credentials/x", "http://hooks.slack.com/services/T/B/x",
                "https://hooks.slack.com.example/services/T/B/x", "https://user:pw@hooks.slack.com/services/T/B/x"):
        monkeypatch.setenv("SLACK_WEBHOOK_URL", url)
        with pytest.raises(forwarder.ForwardError, match="SLACK_WEBHOOK_URL (is not a Slack webhook URL|carries a user)"):
            forwarder.forward_alerts_to_slack(event(sns_record(alerts_message([alert()]))), LambdaContext(5))
    assert not slack.requests
    assert "169.254.170.2" not in capsys.readouterr().out
    # Named in SLACK_ALLOWED_HOSTS (the sandbox's stand-in), the same URL is posted to.
    monkeypatch.setenv("SLACK_ALLOWED_HOSTS", "127.0.0.1")
    monkeypatch.setenv("SLACK_WEBHOOK_URL", slack.url)
    forwarder.forward_alerts_to_slack(event(sns_record(alerts_message([alert()]))), LambdaContext(5))
    assert len(slack.received) == 1


def test_a_webhook_redirect_is_not_followed(forwarder, slack, webhook_env):
    with SlackSink() as elsewhere:
        slack.answer(302, "", location=elsewhere.url)
        with pytest.raises(forwarder.ForwardError, match=r"redirect \(HTTP 302\), not followed"):
            forwarder.forward_alerts_to_slack(event(sns_record(alerts_message([alert()]))), LambdaContext(5))
        assert not elsewhere.requests


@pytest.fixture
def app(forwarder, slack, state_table, aws_client, monkeypatch):
    aws_client("ssm").put_parameter(Name="/amp/slack/payments", Type="SecureString",
                                    Value=json.dumps({"token": TOKEN, "channel": CHANNEL}))
    slack.add_app(TOKEN, [CHANNEL])
    for name, value in {"SLACK_DESTINATION_SSM_PREFIX": "/amp/slack/", "SLACK_DESTINATIONS": "payments",
                        "SLACK_API_URL": slack.api_url}.items():
        monkeypatch.setenv(name, value)
    return forwarder


def app_record(message_id, alerts=None):
    return sns_record(alerts_message(alerts or [alert()]), "[FIRING:1] DiskFull", {"destination": "payments"},
                      message_id)


def test_the_bot_token_is_never_sent_to_a_redirect_target(app, slack, capsys):
    with SlackSink() as elsewhere:
        slack.answer(301, "", location=elsewhere.api_url + "chat.postMessage", path="/api/chat.postMessage")
        with pytest.raises(app.ForwardError, match="redirect"):
            app.forward_alerts_to_slack(event(app_record("m1")), LambdaContext(5))
        assert not elsewhere.requests and not elsewhere.tokens_seen
    assert TOKEN not in capsys.readouterr().out


def test_an_app_message_too_long_for_slack_goes_as_text_in_the_same_thread(app, slack, capsys):
    slack.answer(200, '{"ok": false, "error": "msg_blocks_too_long"}', path="/api/chat.postMessage")
    app.forward_alerts_to_slack(event(app_record("m1")), LambdaContext(10))
    app.forward_alerts_to_slack(event(app_record("m2")), LambdaContext(10))
    (message,) = slack.channel(CHANNEL)
    assert message["blocks"] is None and "Slack refused the formatted message (msg_blocks_too_long)" in message["text"]
    assert len(message["replies"]) == 1 and message["replies"][0]["blocks"]  # the next one threads under it
    first, second = log_lines(capsys)
    assert (first["fallback"], first["thread"]) == ("text", "opened") and "fallback" not in second


def test_an_open_thread_item_missing_its_ts_posts_a_new_message(app, slack, aws_client):
    state = __import__(app.__name__ + ".state", fromlist=["thread_key"])
    parsed = app.parse_notification(alerts_message([alert()]))
    aws_client("dynamodb").put_item(TableName=TABLE, Item={
        "pk": {"S": f"thread#payments#{state.thread_key(parsed)}"}, "state": {"S": "open"}})
    resolved = dict(alert(), status="resolved", endsAt="2026-12-05T11:00:00Z")
    app.forward_alerts_to_slack(event(app_record("m1", [resolved])), LambdaContext(10))
    assert len(slack.channel(CHANNEL)) == 1
