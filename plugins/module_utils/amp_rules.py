# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Prometheus rule files for AMP rule groups namespaces: validation before upload, rendering, comparison.

Every check names where the problem is (group, rule) and what is wrong, so a user can fix the
inventory without reading AMP's asynchronous statusReason.
"""

import re

try:
    import yaml
except ImportError:  # ansible-core depends on PyYAML; this keeps the import sanity test honest
    yaml = None

try:
    import promql_parser

    HAS_PROMQL_PARSER = True
except ImportError:
    HAS_PROMQL_PARSER = False

from ansible_collections.amp.alerting.plugins.module_utils.amp import QUOTA_RULE_NAMESPACE_BYTES
from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp import dump_yaml
from ansible_collections.amp.alerting.plugins.module_utils.amp import run_validator

# Prometheus' model.ParseDuration: units in descending order, each at most once.
DURATION = re.compile(r"^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$")
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
GROUP_KEYS = {"name", "interval", "limit", "query_offset", "labels", "rules"}
ALERT_KEYS = {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
RECORD_KEYS = {"record", "expr", "labels"}


def is_duration(value):
    return isinstance(value, str) and value != "" and DURATION.match(value) is not None


def _check_labels(labels, where, field):
    if labels is None:
        return
    if not isinstance(labels, dict):
        raise AmpError(f"{where}: {field} must be a mapping of names to strings")
    for name, value in labels.items():
        if not isinstance(name, str) or not LABEL_NAME.match(name):
            raise AmpError(f"{where}: {field} name {name!r} is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)")
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise AmpError(f"{where}: {field}.{name} must be a string, got {type(value).__name__}")


def _check_rule(rule, where):
    if not isinstance(rule, dict):
        raise AmpError(f"{where}: a rule must be a mapping")
    is_alert, is_record = "alert" in rule, "record" in rule
    if is_alert == is_record:
        raise AmpError(f"{where}: a rule needs exactly one of 'alert' or 'record'")
    name = rule.get("alert") if is_alert else rule.get("record")
    where = f"{where} ({'alert' if is_alert else 'record'} {name!r})"
    unknown = sorted(set(rule) - (ALERT_KEYS if is_alert else RECORD_KEYS))
    if unknown:
        raise AmpError(f"{where}: field(s) {', '.join(unknown)} not allowed in {'an alerting' if is_alert else 'a recording'} rule")
    if not isinstance(name, str) or not name:
        raise AmpError(f"{where}: the rule name must be a non-empty string")
    if is_record and not METRIC_NAME.match(name):
        raise AmpError(f"{where}: record {name!r} is not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)")
    expr = rule.get("expr")
    if expr is None or (isinstance(expr, str) and not expr.strip()):
        raise AmpError(f"{where}: field 'expr' must be set")
    try:
        promql_parser.parse(str(expr))
    except Exception as exc:  # promql_parser raises ValueError and friends with the parser's message
        raise AmpError(f"{where}: expr does not parse as PromQL: {exc}") from exc
    for field in ("for", "keep_firing_for"):
        if field in rule and not is_duration(rule[field]):
            raise AmpError(f"{where}: {field} {rule[field]!r} is not a Prometheus duration (e.g. 30s, 5m, 1h30m)")
    _check_labels(rule.get("labels"), where, "labels")
    annotations = rule.get("annotations")
    if annotations is not None:
        if not isinstance(annotations, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in annotations.items()):
            raise AmpError(f"{where}: annotations must map names to strings")


def check_rule_document(document):
    """Raise AmpError naming the group and rule when ``document`` is not a valid AMP rule file."""
    if not HAS_PROMQL_PARSER:
        raise AmpError("the promql-parser Python package is required to validate rules (pip install promql-parser)")
    if not isinstance(document, dict) or "groups" not in document:
        raise AmpError("rules: the rule file must be a mapping with a 'groups' list")
    unknown = sorted(set(document) - {"groups"})
    if unknown:
        raise AmpError(f"rules: only 'groups' is allowed at the top level, found {', '.join(map(str, unknown))}")
    groups = document["groups"]
    if not isinstance(groups, list) or not groups:
        raise AmpError("groups: must be a non-empty list of rule groups")
    seen = set()
    for index, group in enumerate(groups, start=1):
        if not isinstance(group, dict) or not isinstance(group.get("name"), str) or not group["name"]:
            raise AmpError(f"groups[{index}]: every group needs a 'name'")
        where = f"group {group['name']!r}"
        if group["name"] in seen:
            raise AmpError(f"{where}: group names must be unique in a namespace")
        seen.add(group["name"])
        unknown = sorted(set(group) - GROUP_KEYS)
        if unknown:
            raise AmpError(f"{where}: field(s) {', '.join(unknown)} not allowed in a rule group")
        for field in ("interval", "query_offset"):
            if field in group and not is_duration(group[field]):
                raise AmpError(f"{where}: {field} {group[field]!r} is not a Prometheus duration (e.g. 30s, 1m)")
        _check_labels(group.get("labels"), where, "labels")
        rules = group.get("rules")
        if not isinstance(rules, list) or not rules:
            raise AmpError(f"{where}: 'rules' must be a non-empty list")
        for r_index, rule in enumerate(rules, start=1):
            _check_rule(rule, f"{where}, rule {r_index}")


def prepare_rules(groups=None, data=None):
    """Validate the rules given as ``groups`` (structure) or ``data`` (YAML text).

    Returns (bytes to upload, parsed document). ``data`` is uploaded as it is, byte for byte.
    """
    if yaml is None:
        raise AmpError("PyYAML is required")
    if data is not None:
        try:
            document = yaml.safe_load(data)
        except yaml.YAMLError as exc:
            raise AmpError(f"data: not valid YAML: {' '.join(str(exc).split())}") from exc
        text = data
    else:
        document = {"groups": groups}
        text = dump_yaml(document)
    check_rule_document(document)
    body = text.encode("utf-8")
    if len(body) > QUOTA_RULE_NAMESPACE_BYTES:
        raise AmpError(f"rules: {len(body)} bytes is over AMP's rule file limit of {QUOTA_RULE_NAMESPACE_BYTES} bytes")
    complaint = run_validator("promtool", ["check", "rules", "rules.yml"], {"rules.yml": text})
    if complaint:
        raise AmpError(f"rules: {complaint}")
    return body, document


def same_rules(current_bytes, document):
    """True when the uploaded file means the same as ``document`` (formatting and comments aside)."""
    try:
        return yaml.safe_load(current_bytes.decode("utf-8")) == document
    except (UnicodeDecodeError, yaml.YAMLError):
        return False
