"""Sandbox: an ACTIVE anomaly detector's series are written by the workspace's real Prometheus from the
stand-in model (anomaly.py), and PreviewAnomalyDetector answers with the same model over a past range.

The detector's query is a function of time (no metrics need writing): 100 until T, 300 from T."""

import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from sandbox.processes import missing_binaries
from support import eventually

pytestmark = pytest.mark.skipif(bool(missing_binaries("prometheus", "prometheus-alertmanager")),
                                reason="needs prometheus: apt-get install prometheus prometheus-alertmanager")


def jump_query(at):
    return f"sum(vector(100 + 200 * (time() > bool {at:.0f})))"


def instant(endpoint, query):
    url = endpoint + "api/v1/query?" + urllib.parse.urlencode({"query": query})
    try:
        with urllib.request.urlopen(url, timeout=15) as response:  # noqa: S310 (a local URL)
            return {series["metric"].get("__name__"): float(series["value"][1])
                    for series in json.loads(response.read())["data"]["result"]}
    except urllib.error.HTTPError as err:
        if err.code == 503:  # the workspace's Prometheus is still starting (a busy machine): nothing yet
            return {}
        raise


def preview(endpoint, form):
    request = urllib.request.Request(endpoint + "anomalydetectors/preview", data=urllib.parse.urlencode(form).encode(),
                                     method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 (a local URL)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def workspace_with_detector(aws_client, query, interval=30):
    amp = aws_client("amp")
    workspace_id = amp.create_workspace(alias="anomalies")["workspaceId"]
    amp.create_anomaly_detector(workspaceId=workspace_id, alias="checkout-rate", evaluationIntervalInSeconds=interval,
                                configuration={"randomCutForest": {"query": query}})
    return amp.describe_workspace(workspaceId=workspace_id)["workspace"]["prometheusEndpoint"]


def test_an_active_detector_writes_its_series_and_the_score_jumps_with_its_query(sandbox, aws_client):
    jump_at = time.time() + 12
    endpoint = workspace_with_detector(aws_client, jump_query(jump_at))
    sandbox.set_anomaly_interval_scale(0.1)  # a 30 s detector evaluated every 3 s
    sandbox.set_data_plane(True)
    try:
        selector = '{__name__=~"anomaly_detector:.*", alias="checkout-rate"}'

        def all_four():
            series = instant(endpoint, selector)
            return series if len(series) == 4 else None

        steady = eventually(all_four, 30, "the detector's four series")
        assert time.time() < jump_at, "the series came before the query jumped"
        assert steady["anomaly_detector:value"] == 100 and steady["anomaly_detector:score"] == 0
        assert steady["anomaly_detector:lower_band"] < 100 < steady["anomaly_detector:upper_band"]

        def written_jump():
            series = instant(endpoint, selector)
            return series if series.get("anomaly_detector:value") == 300 else None

        jumped = eventually(written_jump, 30, "the jump written")
        assert jumped["anomaly_detector:score"] == 1 and jumped["anomaly_detector:value"] > jumped["anomaly_detector:upper_band"]
    finally:
        sandbox.set_data_plane(False)


def test_preview_models_a_past_range_and_wants_the_rcf_pseudo_function(sandbox, aws_client):
    jump_at = int(time.time()) - 600
    endpoint = workspace_with_detector(aws_client, jump_query(jump_at))
    # steps half a minute off the jump: none falls on it
    form = {"query": f"RCF({jump_query(jump_at)},8,256)", "start": jump_at - 1230, "end": jump_at + 270, "step": "60s"}
    status, answer = preview(endpoint, form)
    assert status == 200, answer
    by_name = {series["metric"].get("__name__", "value"): series["values"] for series in answer["data"]["result"]}
    assert sorted(by_name) == ["anomaly_detector_preview:lower_band", "anomaly_detector_preview:score",
                               "anomaly_detector_preview:upper_band", "value"]
    scores = {float(stamp): float(value) for stamp, value in by_name["anomaly_detector_preview:score"]}
    assert max(value for stamp, value in scores.items() if stamp <= jump_at) == 0
    assert max(value for stamp, value in scores.items() if stamp > jump_at) == 1

    status, answer = preview(endpoint, dict(form, query=jump_query(jump_at)))
    assert status == 400 and "RCF" in answer["error"]
    status, answer = preview(endpoint, {"query": form["query"]})
    assert status == 400 and "start, end, step required" in answer["error"]
