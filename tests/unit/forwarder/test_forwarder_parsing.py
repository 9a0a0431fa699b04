"""How the forwarder reads each shape of message AMP can publish."""

import json

import pytest

from support.forwarder_events import fixture_envelope

NASTY = 'q"uote \\ back\nline\ttab é 日本 🔥 <&>'


def our_template_message(alerts, status="firing", receiver="sns\\.ops", **extra):
    """What amp_alerting_sns.tmpl renders (the real renders are proven in tests/integration)."""
    document = {"version": "amp.alerting/v1", "status": status, "receiver": receiver, "externalURL": "http://am",
                "firingCount": sum(1 for a in alerts if a["status"] == "firing"),
                "resolvedCount": sum(1 for a in alerts if a["status"] == "resolved"),
                "groupLabels": {"alertname": alerts[0]["labels"]["alertname"]}, "commonLabels": {},
                "commonAnnotations": {}, "alerts": alerts}
    document.update(extra)
    return json.dumps(document, ensure_ascii=False)


def alert(name="PodHighCpu", status="firing", **labels):
    return {"status": status, "labels": {"alertname": name, "severity": "critical", **labels},
            "annotations": {"summary": f"{name} summary", "runbook_url": "https://runbooks.example.com/x"},
            "startsAt": "2026-11-24T10:00:00.000Z",
            "endsAt": "0001-01-01T00:00:00.000Z" if status == "firing" else "2026-11-24T10:05:00.000Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=x", "fingerprint": "f00d"}


def test_json_from_our_template_captured_from_real_alertmanager(forwarder):
    envelope = fixture_envelope("json_template_nasty.json")
    parsed = forwarder.parse_notification(envelope["Message"], envelope["Subject"])
    assert parsed["format"] == "json"
    assert parsed["status"] == "firing" and parsed["receiver"] == "sns.ops"
    assert {a["labels"]["pod"] for a in parsed["alerts"]} == {"api-7d9f", "web-5c2a"}
    weird = next(a for a in parsed["alerts"] if a["labels"]["pod"] == "api-7d9f")["labels"]["weird"]
    assert 'quote " backslash \\ newline\nsecond line\ttab' in weird and "日本語 🔥" in weird


def test_default_text_exactly_as_alertmanager_0_25_publishes_it(forwarder):
    envelope = fixture_envelope("default_text_firing.json")
    parsed = forwarder.parse_notification(envelope["Message"], envelope["Subject"])
    assert parsed["format"] == "text" and parsed["status"] == "firing"
    assert len(parsed["alerts"]) == 2
    first = parsed["alerts"][0]
    assert first["labels"] == {"alertname": "PodHighCpu", "namespace": "shop", "pod": "api-7d9f", "severity": "critical"}
    assert first["annotations"]["summary"] == "Pod shop/api-7d9f uses 93% CPU"
    assert first["annotations"]["runbook_url"] == "https://runbooks.example.com/pod-high-cpu"
    assert first["generator_url"] == "http://prometheus.example:9090/graph?g0.expr=pod_cpu%3E0.9&g0.tab=1"


def test_default_text_with_firing_and_resolved_alerts(forwarder):
    envelope = fixture_envelope("default_text_mixed.json")
    parsed = forwarder.parse_notification(envelope["Message"], envelope["Subject"])
    assert [(a["status"], a["labels"]["pod"]) for a in parsed["alerts"]] == [("firing", "web-5c2a"), ("resolved", "api-7d9f")]
    assert (parsed["firing_count"], parsed["resolved_count"]) == (1, 1)


def test_default_text_keeps_multi_line_values(forwarder):
    message = ("s\n\nAlerts Firing:\nLabels:\n - alertname = A\nAnnotations:\n - description = line 1\nline 2\n"
               " - summary = s\nSource: http://p\n\n\n")
    parsed = forwarder.parse_notification(message)
    assert parsed["alerts"][0]["annotations"] == {"description": "line 1\nline 2", "summary": "s"}


def test_resolved_notification(forwarder):
    parsed = forwarder.parse_notification(our_template_message([alert(status="resolved")], status="resolved"))
    assert parsed["status"] == "resolved" and parsed["alerts"][0]["status"] == "resolved"
    assert (parsed["firing_count"], parsed["resolved_count"]) == (0, 1)


def test_nasty_characters_survive(forwarder):
    message = our_template_message([alert(pod=NASTY)])
    assert forwarder.parse_notification(message)["alerts"][0]["labels"]["pod"] == NASTY


