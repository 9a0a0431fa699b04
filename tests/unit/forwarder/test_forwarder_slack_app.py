"""Slack app destinations: threads per alert group, updates on resolve, no duplicate posts.

The handler runs against the Slack stand-in's Web API (real sockets) and the sandbox's DynamoDB (moto),
so the conditional writes are DynamoDB's, not a fake of them.
"""

import json
import threading

import pytest

from support.forwarder_events import LambdaContext, sns_record

TOKEN = "xoxb-111-222-secrettoken"
CHANNEL = "C0ALERTS"
TABLE = "amp-test-slack-state"  # conftest.state_table


def notification(status, alertname="HighLatency", service="checkout", alerts=1):
    """A message as our SNS template writes it (files/lambda/amp_alerting_sns.tmpl)."""
    items = [{"status": status, "labels": {"alertname": alertname, "service": service, "severity": "warning",
                                           "instance": f"10.0.0.{index}"},
              "annotations": {"summary": f"p99 latency of {service} is high"},
              "startsAt": "2026-11-25T10:00:00Z",
              "endsAt": "2026-11-25T10:20:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
              "fingerprint": f"f{index}"} for index in range(alerts)]
    group = {"alertname": alertname, "service": service}
    return json.dumps({"receiver": "sns\\.payments", "status": status, "groupLabels": group,
                       "commonLabels": {"alertname": alertname}, "firingCount": alerts if status == "firing" else 0,
                       "resolvedCount": alerts if status == "resolved" else 0, "alerts": items})


def record(status, message_id, **labels):
    return sns_record(notification(status, **labels), "[FIRING:1] HighLatency", {"destination": "payments"},
                      message_id)


def log_lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


@pytest.fixture
def app(forwarder, slack, state_table, aws_client, monkeypatch):
    """A destination 'payments' that is a Slack app, its state table, and the stand-in's Web API."""
    aws_client("ssm").put_parameter(Name="/amp/slack/payments", Type="SecureString",
                                    Value=json.dumps({"token": TOKEN, "channel": CHANNEL}))
    slack.add_app(TOKEN, [CHANNEL], other_channels=["C0PRIVATE"])
    for name, value in {"SLACK_DESTINATION_SSM_PREFIX": "/amp/slack/", "SLACK_DESTINATIONS": "payments",
                        "SLACK_API_URL": slack.api_url,
                        "SLACK_WEBHOOK_URL": slack.url}.items():
        monkeypatch.setenv(name, value)
    return forwarder


def invoke(forwarder, *records, seconds=15):
    return forwarder.forward_alerts_to_slack({"Records": list(records)}, LambdaContext(seconds))


def test_a_group_gets_one_thread_and_its_resolution_updates_the_first_message(app, slack, capsys):
    invoke(app, record("firing", "m1"))
    invoke(app, record("firing", "m2", alerts=2))  # the group grew: a reply, not a new message
    invoke(app, record("resolved", "m3", alerts=2))
    (message,) = slack.channel(CHANNEL)
    assert [len(message["replies"]), len(message["edits"])] == [2, 1]
    assert message["edits"][0]["blocks"][0]["text"]["text"].startswith(":fire: FIRING: HighLatency")
    assert message["blocks"][0]["text"]["text"] == ":white_check_mark: RESOLVED: HighLatency (2 alerts)"
    assert message["replies"][0]["blocks"][0]["text"]["text"] == ":fire: FIRING: HighLatency (2 alerts)"
    assert message["replies"][1]["text"].startswith(":white_check_mark: Resolved <!date^")
    assert not slack.received, "nothing may go to the default webhook"
    assert [(line["mode"], line["thread"], line["outcome"]) for line in log_lines(capsys)] == \
        [("app", "opened", "delivered"), ("app", "reply", "delivered"), ("app", "resolved", "delivered")]


def test_groups_have_threads_of_their_own_and_a_group_firing_again_starts_a_new_one(app, slack):
    invoke(app, record("firing", "m1"), record("firing", "m2", service="cart"))
    invoke(app, record("resolved", "m3"))
    invoke(app, record("firing", "m4"))
    messages = slack.channel(CHANNEL)
    assert [m["blocks"][0]["text"]["text"].split(":")[1] for m in messages] == ["white_check_mark", "fire", "fire"]
    assert [len(m["replies"]) for m in messages] == [1, 0, 0]


def test_a_redelivered_sns_message_posts_nothing(app, slack, capsys):
    invoke(app, record("firing", "m1"))
    invoke(app, record("firing", "m1"))
    invoke(app, record("resolved", "m2"))
    invoke(app, record("resolved", "m2"))
    (message,) = slack.channel(CHANNEL)
    assert [len(message["replies"]), len(message["edits"])] == [1, 1]
    assert [line["outcome"] for line in log_lines(capsys)] == ["delivered", "duplicate", "delivered", "duplicate"]


