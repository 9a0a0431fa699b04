# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What AWS would refuse, checked before the first AWS call: the limits AWS documents for the values
the collection's roles send (names, regions, ARNs, retention, runtime, timeout, durations, URLs).

Every check returns problems as "<field>: <what is wrong>", so that the preflight play lists all of
a host's mistakes at once, each naming the variable to fix. Limits come from botocore's service
models where the model has them (read at run time, so a newer botocore brings AWS's newer values);
where AWS documents a limit the model lacks, the constant says which page documents it.
"""

import difflib
import functools
import json
import math
import re
import unicodedata
from urllib.parse import urlsplit

import importlib

try:
    import yaml
except ImportError:  # ansible-core depends on PyYAML; the guard keeps the import sanity test honest
    yaml = None

from ansible_collections.amp.alerting.plugins.module_utils.amp_base import duration_seconds
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import is_duration
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import run_validator

# Resource names, per service: (maximum length, allowed characters as a regexp, how a user reads it).
NAME_RULES = {
    # AMP CreateWorkspace alias (botocore: 1-100 characters).
    "amp_alias": (100, r"[\S ]+", "1 to 100 characters"),
    # AMP rule groups namespace (botocore RuleGroupsNamespaceName: 1-128, [0-9A-Za-z][-.0-9A-Z_a-z]*).
    "amp_namespace": (128, r"[0-9A-Za-z][-.0-9A-Z_a-z]*", "letters, digits, '-', '.', '_', starting with a letter or digit"),
    # IAM role / user names (botocore roleNameType, userNameType: 1-64, [\w+=,.@-]+).
    "iam_role": (64, r"[\w+=,.@-]+", "letters, digits and +=,.@_-"),
    "iam_user": (64, r"[\w+=,.@-]+", "letters, digits and +=,.@_-"),
    # IAM managed policy names (botocore policyNameType: 1-128, [\w+=,.@-]+).
    "iam_policy": (128, r"[\w+=,.@-]+", "letters, digits and +=,.@_-"),
    # SNS topic names: https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html (1-256, A-Z a-z 0-9 - _).
    "sns_topic": (256, r"[A-Za-z0-9_-]+", "letters, digits, '-' and '_'"),
    # Lambda function names: https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html (64 characters).
    "lambda_function": (64, r"[a-zA-Z0-9_-]+", "letters, digits, '-' and '_'"),
    # SQS queue names: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
    "sqs_queue": (80, r"[A-Za-z0-9_-]+", "letters, digits, '-' and '_'"),
    # CloudFormation stack names: https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html
    "cloudformation_stack": (128, r"[a-zA-Z][-a-zA-Z0-9]*", "letters, digits and '-', starting with a letter"),
    # CloudWatch Logs log groups (botocore LogGroupName: 1-512, [\.\-_/#A-Za-z0-9]+).
    "log_group": (512, r"[.\-_/#A-Za-z0-9]+", "letters, digits and ._-/#"),
    # SSM parameter names: https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-parameter-name-constraints.html
    "ssm_parameter": (1011, r"/?[a-zA-Z0-9_.\-/]+", "letters, digits and _.-/ (a path)"),
    # A Slack destination's name ends its SSM parameter's name and is an SNS message attribute value.
    "slack_destination": (64, r"[A-Za-z0-9_.-]+", "letters, digits, '-', '_' and '.'"),
    # Secrets Manager secret names: https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html
    # (1-512, letters, digits and /_+=.@-).
    "secretsmanager_secret": (512, r"[A-Za-z0-9/_+=.@-]+", "letters, digits and /_+=.@-"),
    # DynamoDB table names: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
    "dynamodb_table": (255, r"[a-zA-Z0-9_.-]{3,}", "3 or more letters, digits, '_', '-' and '.'"),
    # KMS aliases (botocore AliasNameType: 1-256, ^[a-zA-Z0-9:/_-]+$, 'alias/' first).
    "kms_alias": (256, r"alias/[a-zA-Z0-9/_-]+", "'alias/' then letters, digits and /_-"),
}
SSM_PARAMETER_MAX_LEVELS = 15  # same page as the SSM name rule above
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html: at most 900 seconds (botocore's
# model says 5400, which Lambda accepts only for durable functions).
LAMBDA_TIMEOUT_MAX = 900
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html: 128 MB to 10,240 MB.
LAMBDA_MEMORY_RANGE = (128, 10240)
# When botocore's model cannot be read: CloudWatch Logs PutRetentionPolicy's possible values.
CLOUDWATCH_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557,
                             2922, 3288, 3653)
# amazon.aws 10.1.2's cloudwatchlogs_log_group knows fewer of them and, given one it does not know,
# DELETES the log group before failing: never hand it another value.
LOG_GROUP_MODULE_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653)
SNS_PROTOCOLS = ("http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose")
SLACK_WEBHOOK_PREFIX = "https://hooks.slack.com/"
SLACK_API_PREFIX = "https://slack.com/api/"
# A Slack app destination: its bot token, and the channel's ID (chat.update needs the ID; a name also
# breaks when the channel is renamed). https://api.slack.com/authentication/token-types
SLACK_BOT_TOKEN_PREFIX = "xoxb-"
SLACK_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")
SLACK_APP_KEYS = ("bot_token", "channel")
DEFAULT_SEVERITIES = ("critical", "error", "warning", "info")

# Prometheus' label names (as amp_rules.LABEL_NAME, which this light module does not import: that one
# brings boto3, a third of a second in every worker process that templates a preflight check).
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
ARN = re.compile(r"^arn:(?P<partition>aws[a-z-]*):(?P<service>[a-z0-9-]+):(?P<region>[a-z0-9-]*):(?P<account>\d{12}|):(?P<resource>.+)$")


@functools.lru_cache(maxsize=1)
def _session():
    """botocore's session, imported here and only by the checks that need its data: importing botocore and
    loading its endpoint data takes a third of a second, paid by every worker process that templates."""
    try:
        return importlib.import_module("botocore.session").get_session()
    except ImportError:
        return None


@functools.lru_cache(maxsize=8)
def known_regions(service="amp"):
    """Every region botocore's endpoint data knows for ``service``, in all partitions."""
    session = _session()
    if session is None:
        return None
    regions = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions(service, partition_name=partition))
    return regions


