"""The forwarder's message template and AMP's default text, proven with the real Alertmanager 0.25.

Alertmanager (Debian's prometheus-alertmanager, the version AMP runs) publishes to the sandbox's
SNS; an SQS subscriber captures the envelope. The default-text fixtures the forwarder's unit tests
use are exactly what it published: run with REGENERATE_FIXTURES=1 to rewrite them.
"""

import datetime
import json
import os
import subprocess

import pytest

from sandbox.control import SANDBOX_ACCESS_KEY, SANDBOX_REGION, SANDBOX_SECRET_KEY
from support import REPO_ROOT, load_forwarder
from sandbox.processes import missing_binaries
from support.alertmanager import DEFAULT_TEMPLATE, RealAlertmanager, SnsCapture, sns_receiver_config

MISSING = missing_binaries("prometheus-alertmanager", "amtool")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(bool(MISSING), reason=f"needs {', '.join(MISSING)}: apt-get install prometheus-alertmanager"),
]

FIXTURES = os.path.join(REPO_ROOT, "tests", "fixtures", "forwarder")
TEMPLATE_PATH = os.path.join(REPO_ROOT, "files", "lambda", "amp_alerting_sns.tmpl")
NASTY = ('quote " backslash \\ newline\nsecond line\ttab\r cr \x07 bell \x00 nul \x1b esc '
         "apostrophe ' é ü 日本語 🔥 \u2028 <b>&amp;</b> {{ $labels.pod }} \\u0041 \\x41 $1 ${1} %q")


def _alerts(now):
    # Started now, not minutes ago: Alertmanager flushes a new group at once when its first alert is
    # older than group_wait, and the second alert of the same POST could then miss the notification.
    started = now.isoformat()
    return [
        {"labels": {"alertname": "PodHighCpu", "severity": "critical", "namespace": "shop", "pod": "api-7d9f"},
         "annotations": {"summary": "Pod shop/api-7d9f uses 93% CPU", "description": "CPU above 90% for 5m",
                         "runbook_url": "https://runbooks.example.com/pod-high-cpu"},
         "generatorURL": "http://prometheus.example:9090/graph?g0.expr=pod_cpu%3E0.9&g0.tab=1", "startsAt": started},
        {"labels": {"alertname": "PodHighCpu", "severity": "critical", "namespace": "shop", "pod": "web-5c2a"},
         "annotations": {"summary": "Pod shop/web-5c2a uses 91% CPU", "description": "CPU above 90% for 5m",
                         "runbook_url": "https://runbooks.example.com/pod-high-cpu"},
         "generatorURL": "http://prometheus.example:9090/graph?g0.expr=pod_cpu%3E0.9&g0.tab=1", "startsAt": started},
    ]


def _capture(tmp_path, sandbox, aws_client, template_files, batches):
    """Post each batch of alerts, wait for the SNS message it causes; return the envelopes."""
    capture = SnsCapture(aws_client)
    config = {
        "route": {"receiver": "sns.ops", "group_by": ["alertname"], "group_wait": "1s",
                  "group_interval": "1s", "repeat_interval": "1h"},
        "receivers": [sns_receiver_config("sns.ops", capture.topic_arn, sandbox.endpoint, SANDBOX_REGION,
                                          SANDBOX_ACCESS_KEY, SANDBOX_SECRET_KEY)],
    }
    envelopes = []
    with RealAlertmanager(str(tmp_path), config, template_files) as alertmanager:
        for batch in batches:
            alertmanager.post_alerts(batch)
            try:
                envelopes.extend(capture.wait_for(1))
            except AssertionError as err:
                raise AssertionError(f"{err}\nalertmanager log:\n{alertmanager.log_tail()}") from None
    return envelopes