def test_go_template_escapes_are_repaired(forwarder):
    # js gives \' ; printf "%q" gives \x00, \a, \v ; raw control characters; regexp-quoted receiver
    message = ('{"status":"firing","receiver":"sns\\.ops","alerts":[{"status":"firing",'
               '"labels":{"alertname":"it\\\'s","v":"\\x00\\a\\v","raw":"tab\there"},"annotations":{}}]}')
    parsed = forwarder.parse_notification(message)
    assert parsed["format"] == "json" and parsed["receiver"] == "sns.ops"
    assert parsed["alerts"][0]["labels"] == {"alertname": "it's", "v": "\x00\x07\x0b", "raw": "tab\there"}


def test_aws_documentation_template_with_a_quote_in_a_value(forwarder):
    # AWS's example template pastes values unescaped: the bare quotes are repaired, nothing is lost
    message = '{"receiver": "sns", "status": "firing", "alerts": [{"status": "firing", "labels": {"alertname": "say "hi""}}]}'
    parsed = forwarder.parse_notification(message, "[FIRING:1] say \"hi\"")
    assert parsed["format"] == "json" and parsed["alerts"][0]["labels"] == {"alertname": 'say "hi"'}


@pytest.mark.parametrize("value", [
    'Network interface "/dev/nvme0n1p1" changing its up status often',  # kube-prometheus
    'etcd cluster "node-exporter":member ip-10-0-3-129 has no leader.',  # a quote followed by a colon
    'quotes at the end "like this"',
])
def test_bare_quotes_of_an_unescaping_template_are_repaired(forwarder, value):
    message = ('{"receiver": "sns-alerts","status": "firing","alerts": [{"status": "firing","labels": {"alertname": "X"},'
               '"annotations": {"description": "' + value + '", "summary": "s"}}],"commonAnnotations": {"description": "'
               + value + '"}}')
    parsed = forwarder.parse_notification(message, "[FIRING:1] X")
    assert parsed["format"] == "json"
    assert parsed["alerts"][0]["annotations"] == {"description": value, "summary": "s"}


def test_a_quote_that_cannot_be_told_from_the_end_of_the_value_still_arrives_whole(forwarder):
    value = '"quoted from the start", then a comma'  # the quote before the comma looks like the value's end
    message = '{"receiver": "r","status": "firing","alerts": [{"status": "firing","labels": {"alertname": "' + value + '"}}]}'
    parsed = forwarder.parse_notification(message, "[FIRING:1] X")
    shown = json.dumps(forwarder.build_slack_message(parsed))
    assert parsed["format"] == "raw" and "then a comma" in shown


def test_truncated_default_text_is_headed_with_the_subjects_count(forwarder):
    alert_text = "Labels:\n - alertname = DiskFull\n - severity = warning\nAnnotations:\n - summary = full\nSource: http://p\n"
    cut = ("Alerts Firing:\n" + alert_text * 332)[:-7]
    parsed = forwarder.parse_notification(cut, "[FIRING:1500] DiskFull", {"truncated": {"Type": "String", "Value": "true"}})
    assert parsed["firing_count"] == 1500
    header = forwarder.build_slack_message(parsed)["blocks"][0]["text"]["text"]
    assert header == ":fire: FIRING: DiskFull (1500 alerts)"


def test_message_truncated_by_amp_is_salvaged_alert_by_alert(forwarder):
    alerts = [alert(pod=f"pod-{index:04d}", padding="x" * 400) for index in range(700)]
    message = our_template_message(alerts)
    assert len(message.encode()) > 300_000
    cut = message.encode()[:256 * 1024].decode("utf-8", "ignore")
    parsed = forwarder.parse_notification(cut, "[FIRING:700] PodHighCpu", {
        "truncated": "true", "modified": "Message: Error - Message has been truncated from 300KB"})
    assert parsed["format"] == "json" and parsed["truncated"]
    recovered = len(parsed["alerts"])
    assert 300 < recovered < 700  # every complete alert before the cut (about 770 bytes each)
    assert [a["labels"]["pod"] for a in parsed["alerts"]] == [f"pod-{index:04d}" for index in range(recovered)]
    assert parsed["firing_count"] == 700  # from the counts ahead of the alerts
    assert any("truncated" in note for note in parsed["notes"])
    assert any("modified the message" in note for note in parsed["notes"])


def test_invalid_json_is_kept_as_raw_text(forwarder):
    parsed = forwarder.parse_notification('{"alerts": [ {"status": ', "[FIRING:1] X")
    assert parsed["format"] == "raw" and parsed["raw"] == '{"alerts": [ {"status": '


def test_empty_and_unknown_messages_are_kept(forwarder):
    for message in ("", "Error - Message should not be empty", "hello from a person", "[1, 2]", '{"a": 1}'):
        parsed = forwarder.parse_notification(message, "subject")
        assert parsed["format"] == "raw" and parsed["raw"] == message and parsed["subject"] == "subject"