@functools.lru_cache(maxsize=1)
def retention_days():
    """CloudWatch Logs' allowed retention values, from botocore's model of PutRetentionPolicy."""
    session = _session()
    if session is not None:
        documentation = session.get_service_model("logs").shape_for("Days").documentation
        found = re.search(r"Possible values are:(.*?)\.", documentation or "")
        if found:
            values = tuple(int(value) for value in re.findall(r"\d+", found.group(1)))
            if values:
                return values
    return CLOUDWATCH_RETENTION_DAYS


def as_int(value):
    """An int from the inventory or an extra var ('-e lambda_timeout=60' gives the text '60'); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


# Characters that are typed for one another: us-east-l for us-east-1.
_LOOKALIKES = str.maketrans({"l": "1", "I": "1", "O": "0", "o": "0"})


def suggestion(value, choices):
    """' (did you mean X?)' for a near miss of one of CHOICES, else ''."""
    choices = [str(choice) for choice in choices]
    for choice in choices:
        if str(value).translate(_LOOKALIKES) == choice.translate(_LOOKALIKES):
            return f" (did you mean {choice}?)"
    close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def name_problems(field, value, kind):
    """A resource name against its service's length and character rules."""
    maximum, pattern, readable = NAME_RULES[kind]
    if not isinstance(value, str) or not value:
        return [f"{field}: must be a non-empty string"]
    problems = []
    if len(value) > maximum:
        problems.append(f"{field}: '{value}' is {len(value)} characters; {kind.replace('_', ' ')} names have at most {maximum}")
    if not re.fullmatch(pattern, value):
        problems.append(f"{field}: '{value}' is not a valid {kind.replace('_', ' ')} name ({readable})")
    if kind == "ssm_parameter" and value.strip("/").count("/") + 1 > SSM_PARAMETER_MAX_LEVELS:
        problems.append(f"{field}: '{value}' has more than {SSM_PARAMETER_MAX_LEVELS} levels")
    if kind == "ssm_parameter" and value.lstrip("/").lower().startswith(("aws", "ssm")):
        problems.append(f"{field}: SSM parameter names may not begin with 'aws' or 'ssm'")
    if kind == "kms_alias" and value.startswith("alias/aws/"):
        problems.append(f"{field}: 'alias/aws/' is reserved for AWS-managed keys")
    return problems


