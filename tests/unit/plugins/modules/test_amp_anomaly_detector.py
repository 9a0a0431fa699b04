"""amp_anomaly_detector with boto3 stubbed: above all, PutAnomalyDetector (a full retraining) only when needed."""

import pytest

from ansible_collections.amp.alerting.plugins.modules import amp_anomaly_detector

from support.amp_stubs import workspace

WS_ID = "ws-11111111-1111-1111-1111-111111111111"
AD_ID = "ad-22222222-2222-2222-2222-222222222222"
ARN = f"arn:aws:aps:eu-west-1:123456789012:anomalydetector/{WS_ID}/{AD_ID}"
QUERY = 'sum(rate(http_requests_total{job="api"}[5m]))'
ARGS = {"workspace_id": WS_ID, "alias": "api-rate", "query": QUERY, "evaluation_interval": 60,
        "ignore_near_expected_from_above": {"ratio": 0.2}, "missing_data_action": "skip", "labels": {"team": "payments"}}
BODY = {"evaluationIntervalInSeconds": 60, "missingDataAction": {"skip": True}, "labels": {"team": "payments"},
        "configuration": {"randomCutForest": {"query": QUERY, "ignoreNearExpectedFromAbove": {"ratio": 0.2}}}}


@pytest.fixture
def run(run_module):
    return run_module(amp_anomaly_detector)


def detector(status="ACTIVE", reason=None, tags=None, **changes):
    described = dict(BODY, **changes)
    described.update(arn=ARN, anomalyDetectorId=AD_ID, alias="api-rate", createdAt="2026-11-24T00:00:00Z",
                     modifiedAt="2026-11-24T00:00:00Z", tags=tags or {}, status={"statusCode": status})
    # AMP's defaults show up in a description as set values
    described["configuration"] = {"randomCutForest": dict(described["configuration"]["randomCutForest"],
                                                          shingleSize=8, sampleSize=256)}
    if reason:
        described["status"]["statusReason"] = reason
    return {"anomalyDetector": described}


def expect_found(run, found):
    run.stub.add_response("describe_workspace", {"workspace": workspace()}, {"workspaceId": WS_ID})
    summaries = [{key: d["anomalyDetector"][key] for key in ("arn", "anomalyDetectorId", "alias", "status", "createdAt",
                                                             "modifiedAt")} for d in found]
    run.stub.add_response("list_anomaly_detectors", {"anomalyDetectors": summaries}, {"workspaceId": WS_ID, "alias": "api-rate"})
    if len(found) == 1:
        run.stub.add_response("describe_anomaly_detector", found[0], {"workspaceId": WS_ID, "anomalyDetectorId": AD_ID})


def test_create_sends_the_whole_configuration_and_waits(run):
    expect_found(run, [])
    run.stub.add_response("create_anomaly_detector", {"anomalyDetectorId": AD_ID, "arn": ARN, "status": {"statusCode": "CREATING"}},
                          dict(BODY, workspaceId=WS_ID, alias="api-rate", tags={"owner": "sre"}))
    run.stub.add_response("describe_anomaly_detector", detector(), {"workspaceId": WS_ID, "anomalyDetectorId": AD_ID})
    result = run(**ARGS, tags={"owner": "sre"})
    assert result["changed"] is True and result["retrained"] is True
    assert result["anomaly_detector"]["status"] == "ACTIVE" and result["anomaly_detector"]["anomaly_detector_id"] == AD_ID


def test_the_detector_as_asked_is_never_put_again(run):
    # AMP's defaults (shingle 8, sample 256) are in the description, not in the task: still no change.
    expect_found(run, [detector()])
    result = run(**ARGS)
    assert result["changed"] is False and result["retrained"] is False  # and no put_anomaly_detector was stubbed


def test_options_left_out_keep_their_values_and_a_change_is_one_put(run):
    expect_found(run, [detector()])
    wanted = dict(BODY, evaluationIntervalInSeconds=300)
    wanted["configuration"] = {"randomCutForest": dict(BODY["configuration"]["randomCutForest"], shingleSize=8, sampleSize=256)}
    run.stub.add_response("put_anomaly_detector", {"anomalyDetectorId": AD_ID, "arn": ARN, "status": {"statusCode": "UPDATING"}},
                          dict(wanted, workspaceId=WS_ID, anomalyDetectorId=AD_ID))
    run.stub.add_response("describe_anomaly_detector", detector(evaluationIntervalInSeconds=300),
                          {"workspaceId": WS_ID, "anomalyDetectorId": AD_ID})
    result = run(workspace_id=WS_ID, alias="api-rate", evaluation_interval=300, _ansible_diff=True)
    assert result["changed"] is True and result["retrained"] is True
    assert (result["diff"]["before"]["evaluation_interval"], result["diff"]["after"]["evaluation_interval"]) == (60, 300)
    assert result["diff"]["after"]["query"] == QUERY


