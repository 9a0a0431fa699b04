# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Alerts on an AMP anomaly detector: the series AMP writes for it, the rule the alerting role renders
over them, and the backtest that replays the same rule over PreviewAnomalyDetector's answer.

Pure Python (no AWS call): the alerting role's filter, its preflight and amp_anomaly_backtest use it."""

import math
import numbers
import re

from ansible_collections.amp.alerting.plugins.module_utils.amp_base import duration_seconds
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import is_duration
from ansible_collections.amp.alerting.plugins.module_utils.aws_limits import LABEL_NAME
from ansible_collections.amp.alerting.plugins.module_utils.aws_limits import suggestion

try:
    import promql_parser
except ImportError:
    pass  # amp_rules.HAS_PROMQL_PARSER says so; the module fails asking for it

# The series AMP writes for a deployed detector, each selected by the detector's alias
# ({alias="<alias>"}). AMP's API reference does not name them; AWS's sample
# aws-solutions-library-samples/guidance-for-ai-powered-devops-agent-for-prometheus-anomaly-detection
# queries them so (docs/DEMO-RUNBOOK.md, manifests/generate-grafana.py, cdk/lib/amp-stack.ts). Whether
# the detector's own labels are copied onto them is not documented: nothing here depends on it.
# Confirm on a workspace with the query {__name__=~"anomaly_detector.*"}.
DETECTOR_SERIES = {kind: f"anomaly_detector:{kind}" for kind in ("value", "score", "lower_band", "upper_band")}
ALIAS_LABEL = "alias"
# What PreviewAnomalyDetector answers beside the query's own series (AMP user guide,
# anomaly-detection-api): anomaly_detector_preview:score, :lower_band and :upper_band as metric names,
# while the page's sample response carries the kind as the value of a label named
# anomaly_detector_preview. Both readings are accepted.
PREVIEW_METRIC = "anomaly_detector_preview"
PREVIEW_KINDS = ("score", "lower_band", "upper_band")
# API_CreateAnomalyDetector: evaluationIntervalInSeconds defaults to 60.
DEFAULT_EVALUATION_INTERVAL = 60
# any: the score alone; above / below: the score, at a moment the value was outside that band.
DIRECTIONS = ("any", "above", "below")
ALERT_KEYS = ("alert", "score", "window", "for", "severity", "direction", "enabled", "summary")
GROUP_NAME = "amp-alerting-anomalies"
# API_CreateAnomalyDetector / API_RandomCutForestConfiguration.
DETECTOR_ALIAS = re.compile(r"^[0-9A-Za-z][-.0-9A-Z_a-z]{0,63}$")
AGGREGATIONS = ("avg", "count", "group", "max", "min", "quantile", "stddev", "stdvar", "sum")
RANGES = {"evaluation_interval": (30, 86400), "shingle_size": (2, 1024), "sample_size": (256, 1024)}
BANDS = {"ignore_near_expected_from_above": "ignoreNearExpectedFromAbove",
         "ignore_near_expected_from_below": "ignoreNearExpectedFromBelow"}
ALERT_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


def forest_options():
    """The argument spec of a detector's Random Cut Forest options, as amp_anomaly_detector and
    amp_anomaly_backtest take them."""
    def band():
        return dict(type="dict", options=dict(amount=dict(type="float"), ratio=dict(type="float")))
    return dict(shingle_size=dict(type="int"), sample_size=dict(type="int"),
                ignore_near_expected_from_above=band(), ignore_near_expected_from_below=band())


def query_problem(query):
    """Why AMP would refuse a detector's query (it must parse and be wrapped in an aggregation AMP models), or None."""
    try:
        expr = promql_parser.parse(query)
    except Exception as exc:  # promql_parser raises ValueError and friends with the parser's message
        return f"query: does not parse as PromQL: {exc}"
    while type(expr).__name__ == "ParenExpr":
        expr = expr.expr
    if type(expr).__name__ != "AggregateExpr" or str(expr.op) not in AGGREGATIONS:
        return f"query: AMP models only a query wrapped in one of {', '.join(AGGREGATIONS)}, e.g. sum(rate(x[5m]))"
    return None