def test_concurrent_duplicates_and_concurrent_firings_of_a_new_group_post_once(app, slack, capsys):
    """Two invocations at once, as SNS may deliver twice: the conditional writes pick one poster."""
    errors = []

    def run(*records):
        try:
            invoke(app, *records)
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)

    workers = [threading.Thread(target=run, args=(record("firing", "m1"),)) for _copy in range(3)]
    workers += [threading.Thread(target=run, args=(record("firing", "m2"),))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    # A duplicate that finds the message in flight waits for it, then posts nothing.
    assert errors == []
    (message,) = slack.channel(CHANNEL)
    assert len(message["replies"]) == 1  # m1 opened the thread or replied in it, m2 the other
    assert sorted(line["outcome"] for line in log_lines(capsys)) == ["delivered", "delivered", "duplicate", "duplicate"]


def test_a_retry_after_a_partial_success_repeats_no_slack_call(app, slack, capsys):
    invoke(app, record("firing", "m1"))
    # The update works, then Slack fails every post: the resolution's reply cannot be made.
    slack.answer(500, '{"ok": false, "error": "internal_error"}', times=None, path="/api/chat.postMessage")
    with pytest.raises(app.ForwardError, match="out of time"):
        invoke(app, record("resolved", "m2"), seconds=4)
    slack._answers.clear()
    invoke(app, record("resolved", "m2"))  # Lambda's retry
    (message,) = slack.channel(CHANNEL)
    assert [len(message["edits"]), len(message["replies"])] == [1, 1]
    updates = [request for request in slack.requests if request["path"] == "/api/chat.update"]
    assert len(updates) == 1


@pytest.mark.parametrize("channel, token, error, fix", [
    ("C0NOPE", TOKEN, "channel_not_found", "the channel id is wrong"),
    ("C0PRIVATE", TOKEN, "not_in_channel", "invite the app to the channel"),
    (CHANNEL, "xoxb-revoked", "invalid_auth", "the bot token is not valid"),
])
def test_final_slack_errors_fail_at_once_with_what_to_fix(app, slack, aws_client, capsys, channel, token, error, fix):
    aws_client("ssm").put_parameter(Name="/amp/slack/payments", Type="SecureString", Overwrite=True,
                                    Value=json.dumps({"token": token, "channel": channel}))
    with pytest.raises(app.ForwardError, match=f"chat.postMessage failed: {error} \\({fix}"):
        invoke(app, record("firing", "m1"))
    assert len(slack.requests) == 1, "a final error is not retried"
    line = log_lines(capsys)[0]
    assert (line["outcome"], line["slack_error"]) == ("failed", error)
    # The claim was released: once fixed, Lambda's retry delivers the message.
    aws_client("ssm").put_parameter(Name="/amp/slack/payments", Type="SecureString", Overwrite=True,
                                    Value=json.dumps({"token": TOKEN, "channel": CHANNEL}))
    app.handler.forget_webhook()
    invoke(app, record("firing", "m1"))
    assert len(slack.channel(CHANNEL)) == 1


@pytest.mark.parametrize("status, body", [(429, '{"ok": false, "error": "ratelimited"}'),
                                          (200, '{"ok": false, "error": "ratelimited"}')])
def test_rate_limits_wait_for_retry_after(app, slack, status, body):
    slack.answer(status, body, retry_after=1, times=2)
    invoke(app, record("firing", "m1"))
    assert len(slack.channel(CHANNEL)) == 1 and len(slack.requests) == 3
    assert slack.requests[2]["at"] - slack.requests[1]["at"] >= 0.95


def test_the_bot_token_appears_in_no_log_line_or_error(app, slack, capsys):
    slack.answer(403, f"bad request for token {TOKEN}", path="/api/chat.postMessage")
    with pytest.raises(app.ForwardError) as raised:
        invoke(app, record("firing", "m1"))
    output = capsys.readouterr().out
    assert TOKEN not in output and TOKEN not in str(raised.value)
    assert "HTTP 403 (" in str(raised.value) and "not shown" in str(raised.value)


def test_an_app_destination_without_the_state_table_fails_saying_so(app, monkeypatch):
    monkeypatch.delenv("SLACK_STATE_TABLE")
    with pytest.raises(app.ForwardError, match="SLACK_STATE_TABLE is not set"):
        invoke(app, record("firing", "m1"))


def test_a_failed_first_post_does_not_hold_the_groups_thread(app, slack, capsys):
    """The first notification of a group could not be posted: the next one opens the thread at once."""
    slack.answer(200, '{"ok": false, "error": "is_archived"}', path="/api/chat.postMessage")
    with pytest.raises(app.ForwardError, match="is_archived"):
        invoke(app, record("firing", "m1"))
    invoke(app, record("firing", "m2"), seconds=5)  # would wait for m1's opening, then fail, if it still held it
    (message,) = slack.channel(CHANNEL)
    assert message["replies"] == []
    assert [line["outcome"] for line in log_lines(capsys)] == ["failed", "delivered"]


def test_records_without_a_message_id_are_each_posted(app, slack):
    """Nothing to deduplicate by: two such records are two messages, not one and a 'duplicate'."""
    first, second = record("firing", ""), record("firing", "", service="cart")
    invoke(app, first, second)
    assert len(slack.channel(CHANNEL)) == 2
