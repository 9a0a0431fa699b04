"""The sandbox's anomaly detectors at run time: a stand-in model, NOT Random Cut Forest.

AMP trains a Random Cut Forest on an ACTIVE detector's query and, at every evaluation, writes
``anomaly_detector:value``, ``:score``, ``:lower_band`` and ``:upper_band`` with ``alias="<alias>"``
into the workspace (the names AWS's anomaly-detection sample queries; see
plugins/module_utils/amp_anomaly_alerts.py). The sandbox writes the same series from a deliberately
simple, documented model, as recording rules that the workspace's real Prometheus evaluates at the
detector's evaluation interval (dataplane.py):

    baseline = the query's values at the BASELINE_EVALUATIONS evaluations before this one
    expected = mean(baseline);  spread = 3 * stddev(baseline) + 10 % of |expected|  (a flat baseline keeps a band)
    bands    = expected - spread, expected + spread
    score    = min(1, |value - expected| / (2 * spread))   (0 on the expected value, 0.5 on a band)

It only has to move when the query jumps: it knows no shingles, samples or seasonality (those options
are accepted and ignored, as missingDataAction is), and it writes nothing until the baseline has a point.
The live rules model the query as it was one evaluation (at least 10 s) before each evaluation
(``live_lag``): a remote-written sample that arrives late is in place by then, so a jump is scored 1 once,
however busy the machine.

PreviewAnomalyDetector (``GET|POST /workspaces/<id>/anomalydetectors/preview``, AMP user guide
anomaly-detection-api) answers with the same model over a ``query_range`` of the workspace: the query's
own series plus ``anomaly_detector_preview:score|lower_band|upper_band``, in QueryMetrics' format.

``SETTINGS.anomaly_interval_scale`` (default 1) shortens the live evaluation interval for tests: a
30 s detector evaluated every 3 s at 0.1. The alerts' windows (the product's rules) are not scaled.
"""

import json
import re
import urllib.error
import urllib.parse
import urllib.request

import yaml

BASELINE_EVALUATIONS = 10
LIVE_LAG_MIN_SECONDS = 10
KINDS = ("value", "score", "lower_band", "upper_band")
PREVIEW_METRIC = "anomaly_detector_preview"
STEP = re.compile(r"^([0-9]+)(ms|s|m|h|d|w|y)$")
STEP_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def model(query, interval, lag=0):
    """PromQL for each series of the stand-in model of QUERY evaluated every INTERVAL seconds, LAG seconds back."""
    query = f"({query})"
    # (PromQL takes `offset` after a selector or a subquery only: the query's value LAG s back is a subquery's last)
    value = f"last_over_time({query}[1s:1s] offset {lag}s)" if lag else query
    baseline = f"[{BASELINE_EVALUATIONS * interval}s:{interval}s] offset {interval + lag}s"
    expected = f"avg_over_time({query}{baseline})"
    spread = f"(3 * stddev_over_time({query}{baseline}) + 0.1 * abs({expected}) + 1e-9)"
    return {"value": value, "score": f"clamp_max(abs({value} - {expected}) / (2 * {spread}), 1)",
            "lower_band": f"{expected} - {spread}", "upper_band": f"{expected} + {spread}"}


def live_interval(detector_interval, scale):
    return max(1, round(detector_interval * scale))


def live_lag(every):
    """How far back a live evaluation looks: one evaluation, at least LIVE_LAG_MIN_SECONDS. A remote-written
    sample reaches the workspace some seconds after its timestamp (the sender batches; a busy machine is
    slower). Evaluated at the newest instant, the model would first see a late jump with that sample already
    in its baseline, and never score it."""
    return max(every, LIVE_LAG_MIN_SECONDS)


def detector_rule_file(detectors, scale):
    """The recording rules writing every detector's series: DETECTORS is [(alias, query, interval)]."""
    groups = []
    for alias, query, interval in sorted(detectors):
        every = live_interval(interval, scale)
        groups.append({"name": f"anomaly-detector/{alias}", "interval": f"{every}s",
                       "rules": [{"record": f"anomaly_detector:{kind}", "expr": expr, "labels": {"alias": alias}}
                                 for kind, expr in model(query, every, live_lag(every)).items()]})
    return yaml.safe_dump({"groups": groups}, sort_keys=False).encode()


def _split_arguments(text):
    """The top-level comma-separated arguments of a call's argument list (brackets and quotes nest)."""
    arguments, depth, quote, current = [], 0, None, ""
    for char in text:
        if quote:
            quote = None if char == quote and not current.endswith("\\") else quote
        elif char in "\"'`":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            arguments.append(current.strip())
            current = ""
            continue
        current += char
    arguments.append(current.strip())
    return arguments


def rcf_query(text):
    """The PromQL inside RCF(<query>[, options...]), or None when TEXT is not an RCF call."""
    text = (text or "").strip()
    if not (text.startswith("RCF(") and text.endswith(")")):
        return None
    arguments = _split_arguments(text[4:-1])
    return arguments[0] if arguments and arguments[0] else None


def _seconds(step):
    try:
        return float(step)
    except (TypeError, ValueError):
        match = STEP.match(str(step or ""))
        return int(match.group(1)) * STEP_SECONDS[match.group(2)] if match else None


def _bad_data(message):
    return 400, "application/json", json.dumps({"status": "error", "errorType": "bad_data", "error": message}).encode()


def preview(prometheus_url, params):
    """(status, content type, body) of PreviewAnomalyDetector over the workspace's Prometheus at PROMETHEUS_URL."""
    query = rcf_query(params.get("query"))
    if query is None:
        return _bad_data("query must be the PromQL expression wrapped in the RCF pseudo function: RCF(<query>[, ...])")
    missing = [name for name in ("start", "end", "step") if not params.get(name)]
    if missing:
        return _bad_data(f"{', '.join(missing)} required: the preview is a query_range")
    step = _seconds(params["step"])
    if not step or step <= 0:
        return _bad_data(f"invalid step {params['step']!r}")
    result = []
    for kind, expr in model(query, max(1, round(step))).items():
        search = urllib.parse.urlencode({"query": expr, "start": params["start"], "end": params["end"], "step": params["step"]})
        try:
            with urllib.request.urlopen(f"{prometheus_url}/api/v1/query_range?{search}", timeout=30) as response:  # noqa: S310
                answer = json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, "application/json", err.read()
        for series in answer["data"]["result"]:
            if kind != "value":
                series["metric"] = dict(series["metric"], __name__=f"{PREVIEW_METRIC}:{kind}")
            result.append(series)
    return 200, "application/json", json.dumps({"status": "success", "data": {"resultType": "matrix", "result": result}}).encode()