def detector_problems(params, where=""):
    """What AMP would refuse in a detector's settings (amp_anomaly_detector's options), each naming the
    option after WHERE, before any call."""
    found = []
    if not DETECTOR_ALIAS.match(str(params.get("alias") or "")):
        found.append(f"alias: {params.get('alias')!r} is not an anomaly detector alias (1-64 letters, digits, '.', '_', '-', "
                     "starting with a letter or digit)")
    query = params.get("query")
    if params.get("state", "present") == "present" and query is not None:
        problem = query_problem(query) if isinstance(query, str) and query.strip() else "query: must not be empty"
        if problem:
            found.append(problem)
    for option, (low, high) in RANGES.items():
        value = params.get(option)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high):
            found.append(f"{option}: {value} is outside {low}-{high}")
    for option in BANDS:
        band = params.get(option)
        if band is not None:
            given = [key for key in ("amount", "ratio") if isinstance(band, dict) and band.get(key) is not None]
            if len(given) != 1:
                found.append(f"{option}: give exactly one of amount and ratio")
            elif not isinstance(band[given[0]], numbers.Real) or band[given[0]] < 0:
                found.append(f"{option}.{given[0]}: must be 0 or more")
    labels = params.get("labels") or {}
    for name, value in (labels.items() if isinstance(labels, dict) else []):
        if not LABEL_NAME.match(str(name)) or str(name).startswith("__"):
            found.append(f"labels: {name!r} is not a label name a detector may set")
        elif not isinstance(value, str) or not value:
            found.append(f"labels.{name}: a non-empty string")
    return [where + problem for problem in found]


def alert_name(alias):
    """The default alert name of a detector's alert: Anomaly + the alias in CamelCase (api-latency -> AnomalyApiLatency)."""
    return "Anomaly" + "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", alias) if part)


def evaluation_interval(detector):
    """Seconds between a detector's evaluations, as the inventory or AMP states it."""
    return int((detector or {}).get("evaluation_interval") or DEFAULT_EVALUATION_INTERVAL)


def alert_window(settings, interval):
    """The alert's max_over_time window: as given, else two of the detector's evaluations (a score spike
    lasts one evaluation, so an instant comparison would miss it)."""
    return settings.get("window") or f"{2 * interval}s"


def anomaly_alert_problems(alias, settings, detectors, variable="alerting_anomaly_alerts", severities=None):
    """What is wrong with one anomaly alert's settings, each naming the field; [] when nothing is.

    DETECTORS maps alias -> the detector's settings (workspace_anomaly_detectors' entries)."""
    where = f"{variable}.{alias}"
    if alias not in detectors:
        known = ", ".join(sorted(detectors)) or "none"
        return [f"{where}: no anomaly detector {alias!r} in workspace_anomaly_detectors (known: {known})"
                + suggestion(str(alias), sorted(detectors))]
    if not isinstance(settings, dict):
        return [f"{where} must be a mapping with at least score, got {type(settings).__name__}"]
    problems = []
    unknown = sorted(set(settings) - set(ALERT_KEYS))
    if unknown:
        problems.append(f"{where}: unknown key(s) {', '.join(map(str, unknown))} (allowed: {', '.join(ALERT_KEYS)})")
    score = settings.get("score")
    if isinstance(score, bool) or not isinstance(score, numbers.Real) or not math.isfinite(score) or not 0 < score < 1:
        problems.append(f"{where}.score must be a number between 0 and 1 (AMP's score runs from 0 to 1), got {score!r}")
    interval = evaluation_interval(detectors[alias])
    window = settings.get("window")
    if window is not None:
        if not isinstance(window, str) or not is_duration(window):
            problems.append(f"{where}.window must be a Prometheus duration such as 2m, got {window!r}")
        elif duration_seconds(window) < 2 * interval:
            problems.append(f"{where}.window {window} is shorter than two evaluations of the detector ({2 * interval}s): "
                            "a score spike lasts one evaluation and could fall between the alert's looks")
    duration = settings.get("for", "0s")
    if not isinstance(duration, str) or not is_duration(duration):
        problems.append(f"{where}.for must be a Prometheus duration such as 0s or 5m, got {duration!r}")
    severity = settings.get("severity", "warning")
    if not isinstance(severity, str) or not severity.strip():
        problems.append(f"{where}.severity must be a non-empty string, got {severity!r}")
    elif severities and severity not in severities:
        problems.append(f"{where}.severity {severity!r} is not one of alerting_severities ({', '.join(severities)})")
    if settings.get("direction", "any") not in DIRECTIONS:
        problems.append(f"{where}.direction must be one of {', '.join(DIRECTIONS)}, got {settings.get('direction')!r}")
    if not isinstance(settings.get("enabled", True), bool):
        problems.append(f"{where}.enabled must be true or false")
    name = settings.get("alert", alert_name(alias))
    if not isinstance(name, str) or not ALERT_NAME.match(name):
        problems.append(f"{where}.alert must be a name of letters, digits, _ and : (not starting with a digit), got {name!r}")
    if not isinstance(settings.get("summary", ""), str):
        problems.append(f"{where}.summary must be a string (a Prometheus template)")
    return problems


