"""Anomaly alerts: the rule the alerting role renders on a detector's series, the checks of its settings,
and the backtest's replay of that rule, checked against real Prometheus (promtool test rules)."""

import os
import shutil
import subprocess

import pytest
import yaml

from ansible_collections.amp.alerting.plugins.module_utils import amp_anomaly_alerts as anomaly

DETECTORS = {"checkout-rate": {"alias": "checkout-rate", "query": "sum(rate(orders_total[5m]))", "evaluation_interval": 60}}


def rule(settings, alias="checkout-rate"):
    (group,), problems = anomaly.anomaly_alert_groups({alias: settings}, DETECTORS)
    assert problems == []
    (only,) = group["rules"]
    return only


def test_the_alert_takes_the_highest_score_of_two_evaluations_by_default():
    built = rule({"score": 0.6})
    assert built["alert"] == "AnomalyCheckoutRate"
    assert built["expr"] == 'max_over_time(anomaly_detector:score{alias="checkout-rate"}[120s]) > 0.6'
    assert built["for"] == "0s"
    assert built["labels"] == {"severity": "warning", "anomaly_detector": "checkout-rate"}
    assert "{{ $value" in built["annotations"]["summary"]


def test_a_direction_counts_only_scores_written_outside_that_band():
    above = rule({"score": 0.5, "direction": "above", "window": "5m", "severity": "critical", "alert": "CheckoutSurge"})
    assert above["expr"] == ('max_over_time((anomaly_detector:score{alias="checkout-rate"} and anomaly_detector:value'
                             '{alias="checkout-rate"} > anomaly_detector:upper_band{alias="checkout-rate"})[5m:30s]) > 0.5')
    assert (above["alert"], above["labels"]["severity"]) == ("CheckoutSurge", "critical")
    below = rule({"score": 0.5, "direction": "below"})
    assert "anomaly_detector:value{alias=\"checkout-rate\"} < anomaly_detector:lower_band" in below["expr"]


def test_a_disabled_alert_renders_nothing():
    assert anomaly.anomaly_alert_groups({"checkout-rate": {"score": 0.5, "enabled": False}}, DETECTORS) == ([], [])


@pytest.mark.parametrize("settings, expected", [
    ({"score": 1.5}, "alerting_anomaly_alerts.checkout-rate.score must be a number between 0 and 1"),
    ({"score": True}, "alerting_anomaly_alerts.checkout-rate.score must be a number between 0 and 1"),
    ({}, "alerting_anomaly_alerts.checkout-rate.score must be a number between 0 and 1"),
    ({"score": 0.5, "window": "90s"}, "alerting_anomaly_alerts.checkout-rate.window 90s is shorter than two evaluations"),
    ({"score": 0.5, "window": "2 minutes"}, "alerting_anomaly_alerts.checkout-rate.window must be a Prometheus duration"),
    ({"score": 0.5, "for": 5}, "alerting_anomaly_alerts.checkout-rate.for must be a Prometheus duration"),
    ({"score": 0.5, "direction": "up"}, "alerting_anomaly_alerts.checkout-rate.direction must be one of any, above, below"),
    ({"score": 0.5, "severity": "critcal"}, "alerting_anomaly_alerts.checkout-rate.severity 'critcal' is not one of"),
    ({"score": 0.5, "alert": "checkout rate"}, "alerting_anomaly_alerts.checkout-rate.alert must be a name"),
    ({"score": 0.5, "threshold": 3}, "alerting_anomaly_alerts.checkout-rate: unknown key(s) threshold"),
])
def test_each_wrong_setting_is_named(settings, expected):
    _groups, problems = anomaly.anomaly_alert_groups({"checkout-rate": settings}, DETECTORS,
                                                     severities=["critical", "warning"])
    assert any(problem.startswith(expected) for problem in problems), problems


def test_an_alert_on_a_detector_the_inventory_does_not_have_is_refused_naming_it():
    _groups, (problem,) = anomaly.anomaly_alert_groups({"checkout_rate": {"score": 0.5}}, DETECTORS)
    assert problem == ("alerting_anomaly_alerts.checkout_rate: no anomaly detector 'checkout_rate' in "
                       "workspace_anomaly_detectors (known: checkout-rate) (did you mean checkout-rate?)")


def test_detector_settings_are_checked_as_amp_would_naming_the_entry():
    problems = anomaly.detector_problems({"alias": "x", "query": "rate(orders_total[5m])", "evaluation_interval": 10,
                                          "ignore_near_expected_from_above": {"amount": 1, "ratio": 0.1}},
                                         "workspace_anomaly_detectors[0].")
    assert problems == [
        "workspace_anomaly_detectors[0].query: AMP models only a query wrapped in one of avg, count, group, max, min, "
        "quantile, stddev, stdvar, sum, e.g. sum(rate(x[5m]))",
        "workspace_anomaly_detectors[0].evaluation_interval: 10 is outside 30-86400",
        "workspace_anomaly_detectors[0].ignore_near_expected_from_above: give exactly one of amount and ratio"]


def test_the_preview_query_keeps_each_option_in_its_position():
    assert anomaly.rcf_query("sum(x)") == "RCF(sum(x))"
    assert anomaly.rcf_query("sum(x)", above={"ratio": 1.0}, below={"ratio": 1.0}) == "RCF(sum(x),,,,,1.0,1.0)"
    assert anomaly.rcf_query("sum(x)", 8, 256, {"amount": 5}) == "RCF(sum(x),8,256,5)"


