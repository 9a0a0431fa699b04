"""AMP-style validation of uploaded documents, for the sandbox.

AMP accepts a Create/Put call and validates the document asynchronously: a bad document ends in
CREATION_FAILED / UPDATE_FAILED with a ``statusReason``. Each function here returns that reason, or
None when the document is acceptable. The real ``promtool`` / ``amtool`` are used when they are on
the machine, so the reasons carry their positions and wording; a Python check stands in otherwise.
The tools run through the product's own runner (amp_base.run_validator: a private directory, a
timeout, the complaint without the tool's banner lines). AMP's rules on top of them (the receivers it
accepts, its secret references) are written here from AWS's pages, apart from the product's checks
(module_utils/amp_alertmanager_config.py), so that a test of the product against the sandbox shows what
breaks when the product's reading of those pages is wrong.
"""

import shutil

import yaml

from ansible_collections.amp.alerting.plugins.module_utils.amp_base import run_validator

# Receiver keys AMP accepts: SNS (AMP-alertmanager-receiver) and PagerDuty (AMP-alertmanager-pagerduty).
AMP_RECEIVER_KEYS = {"name", "sns_configs", "pagerduty_configs"}
AMP_FORBIDDEN_SNS_KEYS = ("api_url", "http_config")
# AMP sets PagerDuty's endpoint and reads the key from Secrets Manager: these options are refused.
AMP_FORBIDDEN_PAGERDUTY_KEYS = ("url", "routing_key_file", "service_key_file", "http_config")
AMP_SECRET_REFERENCE_KEYS = {"secret_arn", "secret_key", "refresh_interval"}
AMP_DEFINITION_KEYS = {"alertmanager_config", "template_files"}


def _load_yaml(data, what):
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        return None, f"{what} is not UTF-8 text: {exc}"
    try:
        return yaml.safe_load(text), None
    except yaml.YAMLError as exc:
        return None, f"{what} is not valid YAML: {' '.join(str(exc).split())}"


# ---------------------------------------------------------------------- rule groups namespaces


def _python_rule_check(doc):
    """The checks promtool would make, for machines without it."""
    import promql_parser  # a test requirement; only needed when promtool is absent

    for g_index, group in enumerate(doc["groups"]):
        if not isinstance(group, dict) or not group.get("name"):
            return f"group {g_index + 1}: a group needs a name"
        rules = group.get("rules") or []
        if not isinstance(rules, list):
            return f"group {group['name']!r}: rules must be a list"
        for r_index, rule in enumerate(rules):
            where = f"group {group['name']!r}, rule {r_index + 1}"
            if not isinstance(rule, dict):
                return f"{where}: a rule must be a mapping"
            if ("alert" in rule) == ("record" in rule):
                return f"{where}: a rule needs exactly one of 'alert' or 'record'"
            if not rule.get("expr"):
                return f"{where}: field 'expr' must be set"
            try:
                promql_parser.parse(str(rule["expr"]))
            except Exception as exc:  # promql_parser raises plain ValueError/RuntimeError subclasses
                return f"{where}: could not parse expression: {exc}"
    return None


def rule_file_reason(data):
    """Why AMP would refuse this rule groups namespace, or None."""
    doc, reason = _load_yaml(data, "rule file")
    if reason:
        return reason
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
        return "rule file must be a mapping with a 'groups' list"
    extra = sorted(set(doc) - {"groups"})
    if extra:
        return f"rule file: field(s) {', '.join(extra)} not allowed at the top level"
    if not shutil.which("promtool"):
        return _python_rule_check(doc)
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return run_validator("promtool", ["check", "rules", "rules.yml"], {"rules.yml": text})


# ---------------------------------------------------------------------- alertmanager definitions


def _route_receivers(route):
    """Every receiver named in a route tree."""
    names = []
    if isinstance(route, dict):
        if route.get("receiver"):
            names.append(route["receiver"])
        for child in route.get("routes") or []:
            names.extend(_route_receivers(child))
    return names


