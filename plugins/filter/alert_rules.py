# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that turn alert definitions plus inventory thresholds into Prometheus rule groups."""

import numbers

import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.amp.alerting.plugins.module_utils.amp_base import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import plain_data
from ansible_collections.amp.alerting.plugins.plugin_utils.lazy import LazyModule

# imported by the tasks that call them (plugin_utils/lazy.py says why)
amp_anomaly_alerts = LazyModule("ansible_collections.amp.alerting.plugins.module_utils.amp_anomaly_alerts")
amp_rules = LazyModule("ansible_collections.amp.alerting.plugins.module_utils.amp_rules")
aws_limits = LazyModule("ansible_collections.amp.alerting.plugins.module_utils.aws_limits")


def _number_text(value):
    """The threshold as PromQL reads it: integers without a decimal point, floats as Python prints them."""
    if isinstance(value, numbers.Integral):
        return str(int(value))
    return repr(float(value))


def alert_rule_groups(alerts, thresholds, variable="alerting_thresholds", extra_groups=None):
    """Prometheus rule groups: each alert's expression compared with its threshold from the inventory.

    Fails, before anything reaches AWS, on every problem aws_limits.threshold_problems finds (an alert
    without a threshold, a threshold naming no alert, a value of the wrong type), one per line, each
    naming the alert and the variable to fix.
    """
    problems = aws_limits.threshold_problems(plain_data(alerts), plain_data(thresholds), variable)
    if problems:
        # one per line: the preflight lists them as they come (roles/alerting/tasks/preflight.yml)
        raise AnsibleFilterError("\n".join(problems))
    groups = {}
    for name in sorted(alerts):
        definition = alerts[name]
        comparison = definition.get("comparison", ">")
        threshold = thresholds[name]
        if not threshold.get("enabled", True):
            continue
        rule = {
            "alert": name,
            "expr": f"{definition['expr'].strip()} {comparison} {_number_text(threshold['value'])}",
            "for": threshold["for"],
            # Plain copies: deep-copying ansible-core's lazy containers renders every value again (2 s a run).
            "labels": dict(plain_data(definition.get("labels") or {}), severity=threshold["severity"]),
            "annotations": plain_data(definition.get("annotations") or {}),
        }
        if definition.get("keep_firing_for"):
            rule["keep_firing_for"] = definition["keep_firing_for"]
        groups.setdefault(definition["group"], []).append(rule)
    result = [{"name": group, "rules": rules} for group, rules in sorted(groups.items())]
    result += list(extra_groups or [])
    if not result:
        raise AnsibleFilterError("no rules left: every alert is disabled and no extra rule groups are given")
    try:
        amp_rules.prepare_rules(groups=plain_data(result))
    except AmpError as exc:
        raise AnsibleFilterError(f"the rules built from {variable} are not valid: {exc}") from exc
    return result


def anomaly_alerts(environment_alerts, host_alerts=None):
    """One host's anomaly alerts: the environment's (alerting_anomaly_alerts, group_vars) with the
    host's (alerting_host_anomaly_alerts, host_vars) merged over them per detector alias and per key.
    The one place that rule lives: the alerting role, doctor.yml and anomaly_backtest.yml all read it."""
    merged = {}
    for variable, alerts in (("alerting_anomaly_alerts", environment_alerts), ("alerting_host_anomaly_alerts", host_alerts)):
        if not alerts:
            continue
        if not isinstance(alerts, dict):
            raise AnsibleFilterError(f"{variable} must be a mapping of detector alias to alert settings")
        for alias, settings in alerts.items():
            if isinstance(settings, dict) and isinstance(merged.get(alias), dict):
                merged[alias] = dict(merged[alias], **settings)
            else:
                merged[alias] = settings
    return plain_data(merged)


def anomaly_alert_groups(alerts, detectors, variable="alerting_anomaly_alerts", severities=None):
    """The rule group of the inventory's anomaly alerts (alias -> score, window, for, severity, direction),
    each on the series AMP writes for the detector of that alias in DETECTORS (workspace_anomaly_detectors).

    Fails before anything reaches AWS, naming every wrong field, and an alert whose detector is not in
    the inventory."""
    if not alerts:
        return []
    if not isinstance(alerts, dict):
        raise AnsibleFilterError(f"{variable} must be a mapping of detector alias to alert settings")
    by_alias = {str(detector.get("alias")): plain_data(detector) for detector in detectors or [] if isinstance(detector, dict)}
    groups, problems = amp_anomaly_alerts.anomaly_alert_groups(plain_data(alerts), by_alias, variable,
                                                               plain_data(severities) if severities else None)
    if problems:
        raise AnsibleFilterError("; ".join(problems))
    return groups


def threshold_overrides(value, variable="alerting_threshold_overrides"):
    """One run's overrides as a mapping: given as one, or as its YAML / JSON text (an AWX survey's textarea)."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = yaml.safe_load(str.__str__(value))
        except yaml.YAMLError as exc:
            raise AnsibleFilterError(f"{variable}: not valid YAML: {' '.join(str(exc).split())}") from exc
    return {} if value is None else value


class FilterModule:
    """amp.alerting filters."""

    def filters(self):
        return {"alert_rule_groups": alert_rule_groups, "anomaly_alerts": anomaly_alerts,
                "anomaly_alert_groups": anomaly_alert_groups,
                "threshold_overrides": threshold_overrides}