def reference_data(amp_regions=True, log_retention_days=True):
    """botocore's data the checks compare with, as plain lists: AMP's regions, CloudWatch Logs' retention values.
    Read once for every host of a run (playbooks/preflight.yml) and handed to the checks: each read costs the
    worker process that templates it a fifth of a second (botocore's import, its endpoint data, the logs model)."""
    data = {}
    if amp_regions:
        regions = known_regions()
        data["amp_regions"] = sorted(regions) if regions is not None else None
    if log_retention_days:
        data["log_retention_days"] = list(retention_days())
    return data


def region_problems(field, region, regions=None):
    """REGIONS: AMP's regions (reference_data's), else read from botocore here."""
    if not isinstance(region, str) or not region:
        return [f"{field}: required (the host's AWS region, e.g. eu-west-1)"]
    regions = known_regions() if regions is None else regions
    if regions is not None and region not in regions:
        return [f"{field}: '{region}' is not a region where AMP is offered{suggestion(region, sorted(regions))}"]
    return []


def arn_problems(field, value, service, region=None, account=None, resource_prefix=None):
    """An ARN of ``service``; in ``region`` / ``account`` when given (where it is used requires them)."""
    match = ARN.match(value) if isinstance(value, str) else None
    if not match or match.group("service") != service:
        return [f"{field}: '{value}' is not a {service.upper()} ARN (arn:aws:{service}:REGION:ACCOUNT:...)"]
    if resource_prefix and not match.group("resource").startswith(resource_prefix):
        return [f"{field}: '{value}' does not name a {resource_prefix.rstrip('/:')}"]
    problems = []
    if region and match.group("region") != region:
        problems.append(f"{field}: '{value}' is in region {match.group('region')}, the host in {region}; "
                        f"{service.upper()} resources are used in their own region only")
    if account and match.group("account") != account:
        problems.append(f"{field}: '{value}' is in account {match.group('account')}, the host's account is {account}")
    return problems


KMS_KEY_ID = re.compile(r"^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$")
KMS_ALIAS_NAME = re.compile(r"^alias/[a-zA-Z0-9/_-]{1,250}$")


def kms_key_reference_problems(field, value, region=None, account=None):
    """A KMS key as SNS's KmsMasterKeyId takes it: key id, key ARN, alias name or alias ARN (AWS resolves
    an alias; the checks that need the key read it through DescribeKey, which resolves it too)."""
    if isinstance(value, str) and (KMS_KEY_ID.match(value) or KMS_ALIAS_NAME.match(value)):
        return []
    match = ARN.match(value) if isinstance(value, str) else None
    if match and match.group("service") == "kms" and match.group("resource").startswith("alias/"):
        return arn_problems(field, value, "kms", region, account, "alias/")
    problems = arn_problems(field, value, "kms", region, account, "key/")
    if problems and not match:
        return [f"{field}: '{value}' is not a KMS key id, key ARN, alias name (alias/...) or alias ARN"]
    return problems


def retention_problems(field, days, allowed=None):
    """ALLOWED: CloudWatch Logs' retention values (reference_data's), else read from botocore here."""
    allowed = tuple(allowed) if allowed else retention_days()
    days = as_int(days) if as_int(days) is not None else days
    if not isinstance(days, int) or isinstance(days, bool) or days not in allowed:
        return [f"{field}: {days!r} is not a retention CloudWatch Logs accepts ({', '.join(map(str, allowed))})"]
    if days not in LOG_GROUP_MODULE_RETENTION_DAYS:
        return [f"{field}: CloudWatch accepts {days}, but amazon.aws' cloudwatchlogs_log_group deletes the log group when "
                f"given it (it knows {', '.join(map(str, LOG_GROUP_MODULE_RETENTION_DAYS))}): choose one of those"]
    return []


def range_problems(field, value, low, high, unit=""):
    number = as_int(value)
    if number is None or not low <= number <= high:
        return [f"{field}: {value!r} is outside {low}-{high}{unit}"]
    return []


def severity_problems(field, value, allowed):
    if value in allowed:
        return []
    return [f"{field}: severity {value!r} is not one of {', '.join(allowed)}{suggestion(value, allowed)}; "
            "add a level of your own to alerting_severities"]


THRESHOLD_KEYS = ("value", "for", "severity", "enabled")
ALERT_KEYS = ("group", "expr", "comparison", "labels", "annotations", "keep_firing_for", "minimum")
COMPARISONS = (">", ">=", "<", "<=", "==", "!=")


def _type_name(value):
    return "str" if isinstance(value, str) else type(value).__name__