def matrix(*series):
    return {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": metric, "values": [[stamp, str(value)] for stamp, value in points]} for metric, points in series]}}


def test_the_preview_is_read_with_the_kind_as_metric_name_or_as_label_value():
    points = [(60, 0.2)]
    named = anomaly.preview_series(matrix(({"job": "api"}, [(60, 7)]),
                                          ({"__name__": "anomaly_detector_preview:score", "job": "api"}, points)))
    labelled = anomaly.preview_series(matrix(({"job": "api"}, [(60, 7)]),
                                             ({"anomaly_detector_preview": "score", "job": "api"}, points)))
    assert named == labelled == {(("job", "api"),): {"value": [(60.0, 7.0)], "score": [(60.0, 0.2)]}}


STEP = 60
# one series, scored every minute: a single spike to 0.9 at 600 s, and a drop below the band at 1200 s
SCORES = [(t, 0.9 if t == 600 else 0.8 if t == 1200 else 0.05) for t in range(60, 1800 + 1, STEP)]
VALUES = [(t, 300 if t == 600 else 20 if t == 1200 else 100) for t, _score in SCORES]
PREVIEW = matrix(({}, VALUES), ({"__name__": "anomaly_detector_preview:score"}, SCORES),
                 ({"__name__": "anomaly_detector_preview:upper_band"}, [(t, 150) for t, _score in SCORES]),
                 ({"__name__": "anomaly_detector_preview:lower_band"}, [(t, 50) for t, _score in SCORES]))


def episodes(settings):
    return [(e["start"], e["end"], e["seconds"]) for e in anomaly.backtest(PREVIEW, settings, STEP)["episodes"]]


def test_the_backtest_counts_each_time_the_alert_would_fire_and_for_how_long():
    # the spike is seen for the two minutes of the window: firing 600 -> 780
    assert episodes({"score": 0.5}) == [(600, 780, 180), (1200, 1380, 180)]
    report = anomaly.backtest(PREVIEW, {"score": 0.5}, STEP)
    assert (report["firing_count"], report["firing_seconds"], report["scored_points"]) == (2, 360, 30)
    assert episodes({"score": 0.85}) == [(600, 780, 180)]
    assert episodes({"score": 0.5, "direction": "above"}) == [(600, 780, 180)]
    assert episodes({"score": 0.5, "direction": "below"}) == [(1200, 1380, 180)]
    # held for two minutes before firing: pending at 600, firing at 720
    assert episodes({"score": 0.5, "for": "2m"}) == [(720, 780, 60), (1320, 1380, 60)]
    assert episodes({"score": 0.5, "window": "5m"}) == [(600, 960, 360), (1200, 1560, 360)]


def test_an_alert_still_firing_at_the_end_has_no_end():
    preview = matrix(({"__name__": "anomaly_detector_preview:score"}, [(60, 0.1), (120, 0.9), (180, 0.9)]))
    assert [(e["start"], e["end"], e["seconds"]) for e in anomaly.backtest(preview, {"score": 0.5}, STEP)["episodes"]] \
        == [(120, None, 60)]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="needs promtool: apt-get install prometheus")
@pytest.mark.parametrize("settings", [{"score": 0.5}, {"score": 0.5, "direction": "above"}, {"score": 0.5, "direction": "below"},
                                      {"score": 0.5, "for": "2m"}])
def test_prometheus_fires_the_rendered_rule_when_the_backtest_says(tmp_path, settings):
    """The replay and the rule agree: at every minute, promtool's alert is firing exactly when the
    backtest has an episode covering that minute."""
    built = dict(rule(settings), annotations={})  # promtool compares annotations; the timing is what is tested
    (tmp_path / "rules.yml").write_text(yaml.safe_dump({"groups": [{"name": "g", "interval": "1m", "rules": [built]}]}))

    def series(name, points):
        # promtool's input starts at 0 and steps by the interval: the value at 0 is the first point's
        values = [points[0][1]] + [value for _t, value in points]
        return {"series": f'{name}{{alias="checkout-rate"}}', "values": " ".join(str(v) for v in values)}

    firing = {t: False for t, _score in SCORES}
    for start, end, _seconds in episodes(settings):
        for t in firing:
            firing[t] = firing[t] or start <= t < end
    tests = [{"interval": "1m", "input_series": [
        series("anomaly_detector:score", SCORES), series("anomaly_detector:value", VALUES),
        series("anomaly_detector:upper_band", [(t, 150) for t, _score in SCORES]),
        series("anomaly_detector:lower_band", [(t, 50) for t, _score in SCORES])],
        "alert_rule_test": [{"eval_time": f"{t}s", "alertname": built["alert"],
                             "exp_alerts": [{"exp_labels": dict(built["labels"], alias="checkout-rate"),
                                             "exp_annotations": {}}] if fires else []}
                            for t, fires in firing.items()]}]
    (tmp_path / "test.yml").write_text(yaml.safe_dump({"rule_files": ["rules.yml"], "evaluation_interval": "1m",
                                                       "tests": tests}))
    run = subprocess.run(["promtool", "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True, text=True,
                         check=False, env=dict(os.environ, LANG="C"))
    assert any(firing.values())
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
