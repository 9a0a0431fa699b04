"""The handler end to end against a local Slack stand-in (real sockets): retries, failures, secrets."""

import datetime
import json
import time

import pytest

from support.forwarder_events import LambdaContext, fixture_envelope, sns_record

FIRING = fixture_envelope("default_text_firing.json")


def event(*records):
    return {"Records": list(records)}


def firing_record(message_id="msg-1"):
    return sns_record(FIRING["Message"], FIRING["Subject"], message_id=message_id)


def log_lines(capsys):
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]


def test_one_record_one_slack_message_one_log_line(forwarder, slack, webhook_env, capsys):
    assert forwarder.forward_alerts_to_slack(event(firing_record()), LambdaContext(10)) == {"delivered": 1}
    assert len(slack.received) == 1
    assert slack.received[0]["blocks"][0]["text"]["text"] == ":fire: FIRING: PodHighCpu (2 alerts)"
    (line,) = log_lines(capsys)
    assert line["sns_message_id"] == "msg-1" and line["outcome"] == "delivered"
    assert (line["format"], line["status"], line["alert_count"], line["slack_status"], line["attempts"]) == \
        ("text", "firing", 2, 200, 1)
    assert isinstance(line["duration_ms"], int)


def test_every_record_of_the_event_is_forwarded(forwarder, slack, webhook_env, capsys):
    records = [firing_record("m1"), sns_record("not an alert", "hello", message_id="m2"), firing_record("m3")]
    assert forwarder.forward_alerts_to_slack(event(*records), LambdaContext(10)) == {"delivered": 3}
    assert len(slack.received) == 3
    assert [line["sns_message_id"] for line in log_lines(capsys)] == ["m1", "m2", "m3"]


def test_429_waits_for_retry_after_then_one_message_arrives(forwarder, slack, webhook_env, capsys):
    slack.answer(429, "rate_limited", retry_after=1, times=2)
    started = time.monotonic()
    forwarder.forward_alerts_to_slack(event(firing_record()), LambdaContext(20))
    assert len(slack.received) == 1 and len(slack.requests) == 3
    gaps = [later["at"] - earlier["at"] for earlier, later in zip(slack.requests, slack.requests[1:])]
    assert all(gap >= 0.95 for gap in gaps), gaps
    assert time.monotonic() - started < 5
    assert log_lines(capsys)[0]["attempts"] == 3


def test_500_forever_raises_within_the_time_budget(forwarder, slack, webhook_env, capsys, monkeypatch):
    monkeypatch.setenv("SLACK_MAX_ATTEMPTS", "100")
    slack.answer(500, "rollup_error", times=None)
    started = time.monotonic()
    with pytest.raises(forwarder.ForwardError, match="out of time after .* attempts.*HTTP 500 rollup_error"):
        forwarder.forward_alerts_to_slack(event(firing_record()), LambdaContext(6))
    elapsed = time.monotonic() - started
    assert elapsed < 6 - 1.0, f"took {elapsed:.1f}s of a 6s budget: Lambda would have killed it first"
    assert len(slack.requests) >= 3 and not slack.received
    (line,) = log_lines(capsys)
    assert line["outcome"] == "failed" and line["slack_status"] == 500


def test_network_errors_are_retried(forwarder, monkeypatch, capsys):
    monkeypatch.setenv("SLACK_ALLOWED_HOSTS", "127.0.0.1")
    monkeypatch.setenv("SLACK_WEBHOOK_URL", "http://127.0.0.1:9/closed-port")
    monkeypatch.setenv("SLACK_MAX_ATTEMPTS", "3")
    with pytest.raises(forwarder.ForwardError, match="gave up after 3 attempts; last answer: network error"):
        forwarder.forward_alerts_to_slack(event(firing_record()), LambdaContext(30))


@pytest.mark.parametrize("status, answer", [(404, "channel_not_found"), (410, "channel_is_archived"),
                                            (403, "action_prohibited")])
def test_final_4xx_raises_at_once_with_slacks_answer(forwarder, slack, webhook_env, capsys, status, answer):
    slack.answer(status, answer)
    with pytest.raises(forwarder.ForwardError, match=f"Slack answered HTTP {status} {answer}"):
        forwarder.forward_alerts_to_slack(event(firing_record()), LambdaContext(10))
    assert len(slack.requests) == 1
    (line,) = log_lines(capsys)
    assert line["slack_status"] == status and answer in line["error"]


def test_200_without_ok_is_not_success(forwarder, slack, webhook_env, capsys):
    slack.answer(200, "no_text", times=2)
    with pytest.raises(forwarder.ForwardError, match="HTTP 200 no_text"):
        forwarder.forward_alerts_to_slack(event(firing_record()), LambdaContext(10))
    # The blocks, then the plain-text summary: both refused, so the event goes back to Lambda.
    assert len(slack.requests) == 2 and "blocks" not in slack.requests[1]["payload"]