def _one_threshold_problems(name, threshold, variable, severities):
    where = f"{variable}.{name}"
    if not isinstance(threshold, dict):
        return [f"{where} must be a mapping with value, for and severity, got {_type_name(threshold)}"]
    unknown = sorted(str(key) for key in set(threshold) - set(THRESHOLD_KEYS))
    if unknown:
        return [f"{where}: unknown key(s) {', '.join(unknown)} (allowed: value, for, severity, enabled)"]
    problems = [f"alert {name!r}: {where}.{key} is not set" for key in ("value", "for", "severity") if key not in threshold]
    value = threshold.get("value", 0)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.append(f"alert {name!r}: {where}.value must be a number, got {value!r} ({_type_name(value)})")
    elif not math.isfinite(value):
        # PromQL compares with +Inf and NaN as written: "> +Inf" and any comparison with NaN never hold.
        problems.append(f"alert {name!r}: {where}.value is {value!r}: the alert could never fire (or would always), "
                        "give a finite number")
    if "for" in threshold and (not isinstance(threshold["for"], str) or not is_duration(threshold["for"])):
        problems.append(f"alert {name!r}: {where}.for must be a Prometheus duration such as 5m, got {threshold['for']!r}")
    severity = threshold.get("severity", "x")
    if not isinstance(severity, str) or not severity.strip():
        problems.append(f"alert {name!r}: {where}.severity must be a non-empty string, got {severity!r}")
    elif severities is not None and "severity" in threshold and threshold.get("enabled", True):
        problems += severity_problems(f"{where}.severity", severity, severities)
    if not isinstance(threshold.get("enabled", True), bool):
        problems.append(f"alert {name!r}: {where}.enabled must be true or false")
    return problems


def _alert_definition_problems(name, definition):
    if not isinstance(definition, dict) or not isinstance(definition.get("expr"), str) or not definition.get("group"):
        return [f"alert {name!r}: its definition needs 'group' and 'expr'"]
    problems = []
    bad_keys = sorted(str(key) for key in set(definition) - set(ALERT_KEYS))
    if bad_keys:
        problems.append(f"alert {name!r}: unknown key(s) {', '.join(bad_keys)} in its definition")
    comparison = definition.get("comparison", ">")
    if comparison not in COMPARISONS:
        problems.append(f"alert {name!r}: comparison must be one of {' '.join(COMPARISONS)}, got {comparison!r}")
    return problems


def threshold_problems(alerts, thresholds, variable="alerting_thresholds", severities=None):
    """Every problem of the alert definitions and their thresholds, one line each: the one check of
    thresholds, used by the preflight (with the inventory's severities) and by the rule-group build
    (amp.alerting.alert_rule_groups, which refuses to build on any)."""
    if not isinstance(alerts, dict):
        return ["the alert definitions must be a mapping of alert name to definition"]
    if not isinstance(thresholds, dict):
        return [f"{variable} must be a mapping of alert name to threshold"]
    problems = [f"{variable}.{name} names no alert; known alerts: {', '.join(sorted(map(str, alerts)))}"
                for name in sorted(map(str, set(thresholds) - set(alerts)))]
    for name in sorted(alerts):
        problems += _alert_definition_problems(name, alerts[name])
        if name not in thresholds:
            problems.append(f"alert {name!r} has no threshold: set {variable}.{name} with value, for and severity")
            continue
        found = _one_threshold_problems(name, thresholds[name], variable, severities)
        problems += found
        minimum = alerts[name].get("minimum") if isinstance(alerts[name], dict) else None
        value = thresholds[name].get("value") if isinstance(thresholds[name], dict) else None
        if not found and isinstance(minimum, (int, float)) and value < minimum:
            problems.append(f"{variable}.{name}.value: {value} is below {minimum}, the least "
                            f"{name} can measure, so the alert would never (or always) fire")
    return problems