def test_check_mode_shows_the_retrain_and_writes_nothing(run):
    expect_found(run, [detector()])
    result = run(**dict(ARGS, query=QUERY.replace("5m", "10m")), _ansible_check_mode=True, _ansible_diff=True)
    assert result["changed"] is True and result["retrained"] is True
    assert result["diff"]["after"]["query"].endswith("[10m]))") and result["diff"]["before"]["query"] == QUERY


def test_tags_change_without_a_retrain(run):
    expect_found(run, [detector(tags={"owner": "old"})])
    run.stub.add_response("untag_resource", {}, {"resourceArn": ARN, "tagKeys": ["owner"]})
    run.stub.add_response("tag_resource", {}, {"resourceArn": ARN, "tags": {"team": "sre"}})
    run.stub.add_response("describe_anomaly_detector", detector(tags={"team": "sre"}), {"workspaceId": WS_ID, "anomalyDetectorId": AD_ID})
    result = run(**ARGS, tags={"team": "sre"})
    assert result["changed"] is True and result["retrained"] is False


def test_a_detector_whose_update_failed_is_put_again(run):
    expect_found(run, [detector(status="UPDATE_FAILED", reason="not enough samples")])
    wanted = dict(BODY)
    wanted["configuration"] = {"randomCutForest": dict(BODY["configuration"]["randomCutForest"], shingleSize=8, sampleSize=256)}
    run.stub.add_response("put_anomaly_detector", {"anomalyDetectorId": AD_ID, "arn": ARN, "status": {"statusCode": "UPDATING"}},
                          dict(wanted, workspaceId=WS_ID, anomalyDetectorId=AD_ID))
    run.stub.add_response("describe_anomaly_detector", detector(status="UPDATE_FAILED", reason="not enough samples"),
                          {"workspaceId": WS_ID, "anomalyDetectorId": AD_ID})
    result = run(**ARGS)
    assert result["failed"] is True
    assert f"anomaly detector api-rate of workspace {WS_ID} is UPDATE_FAILED: not enough samples" in result["msg"]


def test_an_alias_shared_by_two_detectors_fails_naming_them(run):
    other = detector()
    other["anomalyDetector"] = dict(other["anomalyDetector"], anomalyDetectorId="ad-33333333", arn=ARN + "x")
    expect_found(run, [detector(), other])
    result = run(**ARGS)
    assert result["failed"] is True and "matches 2 anomaly detectors" in result["msg"] and AD_ID in result["msg"]


def test_absent_deletes_and_waits(run):
    expect_found(run, [detector()])
    run.stub.add_response("delete_anomaly_detector", {}, {"workspaceId": WS_ID, "anomalyDetectorId": AD_ID})
    run.not_found("describe_anomaly_detector", {"workspaceId": WS_ID, "anomalyDetectorId": AD_ID})
    result = run(workspace_id=WS_ID, alias="api-rate", state="absent")
    assert result["changed"] is True and result["anomaly_detector"] == {}


@pytest.mark.parametrize("args, message", [
    ({"query": "rate(http_requests_total[5m])"}, "query: AMP models only a query wrapped in one of avg, count"),
    ({"query": "topk(3, rate(x[5m]))"}, "query: AMP models only a query wrapped in one of"),
    ({"query": "sum(rate(x[5m])"}, "query: does not parse as PromQL"),
    ({"alias": "-api"}, "alias: '-api' is not an anomaly detector alias"),
    ({"evaluation_interval": 10}, "evaluation_interval: 10 is outside 30-86400"),
    ({"shingle_size": 1}, "shingle_size: 1 is outside 2-1024"),
    ({"sample_size": 2048}, "sample_size: 2048 is outside 256-1024"),
    ({"ignore_near_expected_from_below": {"amount": 1, "ratio": 0.1}}, "ignore_near_expected_from_below: give exactly one"),
    ({"ignore_near_expected_from_above": {"ratio": -0.1}}, "ignore_near_expected_from_above.ratio: must be 0 or more"),
    ({"labels": {"team-name": "x"}}, "labels: 'team-name' is not a label name"),
])
def test_bad_input_is_named_before_any_call(run, args, message):
    result = run(**dict(ARGS, **args))
    assert result["failed"] is True and message in result["msg"], result["msg"]
