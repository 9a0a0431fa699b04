# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Write gates: whether a resource read once already is what a role asks for (issue 26's "read once,
write only what differs").

A role reads what it manages in one task, then runs a writing module only for what differs. Each gate
decides as the writing module would, with the writing module's own comparison, so that the two cannot
disagree: a gate that says "same" where the module would change something leaves drift unrepaired.
``amp_alerting_full_check=true`` runs every writing module as before.

The filters run these in every task's worker process: nothing here may import botocore or boto3 (a
third of a second a task).
"""

import hashlib

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.amp.alerting.plugins.module_utils import scraper_settings
from ansible_collections.amp.alerting.plugins.module_utils import workspace_settings
from ansible_collections.amp.alerting.plugins.module_utils.amp_alertmanager_config import comparable
from ansible_collections.amp.alerting.plugins.module_utils.amp_alertmanager_config import parse_definition
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import FAILED_STATUSES
from ansible_collections.amp.alerting.plugins.module_utils.amp_rules import same_rules
from ansible_collections.amp.alerting.plugins.module_utils.sns_attributes import PENDING
from ansible_collections.amp.alerting.plugins.module_utils.sns_attributes import attribute_text
from ansible_collections.amp.alerting.plugins.module_utils.sns_attributes import differing_attributes
from ansible_collections.amp.alerting.plugins.module_utils.sns_attributes import topic_changes
from ansible_collections.amp.alerting.plugins.module_utils.sns_attributes import wanted_topic_attributes


def managed_policy_differs(found, document):
    """Whether amazon.aws.iam_managed_policy (with ``only_version: true``) would change the customer-managed
    policy FOUND (an entry of iam_managed_policy_info's ``policies``) to hold DOCUMENT: it is missing, its
    default version's document is another (amazon.aws's compare_policies, as the module compares), or it
    keeps other versions (the module deletes them)."""
    if not found or not found.get("exists"):
        return True
    if len(found.get("version_ids") or []) != 1:
        return True
    return compare_policies(found.get("document") or {}, document)


# The gates below compare what amp.alerting.chain_info read (module_utils/chain.py) with the options the
# role gives the writing module, as that module compares them (its version in amazon.aws 10 and
# community.aws 10, cited per gate). Options the role does not give are left out, as the module leaves
# them alone.

def _tags_differ(current, wanted, purge=True):
    if wanted is None:
        return False
    to_add, to_remove = compare_aws_tags(current or {}, wanted, purge_tags=purge)
    return bool(to_add or to_remove)


def log_group_differs(found, retention=None):
    """amazon.aws.cloudwatchlogs_log_group (no tags given): missing, or another retention."""
    if not found:
        return True
    return retention is not None and int(retention) != found.get("retention_in_days")


def queue_differs(found, attributes=None, policy=None, tags=None):
    """community.aws.sqs_queue: missing, an attribute given whose text differs, another policy
    (compare_policies), other tags (purge_tags). ATTRIBUTES: SQS's names (MessageRetentionPeriod: 1209600)."""
    if not found:
        return True
    current = found.get("attributes") or {}
    for name, value in (attributes or {}).items():
        if isinstance(value, bool):
            value = str(value).lower()
        if str(value) != str(current.get(name, "")):
            return True
    if policy is not None and compare_policies(current.get("Policy") or {}, policy):
        return True
    return _tags_differ(found.get("tags"), tags)


def table_differs(found, hash_key_name, hash_key_type, billing_mode, tags=None):
    """community.aws.dynamodb_table: missing, another billing mode, another hash key (the module then
    fails, saying DynamoDB cannot change it: the gate lets it), other tags (purge_tags).
    HASH_KEY_TYPE: STRING, NUMBER or BINARY, as the module takes it."""
    if not found:
        return True
    short_type = {"STRING": "S", "NUMBER": "N", "BINARY": "B"}.get(hash_key_type, hash_key_type)
    if (found.get("hash_key_name"), found.get("hash_key_type")) != (hash_key_name, short_type):
        return True
    if found.get("billing_mode") != billing_mode:
        return True
    return _tags_differ(found.get("tags"), tags)


def ttl_differs(found, attribute_name):
    """community.aws.dynamodb_ttl (state: enable): the table's time to live is not enabled, or enabling,
    on ATTRIBUTE_NAME."""
    ttl = (found or {}).get("ttl") or {}
    return ttl.get("TimeToLiveStatus") not in ("ENABLING", "ENABLED") or ttl.get("AttributeName") != attribute_name


def role_differs(found, trust_policy, tags=None, managed_policy_arns=None):
    """amazon.aws.iam_role (purge_policies: true): missing, another trust policy (compare_policies), other
    tags (purge_tags), other attached managed policies."""
    if not found:
        return True
    if compare_policies(found.get("trust_policy") or {}, trust_policy):
        return True
    if managed_policy_arns is not None and set(found.get("attached_policy_arns") or []) != set(managed_policy_arns):
        return True
    return _tags_differ(found.get("tags"), tags)