def _host(url):
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def webhook_problems(field, url, stand_in=False, allowed_hosts=()):
    """What is wrong with a webhook URL for the forwarder, which posts only to https://hooks.slack.com/
    or a host lambda_slack_allowed_hosts names. The URL is a secret: never printed."""
    if not isinstance(url, str) or not url:
        return []
    if re.search(r"[\s\x00-\x1f\x7f]", url):
        return [f"{field}: holds whitespace or control characters"]
    if stand_in:
        if not re.match(r"^https?://[^/\s]+", url):
            return [f"{field}: not an http(s) URL"]
        if not url.startswith(SLACK_WEBHOOK_PREFIX) and _host(url) not in allowed_hosts:
            return [f"{field}: the forwarder posts only to Slack or to a host lambda_slack_allowed_hosts names; "
                    "add the stand-in's host name there"]
        return []
    if not url.startswith(SLACK_WEBHOOK_PREFIX):
        # The URL is a secret: say what is wrong without printing it.
        return [f"{field}: a Slack incoming webhook starts with {SLACK_WEBHOOK_PREFIX} (set "
                "lambda_slack_webhook_stand_in: true and lambda_slack_allowed_hosts for a local stand-in)"]
    return []


def slack_api_url_problems(field, url, allowed_hosts=()):
    """Slack's Web API is https://slack.com/api/; a stand-in's host must be named (and may be http)."""
    url = str(url or "")
    host = _host(url)
    if host in allowed_hosts and re.match(r"^https?://", url):
        return []
    if not url.startswith(SLACK_API_PREFIX):
        return [f"{field}: {url!r} is not Slack's Web API ({SLACK_API_PREFIX}); the bot token would go to it. A "
                "stand-in's host goes in lambda_slack_allowed_hosts"]
    return []


# AWS's tag rules (Tagging AWS Resources, "Tag naming limits and requirements"; the TagKey/TagValue
# shapes of botocore's amp, lambda, logs and ssm models): at most 50 tags; keys of 1-128 and values of
# 0-256 Unicode letters, digits, spaces and _ . : / = + - @; no key starts with aws: (any case).
TAGS_MAX = 50
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
TAG_SYMBOLS = set("_.:/=+-@")


def _tag_text_problem(text):
    bad = sorted({char for char in text if char not in TAG_SYMBOLS and unicodedata.category(char)[0] not in "LZN"})
    return f"holds {', '.join(repr(char) for char in bad)}, which AWS does not take in tags" if bad else None


def tag_problems(field, tags):
    """What AWS refuses in a resource's tags, each naming ``field`` and the tag."""
    if tags in (None, ""):
        return []
    if not isinstance(tags, dict):
        return [f"{field}: must be a mapping of tag keys to values"]
    problems = []
    if len(tags) > TAGS_MAX:
        problems.append(f"{field}: {len(tags)} tags; AWS takes at most {TAGS_MAX} a resource")
    for key, value in tags.items():
        key, value = str(key), "" if value is None else str(value)
        where = f"{field}.{key}"
        if not 1 <= len(key) <= TAG_KEY_MAX:
            problems.append(f"{where}: the key is {len(key)} characters; AWS takes 1 to {TAG_KEY_MAX}")
        if key.lower().startswith("aws:"):
            problems.append(f"{where}: keys starting with 'aws:' are reserved for AWS")
        if len(value) > TAG_VALUE_MAX:
            problems.append(f"{where}: the value is {len(value)} characters; AWS takes at most {TAG_VALUE_MAX}")
        for part, text in (("key", key), ("value", value)):
            problem = _tag_text_problem(text)
            if problem:
                problems.append(f"{where}: the {part} {problem}")
    return problems


# Condition keys that narrow "Principal": "*" to someone (IAM User Guide, "AWS global condition
# context keys"; sts:ExternalId for a third party).
NARROWING_CONDITION_KEYS = ("aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn",
                            "aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths",
                            "aws:sourceowner", "sts:externalid", "aws:userid", "aws:sourcevpce", "aws:sourcevpc")


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _condition_keys(statement):
    """{lower-case condition key: [values]} of a statement, whatever the operators."""
    keys = {}
    for block in (statement.get("Condition") or {}).values():
        if isinstance(block, dict):
            for key, value in block.items():
                keys.setdefault(str(key).lower(), []).extend(str(item) for item in _as_list(value))
    return keys


def _keys_with_templates(document):
    if isinstance(document, dict):
        for key, value in document.items():
            if "{{" in str(key) or "{%" in str(key):
                yield str(key)
            yield from _keys_with_templates(value)
    elif isinstance(document, list):
        for item in document:
            yield from _keys_with_templates(item)


