# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that turn alert definitions plus inventory thresholds into Prometheus rule groups."""

import math
import numbers

import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.amp.alerting.plugins.module_utils import amp_anomaly_alerts
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import is_duration
from ansible_collections.amp.alerting.plugins.module_utils.amp_rules import prepare_rules

COMPARISONS = (">", ">=", "<", "<=", "==", "!=")
THRESHOLD_KEYS = {"value", "for", "severity", "enabled"}
ALERT_KEYS = {"group", "expr", "comparison", "labels", "annotations", "keep_firing_for", "minimum"}


def _plain(value):
    """A copy with plain Python types: ansible-core 2.19 tags its strings, which PyYAML cannot dump."""
    if isinstance(value, dict):
        return {_plain(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


def _number_text(value):
    """The threshold as PromQL reads it: integers without a decimal point, floats as Python prints them."""
    if isinstance(value, numbers.Integral):
        return str(int(value))
    return repr(float(value))


def _check_threshold(name, threshold, variable):
    where = f"{variable}.{name}"
    if not isinstance(threshold, dict):
        raise AnsibleFilterError(f"{where} must be a mapping with value, for and severity, got {type(_plain(threshold)).__name__}")
    unknown = sorted(set(threshold) - THRESHOLD_KEYS)
    if unknown:
        raise AnsibleFilterError(f"{where}: unknown key(s) {', '.join(map(str, unknown))} (allowed: value, for, severity, enabled)")
    for key in ("value", "for", "severity"):
        if key not in threshold:
            raise AnsibleFilterError(f"alert {name!r}: {where}.{key} is not set")
    value = threshold["value"]
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise AnsibleFilterError(f"alert {name!r}: {where}.value must be a number, got {_plain(value)!r} ({type(_plain(value)).__name__})")
    if not math.isfinite(value):
        # PromQL compares with +Inf and NaN as written: "> +Inf" and any comparison with NaN never hold.
        raise AnsibleFilterError(f"alert {name!r}: {where}.value is {_plain(value)!r}: the alert could never fire (or "
                                 "would always), give a finite number")
    if not isinstance(threshold["for"], str) or not is_duration(threshold["for"]):
        raise AnsibleFilterError(f"alert {name!r}: {where}.for must be a Prometheus duration such as 5m, got {threshold['for']!r}")
    if not isinstance(threshold["severity"], str) or not threshold["severity"].strip():
        raise AnsibleFilterError(f"alert {name!r}: {where}.severity must be a non-empty string, got {threshold['severity']!r}")
    if not isinstance(threshold.get("enabled", True), bool):
        raise AnsibleFilterError(f"alert {name!r}: {where}.enabled must be true or false")


def alert_rule_groups(alerts, thresholds, variable="alerting_thresholds", extra_groups=None):
    """Prometheus rule groups: each alert's expression compared with its threshold from the inventory.

    Fails, before anything reaches AWS, when an alert has no threshold, a threshold names no alert,
    or a value has the wrong type; the message names the alert and the variable to fix.
    """
    if not isinstance(alerts, dict):
        raise AnsibleFilterError("the alert definitions must be a mapping of alert name to definition")
    if not isinstance(thresholds, dict):
        raise AnsibleFilterError(f"{variable} must be a mapping of alert name to threshold")
    unknown = sorted(set(thresholds) - set(alerts))
    if unknown:
        raise AnsibleFilterError(f"{variable}.{unknown[0]} names no alert; known alerts: {', '.join(sorted(alerts))}")
    groups = {}
    for name in sorted(alerts):
        definition = alerts[name]
        if not isinstance(definition, dict) or not isinstance(definition.get("expr"), str) or not definition.get("group"):
            raise AnsibleFilterError(f"alert {name!r}: its definition needs 'group' and 'expr'")
        bad_keys = sorted(set(definition) - ALERT_KEYS)
        if bad_keys:
            raise AnsibleFilterError(f"alert {name!r}: unknown key(s) {', '.join(bad_keys)} in its definition")
        comparison = definition.get("comparison", ">")
        if comparison not in COMPARISONS:
            raise AnsibleFilterError(f"alert {name!r}: comparison must be one of {' '.join(COMPARISONS)}, got {comparison!r}")
        if name not in thresholds:
            raise AnsibleFilterError(f"alert {name!r} has no threshold: set {variable}.{name} with value, for and severity")
        threshold = thresholds[name]
        _check_threshold(name, threshold, variable)
        if not threshold.get("enabled", True):
            continue
        rule = {
            "alert": name,
            "expr": f"{definition['expr'].strip()} {comparison} {_number_text(threshold['value'])}",
            "for": threshold["for"],
            # Plain copies: deep-copying ansible-core's lazy containers renders every value again (2 s a run).
            "labels": dict(_plain(definition.get("labels") or {}), severity=threshold["severity"]),
            "annotations": _plain(definition.get("annotations") or {}),
        }
        if definition.get("keep_firing_for"):
            rule["keep_firing_for"] = definition["keep_firing_for"]
        groups.setdefault(definition["group"], []).append(rule)
    result = [{"name": group, "rules": rules} for group, rules in sorted(groups.items())]
    result += list(extra_groups or [])
    if not result:
        raise AnsibleFilterError("no rules left: every alert is disabled and no extra rule groups are given")
    try:
        prepare_rules(groups=_plain(result))
    except AmpError as exc:
        raise AnsibleFilterError(f"the rules built from {variable} are not valid: {exc}") from exc
    return result


def anomaly_alert_groups(alerts, detectors, variable="alerting_anomaly_alerts", severities=None):
    """The rule group of the inventory's anomaly alerts (alias -> score, window, for, severity, direction),
    each on the series AMP writes for the detector of that alias in DETECTORS (workspace_anomaly_detectors).

    Fails before anything reaches AWS, naming every wrong field, and an alert whose detector is not in
    the inventory."""
    if not alerts:
        return []
    if not isinstance(alerts, dict):
        raise AnsibleFilterError(f"{variable} must be a mapping of detector alias to alert settings")
    by_alias = {str(detector.get("alias")): _plain(detector) for detector in detectors or [] if isinstance(detector, dict)}
    groups, problems = amp_anomaly_alerts.anomaly_alert_groups(_plain(alerts), by_alias, variable,
                                                               _plain(severities) if severities else None)
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
        return {"alert_rule_groups": alert_rule_groups, "anomaly_alert_groups": anomaly_alert_groups,
                "threshold_overrides": threshold_overrides}