def inline_policy_differs(found, policy_name, document):
    """amazon.aws.iam_policy (a role's inline policy): the role or the policy missing, another document
    (compare_policies)."""
    current = ((found or {}).get("inline_policies") or {}).get(policy_name)
    return current is None or compare_policies(current, document)


# amazon.aws.lambda's options and the configuration keys it compares them with, one by one.
_FUNCTION_SETTINGS = {"role": "Role", "handler": "Handler", "description": "Description", "timeout": "Timeout",
                      "memory_size": "MemorySize", "runtime": "Runtime"}


def function_differs(found, settings, code_sha256, tags=None):
    """amazon.aws.lambda (a zip_file): missing; a setting given that differs (role, handler, description,
    timeout, memory_size, runtime, environment_variables, dead_letter_arn); a VPC configuration while none
    is given; other tags (purge_tags); code whose SHA-256 (base64, Lambda's CodeSha256) is another."""
    if not found:
        return True
    configuration = found.get("configuration") or {}
    for option, key in _FUNCTION_SETTINGS.items():
        wanted = settings.get(option)
        if wanted and str(configuration.get(key)) != str(wanted):
            return True
    environment = settings.get("environment_variables")
    if environment is not None and (configuration.get("Environment") or {}).get("Variables", {}) != environment:
        return True
    dead_letter_arn = settings.get("dead_letter_arn")
    if dead_letter_arn is not None:
        current = (configuration.get("DeadLetterConfig") or {}).get("TargetArn")
        if (current or "") != dead_letter_arn and (current or dead_letter_arn):
            return True
    if (configuration.get("VpcConfig") or {}).get("VpcId"):
        return True
    if _tags_differ(found.get("tags"), tags):
        return True
    return configuration.get("CodeSha256") != code_sha256


def _flat_statement(statement):
    # amazon.aws.lambda_policy's extract_statement: the statement's parts it compares
    flat = {"action": statement.get("Action")}
    principal = statement.get("Principal") or {}
    condition = statement.get("Condition") or {}
    if isinstance(principal, dict):
        for key in ("Service", "AWS"):
            if key in principal:
                flat["principal"] = principal[key]
    if "AWS:SourceArn" in condition.get("ArnLike", {}):
        flat["source_arn"] = condition["ArnLike"]["AWS:SourceArn"]
    if "AWS:SourceAccount" in condition.get("StringEquals", {}):
        flat["source_account"] = condition["StringEquals"]["AWS:SourceAccount"]
    if "lambda:EventSourceToken" in condition.get("StringEquals", {}):
        flat["event_source_token"] = condition["StringEquals"]["lambda:EventSourceToken"]
    return flat


def permission_differs(found, statement_id, action, principal, source_arn=None, source_account=None):
    """amazon.aws.lambda_policy: the function has no statement STATEMENT_ID, or one that says otherwise."""
    statement = next((s for s in (found or {}).get("statements") or [] if s.get("Sid") == statement_id), None)
    if statement is None:
        return True
    wanted = {"action": action, "principal": principal, "source_arn": source_arn, "source_account": source_account,
              "event_source_token": None}
    flat = _flat_statement(statement)
    return any(flat.get(key) != value for key, value in wanted.items())


