"""amp.alerting.amp_anomaly_detector run by Ansible against the sandbox: every PutAnomalyDetector is a
full retraining in AMP, so the tests count them in the sandbox's request log."""

from support.ansible_run import amp_write_calls
from support.ansible_run import run_module as run_any

QUERY = 'sum(rate(http_requests_total{job="api"}[5m]))'


def run_module(args, check=False, diff=False):
    return run_any("amp_anomaly_detector", args, check=check, diff=diff)


def writes(sandbox):
    return [r["operation"] for r in amp_write_calls(sandbox)]


def test_detector_create_noop_check_update_tags_absent(sandbox, aws_client):
    amp = aws_client("amp")
    workspace_id = amp.create_workspace(alias="it-anomaly")["workspaceId"]
    args = {"workspace_alias": "it-anomaly", "alias": "api-rate", "query": QUERY, "evaluation_interval": 60,
            "ignore_near_expected_from_above": {"ratio": 0.2}, "missing_data_action": "skip", "labels": {"team": "payments"}}

    created = run_module(args)
    assert created["changed"] is True and created["anomaly_detector"]["status"] == "ACTIVE"
    detector_id = created["anomaly_detector"]["anomaly_detector_id"]
    stored = amp.describe_anomaly_detector(workspaceId=workspace_id, anomalyDetectorId=detector_id)["anomalyDetector"]
    assert stored["configuration"]["randomCutForest"] == {"query": QUERY, "ignoreNearExpectedFromAbove": {"ratio": 0.2}}
    assert (stored["missingDataAction"], stored["labels"]) == ({"skip": True}, {"team": "payments"})

    sandbox.clear_requests()
    again = run_module(args)
    assert (again["changed"], again["retrained"]) == (False, False) and writes(sandbox) == []

    listed = run_any("amp_anomaly_detector_info", {"workspace_alias": "it-anomaly"})["anomaly_detectors"]
    assert [(d["alias"], d["query"], d["status"]) for d in listed] == [("api-rate", QUERY, "ACTIVE")]

    predicted = run_module(dict(args, evaluation_interval=300), check=True, diff=True)
    assert (predicted["changed"], predicted["retrained"]) == (True, True) and writes(sandbox) == []
    assert (predicted["diff"]["before"]["evaluation_interval"], predicted["diff"]["after"]["evaluation_interval"]) == (60, 300)

    updated = run_module({"workspace_alias": "it-anomaly", "alias": "api-rate", "evaluation_interval": 300})
    assert updated["retrained"] is True and writes(sandbox) == ["PutAnomalyDetector"]
    # what the task left out stayed as it was
    assert updated["anomaly_detector"]["query"] == QUERY and updated["anomaly_detector"]["labels"] == {"team": "payments"}

    sandbox.clear_requests()
    tagged = run_module(dict(args, evaluation_interval=300, tags={"owner": "sre"}))
    assert (tagged["changed"], tagged["retrained"]) == (True, False) and writes(sandbox) == ["TagResource"]

    gone = run_module({"workspace_alias": "it-anomaly", "alias": "api-rate", "state": "absent"})
    assert gone["changed"] is True and amp.list_anomaly_detectors(workspaceId=workspace_id)["anomalyDetectors"] == []


def test_creation_failed_is_reported_with_amps_reason_and_put_again(sandbox, aws_client):
    aws_client("amp").create_workspace(alias="it-anomaly-fail")
    args = {"workspace_alias": "it-anomaly-fail", "alias": "api-rate", "query": QUERY}
    sandbox.inject_fault("CreateAnomalyDetector", kind="creation_failed")
    failed = run_module(args)
    assert failed["failed"] is True
    assert "anomaly detector api-rate of workspace" in failed["msg"] and "is CREATION_FAILED: injected" in failed["msg"]
    sandbox.clear_requests()
    again = run_module(args)
    assert again["retrained"] is True and again["anomaly_detector"]["status"] == "ACTIVE"
    assert writes(sandbox) == ["PutAnomalyDetector"]


def test_bad_detectors_fail_naming_the_field_and_change_nothing(sandbox, aws_client):
    aws_client("amp").create_workspace(alias="it-anomaly-bad")
    sandbox.clear_requests()
    base = {"workspace_alias": "it-anomaly-bad", "alias": "api-rate", "query": QUERY}
    for bad, message in [
        ({"query": "rate(http_requests_total[5m])"}, "query: AMP models only a query wrapped in one of"),
        ({"query": "sum(rate(x[5m]"}, "query: does not parse as PromQL"),
        ({"alias": "api rate"}, "alias: 'api rate' is not an anomaly detector alias"),
        ({"evaluation_interval": 5}, "evaluation_interval: 5 is outside 30-86400"),
        ({"ignore_near_expected_from_below": {"amount": 1.0, "ratio": 0.5}}, "ignore_near_expected_from_below: give exactly one"),
        ({"labels": {"__name__": "x"}}, "labels: '__name__' is not a label name a detector may set"),
    ]:
        result = run_module(dict(base, **bad))
        assert result["failed"] is True and result["msg"].startswith(message), result["msg"]
    assert sandbox.requests() == []
