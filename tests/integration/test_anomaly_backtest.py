"""playbooks/anomaly_backtest.yml against the sandbox, as the shipped deployer: the inventory's anomaly
alert replayed over the workspace's past data through PreviewAnomalyDetector (SigV4, aps), on a series
seeded with two spikes an hour ago - the alert would have fired twice.

The seeded series is the detector's query itself, a function of time (no metrics need writing); the
sandbox models it with its stand-in (tests/sandbox/anomaly.py) over its real Prometheus."""

import datetime
import json
import time

import pytest
import yaml

from sandbox.processes import missing_binaries
from support.ansible_run import REPO, run_playbook
from support.principals import shipped_policy, user_with_policies

pytestmark = pytest.mark.skipif(bool(missing_binaries("prometheus")), reason="needs prometheus: apt-get install prometheus")

BACKTEST = f"{REPO}/playbooks/anomaly_backtest.yml"


def spikes_query(*starts, seconds=90):
    spikes = " + ".join(f"200 * (time() > bool {start}) * (time() < bool {start + seconds})" for start in starts)
    return f"sum(vector(100 + {spikes}))"


def inventory(tmp_path, alerts, detectors):
    path = tmp_path / "hosts.yml"
    path.write_text(yaml.safe_dump({"all": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                 "aws_region": "us-east-1"},
        "hosts": {"it-backtest": {"workspace_anomaly_detectors": detectors, "alerting_anomaly_alerts": alerts}}}}))
    return str(path)


def previews(sandbox):
    return [r for r in sandbox.requests() if r["operation"] == "POST anomalydetectors/preview"]


def test_the_backtest_counts_the_seeded_spikes_and_needs_only_the_deploy_policy(sandbox, aws_client, tmp_path):
    aws_client("amp").create_workspace(alias="it-backtest")
    now = int(time.time())
    detectors = [{"alias": "orders-rate", "query": spikes_query(now - 3000, now - 1500), "evaluation_interval": 60}]
    hosts = inventory(tmp_path, {"orders-rate": {"score": 0.5}}, detectors)

    run = run_playbook(BACKTEST, hosts, extra_vars={"backtest_lookback": "1h"})
    assert run.returncode == 0, run
    (result,) = [r for _p, name, _h, r in run.task_results() if name == "Backtest each anomaly alert"]
    (report,) = result["results"]
    assert (report["firing_count"], report["scored_points"] > 50) == (2, True), json.dumps(report)[:3000]
    # each starts at its spike and lasts the two-minute window past the spike's last high score
    starts = [datetime.datetime.fromisoformat(e["start"].replace("Z", "+00:00")).timestamp() for e in report["episodes"]]
    assert all(spike <= start <= spike + 120 for spike, start in zip((now - 3000, now - 1500), sorted(starts))), starts
    assert all(120 <= e["seconds"] <= 240 for e in report["episodes"]), report["episodes"]
    assert report["preview_query"] == f"RCF({detectors[0]['query']})"
    (said,) = [r for _p, name, _h, r in run.task_results() if name == "What each alert would have done"]
    assert said["results"][0]["msg"][0].startswith(
        "orders-rate: score above 0.5 (direction any, window two evaluations) would have fired 2 time(s), ")
    # a threshold above the seeded spikes' scores: silent
    higher = run_playbook(BACKTEST, inventory(tmp_path, {"orders-rate": {"score": 0.99, "direction": "below"}}, detectors),
                          extra_vars={"backtest_lookback": "1h"})
    (result,) = [r for _p, name, _h, r in higher.task_results() if name == "Backtest each anomaly alert"]
    assert result["results"][0]["firing_count"] == 0


def test_an_alert_on_no_detector_fails_before_any_preview_naming_it(sandbox, aws_client, tmp_path):
    aws_client("amp").create_workspace(alias="it-backtest")
    detectors = [{"alias": "orders-rate", "query": "sum(rate(orders_total[5m]))"}]
    sandbox.clear_requests()
    run = run_playbook(BACKTEST, inventory(tmp_path, {"order-rate": {"score": 0.5}}, detectors))
    assert run.returncode != 0
    assert "alerting_anomaly_alerts.order-rate: no anomaly detector 'order-rate' in workspace_anomaly_detectors " \
           "(known: orders-rate) (did you mean orders-rate?)" in run.stdout
    assert previews(sandbox) == []


def test_without_aps_preview_anomaly_detector_the_backtest_is_refused_naming_the_action(sandbox, aws_client, tmp_path):
    aws_client("amp").create_workspace(alias="it-backtest")
    deploy = shipped_policy("deploy-policy.json")
    statements = [dict(s, Action=[a for a in s["Action"] if a != "aps:PreviewAnomalyDetector"]) for s in deploy["Statement"]]
    key = user_with_policies(sandbox.endpoint, "no-preview", [dict(deploy, Statement=statements)])
    hosts = inventory(tmp_path, {"orders-rate": {"score": 0.5}},
                      [{"alias": "orders-rate", "query": "sum(rate(orders_total[5m]))"}])
    run = run_playbook(BACKTEST, hosts, env=dict(key))
    assert run.returncode != 0
    assert "is not authorized to perform: aps:PreviewAnomalyDetector on resource: arn:aws:aps:us-east-1:" in run.stdout
