"""amp_anomaly_detector_info with boto3 stubbed."""

import pytest

from ansible_collections.amp.alerting.plugins.modules import amp_anomaly_detector_info

from support.amp_stubs import workspace

WS_ID = "ws-11111111-1111-1111-1111-111111111111"


@pytest.fixture
def run(run_module):
    return run_module(amp_anomaly_detector_info)


def summary(detector_id, alias, status="ACTIVE"):
    return {"arn": f"arn:aws:aps:eu-west-1:123456789012:anomalydetector/{WS_ID}/{detector_id}", "anomalyDetectorId": detector_id,
            "alias": alias, "status": {"statusCode": status}, "createdAt": "2026-11-24T00:00:00Z",
            "modifiedAt": "2026-11-24T00:00:00Z"}


def described(detector_id, alias, status="ACTIVE", reason=None):
    detector = dict(summary(detector_id, alias, status), evaluationIntervalInSeconds=60,
                    configuration={"randomCutForest": {"query": "sum(x)"}})
    if reason:
        detector["status"]["statusReason"] = reason
    return {"anomalyDetector": detector}


def test_lists_every_page_described_and_ordered_by_alias(run):
    run.stub.add_response("describe_workspace", {"workspace": workspace()}, {"workspaceId": WS_ID})
    run.stub.add_response("list_anomaly_detectors", {"anomalyDetectors": [summary("ad-2", "zeta")], "nextToken": "t"},
                          {"workspaceId": WS_ID})
    run.stub.add_response("list_anomaly_detectors", {"anomalyDetectors": [summary("ad-1", "alpha", "UPDATE_FAILED")]},
                          {"workspaceId": WS_ID, "nextToken": "t"})
    run.stub.add_response("describe_anomaly_detector", described("ad-2", "zeta"), {"workspaceId": WS_ID, "anomalyDetectorId": "ad-2"})
    run.stub.add_response("describe_anomaly_detector", described("ad-1", "alpha", "UPDATE_FAILED", "not enough samples"),
                          {"workspaceId": WS_ID, "anomalyDetectorId": "ad-1"})
    result = run(workspace_id=WS_ID)
    assert result["changed"] is False
    assert [(d["alias"], d["status"], d.get("status_reason")) for d in result["anomaly_detectors"]] == [
        ("alpha", "UPDATE_FAILED", "not enough samples"), ("zeta", "ACTIVE", None)]


def test_a_detector_deleted_between_list_and_describe_is_left_out(run):
    run.stub.add_response("describe_workspace", {"workspace": workspace()}, {"workspaceId": WS_ID})
    run.stub.add_response("list_anomaly_detectors", {"anomalyDetectors": [summary("ad-1", "alpha")]},
                          {"workspaceId": WS_ID, "alias": "alpha"})
    run.not_found("describe_anomaly_detector", {"workspaceId": WS_ID, "anomalyDetectorId": "ad-1"})
    assert run(workspace_id=WS_ID, alias="alpha")["anomaly_detectors"] == []