def test_one_failed_record_fails_the_invocation_after_the_others_are_sent(forwarder, slack, webhook_env, capsys):
    slack.answer(404, "channel_not_found")
    with pytest.raises(forwarder.ForwardError, match="1 of 2 SNS record"):
        forwarder.forward_alerts_to_slack(event(firing_record("m1"), firing_record("m2")), LambdaContext(10))
    assert len(slack.received) == 1
    assert [line["outcome"] for line in log_lines(capsys)] == ["failed", "delivered"]


def test_no_webhook_configured_raises(forwarder):
    with pytest.raises(forwarder.ForwardError, match="no webhook configured"):
        forwarder.forward_alerts_to_slack(event(firing_record()), LambdaContext(10))


def test_webhook_from_ssm_is_fetched_once_per_container(forwarder, slack, sandbox, aws_client, monkeypatch, capsys):
    aws_client("ssm").put_parameter(Name="/amp-alerting/slack-webhook", Value=slack.url, Type="SecureString")
    monkeypatch.setenv("SLACK_WEBHOOK_SSM_PARAMETER", "/amp-alerting/slack-webhook")
    sandbox.clear_requests()
    for number in range(3):
        forwarder.forward_alerts_to_slack(event(firing_record(f"m{number}")), LambdaContext(10))
    assert len(slack.received) == 3
    ssm_calls = [r for r in sandbox.requests() if r.get("operation") == "GetParameter"]
    assert len(ssm_calls) == 1, sandbox.requests()


def test_a_revoked_webhook_is_read_again_from_ssm_after_rotation(forwarder, slack, sandbox, aws_client, monkeypatch):
    from support.slack_sink import SlackSink

    ssm = aws_client("ssm")
    ssm.put_parameter(Name="/hook", Value=slack.url, Type="SecureString")
    monkeypatch.setenv("SLACK_WEBHOOK_SSM_PARAMETER", "/hook")
    slack.answer(404, "no_service")
    with pytest.raises(forwarder.ForwardError, match="HTTP 404"):
        forwarder.forward_alerts_to_slack(event(firing_record("m1")), LambdaContext(10))
    with SlackSink() as rotated:
        ssm.put_parameter(Name="/hook", Value=rotated.url, Type="SecureString", Overwrite=True)
        forwarder.forward_alerts_to_slack(event(firing_record("m2")), LambdaContext(10))
        assert len(rotated.received) == 1 and not slack.received


def test_missing_ssm_parameter_raises_naming_the_parameter(forwarder, sandbox, monkeypatch):
    monkeypatch.setenv("SLACK_WEBHOOK_SSM_PARAMETER", "/amp-alerting/nope")
    with pytest.raises(forwarder.ForwardError, match="SSM GetParameter /amp-alerting/nope: HTTP 400 ParameterNotFound"):
        forwarder.forward_alerts_to_slack(event(firing_record()), LambdaContext(10))


def test_webhook_url_never_appears_in_logs_or_errors(forwarder, slack, sandbox, aws_client, monkeypatch, capsys):
    secret_url = slack.url.replace("/sink", "/XXSECRETXX")
    aws_client("ssm").put_parameter(Name="/hook", Value=secret_url, Type="SecureString")
    monkeypatch.setenv("SLACK_WEBHOOK_SSM_PARAMETER", "/hook")
    seen = []
    slack.answer(429, f"rate_limited {secret_url}", retry_after=0)
    slack.answer(404, f"no_service {secret_url}")
    with pytest.raises(forwarder.ForwardError) as failure:
        forwarder.forward_alerts_to_slack(event(firing_record()), LambdaContext(10))
    seen.append(str(failure.value))
    for url in ("ftp://XXSECRETXX", slack.url.replace("/sink", "/XX SECRET XX/XXSECRETXX"),
                "https://hooks.slack.com.evil.example/XXSECRETXX"):
        monkeypatch.setenv("SLACK_WEBHOOK_URL", url)
        monkeypatch.delenv("SLACK_WEBHOOK_SSM_PARAMETER", raising=False)
        with pytest.raises(forwarder.ForwardError) as failure:
            forwarder.forward_alerts_to_slack(event(firing_record()), LambdaContext(10))
        seen.append(str(failure.value))
    captured = capsys.readouterr()
    seen += [captured.out, captured.err]
    # Of Slack's answer only its error code is kept; an answer that is not one is not shown at all.
    assert "Slack answered HTTP 404 (" in seen[0] and "characters, not shown)" in seen[0]
    assert "holds whitespace or control characters" in seen[2]
    assert "is not a Slack webhook URL" in seen[3]
    assert not [text for text in seen if "XXSECRETXX" in text or "SECRET" in text], seen
    assert len(slack.requests) == 2  # none of the refused URLs was tried


def test_sigv4_signature_matches_botocore(forwarder):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    url, body = "https://ssm.eu-west-1.amazonaws.com/", b'{"Name": "/hook", "WithDecryption": true}'
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AmazonSSM.GetParameter"}
    request = AWSRequest(method="POST", url=url, data=body, headers=dict(headers))
    SigV4Auth(Credentials("AKIDEXAMPLE", "secret", "token123"), "ssm", "eu-west-1").add_auth(request)
    signed_at = datetime.datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(
        tzinfo=datetime.timezone.utc)
    ours = forwarder.sigv4_headers("POST", url, body, headers, "eu-west-1", "ssm",
                                   ("AKIDEXAMPLE", "secret", "token123"), now=signed_at)
    assert ours["Authorization"] == request.headers["Authorization"]
    assert ours["X-Amz-Security-Token"] == "token123"