def _pagerduty_reason(name, pagerduty):
    """AMP's PagerDuty receiver: the key only as an aws_secrets_manager reference, no endpoint of one's own."""
    if not isinstance(pagerduty, dict):
        return f"receiver {name!r}: every pagerduty_configs entry must be a mapping"
    for key in AMP_FORBIDDEN_PAGERDUTY_KEYS:
        if key in pagerduty:
            return f"receiver {name!r}: pagerduty_configs.{key} is not supported in AMP"
    keys = [key for key in ("routing_key", "service_key") if key in pagerduty]
    if len(keys) != 1:
        return f"receiver {name!r}: pagerduty_configs needs one of routing_key or service_key"
    reference = pagerduty[keys[0]]
    if not isinstance(reference, dict) or set(reference) != {"aws_secrets_manager"} \
            or not isinstance(reference["aws_secrets_manager"], dict):
        return f"receiver {name!r}: pagerduty_configs.{keys[0]} must be an aws_secrets_manager secret reference"
    fields = reference["aws_secrets_manager"]
    if set(fields) - AMP_SECRET_REFERENCE_KEYS or not fields.get("secret_arn") or not fields.get("secret_key"):
        return (f"receiver {name!r}: pagerduty_configs.{keys[0]}.aws_secrets_manager takes secret_arn, secret_key "
                "and refresh_interval")
    return None


def _amtool_view(config):
    """CONFIG with each secret reference as the string plain Alertmanager expects there."""
    for receiver in config.get("receivers") or []:
        for pagerduty in receiver.get("pagerduty_configs") or []:
            for key in ("routing_key", "service_key"):
                if isinstance(pagerduty.get(key), dict):
                    pagerduty[key] = "secret-read-by-amp"
    return config


def _amp_rules_reason(config, template_files):
    """AMP's own restrictions on top of a valid Alertmanager configuration."""
    route = config.get("route")
    if not isinstance(route, dict) or not route.get("receiver"):
        return "alertmanager_config: 'route' with a 'receiver' is required"
    receivers = config.get("receivers") or []
    if not isinstance(receivers, list):
        return "alertmanager_config: 'receivers' must be a list"
    known = set()
    for receiver in receivers:
        if not isinstance(receiver, dict) or not receiver.get("name"):
            return "alertmanager_config: every receiver needs a 'name'"
        name = receiver["name"]
        known.add(name)
        unsupported = sorted(set(receiver) - AMP_RECEIVER_KEYS)
        if unsupported:
            return f"receiver {name!r}: {', '.join(unsupported)} not supported, AMP accepts sns_configs and pagerduty_configs"
        for pagerduty in receiver.get("pagerduty_configs") or []:
            reason = _pagerduty_reason(name, pagerduty)
            if reason:
                return reason
        for sns in receiver.get("sns_configs") or []:
            if not isinstance(sns, dict):
                return f"receiver {name!r}: every sns_configs entry must be a mapping"
            for key in AMP_FORBIDDEN_SNS_KEYS:
                if key in sns:
                    return f"receiver {name!r}: sns_configs.{key} is not allowed in AMP"
            if not sns.get("topic_arn"):
                return f"receiver {name!r}: sns_configs.topic_arn is required"
            if not isinstance(sns.get("sigv4"), dict) or not sns["sigv4"].get("region"):
                return f"receiver {name!r}: sns_configs.sigv4.region is required"
    for used in _route_receivers(route):
        if used not in known:
            return f'undefined receiver "{used}" used in route'
    # AMP accepts templates that match none of template_files (they load nothing), as its own samples show.
    return None


def alertmanager_definition_reason(data):
    """Why AMP would refuse this alertmanager definition, or None."""
    doc, reason = _load_yaml(data, "alertmanager definition")
    if reason:
        return reason
    if not isinstance(doc, dict) or not isinstance(doc.get("alertmanager_config"), str):
        return "alertmanager definition must be a mapping whose 'alertmanager_config' is a string"
    extra = sorted(set(doc) - AMP_DEFINITION_KEYS)
    if extra:
        return f"alertmanager definition: field(s) {', '.join(extra)} not allowed at the top level"
    template_files = doc.get("template_files") or {}
    if not isinstance(template_files, dict) or not all(isinstance(v, str) for v in template_files.values()):
        return "template_files must map file names to template text"
    config, reason = _load_yaml(doc["alertmanager_config"], "alertmanager_config")
    if reason:
        return reason
    if not isinstance(config, dict):
        return "alertmanager_config must hold a mapping"
    reason = _amp_rules_reason(config, template_files)
    if reason:
        return reason
    uses_pagerduty = any(r.get("pagerduty_configs") for r in config.get("receivers") or [])
    files = dict(template_files)
    files["alertmanager.yml"] = (yaml.safe_dump(_amtool_view(config), sort_keys=False) if uses_pagerduty
                                 else doc["alertmanager_config"])
    return run_validator("amtool", ["check-config", "alertmanager.yml"], files)
