"""The whole chain on one machine: metrics → workspace Prometheus (rules from the inventory) →
Alertmanager (routes, silences) → SNS → the deployed forwarder → Slack (an app: channels and threads),
with the real Prometheus and Alertmanager; and an anomaly detector's alert on the same stack (the
sandbox writes the detector's series from its stand-in model, tests/sandbox/anomaly.py)."""

import json
import os
import time
import urllib.request

import pytest

from sandbox.processes import missing_binaries
from support import eventually
from support.ansible_run import REPO, run_playbook
from support.doctor_run import doctor
from support.metrics import MetricsExporter, PrometheusAgent
from support.slack_sink import SlackSink

MISSING = missing_binaries("prometheus", "prometheus-alertmanager")
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    bool(MISSING), reason=f"needs {', '.join(MISSING)}: apt-get install prometheus prometheus-alertmanager")]

INVENTORY = os.path.join(REPO, "inventories", "sandbox")
SITE = os.path.join(REPO, "site.yml")
MEMORY = "container_memory_usage_bytes"
POD = {"namespace": "shop", "pod": "api-7d9f", "container": "api"}


TOKEN = "xoxb-7-8-alertingbot"
ONCALL, ALERTS, ANOMALIES = "C0ONCALL", "C0ALERTS", "C0ANOMALIES"
ORDERS = "shop_orders_in_flight"
MAINTENANCE = os.path.join(REPO, "playbooks", "maintenance.yml")
SILENCE = {"maintenance_matchers": ['alertname="PodHighMemoryUsage"'], "maintenance_comment": "e2e: CHG-7 api deploy",
           "maintenance_minutes": 30}


def header(message):
    return message["blocks"][0]["text"]["text"]


def routing(slack):
    """Critical alerts to #oncall, warnings to #alerts, anomalies to #anomalies: channels of one Slack app
    (threads). One anomaly detector (every 30 s, at least AMP's minimum) on the orders in flight."""
    return {
        "lambda_slack_destinations": {"oncall": {"bot_token": TOKEN, "channel": ONCALL},
                                      "alerts": {"bot_token": TOKEN, "channel": ALERTS},
                                      "anomalies": {"bot_token": TOKEN, "channel": ANOMALIES}},
        "lambda_slack_api_url": slack.api_url,
        "workspace_anomaly_detectors": [{"alias": "orders-in-flight", "query": f"sum({ORDERS})", "evaluation_interval": 30}],
        "alerting_anomaly_alerts": {"orders-in-flight": {"score": 0.5}},
        "alerting_routes": [{"name": "anomalies", "matchers": ['alertname=~"Anomaly.*"'], "slack_destination": "anomalies"},
                            {"name": "oncall", "matchers": ['severity="critical"'], "slack_destination": "oncall"},
                            {"name": "alerts", "matchers": ['severity="warning"'], "slack_destination": "alerts"}],
        "alerting_thresholds": {"PodHighMemoryUsage": {"value": 500000000, "for": "0s", "severity": "critical"},
                                "HostHighMemoryUsage": {"value": 90, "for": "0s"}},
    }


def alert_state(endpoint, workspace_id, alertname):
    """The workspace Alertmanager's view of an alert: 'active', 'suppressed' (silenced) or None."""
    url = f"{endpoint}/workspaces/{workspace_id}/alertmanager/api/v2/alerts"
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (a local URL)
        alerts = [a for a in json.loads(response.read()) if a["labels"].get("alertname") == alertname]
    return alerts[0]["status"]["state"] if alerts else None