def _selector(kind, alias):
    return f'{DETECTOR_SERIES[kind]}{{{ALIAS_LABEL}="{alias}"}}'


def anomaly_alert_expr(alias, settings, interval):
    """The PromQL of the alert: the detector's highest score within the window, above the threshold.

    With a direction, only scores written while the value was above the upper (below the lower) band
    count; the subquery looks twice per evaluation so that no written score is stepped over."""
    window, score = alert_window(settings, interval), repr(float(settings["score"]))
    direction = settings.get("direction", "any")
    if direction == "any":
        return f"max_over_time({_selector('score', alias)}[{window}]) > {score}"
    band, comparison = ("upper_band", ">") if direction == "above" else ("lower_band", "<")
    step = max(1, interval // 2)
    return (f"max_over_time(({_selector('score', alias)} and {_selector('value', alias)} {comparison} "
            f"{_selector(band, alias)})[{window}:{step}s]) > {score}")


def anomaly_alert_rule(alias, settings, interval):
    """One Prometheus alerting rule for a detector's alert settings (checked by anomaly_alert_problems)."""
    direction = settings.get("direction", "any")
    where = {"any": "", "above": " above its expected band", "below": " below its expected band"}[direction]
    summary = settings.get("summary") or (
        f"{alias} is anomalous{where}: score {{{{ $value | printf \"%.2f\" }}}} within {alert_window(settings, interval)} "
        f"(threshold {settings['score']})")
    return {
        "alert": settings.get("alert", alert_name(alias)),
        "expr": anomaly_alert_expr(alias, settings, interval),
        "for": settings.get("for", "0s"),
        "labels": {"severity": settings.get("severity", "warning"), "anomaly_detector": alias},
        "annotations": {"summary": summary,
                        "description": f"Anomaly detector {alias} (Random Cut Forest) scores its query as anomalous."},
    }


def anomaly_alert_groups(alerts, detectors, variable="alerting_anomaly_alerts", severities=None):
    """(rule groups, problems): one group with an alert per enabled entry of ALERTS (alias -> settings)."""
    problems = [problem for alias in sorted(alerts) for problem in
                anomaly_alert_problems(alias, alerts[alias], detectors, variable, severities)]
    if problems:
        return [], problems
    rules = [anomaly_alert_rule(alias, alerts[alias], evaluation_interval(detectors[alias]))
             for alias in sorted(alerts) if alerts[alias].get("enabled", True)]
    return ([{"name": GROUP_NAME, "rules": rules}] if rules else []), []


# -- the backtest ----------------------------------------------------------------------------------


def rcf_query(query, shingle_size=None, sample_size=None, above=None, below=None):
    """PreviewAnomalyDetector's query: the PromQL wrapped in the RCF pseudo function, options in their
    positions (query, shingle size, sample size, ignore-near-expected above / below amounts, then
    ratios), empty where left out. ABOVE / BELOW are {amount: x} or {ratio: x}."""
    above, below = above or {}, below or {}
    positions = [shingle_size, sample_size, above.get("amount"), below.get("amount"), above.get("ratio"), below.get("ratio")]
    while positions and positions[-1] is None:
        positions.pop()
    return "RCF(" + ",".join([query] + ["" if value is None else str(value) for value in positions]) + ")"


def preview_series(answer):
    """PreviewAnomalyDetector's answer (QueryMetrics' format) as {labels: {kind: [(time, value)]}}, kind
    being value (the query's own series), score, lower_band or upper_band."""
    result = ((answer or {}).get("data") or {}).get("result") or []
    series = {}
    for item in result:
        metric = dict(item.get("metric") or {})
        name = metric.pop("__name__", "")
        kind = metric.pop(PREVIEW_METRIC, None)
        if name.startswith(PREVIEW_METRIC + ":"):
            kind = name.split(":", 1)[1]
        kind = kind if kind in PREVIEW_KINDS else "value"
        points = [(float(stamp), float(value)) for stamp, value in item.get("values") or []]
        series.setdefault(tuple(sorted(metric.items())), {})[kind] = points
    return series


def _counting_scores(kinds, direction):
    """The (time, score) pairs the alert counts, oldest first: every score, or with a direction only
    those written while the value was outside that band."""
    scores = sorted(kinds.get("score") or [])
    if direction == "any":
        return scores
    values = dict(kinds.get("value") or [])
    bands = dict(kinds.get("upper_band" if direction == "above" else "lower_band") or [])
    return [(time, score) for time, score in scores if time in values and time in bands
            and (values[time] > bands[time] if direction == "above" else values[time] < bands[time])]


def backtest(answer, settings, interval):
    """Replay the alert anomaly_alert_rule renders over a preview: when, and for how long, it would have fired.

    At each scored moment the rule's condition is the highest counting score of the window above the
    threshold; it fires once the condition has held for settings' 'for' (as Prometheus' pending ->
    firing) and resolves at the first moment it no longer holds."""
    window = duration_seconds(alert_window(settings, interval))
    hold = duration_seconds(settings.get("for", "0s"))
    threshold, direction = float(settings["score"]), settings.get("direction", "any")
    report = {"series": [], "episodes": [], "firing_count": 0, "firing_seconds": 0.0, "scored_points": 0}
    for labels, kinds in sorted(preview_series(answer).items()):
        scores = sorted(kinds.get("score") or [])
        counting = _counting_scores(kinds, direction)
        episodes, pending_since, firing_since, peak = [], None, None, 0.0
        first = last = 0  # counting[first:last]: the scores within the window ending at TIME (both sorted)
        for time, _value in scores:
            while last < len(counting) and counting[last][0] <= time:
                last += 1
            while first < last and counting[first][0] < time - window:
                first += 1
            seen = [value for _stamp, value in counting[first:last]]
            holds = bool(seen) and max(seen) > threshold
            if holds:
                pending_since = time if pending_since is None else pending_since
                peak = max(peak, *seen)
                if firing_since is None and time - pending_since >= hold:
                    firing_since = time
            else:
                if firing_since is not None:
                    episodes.append({"start": firing_since, "end": time, "seconds": time - firing_since, "peak_score": peak})
                pending_since, firing_since, peak = None, None, 0.0
        if firing_since is not None:  # still firing when the window ends
            end = scores[-1][0]
            episodes.append({"start": firing_since, "end": None, "seconds": end - firing_since, "peak_score": peak})
        for episode in episodes:
            episode["labels"] = dict(labels)
        report["series"].append({"labels": dict(labels), "scored_points": len(scores), "episodes": len(episodes)})
        report["scored_points"] += len(scores)
        report["episodes"] += episodes
    report["firing_count"] = len(report["episodes"])
    report["firing_seconds"] = sum(episode["seconds"] for episode in report["episodes"])
    return report
