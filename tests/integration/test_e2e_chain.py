"""The whole chain on one machine: metrics → workspace Prometheus (rules from the inventory) →
Alertmanager → SNS → the deployed forwarder → Slack, with the real Prometheus and Alertmanager."""

import json
import os
import urllib.request

import pytest

from sandbox.processes import missing_binaries
from support import eventually
from support.ansible_run import REPO, run_playbook
from support.metrics import MetricsExporter, PrometheusAgent
from support.slack_sink import SlackSink

MISSING = missing_binaries("prometheus", "prometheus-alertmanager")
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(
    bool(MISSING), reason=f"needs {', '.join(MISSING)}: apt-get install prometheus prometheus-alertmanager")]

INVENTORY = os.path.join(REPO, "inventories", "sandbox")
SITE = os.path.join(REPO, "site.yml")
MEMORY = "container_memory_usage_bytes"
POD = {"namespace": "shop", "pod": "api-7d9f", "container": "api"}


def header(message):
    return message["blocks"][0]["text"]["text"]


def test_threshold_crossing_reaches_slack_then_resolves_and_redeploys(sandbox, monkeypatch, tmp_path):
    sandbox.set_data_plane(True)
    try:
        with SlackSink() as slack, MetricsExporter() as exporter:
            monkeypatch.setenv("SANDBOX_SLACK_WEBHOOK_URL", slack.url)
            deployed = run_playbook(SITE, INVENTORY)
            assert deployed.returncode == 0, deployed
            summary = next(result for _p, name, _h, result in deployed.task_results() if name == "Summary")["msg"]
            exporter.set(MEMORY, POD, 300_000_000)
            with PrometheusAgent(str(tmp_path), exporter.address, summary["remote_write_url"], "us-east-1"):
                # 1. above the sandbox inventory's threshold (500000000, for 0s): the alert reaches Slack
                exporter.set(MEMORY, POD, 650_000_000)
                firing = eventually(lambda: [m for m in slack.received if "PodHighMemoryUsage" in header(m)], 90,
                                    "firing message")[0]
                assert header(firing) == ":fire: FIRING: PodHighMemoryUsage (1 alert)"
                section = firing["blocks"][2]
                assert section["text"]["text"].startswith(":red_circle: *error*  *Pod shop/api-7d9f uses 619.9MiB of memory*")
                assert {"type": "mrkdwn", "text": "*pod*\napi-7d9f"} in section["fields"]
                # 2. back below: the resolved message follows
                exporter.set(MEMORY, POD, 300_000_000)
                resolved = eventually(lambda: [m for m in slack.received if "RESOLVED: PodHighMemoryUsage" in header(m)],
                                      90, "resolved message")[0]
                assert header(resolved) == ":white_check_mark: RESOLVED: PodHighMemoryUsage (1 alert)"
            # 5. a threshold changed in the inventory and re-deployed is what Prometheus evaluates
            override = {"alerting_thresholds": {"PodHighMemoryUsage": {"value": 700000000, "for": "0s"}}}
            redeployed = run_playbook(SITE, INVENTORY, extra_vars=override)
            assert redeployed.returncode == 0, redeployed

            def evaluated_expr():
                with urllib.request.urlopen(summary["query_url"].replace("/query", "/rules"), timeout=10) as response:
                    groups = json.loads(response.read())["data"]["groups"]
                rule = next(r for g in groups for r in g["rules"] if r["name"] == "PodHighMemoryUsage")
                # Prometheus prints the number its own way (7e+08)
                return rule["query"] if float(rule["query"].rsplit(">", 1)[1]) == 700000000 else None

            assert eventually(evaluated_expr, 30, "re-deployed threshold in Prometheus").startswith("sum by (namespace, pod)")
    finally:
        sandbox.set_data_plane(False)