def value_digest(value):
    """What a parameter's value is compared by: its SHA-256 (a secret's digest, never the secret)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def parameter_differs(found, value, string_type="String", description=None):
    """community.aws.ssm_parameter (overwrite_value: changed): missing, another type, another value
    (compared by SHA-256), another description (when one is given)."""
    if not found:
        return True
    if found.get("type") != string_type or found.get("value_sha256") != value_digest(value):
        return True
    return bool(description) and found.get("description") != description


def subscription_differs(found, attributes):
    """amp.alerting.sns_subscription: not subscribed, or an attribute given that SNS does not already
    hold (sns.differing_attributes, the module's own test). An unconfirmed subscription is left alone,
    as the module leaves it."""
    if not found or not found.get("subscription_arn"):
        return True
    if found["subscription_arn"] == PENDING:
        return False
    wanted = {name: attribute_text(name, value) for name, value in (attributes or {}).items()}
    return bool(differing_attributes(found.get("attributes") or {}, wanted))


def rule_namespace_differs(found, groups):
    """amp.alerting.amp_rule_namespace (groups, no tags): missing, left failed (written again so that AMP's
    statusReason is reported), or a rule file that means otherwise (amp_rules.same_rules, the module's test)."""
    if not found or found.get("status") in FAILED_STATUSES:
        return True
    return not same_rules(found.get("data", "").encode("utf-8"), {"groups": groups})


def alertmanager_differs(found, config, template_files=None):
    """amp.alerting.amp_alertmanager (config and template_files): missing, left failed, or a document that
    means otherwise (amp_alertmanager_config.parse_definition against comparable, the module's test)."""
    if not found or found.get("status") in FAILED_STATUSES:
        return True
    return parse_definition(found.get("data", "")) != comparable(config, template_files)


def alert_topic_differs(found, options, tags=None):
    """amp.alerting.sns_alert_topic: missing, an attribute given that SNS does not already hold, or other tags
    (purge_tags) - sns_attributes.topic_changes, the module's own test. OPTIONS: display_name,
    kms_master_key_id, policy (a document)."""
    if not found:
        return True
    differing, to_tag, to_untag = topic_changes(found.get("attributes") or {}, found.get("tags") or {},
                                                wanted_topic_attributes(options), tags)
    return bool(differing or to_tag or to_untag)


def resource_policy_differs(found, policy=None, state="present"):
    """amp.alerting.amp_resource_policy: absent - the policy exists; present - missing, another document
    (compare_policies, as the module compares), or still settling (the module waits for it, then compares)."""
    if state == "absent":
        return bool(found)
    if not found or found.get("status") != "ACTIVE":
        return True
    return compare_policies(found.get("document") or {}, policy)


def topic_differs(found, state):
    """For state absent only (community.aws.sns_topic deletes a topic that exists). A topic to be present is
    always handed to that module: it compares more than this gate would (its subscriptions among them)."""
    return state != "absent" or bool(found)


# What amazon.aws.cloudwatch_metric_alarm leaves out of its comparison of an alarm.
_ALARM_IGNORED = ("ActionsEnabled", "StateValue", "StateReason", "StateReasonData", "StateUpdatedTimestamp",
                  "StateTransitionedTimestamp", "AlarmArn", "AlarmConfigurationUpdatedTimestamp", "Metrics")
# Its options and the alarm keys it sends them as, in its order.
_ALARM_OPTIONS = (("name", "AlarmName"), ("metric_name", "MetricName"), ("namespace", "Namespace"),
                  ("statistic", "Statistic"), ("comparison", "ComparisonOperator"), ("threshold", "Threshold"),
                  ("period", "Period"), ("evaluate_low_sample_count_percentile", "EvaluateLowSampleCountPercentile"),
                  ("datapoints_to_alarm", "DatapointsToAlarm"), ("evaluation_periods", "EvaluationPeriods"),
                  ("unit", "Unit"), ("description", "AlarmDescription"), ("dimensions", "Dimensions"),
                  ("alarm_actions", "AlarmActions"), ("insufficient_data_actions", "InsufficientDataActions"),
                  ("ok_actions", "OKActions"), ("treat_missing_data", "TreatMissingData"),
                  ("extended_statistic", "ExtendedStatistic"))


def alarm_differs(found, options, state="present"):
    """amazon.aws.cloudwatch_metric_alarm: absent - the alarm exists; present - missing, or the alarm as
    DescribeAlarms gives it (less what the module ignores) is not the request the module would send.
    OPTIONS: the module's options as the role gives them (metrics not supported)."""
    if state == "absent":
        return bool(found)
    if not found:
        return True
    request = {}
    for option, key in _ALARM_OPTIONS:
        value = options.get(option, [] if key.endswith("Actions") else None)
        if key in ("Unit", "ExtendedStatistic") and not value:
            continue
        if key == "Threshold" and value is not None:
            value = float(value)
        if key in ("Period", "EvaluationPeriods", "DatapointsToAlarm") and value is not None:
            value = int(value)
        if key == "Dimensions" and isinstance(value, dict):
            value = [{"Name": name, "Value": text} for name, text in value.items()]
        if value is not None:
            request[key] = value
    alarm = {key: value for key, value in found.items() if key not in _ALARM_IGNORED}
    alarm.setdefault("TreatMissingData", "missing")
    if not alarm.get("Dimensions"):
        alarm.pop("Dimensions", None)
    return alarm != request


def workspace_differs(found, **options):
    """amp.alerting.amp_workspace (state present): the workspace FOUND (chain_info's, read with its settings;
    None when there is none) is missing, not ACTIVE, or has another alias, KMS key, tags, log configurations,
    retention or limits than OPTIONS (the module's options) ask - decided by the module's own code."""
    return workspace_settings.workspace_changes((found or {}).get("settings"), options)


def scraper_differs(found, workspace_arn, tags=None, purge_tags=True, log_group_arn=None, **options):
    """amp.alerting.amp_scraper (state present): FOUND, the scrapers with the alias writing to the workspace read
    (chain_info's views), is not exactly one (none: made; several: the module refuses the alias), the one is
    not ACTIVE (the module waits, replaces a failed one or writes a failed update again), scrapes another
    source (the module refuses), writes to another workspace than WORKSPACE_ARN (the module's, by its id: a
    failed workspace replaced), or has other settings or TAGS than OPTIONS (the module's) ask - decided by
    scraper_settings, the module's own code. A logging configuration is not read: LOG_GROUP_ARN given differs."""
    if len(found or []) != 1:
        return True
    (view,) = found
    if view.get("status") != "ACTIVE" or log_group_arn is not None:
        return True
    return bool(scraper_settings.source_conflicts(view, options)
                or scraper_settings.settings_to_update(view, options, workspace_arn)
                or scraper_settings.tags_differ(view, tags, purge_tags))