def _check_fixture(name, envelope):
    """Compare with the committed fixture (or rewrite it when asked)."""
    path = os.path.join(FIXTURES, name)
    kept = {"Subject": envelope["Subject"], "Message": envelope["Message"]}
    if os.environ.get("REGENERATE_FIXTURES"):
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(kept, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
    with open(path, encoding="utf-8") as handle:
        assert json.load(handle) == kept, f"Alertmanager no longer publishes what {name} holds"


def test_default_text_fixtures_are_what_alertmanager_publishes(tmp_path, sandbox, aws_client):
    now = datetime.datetime.now(datetime.timezone.utc)
    firing = _alerts(now)
    resolved_one = [dict(firing[0], endsAt=now.isoformat())]
    firing_env, mixed_env = _capture(tmp_path, sandbox, aws_client, {}, [firing, resolved_one])
    _check_fixture("default_text_firing.json", firing_env)
    _check_fixture("default_text_mixed.json", mixed_env)
    # and the forwarder reads them back
    forwarder = load_forwarder()
    parsed = forwarder.parse_notification(mixed_env["Message"], mixed_env["Subject"])
    assert parsed["format"] == "text"
    assert [(a["status"], a["labels"]["pod"]) for a in parsed["alerts"]] == [("firing", "web-5c2a"), ("resolved", "api-7d9f")]


def test_json_template_through_real_alertmanager_keeps_nasty_values(tmp_path, sandbox, aws_client):
    now = datetime.datetime.now(datetime.timezone.utc)
    alerts = _alerts(now)
    alerts[0]["labels"]["weird"] = NASTY
    alerts[0]["annotations"]["description"] = NASTY
    with open(TEMPLATE_PATH, encoding="utf-8") as handle:
        template = handle.read()
    firing_env, resolved_env = _capture(tmp_path, sandbox, aws_client, {"amp_alerting_sns.tmpl": template},
                                        [alerts, [dict(a, endsAt=now.isoformat()) for a in alerts]])
    for envelope in (firing_env, resolved_env):
        document = json.loads(envelope["Message"])  # strict JSON: no repair needed
        by_pod = {alert["labels"]["pod"]: alert for alert in document["alerts"]}
        assert by_pod["api-7d9f"]["labels"]["weird"] == NASTY
        assert by_pod["api-7d9f"]["annotations"]["description"] == NASTY
        assert document["receiver"] == "sns\\.ops"  # Alertmanager regexp-quotes the receiver name
        subject = envelope["Subject"]
        assert len(subject) < 100 and subject.isascii() and subject.isprintable()
    assert json.loads(firing_env["Message"])["status"] == "firing"
    assert json.loads(resolved_env["Message"])["status"] == "resolved"
    assert firing_env["Subject"] == "[FIRING:2] PodHighCpu"
    # the forwarder's reading of it
    parsed = load_forwarder().parse_notification(firing_env["Message"], firing_env["Subject"])
    assert parsed["format"] == "json" and parsed["receiver"] == "sns.ops"
    parsed_by_pod = {alert["labels"]["pod"]: alert for alert in parsed["alerts"]}
    assert parsed_by_pod["api-7d9f"]["annotations"]["description"] == NASTY
    if os.environ.get("REGENERATE_FIXTURES"):
        with open(os.path.join(FIXTURES, "json_template_nasty.json"), "w", encoding="utf-8") as handle:
            json.dump({"Subject": firing_env["Subject"], "Message": firing_env["Message"]}, handle, indent=2)
            handle.write("\n")


def _amtool_render(tmp_path, data, template_name):
    data_path = tmp_path / "data.json"
    data_path.write_text(json.dumps(data), encoding="utf-8")
    result = subprocess.run(
        ["amtool", "template", "render", f"--template.glob={DEFAULT_TEMPLATE}", f"--template.glob={TEMPLATE_PATH}",
         f"--template.text={{{{ template \"{template_name}\" . }}}}", f"--template.data={data_path}"],
        capture_output=True, text=True, check=False, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


def _template_data(value, group_value="PodHighCpu"):
    return {
        "receiver": "sns", "status": "firing", "externalURL": "http://127.0.0.1:9093",
        "groupLabels": {"alertname": group_value}, "commonLabels": {"alertname": group_value},
        "commonAnnotations": {"summary": value},
        "alerts": [{"status": "firing", "labels": {"alertname": group_value, "v": value},
                    "annotations": {"summary": value}, "startsAt": "2026-11-24T10:00:00.123456789Z",
                    "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://p/graph?g0.expr=a%3E1&x=\"y\"",
                    "fingerprint": "0123456789abcdef"}],
    }


@pytest.mark.parametrize("value", [
    "".join(chr(code) for code in range(32)),
    '"\\"\\\\"', "\\", "\\\\u0000", "tab\there", "日本語 🔥 ünïcödé", "\u2028\u2029\x7f", "", "}],{\"x\":\"",
], ids=["control-chars", "quotes-and-backslashes", "lone-backslash", "escaped-escape", "tab", "non-ascii",
        "line-separators", "empty", "json-injection"])
def test_template_renders_strict_json_for_any_value(tmp_path, value):
    document = json.loads(_amtool_render(tmp_path, _template_data(value), "sns.default.message"))
    assert document["alerts"][0]["labels"]["v"] == value
    assert document["alerts"][0]["annotations"]["summary"] == value
    assert document["commonAnnotations"]["summary"] == value
    assert document["alerts"][0]["startsAt"] == "2026-11-24T10:00:00.123Z"
    assert document["alerts"][0]["generatorURL"] == "http://p/graph?g0.expr=a%3E1&x=\"y\""
    assert (document["firingCount"], document["resolvedCount"]) == (1, 0)


@pytest.mark.parametrize("group_value", ["x" * 300, "Höhe über 日本 \n\t 🔥", "A" * 85 + "é" * 20])
def test_subject_stays_printable_ascii_under_100(tmp_path, group_value):
    subject = _amtool_render(tmp_path, _template_data("v", group_value), "sns.default.subject")
    assert subject.startswith("[FIRING:1] ")
    assert len(subject) < 100 and subject.isascii() and subject.isprintable(), repr(subject)