def test_threshold_crossings_reach_their_channels_in_threads_and_silences_hold_them(
        sandbox, monkeypatch, tmp_path):
    sandbox.set_data_plane(True)
    sandbox.set_anomaly_interval_scale(0.2)  # the 30 s detector writes its series every 6 s (10 s behind: anomaly.live_lag)
    try:
        with SlackSink() as slack, MetricsExporter() as exporter:
            monkeypatch.setenv("SANDBOX_SLACK_WEBHOOK_URL", slack.url)
            slack.add_app(TOKEN, [ONCALL, ALERTS, ANOMALIES])
            settings = routing(slack)
            deployed = run_playbook(SITE, INVENTORY, extra_vars=settings)
            assert deployed.returncode == 0, deployed
            summary = next(result for _p, name, _h, result in deployed.task_results() if name == "Summary")["msg"]
            workspace_id = summary["remote_write_url"].split("/workspaces/")[1].split("/")[0]
            exporter.set(MEMORY, POD, 300_000_000)
            exporter.set("node_memory_MemTotal_bytes", {}, 100)
            exporter.set("node_memory_MemAvailable_bytes", {}, 50)
            exporter.set(ORDERS, {}, 100)
            with PrometheusAgent(str(tmp_path), exporter.address, summary["remote_write_url"], "us-east-1"):
                # 1. a critical and a warning threshold crossed: each alert reaches its route's channel
                exporter.set(MEMORY, POD, 650_000_000)
                exporter.set("node_memory_MemAvailable_bytes", {}, 5)
                eventually(lambda: slack.channel(ONCALL) and slack.channel(ALERTS), 90, "a message in both channels")
                (critical,) = slack.channel(ONCALL)
                (warning,) = slack.channel(ALERTS)
                assert header(critical) == ":fire: FIRING: PodHighMemoryUsage (1 alert)"
                assert critical["blocks"][2]["text"]["text"].startswith(
                    ":red_circle: *critical*  *Pod shop/api-7d9f uses 619.9MiB of memory*")
                assert {"type": "mrkdwn", "text": "*pod*\napi-7d9f"} in critical["blocks"][2]["fields"]
                assert header(warning) == ":fire: FIRING: HostHighMemoryUsage (1 alert)"
                assert not slack.received, "nothing may reach the default webhook"
                assert not slack.channel(ANOMALIES), "steady orders are no anomaly"

                # (meanwhile) the orders in flight triple: the detector's score jumps, its alert fires in #anomalies
                exporter.set(ORDERS, {}, 300)

                # 2. the warning resolves while SNS delivers every message twice: its message is updated
                # and one reply in its thread says when; the duplicate posts nothing
                sandbox.set_sns_duplicate_deliveries(True)
                exporter.set("node_memory_MemAvailable_bytes", {}, 50)
                eventually(lambda: slack.channel(ALERTS)[0]["replies"], 90, "the resolution's reply")
                eventually(lambda: [e for e in sandbox.lambda_invocations() if '"outcome": "duplicate"' in e["output"]],
                           30, "the duplicate delivery handled")
                sandbox.set_sns_duplicate_deliveries(False)
                (warning,) = slack.channel(ALERTS)
                assert header(warning) == ":white_check_mark: RESOLVED: HostHighMemoryUsage (1 alert)"
                assert [len(warning["edits"]), len(warning["replies"])] == [1, 1]
                assert warning["replies"][0]["text"].startswith(":white_check_mark: Resolved <!date^")

                # 3. the critical one resolves too
                exporter.set(MEMORY, POD, 300_000_000)
                eventually(lambda: "RESOLVED" in header(slack.channel(ONCALL)[0]), 90, "#oncall's message resolved")

                # the anomaly reached #anomalies; the orders back to normal, it resolves (meanwhile, below)
                eventually(lambda: slack.channel(ANOMALIES), 90, "the anomaly alert in #anomalies")
                (anomaly,) = slack.channel(ANOMALIES)
                assert header(anomaly) == ":fire: FIRING: AnomalyOrdersInFlight (1 alert)"
                assert "orders-in-flight is anomalous: score 1.00" in anomaly["blocks"][2]["text"]["text"]
                exporter.set(ORDERS, {}, 100)

                # 4. a change under maintenance.yml's silence: the alert fires and Alertmanager holds it
                silenced = run_playbook(MAINTENANCE, INVENTORY, extra_vars=SILENCE)
                assert silenced.returncode == 0, silenced
                exporter.set(MEMORY, POD, 650_000_000)
                eventually(lambda: alert_state(sandbox.endpoint, workspace_id, "PodHighMemoryUsage") == "suppressed", 90,
                           "the alert firing, silenced")
                time.sleep(8)  # group_wait (1s) and group_interval (5s) pass: nothing is sent
                assert len(slack.channel(ONCALL)) == 1 and not slack.received
                # the change is over: the silence ends and the alert arrives, as a new thread
                ended = run_playbook(MAINTENANCE, INVENTORY, extra_vars=dict(SILENCE, maintenance_state="absent"))
                assert ended.returncode == 0, ended
                eventually(lambda: len(slack.channel(ONCALL)) == 2, 60, "the alert after the silence")
                assert header(slack.channel(ONCALL)[1]) == ":fire: FIRING: PodHighMemoryUsage (1 alert)"
                eventually(lambda: "RESOLVED" in header(slack.channel(ANOMALIES)[0]), 120, "the anomaly resolved")
                assert len(slack.channel(ANOMALIES)) == 1
            # the doctor, with the read-only check policy, reads the detector the anomaly alert needs
            _run, hops, table = doctor(INVENTORY, principal="checker", alerting_anomaly_alerts=settings["alerting_anomaly_alerts"])
            assert hops["anomaly detectors"] == ("ok", "1 ACTIVE: orders-in-flight"), table
            failed = [e for e in sandbox.lambda_invocations() if e["outcome"] not in ("succeeded",)]
            assert failed == [], json.dumps(failed)[:2000]
    finally:
        sandbox.set_data_plane(False)