def trust_policy_problems(field, document):
    """A role trust policy that lets anyone in: "*" (or AWS: "*") without a condition that narrows it, or
    an OIDC provider trusted without a condition on its :sub (any GitHub repository, any pod of the
    cluster could assume the role). Each problem names the field and the statement."""
    problems = [f"{field}: the key {key!r} still holds a template; Ansible templates values, not mapping keys "
                "(build the mapping in an expression: {{ {issuer ~ ':sub': '...'} }})"
                for key in _keys_with_templates(document)]
    statements = document.get("Statement") if isinstance(document, dict) else None
    for index, statement in enumerate(_as_list(statements or [])):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        where = f"{field} Statement[{statement.get('Sid') or index}]"
        principal = statement.get("Principal")
        keys = _condition_keys(statement)
        anyone = principal == "*" or (isinstance(principal, dict) and "*" in _as_list(principal.get("AWS")))
        narrowed = [key for key, values in keys.items()
                    if key in NARROWING_CONDITION_KEYS and any(value.strip("*") for value in values)]
        if anyone and not narrowed:
            problems.append(f"{where}: lets any AWS principal ('*') assume the role; add a condition that narrows it "
                            "(aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, sts:ExternalId) or name the principals")
        federated = principal.get("Federated") if isinstance(principal, dict) else None
        for provider in _as_list(federated or []):
            provider = str(provider)
            if "oidc-provider/" not in provider:
                continue
            host = provider.split("oidc-provider/", 1)[1]
            # :sub names who may assume the role. :aud is checked by STS already against the provider's
            # client-ID list (IAM User Guide, "Create an OpenID Connect identity provider"), so a
            # condition on it alone narrows nothing and its absence widens nothing.
            if not any(value.strip("*") for value in keys.get(f"{host.lower()}:sub", [])):
                problems.append(f"{where}: trusts the OIDC provider {host} without a condition on {host}:sub: any "
                                "token it issues (any repository, any service account) could assume the role")
    return problems


# https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-workspace-configuration.html: retention of
# at most 1095 days; API_LimitsPerLabelSet.html: label names, values with a character that is not
# whitespace and no control character, a __name__ value a metric name.
RETENTION_DAYS = (1, 1095)
METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


def label_set_key(labels):
    return json.dumps(labels, sort_keys=True)


def retention_loss_problem(wanted, now, workspace_id, alias, retention_field="retention_period_in_days",
                           allow_field="allow_retention_decrease"):
    """The problem of asking a workspace that keeps NOW days of samples for a shorter retention WANTED (AMP
    deletes the older samples, for good), or None. Said by amp_workspace and by the deploy preflight."""
    if wanted is None or now is None or wanted >= now:
        return None
    return (f"{retention_field}: {wanted} is shorter than the {now} days workspace {workspace_id} ({alias or 'no alias'}) "
            f"keeps now: AMP would delete every sample older than {wanted} days, and they cannot be recovered. Nothing "
            f"was changed; to shorten the retention, set {allow_field}: true")


def workspace_configuration_problems(retention, limits, retention_field="retention_period_in_days",
                                     limits_field="limits_per_label_set"):
    """What AMP's UpdateWorkspaceConfiguration would refuse, each naming its field (module and preflight)."""
    problems = []
    if retention is not None and (isinstance(retention, bool) or not isinstance(retention, int)
                                  or not RETENTION_DAYS[0] <= retention <= RETENTION_DAYS[1]):
        problems.append(f"{retention_field}: {retention!r} is not a number of days from {RETENTION_DAYS[0]} to "
                        f"{RETENTION_DAYS[1]} (AMP's range)")
    if limits is not None and not isinstance(limits, list):
        return problems + [f"{limits_field}: must be a list of {{label_set, max_series}}"]
    seen = {}
    for index, entry in enumerate(limits or []):
        where = f"{limits_field}[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("label_set"), dict) or "max_series" not in entry:
            problems.append(f"{where}: must be a mapping with label_set (a mapping) and max_series")
            continue
        labels = entry["label_set"]
        for name, value in labels.items():
            if not LABEL_NAME.match(str(name)):
                problems.append(f"{where}.label_set: '{name}' is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)")
            elif not isinstance(value, str) or not value.strip() or not value.isascii() \
                    or any(ord(char) < 32 or ord(char) == 127 for char in value):
                problems.append(f"{where}.label_set.{name}: AMP takes an ASCII value with a character that is not "
                                "whitespace and no control characters")
            elif name == "__name__" and not METRIC_NAME.match(value):
                problems.append(f"{where}.label_set.__name__: '{value}' is not a metric name")
        series = entry["max_series"]
        if isinstance(series, bool) or not isinstance(series, int) or series < 0:
            problems.append(f"{where}.max_series: must be 0 (no limit, usage metrics only) or more")
        key = label_set_key(labels)
        if key in seen:
            problems.append(f"{where}.label_set: the same label set as {limits_field}[{seen[key]}]")
        seen.setdefault(key, index)
    return problems