def test_a_long_rate_limit_is_waited_out_within_the_budget_not_a_fixed_attempt_count(forwarder, monkeypatch):
    """Slack answers 429 (Retry-After: 1) for 45 s; a 60 s invocation (58 s deadline) still delivers.

    With a fixed 8 attempts it gave up after ~8 s with 50 s left, and the event went to the DLQ.
    """
    delivery = __import__(forwarder.__name__ + ".delivery", fromlist=["post_json"])
    now = [0.0]
    answers = []

    def fake_post(_url, _body, _timeout, headers=None):
        answers.append(now[0])
        return (200, "ok", None) if now[0] >= 45 else (429, "rate_limited", "1")

    monkeypatch.setattr(delivery, "post_json", fake_post)
    result = forwarder.deliver("https://hooks.slack.com/services/T0/B0/x", {"text": "t"}, deadline=58.0,
                               sleep=lambda seconds: now.__setitem__(0, now[0] + seconds), clock=lambda: now[0])
    assert result == {"status": 200, "attempts": 46}
    assert answers[-1] == 45.0

    # Past the deadline it stops, saying so, rather than being killed by the runtime mid-request.
    now[0] = 0.0
    monkeypatch.setattr(delivery, "post_json", lambda *_a, **_k: (429, "rate_limited", "1"))
    with pytest.raises(forwarder.ForwardError, match=r"out of time after 58 attempts \(next try in 1.0s\)"):
        forwarder.deliver("https://hooks.slack.com/services/T0/B0/x", {"text": "t"}, deadline=58.0,
                          sleep=lambda seconds: now.__setitem__(0, now[0] + seconds), clock=lambda: now[0])


def test_each_record_goes_to_the_channel_its_route_named(forwarder, slack, sandbox, aws_client, monkeypatch, capsys):
    """The route's SNS message attribute 'destination' picks the webhook; no attribute, the default."""
    from support.slack_sink import SlackSink

    ssm = aws_client("ssm")
    ssm.put_parameter(Name="/hook", Value=slack.url, Type="SecureString")
    monkeypatch.setenv("SLACK_WEBHOOK_SSM_PARAMETER", "/hook")
    monkeypatch.setenv("SLACK_DESTINATION_SSM_PREFIX", "/amp/slack/")
    monkeypatch.setenv("SLACK_DESTINATIONS", "oncall,payments")
    with SlackSink() as oncall:
        ssm.put_parameter(Name="/amp/slack/oncall", Value=oncall.url, Type="SecureString")
        records = [sns_record(FIRING["Message"], FIRING["Subject"], {"destination": "oncall"}, "m1"),
                   sns_record(FIRING["Message"], FIRING["Subject"], {"severity": "warning"}, "m2"),
                   sns_record(FIRING["Message"], FIRING["Subject"], {"destination": "oncall"}, "m3")]
        assert forwarder.forward_alerts_to_slack(event(*records), LambdaContext(10)) == {"delivered": 3}
        assert (len(oncall.received), len(slack.received)) == (2, 1)
    assert [(line["sns_message_id"], line["destination"]) for line in log_lines(capsys)] == \
        [("m1", "oncall"), ("m2", "default"), ("m3", "oncall")]


def test_an_unknown_destination_fails_its_record_not_the_others(forwarder, slack, webhook_env, monkeypatch, capsys):
    monkeypatch.setenv("SLACK_DESTINATION_SSM_PREFIX", "/amp/slack/")
    monkeypatch.setenv("SLACK_DESTINATIONS", "oncall")
    records = [sns_record(FIRING["Message"], FIRING["Subject"], {"destination": "oncal"}, "m1"), firing_record("m2")]
    with pytest.raises(forwarder.ForwardError, match=r"1 of 2 SNS record.*destination 'oncal' is not configured "
                                                     r"\(configured: oncall\)"):
        forwarder.forward_alerts_to_slack(event(*records), LambdaContext(10))
    assert len(slack.received) == 1, "posted to another channel than its route named"
    assert [line["outcome"] for line in log_lines(capsys)] == ["failed", "delivered"]


def test_the_delivery_of_a_doctor_test_alert_is_logged_with_its_probe_label(forwarder, slack, webhook_env, capsys):
    envelope = fixture_envelope("json_template_nasty.json")
    message = json.loads(envelope["Message"])
    message["alerts"][0]["labels"]["amp_alerting_probe"] = "doctor-0f1e"
    records = [sns_record(json.dumps(message), envelope["Subject"], message_id="probe"), firing_record("plain")]
    assert forwarder.forward_alerts_to_slack(event(*records), LambdaContext(10)) == {"delivered": 2}
    probe, plain = log_lines(capsys)
    assert (probe["probe"], probe["outcome"]) == ("doctor-0f1e", "delivered")
    assert "probe" not in plain
