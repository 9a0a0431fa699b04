# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""AMP alertmanager definitions: validation before upload, rendering of AMP's document, comparison.

AMP's document is YAML with ``alertmanager_config`` (a string holding a normal Alertmanager
configuration) and optional ``template_files`` (file name -> template text), which the
configuration references by name under ``templates``. AMP delivers to SNS topics in the workspace's
account, signed with SigV4 (it rejects ``api_url`` and ``http_config``), and to PagerDuty, whose key it
reads from Secrets Manager (AMP-alertmanager-pagerduty.html): ``routing_key`` / ``service_key`` only as
``aws_secrets_manager: {secret_arn, secret_key, refresh_interval}``, without ``url``, the ``*_file``
forms or ``http_config``. Every other receiver kind is refused.
"""

import fnmatch
import json
import re

try:
    import yaml
except ImportError:  # ansible-core depends on PyYAML; the guard keeps the import sanity test honest
    yaml = None

try:
    # RE2's own bindings: Alertmanager is Go, whose regexp is RE2 (no look-arounds, no backreferences,
    # repetitions up to 1000); Python's re accepts much that Alertmanager refuses.
    import re2

    RE2_OPTIONS = re2.Options()
    RE2_OPTIONS.log_errors = False
    HAS_RE2 = True
except ImportError:
    HAS_RE2 = False

from ansible_collections.amp.alerting.plugins.module_utils.amp_base import QUOTA_ALERTMANAGER_DEFINITION_BYTES
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import QUOTA_REPEAT_INTERVAL_SECONDS
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import dump_yaml
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import duration_seconds
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import is_duration
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import run_validator
from ansible_collections.amp.alerting.plugins.module_utils.amp_rules import LABEL_NAME
from ansible_collections.amp.alerting.plugins.module_utils.go_templates import ALERTMANAGER_FUNCTIONS
from ansible_collections.amp.alerting.plugins.module_utils.go_templates import TemplateSyntaxError
from ansible_collections.amp.alerting.plugins.module_utils.go_templates import check_template

CONFIG_KEYS = {"global", "route", "receivers", "inhibit_rules", "templates", "time_intervals", "mute_time_intervals"}
ROUTE_DURATIONS = ("group_wait", "group_interval", "repeat_interval")
SNS_TOPIC_ARN = re.compile(r"^arn:aws[a-z-]*:sns:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):(?P<name>[A-Za-z0-9_.-]{1,256})$")
FORBIDDEN_SNS_KEYS = ("api_url", "http_config")
RECEIVER_KINDS = ("sns_configs", "pagerduty_configs")
# Alertmanager's pagerduty_config, less what AMP does not support (AMP-alertmanager-pagerduty.html).
PAGERDUTY_OPTIONS = {"send_resolved", "routing_key", "service_key", "client", "client_url", "description", "details",
                     "images", "links", "source", "severity", "class", "component", "group"}
PAGERDUTY_UNSUPPORTED = ("url", "routing_key_file", "service_key_file", "http_config")
PAGERDUTY_TEMPLATED = ("client", "client_url", "description", "source", "severity", "class", "component", "group")
SECRETS_MANAGER_KEYS = {"secret_arn", "secret_key", "refresh_interval"}
SECRET_ARN = re.compile(r"^arn:aws[a-z-]*:secretsmanager:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):secret:(?P<name>[A-Za-z0-9/_+=.@-]+)$")
# What amtool gets in place of an aws_secrets_manager reference: Alertmanager itself takes a string.
SECRET_PLACEHOLDER = "<read by AMP from Secrets Manager>"
# Alertmanager 0.25's matcher syntax (pkg/labels/parse.go): name, operator, value (quoted or not).
MATCHER = re.compile(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*(.*?)\s*$", re.S)


def check_regexp(pattern, where):
    """Alertmanager anchors every regexp (^(?:…)$) and compiles it with Go's RE2 syntax."""
    if not isinstance(pattern, str):
        raise AmpError(f"{where}: invalid regexp value {pattern!r} (a string is required)")
    anchored = f"^(?:{pattern})$"
    try:
        if HAS_RE2:
            re2.compile(anchored, RE2_OPTIONS)
        else:
            re.compile(anchored)
    except Exception as exc:  # re2.error / re.error
        detail = exc.args[0].decode("utf-8", "replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise AmpError(f"{where}: invalid regexp {pattern!r}: {detail}") from exc


def _split_matchers(text):
    """The matchers of one 'matchers' entry: braces optional, commas outside double quotes separate."""
    text = text.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    parts, current, quoted, escaped = [], [], False, False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [part for part in parts if part.strip()]


def parse_matchers(matchers, where):
    """Matcher strings ('severity="critical"', 'team=~"a|b"', '{a="1", b!="2"}') as Alertmanager's API
    takes them: [{"name", "value", "isRegex", "isEqual"}], regexps compiled as Alertmanager does."""
    if not isinstance(matchers, list):
        raise AmpError(f"{where}: must be a list")
    parsed = []
    for index, entry in enumerate(matchers):
        if not isinstance(entry, str):
            raise AmpError(f"{where}[{index}]: a matcher must be a string such as 'severity=\"critical\"'")
        for text in _split_matchers(entry):
            match = MATCHER.match(text)
            if not match:
                raise AmpError(f"{where}[{index}]: bad matcher format: {text!r}")
            name, operator, value = match.groups()
            if value.startswith('"'):
                if len(value) < 2 or not value.endswith('"') or value.endswith('\\"') and not value.endswith('\\\\"'):
                    raise AmpError(f"{where}[{index}]: matcher value {value} is not a closed quoted string")
                value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            if operator in ("=~", "!~"):
                check_regexp(value, f"{where}[{index}]")
            parsed.append({"name": name, "value": value, "isRegex": operator in ("=~", "!~"),
                           "isEqual": operator in ("=", "=~")})
    return parsed


def matcher_text(matcher):
    """One API matcher as Alertmanager prints it: name="value", name=~"regexp", ..."""
    operator = {(False, True): "=", (False, False): "!=", (True, True): "=~", (True, False): "!~"}[
        (bool(matcher["isRegex"]), matcher.get("isEqual", True) is not False)]
    return f'{matcher["name"]}{operator}{json.dumps(matcher["value"], ensure_ascii=False)}'


def matches_empty(matcher):
    """Whether the matcher matches an absent label (the empty string), as Alertmanager evaluates it."""
    if matcher["isRegex"]:
        anchored = f"^(?:{matcher['value']})$"
        found = (re2.compile(anchored, RE2_OPTIONS) if HAS_RE2 else re.compile(anchored)).search("") is not None
    else:
        found = matcher["value"] == ""
    return found == (matcher.get("isEqual", True) is not False)


def check_matchers(matchers, where):
    """A list of matcher strings, as a route's or an inhibit rule's 'matchers' holds them."""
    parse_matchers(matchers, where)


def _check_match(mapping, where, regexps):
    """match / match_re style maps: label name -> value (a regexp for the *_re ones)."""
    if not isinstance(mapping, dict):
        raise AmpError(f"{where}: must be a mapping of label names to {'regexps' if regexps else 'values'}")
    for name, value in mapping.items():
        if not isinstance(name, str) or not LABEL_NAME.match(name):
            raise AmpError(f"{where}: {name!r} is not a valid label name")
        if regexps:
            check_regexp(value, f"{where}.{name}")


def _problems(*checks):
    """The AmpError messages of the given checks (callables), each run: every problem, not the first."""
    found = []
    for check in checks:
        try:
            check()
        except AmpError as exc:
            found.append(str(exc))
    return found


def duration_problem(field, value, kind):
    """What Alertmanager's configuration loader (config.go, Route.UnmarshalYAML) refuses in a route's
    KIND of duration (group_wait, group_interval, repeat_interval), named ``field``: not a duration (no
    sign, no fraction: model.ParseDuration), or a group_interval or repeat_interval of zero. None when
    it takes it."""
    if not is_duration(value):
        return f"{field}: {value!r} is not a duration (e.g. 30s, 5m, 4h; no sign, no fraction)"
    if kind in ("group_interval", "repeat_interval") and duration_seconds(value) == 0:
        return f"{field}: {value!r} is zero; Alertmanager refuses it ('{kind} cannot be zero')"
    return None


def group_by_problems(group_by, where):
    """Label names (or '...' alone), each once: as Alertmanager's loader checks group_by."""
    if not isinstance(group_by, list):
        return [f"{where}: must be a list"]
    problems = [f"{where}: {label!r} is not a label name" for label in group_by
                if label != "..." and not (isinstance(label, str) and LABEL_NAME.match(label))]
    if "..." in group_by and len(group_by) > 1:
        problems.append(f"{where}: '...' (group by every label) cannot be listed with other labels")
    duplicated = sorted({str(label) for label in group_by if group_by.count(label) > 1})
    if duplicated:
        problems.append(f"{where}: {', '.join(duplicated)} listed twice")
    return problems


def route_problems(route, where):
    """Every problem Alertmanager would refuse in one route's own fields (not its children), each
    naming ``where``: durations, group_by, matchers (syntax and RE2 regexps), match and match_re."""
    problems = [problem for problem in (duration_problem(f"{where}.{field}", route[field], field)
                                        for field in ROUTE_DURATIONS if field in route) if problem]
    if "group_by" in route:
        problems += group_by_problems(route["group_by"], f"{where}.group_by")
    checks = []
    if "matchers" in route:
        checks.append(lambda: check_matchers(route["matchers"], f"{where}.matchers"))
    if "match" in route:
        checks.append(lambda: _check_match(route["match"], f"{where}.match", regexps=False))
    if "match_re" in route:
        checks.append(lambda: _check_match(route["match_re"], f"{where}.match_re", regexps=True))
    return problems + _problems(*checks)


def inhibit_rule_problems(rules, where="inhibit_rules"):
    """Every problem Alertmanager would refuse in a list of inhibit rules, each naming ``where[index]``."""
    if not isinstance(rules, list):
        return [f"{where}: must be a list"]
    problems = []
    for index, rule in enumerate(rules):
        at = f"{where}[{index}]"
        if not isinstance(rule, dict):
            problems.append(f"{at}: must be a mapping")
            continue
        checks = []
        for side in ("source", "target"):
            if f"{side}_match" in rule:
                checks.append(lambda side=side: _check_match(rule[f"{side}_match"], f"{at}.{side}_match", regexps=False))
            if f"{side}_match_re" in rule:
                checks.append(lambda side=side: _check_match(rule[f"{side}_match_re"], f"{at}.{side}_match_re", regexps=True))
            if f"{side}_matchers" in rule:
                checks.append(lambda side=side: check_matchers(rule[f"{side}_matchers"], f"{at}.{side}_matchers"))
        problems += _problems(*checks)
        if "equal" in rule and not isinstance(rule["equal"], list):
            problems.append(f"{at}.equal: must be a list of label names")
    return problems


def _check_inhibit_rules(rules):
    problems = inhibit_rule_problems(rules)
    if problems:
        raise AmpError(problems[0])


def _check_route(route, path, receivers_known, warnings):
    if route is None and path == "route":
        raise AmpError("route: no routes provided (an Alertmanager configuration needs a top-level route)")
    if not isinstance(route, dict):
        raise AmpError(f"{path}: must be a mapping")
    receiver = route.get("receiver")
    if path == "route" and not receiver:
        raise AmpError("route.receiver: the top-level route needs a receiver")
    if receiver is not None and receiver not in receivers_known:
        known = ", ".join(sorted(receivers_known)) or "none"
        raise AmpError(f"{path}.receiver: receiver {receiver!r} is not defined in receivers (defined: {known})")
    problems = route_problems(route, path)
    if problems:
        raise AmpError(problems[0])
    repeat = route.get("repeat_interval")
    if repeat is not None and duration_seconds(repeat) > QUOTA_REPEAT_INTERVAL_SECONDS:
        warnings.append(f"{path}.repeat_interval: {repeat} is over AMP's 5-day cap; AMP repeats notifications every 5 days at most")
    for index, child in enumerate(route.get("routes") or []):
        _check_route(child, f"{path}.routes[{index}]", receivers_known, warnings)


def _check_receivers(receivers):
    if not isinstance(receivers, list) or not receivers:
        raise AmpError("receivers: a non-empty list of receivers is required")
    names = set()
    for index, receiver in enumerate(receivers):
        if not isinstance(receiver, dict) or not isinstance(receiver.get("name"), str) or not receiver["name"]:
            raise AmpError(f"receivers[{index}]: every receiver needs a name")
        name = receiver["name"]
        where = f"receivers[{name}]"
        if name in names:
            raise AmpError(f"{where}: receiver names must be unique")
        names.add(name)
        unsupported = sorted(set(receiver) - {"name", *RECEIVER_KINDS})
        if unsupported:
            raise AmpError(f"{where}: {', '.join(unsupported)} not supported; AMP delivers to SNS (sns_configs) and "
                           "PagerDuty (pagerduty_configs) only")
        for kind, check in (("sns_configs", _check_sns), ("pagerduty_configs", _check_pagerduty)):
            configs = receiver.get(kind) or []
            if not isinstance(configs, list):
                raise AmpError(f"{where}.{kind}: must be a list")
            for c_index, each in enumerate(configs):
                check(each, f"{where}.{kind}[{c_index}]")
    return names


def _check_secret_reference(value, where):
    """A PagerDuty key as AMP takes it: {aws_secrets_manager: {secret_arn, secret_key, refresh_interval}}."""
    reference = value.get("aws_secrets_manager") if isinstance(value, dict) else None
    if not isinstance(reference, dict) or set(value) != {"aws_secrets_manager"}:
        raise AmpError(f"{where}: give the key as aws_secrets_manager: {{secret_arn, secret_key}} - AMP reads it from "
                       "Secrets Manager and refuses a key written in the definition")
    unknown = sorted(set(reference) - SECRETS_MANAGER_KEYS)
    if unknown:
        raise AmpError(f"{where}.aws_secrets_manager: unknown field(s) {', '.join(map(str, unknown))}")
    arn = reference.get("secret_arn")
    if not isinstance(arn, str) or not SECRET_ARN.match(arn):
        raise AmpError(f"{where}.aws_secrets_manager.secret_arn: {arn!r} is not a Secrets Manager secret ARN "
                       "(arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME)")
    if not isinstance(reference.get("secret_key"), str) or not reference["secret_key"].strip():
        raise AmpError(f"{where}.aws_secrets_manager.secret_key: required - the key of the secret's JSON that holds "
                       "the PagerDuty integration key")
    if "refresh_interval" in reference and not is_duration(reference["refresh_interval"]):
        raise AmpError(f"{where}.aws_secrets_manager.refresh_interval: {reference['refresh_interval']!r} is not a "
                       "duration (e.g. 5m)")


def _check_go_template(text, where):
    if isinstance(text, str) and "{{" in text:
        try:
            check_template(text, ALERTMANAGER_FUNCTIONS)
        except TemplateSyntaxError as exc:
            raise AmpError(f"{where}: {exc}") from exc


def _check_pagerduty(pagerduty, where):
    if not isinstance(pagerduty, dict):
        raise AmpError(f"{where}: must be a mapping")
    for key in PAGERDUTY_UNSUPPORTED:
        if key in pagerduty:
            raise AmpError(f"{where}.{key}: not supported by AMP's PagerDuty receiver (AMP sets the endpoint and "
                           "reads the key from Secrets Manager)")
    unknown = sorted(set(pagerduty) - PAGERDUTY_OPTIONS)
    if unknown:
        raise AmpError(f"{where}: unknown PagerDuty option(s) {', '.join(map(str, unknown))}")
    keys = [key for key in ("routing_key", "service_key") if key in pagerduty]
    if len(keys) != 1:
        raise AmpError(f"{where}: exactly one of routing_key (Events API v2) and service_key (v1) is required")
    _check_secret_reference(pagerduty[keys[0]], f"{where}.{keys[0]}")
    for field in PAGERDUTY_TEMPLATED:
        _check_go_template(pagerduty.get(field), f"{where}.{field}")
    details = pagerduty.get("details") or {}
    if not isinstance(details, dict):
        raise AmpError(f"{where}.details: must be a mapping of names to (templated) text")
    for name, text in details.items():
        _check_go_template(text, f"{where}.details.{name}")


def _amtool_config(config):
    """CONFIG as plain Alertmanager reads it: each aws_secrets_manager reference replaced by a string."""
    receivers = []
    for receiver in config.get("receivers") or []:
        pagerduty = [dict(each, **{key: SECRET_PLACEHOLDER for key in ("routing_key", "service_key") if key in each})
                     for each in receiver.get("pagerduty_configs") or []]
        receivers.append(dict(receiver, pagerduty_configs=pagerduty) if pagerduty else receiver)
    return dict(config, receivers=receivers)


def _check_sns(sns, where):
    if not isinstance(sns, dict):
        raise AmpError(f"{where}: must be a mapping")
    for key in FORBIDDEN_SNS_KEYS:
        if key in sns:
            raise AmpError(f"{where}.{key}: not allowed by AMP, which sets the SNS endpoint itself")
    topic_arn = sns.get("topic_arn")
    if not topic_arn:
        raise AmpError(f"{where}.topic_arn: required (AMP publishes to an SNS topic)")
    if isinstance(topic_arn, str) and topic_arn.endswith(".fifo"):
        raise AmpError(f"{where}.topic_arn: {topic_arn} is a FIFO topic; AMP publishes to Standard topics only")
    match = SNS_TOPIC_ARN.match(topic_arn) if isinstance(topic_arn, str) else None
    if not match:
        raise AmpError(f"{where}.topic_arn: {topic_arn!r} is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)")
    sigv4 = sns.get("sigv4")
    if not isinstance(sigv4, dict) or not sigv4.get("region"):
        raise AmpError(f"{where}.sigv4.region: required by AMP")
    if sigv4["region"] != match.group("region"):
        raise AmpError(f"{where}.sigv4.region: {sigv4['region']} differs from the topic's region {match.group('region')}")


def _stored_receivers(definition):
    try:
        document = yaml.safe_load(definition)
        config = yaml.safe_load(document["alertmanager_config"])
        return [receiver for receiver in config.get("receivers") or [] if isinstance(receiver, dict)]
    except (yaml.YAMLError, TypeError, KeyError, AttributeError):
        return []


def sns_receivers(definition):
    """{receiver name: [topic ARNs of its sns_configs]} of a stored alertmanager definition (AMP's YAML
    document, bytes or text); {} when it does not parse. Nothing else of the definition is returned:
    other receivers' settings may hold secrets."""
    return {str(receiver.get("name")): [sns.get("topic_arn") for sns in receiver.get("sns_configs") or []
                                        if isinstance(sns, dict) and sns.get("topic_arn")]
            for receiver in _stored_receivers(definition)}


def pagerduty_secrets(definition):
    """{receiver name: [ARNs of the secrets its pagerduty_configs read their key from]} of a stored
    definition, for receivers that have any; {} when it does not parse."""
    secrets = {}
    for receiver in _stored_receivers(definition):
        for pagerduty in receiver.get("pagerduty_configs") or []:
            for field in ("routing_key", "service_key"):
                reference = pagerduty.get(field) if isinstance(pagerduty, dict) else None
                arn = ((reference or {}).get("aws_secrets_manager") or {}).get("secret_arn") \
                    if isinstance(reference, dict) else None
                if isinstance(arn, str):
                    secrets.setdefault(str(receiver.get("name")), []).append(arn)
    return secrets


def check_topic_accounts(config, account_id):
    """AMP publishes only to topics in the workspace's account: raise AmpError naming the field otherwise.

    ``config`` is a configuration that ``check_config`` accepted.
    """
    for receiver in config["receivers"]:
        for index, sns in enumerate(receiver.get("sns_configs") or []):
            account = SNS_TOPIC_ARN.match(sns["topic_arn"]).group("account")
            if account != account_id:
                raise AmpError(f"receivers[{receiver['name']}].sns_configs[{index}].topic_arn: topic is in account {account}, "
                               f"the workspace in {account_id}; AMP publishes only to topics in the workspace's account")


def check_config(config, template_files):
    """Raise AmpError naming the field when AMP would refuse the configuration; return warnings."""
    if not isinstance(config, dict):
        raise AmpError("config: must be a mapping (an Alertmanager configuration)")
    unknown = sorted(set(config) - CONFIG_KEYS)
    if unknown:
        raise AmpError(f"config: unknown field(s) {', '.join(map(str, unknown))}")
    if not isinstance(template_files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in template_files.items()):
        raise AmpError("template_files: must map file names to template text")
    names = _check_receivers(config.get("receivers"))
    warnings = []
    _check_route(config.get("route"), "route", names, warnings)
    templates = config.get("templates") or []
    if not isinstance(templates, list):
        raise AmpError("config.templates: must be a list of template file names")
    loaded = set()
    for pattern in templates:
        matched = [name for name in template_files if fnmatch.fnmatchcase(name, str(pattern))]
        if not matched:
            # AMP accepts a glob that matches nothing (its own docs and CloudFormation contract tests
            # upload templates: [default_template] without template_files): no template is loaded.
            warnings.append(f"config.templates: {pattern!r} matches none of template_files "
                            f"({', '.join(sorted(template_files)) or 'none given'}); it loads no template")
        loaded.update(matched)
    for name in sorted(loaded):
        try:
            check_template(template_files[name], ALERTMANAGER_FUNCTIONS)
        except TemplateSyntaxError as exc:
            raise AmpError(f"template_files[{name}]: {exc}") from exc
    if "inhibit_rules" in config:
        _check_inhibit_rules(config["inhibit_rules"])
    return warnings


def prepare_definition(config=None, template_files=None, definition=None, account_id=None):
    """Validate and render AMP's alertmanager document.

    Either ``config`` (dict) with ``template_files``, or ``definition`` (AMP's whole YAML document,
    uploaded byte for byte). Returns (bytes, comparable form, warnings). With ``account_id`` (the
    workspace's account) the topics' account is checked too (``check_topic_accounts``).
    """
    if yaml is None:
        raise AmpError("PyYAML is required")
    if definition is not None:
        try:
            document = yaml.safe_load(definition)
        except yaml.YAMLError as exc:
            raise AmpError(f"definition: not valid YAML: {' '.join(str(exc).split())}") from exc
        if not isinstance(document, dict) or not isinstance(document.get("alertmanager_config"), str):
            raise AmpError("definition: must be a mapping whose 'alertmanager_config' is a string (use 'alertmanager_config: |')")
        unknown = sorted(set(document) - {"alertmanager_config", "template_files"})
        if unknown:
            raise AmpError(f"definition: unknown top-level field(s) {', '.join(map(str, unknown))}")
        try:
            config = yaml.safe_load(document["alertmanager_config"])
        except yaml.YAMLError as exc:
            raise AmpError(f"definition.alertmanager_config: not valid YAML: {' '.join(str(exc).split())}") from exc
        template_files = document.get("template_files") or {}
        config_text, text = document["alertmanager_config"], definition
    else:
        template_files = template_files or {}
        config_text = dump_yaml(config) if isinstance(config, dict) else ""
        document = {"alertmanager_config": config_text}
        if template_files:
            document["template_files"] = template_files
        text = None
    warnings = check_config(config, template_files)
    if account_id:
        check_topic_accounts(config, account_id)
    if text is None:
        text = dump_yaml(document)
    body = text.encode("utf-8")
    if len(body) > QUOTA_ALERTMANAGER_DEFINITION_BYTES:
        raise AmpError(f"definition: {len(body)} bytes is over AMP's limit of {QUOTA_ALERTMANAGER_DEFINITION_BYTES} bytes")
    files = dict(template_files)
    uses_pagerduty = any(receiver.get("pagerduty_configs") for receiver in config["receivers"])
    files["alertmanager.yml"] = dump_yaml(_amtool_config(config)) if uses_pagerduty else config_text
    complaint = run_validator("amtool", ["check-config", "alertmanager.yml"], files)
    if complaint:
        raise AmpError(f"config: {complaint}")
    return body, comparable(config, template_files), warnings


def comparable(config, template_files):
    return {"config": config, "template_files": template_files or {}}


def parse_definition(data):
    """The comparable form of an uploaded document, or None when it cannot be read."""
    try:
        document = yaml.safe_load(data.decode("utf-8") if isinstance(data, bytes) else data)
        return comparable(yaml.safe_load(document["alertmanager_config"]), document.get("template_files"))
    except (AttributeError, KeyError, TypeError, UnicodeDecodeError, yaml.YAMLError):
        return None