def slack_app_problems(field, app):
    """A Slack app destination ({bot_token, channel}); the token is a secret and is never printed."""
    unknown = sorted(str(key) for key in app if key not in SLACK_APP_KEYS)
    problems = [f"{field}.{key}: unknown key (a Slack app destination has bot_token and channel)" for key in unknown]
    channel = app.get("channel")
    if not isinstance(channel, str) or not SLACK_CHANNEL_ID.match(channel):
        problems.append(f"{field}.channel: the channel's ID (C…, G… or D…, in the channel's details in Slack) is "
                        f"required, got {channel!r}")
    token = app.get("bot_token")
    if token and (not isinstance(token, str) or not token.startswith(SLACK_BOT_TOKEN_PREFIX)):
        problems.append(f"{field}.bot_token: a Slack app's bot token starts with {SLACK_BOT_TOKEN_PREFIX} "
                        "(OAuth & Permissions page of the app; it needs the chat:write scope)")
    return problems


def duplicates(entries):
    """((host, other host), problem) for inventory hosts that would act on the same workspace: entries
    are (host, account key, region, alias) and hosts sharing the last three collide."""
    seen, found = {}, []
    for host, account, region, alias in entries:
        key = (account, region, alias)
        if key in seen:
            found.append(((seen[key], host),
                          f"workspace_alias: hosts {seen[key]} and {host} both name workspace '{alias}' in {region}"
                          f"{' (' + account + ')' if account else ''}; AMP aliases are not unique, so both would "
                          "manage one workspace, or create two"))
        else:
            seen[key] = host
    return found


# -- scrape configurations (amp_scraper, the workspace role's preflight) ---------------------------

# A promtool built without a service discovery (Debian's leaves some out) refuses configurations AMP takes.
MISSING_DISCOVERY = re.compile(r"field \w+_sd_configs not found in type config\.ScrapeConfig")


def seconds(duration):
    """The seconds of a Prometheus duration; None when DURATION is not one."""
    return duration_seconds(duration) if is_duration(duration) else None


def scrape_configuration_problems(text, field="scrape_configuration"):
    """What Prometheus (and so AMP) would refuse in a scrape configuration, each naming where.

    Checked structurally here (YAML, jobs, names, durations); then by ``promtool check config`` when
    it is installed and knows the service discoveries the configuration uses.
    """
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return [f"{field}: not YAML ({exc})"]
    if not isinstance(document, dict):
        return [f"{field}: a Prometheus configuration (a mapping with scrape_configs)"]
    jobs = document.get("scrape_configs")
    if not isinstance(jobs, list) or not jobs:
        return [f"{field}.scrape_configs: at least one job"]
    problems = []
    defaults = document.get("global") or {}
    for key in ("scrape_interval", "scrape_timeout"):
        if key in defaults and seconds(defaults[key]) is None:
            problems.append(f"{field}.global.{key}: {defaults[key]!r} is not a Prometheus duration")
    names = []
    for index, job in enumerate(jobs):
        where = f"{field}.scrape_configs[{index}]"
        if not isinstance(job, dict) or not isinstance(job.get("job_name"), str) or not job["job_name"]:
            problems.append(f"{where}.job_name: every job needs a name")
            continue
        where = f"{field}.scrape_configs[{job['job_name']}]"
        if job["job_name"] in names:
            problems.append(f"{where}: job_name used twice")
        names.append(job["job_name"])
        interval = seconds(job.get("scrape_interval", defaults.get("scrape_interval", "1m")))
        timeout = seconds(job.get("scrape_timeout", defaults.get("scrape_timeout", "10s")))
        for key in ("scrape_interval", "scrape_timeout"):
            if key in job and seconds(job[key]) is None:
                problems.append(f"{where}.{key}: {job[key]!r} is not a Prometheus duration")
        if interval and timeout and timeout > interval and not problems:
            problems.append(f"{where}.scrape_timeout: longer than its scrape_interval")
    if problems:
        return problems
    complaint = run_validator("promtool", ["check", "config", "prometheus.yml"], {"prometheus.yml": text})
    if complaint and not MISSING_DISCOVERY.search(complaint):
        return [f"{field}: {complaint}"]
    return []
