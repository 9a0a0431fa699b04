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

from ansible_collections.amp.alerting.plugins.module_utils.amp_base import QUOTA_RULE_NAMESPACE_BYTES
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import dump_yaml
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import is_duration
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import run_validator
from ansible_collections.amp.alerting.plugins.module_utils.go_templates import PROMETHEUS_ALERT_VARIABLES
from ansible_collections.amp.alerting.plugins.module_utils.go_templates import PROMETHEUS_FUNCTIONS
from ansible_collections.amp.alerting.plugins.module_utils.go_templates import TemplateSyntaxError
from ansible_collections.amp.alerting.plugins.module_utils.go_templates import check_template

# libyaml's loader when PyYAML has it: a 10,000-rule file loads in a tenth of the time.
YAML_LOADER = getattr(yaml, "CSafeLoader", None) or getattr(yaml, "SafeLoader", None)

# Label and annotation names follow the one scheme AMP runs (Prometheus 2.x, promtool 2.42): the
# legacy one, [a-zA-Z_][a-zA-Z0-9_]*. Prometheus 3 accepts UTF-8 names; AMP's ruler does not yet.
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
GROUP_KEYS = {"name", "interval", "limit", "query_offset", "labels", "rules"}
ALERT_KEYS = {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
RECORD_KEYS = {"record", "expr", "labels"}


def _check_labels(labels, where, field, templated=False):
    """Labels (``field`` labels) or annotations (``field`` annotations) of a group or rule.

    With ``templated`` (an alerting rule's) every value is parsed as Prometheus parses it, a Go
    template with $labels, $value, $externalLabels and $externalURL defined.
    """
    if labels is None:
        return
    kind = "annotation" if field == "annotations" else "label"
    if not isinstance(labels, dict):
        raise AmpError(f"{where}: {field} must be a mapping of names to strings")
    for name, value in labels.items():
        if not isinstance(name, str) or not LABEL_NAME.match(name):
            raise AmpError(f"{where}: {field} name {name!r} is not a valid {kind} name ([a-zA-Z_][a-zA-Z0-9_]*)")
        if kind == "label" and name == "__name__":
            raise AmpError(f"{where}: {field} name '__name__' is reserved for the metric name")
        if kind == "annotation" and not isinstance(value, str):
            raise AmpError(f"{where}: annotations must map names to strings ({name} is {type(value).__name__})")
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise AmpError(f"{where}: {field}.{name} must be a string, got {type(value).__name__}")
        if templated and isinstance(value, str):
            try:
                check_template(value, PROMETHEUS_FUNCTIONS, PROMETHEUS_ALERT_VARIABLES)
            except TemplateSyntaxError as exc:
                raise AmpError(f"{where}: {field}.{name} is not a valid template: {exc}") from exc


class _RuleProblem(Exception):
    """What is wrong with one rule; the caller adds where it is (group, rule number, name)."""

    def __init__(self, message, named=None):
        super().__init__(message)
        self.named = named


def _check_rule(rule):
    """Raise _RuleProblem when ``rule`` is not a valid rule. The location is only formatted on failure:
    a 10,000-rule file is checked in a fraction of a second."""
    if not isinstance(rule, dict):
        raise _RuleProblem("a rule must be a mapping")
    is_alert = "alert" in rule
    if is_alert == ("record" in rule):
        raise _RuleProblem("a rule needs exactly one of 'alert' or 'record'")
    name = rule["alert"] if is_alert else rule["record"]
    named = f"{'alert' if is_alert else 'record'} {name!r}"
    unknown = rule.keys() - (ALERT_KEYS if is_alert else RECORD_KEYS)
    if unknown:
        raise _RuleProblem(f"field(s) {', '.join(sorted(map(str, unknown)))} not allowed in "
                           f"{'an alerting' if is_alert else 'a recording'} rule", named)
    if not isinstance(name, str) or not name:
        raise _RuleProblem("the rule name must be a non-empty string", named)
    if not is_alert and not METRIC_NAME.match(name):
        raise _RuleProblem(f"record {name!r} is not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)", named)
    expr = rule.get("expr")
    if expr is None or (isinstance(expr, str) and not expr.strip()):
        raise _RuleProblem("field 'expr' must be set", named)
    try:
        promql_parser.parse(str(expr))
    except Exception as exc:  # promql_parser raises ValueError and friends with the parser's message
        raise _RuleProblem(f"expr does not parse as PromQL: {exc}", named) from exc
    for field in ("for", "keep_firing_for"):
        if field in rule and not is_duration(rule[field]):
            raise _RuleProblem(f"{field} {rule[field]!r} is not a Prometheus duration (e.g. 30s, 5m, 1h30m)", named)
    try:
        _check_labels(rule.get("labels"), "", "labels", templated=is_alert)
        _check_labels(rule.get("annotations"), "", "annotations", templated=True)
    except AmpError as exc:
        raise _RuleProblem(str(exc)[2:], named) from exc  # _check_labels' message without its empty location


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
            try:
                _check_rule(rule)
            except _RuleProblem as exc:
                named = f" ({exc.named})" if exc.named else ""
                raise AmpError(f"{where}, rule {r_index}{named}: {exc}") from exc


def load_rule_file(data):
    """(first document, warnings) of a rule file given as YAML text.

    Prometheus, promtool and AMP's ruler read the first YAML document of a rule file and ignore the
    others; so does this, with a warning, since rules in the others would silently not be uploaded.
    """
    try:
        documents = list(yaml.load_all(data, Loader=YAML_LOADER))
    except yaml.YAMLError as exc:
        raise AmpError(f"data: not valid YAML: {' '.join(str(exc).split())}") from exc
    warnings = []
    if len(documents) > 1:
        warnings.append(f"data: holds {len(documents)} YAML documents; AMP, like Prometheus, reads only the first: "
                        "the rules of the others are not loaded")
    return (documents[0] if documents else None), warnings


def prepare_rules(groups=None, data=None):
    """Validate the rules given as ``groups`` (structure) or ``data`` (YAML text).

    Returns (bytes to upload, parsed document, warnings). ``data`` is uploaded as it is, byte for byte.
    promtool, when installed, checks the whole file once.
    """
    if yaml is None:
        raise AmpError("PyYAML is required")
    warnings = []
    if data is not None:
        document, warnings = load_rule_file(data)
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
    return body, document, warnings


def same_rules(current_bytes, document):
    """True when the uploaded file means the same as ``document`` (formatting and comments aside)."""
    try:
        return load_rule_file(current_bytes.decode("utf-8"))[0] == document
    except (UnicodeDecodeError, AmpError):
        return False
