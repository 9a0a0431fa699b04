# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The preflight: each role's settings against the limits AWS documents, before any AWS call.

``{{ settings | amp.alerting.preflight_problems('lambda', reference) }}`` returns the problems of one role's
settings (a mapping of its variables, with the host's aws_region), each "<variable>: <what is wrong>";
``amp.alerting.preflight_reference`` the botocore data those checks compare with, read once for every host;
``amp.alerting.duplicate_workspaces`` the hosts that would share a workspace. The checks themselves
are in module_utils/aws_limits.py.
"""

import os
import re
import subprocess

from ansible.errors import AnsibleFilterError
from ansible.plugins.test.core import vault_encrypted
from ansible.template import is_trusted_as_template
from ansible.utils.display import Display

from ansible_collections.amp.alerting.plugins.plugin_utils.lazy import LazyModule

# imported by the tasks that call them (plugin_utils/lazy.py says why)
alertmanager_config = LazyModule("ansible_collections.amp.alerting.plugins.module_utils.amp_alertmanager_config")
anomaly = LazyModule("ansible_collections.amp.alerting.plugins.module_utils.amp_anomaly_alerts")
checks = LazyModule("ansible_collections.amp.alerting.plugins.module_utils.aws_limits")

display = Display()

DETECTOR_OPTIONS = ("alias", "query", "evaluation_interval", "shingle_size", "sample_size", "ignore_near_expected_from_above",
                    "ignore_near_expected_from_below", "missing_data_action", "labels")
IAM_POLICY_KINDS = ("query", "remote_write", "rules", "operate")
IAM_POLICY_SUFFIXES = ("query", "remote-write", "rules", "operate")


def _account(settings):
    """The host's account when the inventory says it (aws_role_arn), else None: no AWS call yet."""
    match = checks.ARN.match(settings.get("aws_role_arn") or "")
    return match.group("account") if match else None


def _account_role(s, reference):
    problems = checks.region_problems("aws_region", s.get("aws_region"), reference.get("amp_regions"))
    if s.get("aws_role_arn"):
        problems += checks.arn_problems("aws_role_arn", s["aws_role_arn"], "iam", resource_prefix="role/")
    return problems


def _workspace(s, reference):
    region = s.get("aws_region")
    problems = checks.name_problems("workspace_alias", s.get("workspace_alias"), "amp_alias")
    if s.get("workspace_kms_key_arn"):
        problems += checks.arn_problems("workspace_kms_key_arn", s["workspace_kms_key_arn"], "kms", region, _account(s), "key/")
    if s.get("workspace_logging_enabled"):
        problems += checks.name_problems("workspace_log_group_name", s.get("workspace_log_group_name"), "log_group")
        problems += checks.retention_problems("workspace_log_retention_days", s.get("workspace_log_retention_days"),
                                              reference.get("log_retention_days"))
    if s.get("workspace_query_logging_enabled"):
        problems += checks.name_problems("workspace_query_log_group_name", s.get("workspace_query_log_group_name"), "log_group")
        problems += checks.range_problems("workspace_query_log_qsp_threshold", s.get("workspace_query_log_qsp_threshold"),
                                          0, 2**63 - 1, " samples")
        if not s.get("workspace_logging_enabled"):  # the query log group takes the same retention
            problems += checks.retention_problems("workspace_log_retention_days", s.get("workspace_log_retention_days"),
                                                  reference.get("log_retention_days"))
    problems += checks.tag_problems("workspace_tags", s.get("workspace_tags"))
    problems += _shared_with_problems(s.get("workspace_shared_with"))
    problems += _scraper_problems(s.get("workspace_scrapers"))
    problems += _detector_problems(s.get("workspace_anomaly_detectors"))
    problems += checks.workspace_configuration_problems(
        _int_or_same(s.get("workspace_retention_period_in_days")), s.get("workspace_limits_per_label_set"),
        "workspace_retention_period_in_days", "workspace_limits_per_label_set")
    return problems


def _shared_with_problems(shared_with):
    if shared_with in (None, ""):
        return []
    if not isinstance(shared_with, dict):
        return ["workspace_shared_with: a mapping of remote_write and query to lists of principals, or null"]
    problems = [f"workspace_shared_with.{key}: unknown access (remote_write or query)"
                for key in shared_with if key not in ("remote_write", "query")]
    for access in ("remote_write", "query"):
        principals = shared_with.get(access) or []
        if not isinstance(principals, list):
            problems.append(f"workspace_shared_with.{access}: a list of account ids or IAM principal ARNs")
            continue
        for index, principal in enumerate(principals):
            field = f"workspace_shared_with.{access}[{index}]"
            if re.fullmatch(r"[0-9]{12}", str(principal)):
                continue
            found = checks.arn_problems(field, principal, "iam")
            if found or not str(principal).split(":", 5)[-1].startswith(("role/", "user/", "root")):
                problems.append(f"{field}: {principal!r} is neither a 12-digit account id nor an IAM role, user or root ARN")
    return problems


def _scraper_problems(scrapers):
    if scrapers in (None, ""):
        return []
    if not isinstance(scrapers, list):
        return ["workspace_scrapers: a list of {cluster_arn, subnet_ids, ...}"]
    problems, clusters = [], []
    for index, scraper in enumerate(scrapers):
        field = f"workspace_scrapers[{index}]"
        if not isinstance(scraper, dict):
            problems.append(f"{field}: a mapping with cluster_arn and subnet_ids")
            continue
        cluster = scraper.get("cluster_arn")
        problems += checks.arn_problems(f"{field}.cluster_arn", cluster, "eks", resource_prefix="cluster/")
        if cluster in clusters:
            problems.append(f"{field}.cluster_arn: {cluster} is listed twice")
        clusters.append(cluster)
        subnets = scraper.get("subnet_ids")
        if not isinstance(subnets, list) or not 1 <= len(subnets) <= 5 or \
                not all(re.fullmatch(r"subnet-[0-9a-z]+", str(subnet)) for subnet in subnets):
            problems.append(f"{field}.subnet_ids: one to five subnet ids (subnet-...)")
        groups = scraper.get("security_group_ids")
        if groups is not None and (not isinstance(groups, list) or not 1 <= len(groups) <= 5 or
                                   not all(re.fullmatch(r"sg-[0-9a-z]+", str(group)) for group in groups)):
            problems.append(f"{field}.security_group_ids: one to five security group ids (sg-...)")
        if scraper.get("scrape_configuration") is not None:
            problems += checks.scrape_configuration_problems(scraper["scrape_configuration"], f"{field}.scrape_configuration")
    return problems


def _detector_problems(detectors):
    if detectors in (None, ""):
        return []
    if not isinstance(detectors, list):
        return ["workspace_anomaly_detectors: a list of {alias, query, ...}"]
    problems, aliases = [], []
    for index, detector in enumerate(detectors):
        field = f"workspace_anomaly_detectors[{index}]"
        if not isinstance(detector, dict) or not detector.get("alias") or not detector.get("query"):
            problems.append(f"{field}: a mapping with alias and query")
            continue
        unknown = sorted(set(detector) - set(DETECTOR_OPTIONS))
        if unknown:
            problems.append(f"{field}: unknown key(s) {', '.join(map(str, unknown))} (amp_anomaly_detector's options: "
                            f"{', '.join(DETECTOR_OPTIONS)})")
        if detector["alias"] in aliases:
            problems.append(f"{field}.alias: {detector['alias']} is listed twice")
        aliases.append(detector["alias"])
        problems += anomaly.detector_problems(dict(detector), f"{field}.")
    return problems


def _int_or_same(value):
    """An inventory's number may arrive as text from a template; '' and None mean 'not set'."""
    if value in ("", None):
        return None
    try:
        return int(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _iam(s, _reference):
    prefix = s.get("iam_name_prefix")
    problems = []
    for suffix in IAM_POLICY_SUFFIXES:
        problems += checks.name_problems("iam_name_prefix", f"{prefix}-{suffix}", "iam_policy")
    mode = s.get("iam_principal_mode")
    principals = s.get("iam_roles") if mode == "roles" else s.get("iam_users") if mode == "users" else []
    field = "iam_roles" if mode == "roles" else "iam_users"
    for index, principal in enumerate(principals or []):
        if not isinstance(principal, dict):
            problems.append(f"{field}[{index}]: must be a mapping with name and policies")
            continue
        name = principal.get("name")
        problems += checks.name_problems(f"{field}[{index}].name", name, "iam_role" if mode == "roles" else "iam_user")
        policies = principal.get("policies")
        if not isinstance(policies, list) or not policies:
            problems.append(f"{field}[{name}].policies: a non-empty list of {', '.join(IAM_POLICY_KINDS)}")
        else:
            for policy in policies:
                if policy not in IAM_POLICY_KINDS:
                    problems.append(f"{field}[{name}].policies: {policy!r} is not one of {', '.join(IAM_POLICY_KINDS)}"
                                    f"{checks.suggestion(policy, IAM_POLICY_KINDS)}")
        if mode == "roles" and not isinstance(principal.get("trust_policy"), dict):
            problems.append(f"iam_roles[{name}].trust_policy: the role's trust policy document (a mapping) is required")
        elif mode == "roles":
            problems += checks.trust_policy_problems(f"iam_roles[{name}].trust_policy", principal["trust_policy"])
    if mode == "users" and s.get("iam_access_key_store") == "file" and principals:
        problems += key_file_problems(s.get("iam_access_key_file_dir"),
                                      [f"{s.get('inventory_hostname')}-{p.get('name')}.json" for p in principals if isinstance(p, dict)])
    if mode == "users" and s.get("iam_access_key_store") == "ssm":
        for principal in principals or []:
            if isinstance(principal, dict) and isinstance(principal.get("name"), str):
                problems += checks.name_problems("iam_access_key_ssm_prefix",
                                                 f"{s.get('iam_access_key_ssm_prefix')}/{principal['name']}", "ssm_parameter")
    return problems


def key_file_problems(directory, names):
    """The key files' directory must take them; a warning when git would commit them."""
    if not isinstance(directory, str) or not os.path.isdir(directory):
        return [f"iam_access_key_file_dir: {directory} is not a directory on the controller; a key made now would "
                "have a secret nobody can store"]
    if not os.access(directory, os.W_OK):
        return [f"iam_access_key_file_dir: {directory} is not writable"]
    unignored = [name for name in names if _unignored_in_git(directory, name)]
    if unignored:
        display.warning(f"iam_access_key_file_dir: {directory} is inside a git work tree that does not ignore "
                        f"{', '.join(unignored)}: the access keys' secrets would be committed with the next 'git add'")
    return []


def _unignored_in_git(directory, name):
    """True when ``directory/name`` is in a git work tree and git does not ignore it."""
    try:
        inside = subprocess.run(["git", "-C", directory, "rev-parse", "--is-inside-work-tree"], capture_output=True,
                                text=True, timeout=10, check=False)
        if inside.returncode != 0 or inside.stdout.strip() != "true":
            return False
        ignored = subprocess.run(["git", "-C", directory, "check-ignore", "-q", name], capture_output=True, timeout=10,
                                 check=False)
        return ignored.returncode != 0
    except (OSError, subprocess.SubprocessError):
        return False


def _sns(s, _reference):
    region = s.get("aws_region")
    problems = checks.name_problems("sns_topic_name", s.get("sns_topic_name"), "sns_topic")
    problems += checks.name_problems("sns_stack_name", s.get("sns_stack_name"), "cloudformation_stack")
    if s.get("sns_kms_key_arn"):
        problems += checks.kms_key_reference_problems("sns_kms_key_arn", s["sns_kms_key_arn"], region, _account(s))
    if s.get("sns_kms_create_key"):
        problems += checks.name_problems("sns_kms_key_alias", s.get("sns_kms_key_alias"), "kms_alias")
    problems += checks.tag_problems("sns_tags", s.get("sns_tags"))
    for index, subscription in enumerate(s.get("sns_subscriptions") or []):
        if not isinstance(subscription, dict) or subscription.get("protocol") not in checks.SNS_PROTOCOLS \
                or not subscription.get("endpoint"):
            problems.append(f"sns_subscriptions[{index}]: needs protocol (one of {', '.join(checks.SNS_PROTOCOLS)}) "
                            "and endpoint")
    return problems


def _lambda(s, reference):
    region = s.get("aws_region")
    function = s.get("lambda_function_name")
    problems = checks.name_problems("lambda_function_name", function, "lambda_function")
    # The execution role is named after the function.
    problems += [p.replace("lambda_function_name:", "lambda_function_name (the execution role's name):", 1)
                 for p in checks.name_problems("lambda_function_name", function, "iam_role")
                 if p not in problems]
    problems += checks.name_problems("lambda_function_name", f"{function}-subscription", "cloudformation_stack")
    problems += checks.range_problems("lambda_timeout", s.get("lambda_timeout"), 1, checks.LAMBDA_TIMEOUT_MAX, " seconds")
    problems += checks.range_problems("lambda_memory_size", s.get("lambda_memory_size"), *checks.LAMBDA_MEMORY_RANGE, " MB")
    problems += checks.retention_problems("lambda_log_retention_days", s.get("lambda_log_retention_days"),
                                          reference.get("log_retention_days"))
    problems += checks.tag_problems("lambda_tags", s.get("lambda_tags"))
    problems += checks.name_problems("lambda_slack_webhook_ssm_parameter", s.get("lambda_slack_webhook_ssm_parameter"),
                                     "ssm_parameter")
    for field in ("lambda_dead_letter_queue_name", "lambda_delivery_dead_letter_queue_name"):
        problems += checks.name_problems(field, s.get(field), "sqs_queue")
    if s.get("lambda_slack_webhook_kms_key_arn"):
        problems += checks.arn_problems("lambda_slack_webhook_kms_key_arn", s["lambda_slack_webhook_kms_key_arn"], "kms",
                                        region, _account(s), "key/")
    webhook = s.get("lambda_slack_webhook_url")
    problems += checks.webhook_problems("lambda_slack_webhook_url", webhook, bool(s.get("lambda_slack_webhook_stand_in")),
                                        _allowed_hosts(s))
    problems += _destination_problems(s)
    if webhook and is_plain_text(webhook) and not s.get("lambda_slack_webhook_stand_in"):
        display.warning("lambda_slack_webhook_url is plain text (not vaulted, not from an AWX credential): whoever reads "
                        "the inventory can post to the channel. Keep it in ansible-vault (ansible-vault encrypt_string) "
                        "or an AWX credential.")
    return problems


def _destination_problems(s):
    destinations = s.get("lambda_slack_destinations") or {}
    if not isinstance(destinations, dict):
        return ["lambda_slack_destinations: must be a mapping of destination name to webhook URL or Slack app"]
    prefix = s.get("lambda_slack_destination_ssm_prefix") or ""
    problems = []
    if destinations:
        if not str(prefix).endswith("/"):
            problems.append("lambda_slack_destination_ssm_prefix: must end with '/' (a path the names are appended to)")
        problems += checks.name_problems("lambda_slack_destination_ssm_prefix", prefix, "ssm_parameter")
    apps = False
    for name, value in sorted(destinations.items(), key=lambda item: str(item[0])):
        field = f"lambda_slack_destinations.{name}"
        problems += checks.name_problems(field, str(name), "slack_destination")
        if isinstance(value, dict):
            apps = True
            problems += checks.slack_app_problems(field, value)
            secret = value.get("bot_token")
        else:
            problems += checks.webhook_problems(field, value, bool(s.get("lambda_slack_webhook_stand_in")),
                                                _allowed_hosts(s))
            secret = value
        if secret and is_plain_text(secret) and not s.get("lambda_slack_webhook_stand_in"):
            display.warning(f"{field} holds a plain-text secret (not vaulted, not from an AWX credential): keep it in "
                            "ansible-vault (ansible-vault encrypt_string) or an AWX credential.")
    if apps:
        problems += checks.name_problems("lambda_slack_state_table", s.get("lambda_slack_state_table"), "dynamodb_table")
        problems += checks.slack_api_url_problems("lambda_slack_api_url", s.get("lambda_slack_api_url"),
                                                  _allowed_hosts(s))
    return problems


def _allowed_hosts(s):
    """The stand-in hosts the forwarder may post to besides Slack's (lambda_slack_allowed_hosts)."""
    return tuple(str(host).strip().lower() for host in s.get("lambda_slack_allowed_hosts") or [])


def _alerting(s, _reference):
    region = s.get("aws_region")
    problems = checks.name_problems("alerting_rule_namespace", s.get("alerting_rule_namespace"), "amp_namespace")
    # Alertmanager's own rules, by the code the alertmanager module checks the definition with.
    for kind in ("group_wait", "group_interval", "repeat_interval"):
        problem = alertmanager_config.duration_problem(f"alerting_{kind}", s.get(f"alerting_{kind}"), kind)
        problems += [problem] if problem else []
    problems += alertmanager_config.inhibit_rule_problems(s.get("alerting_inhibit_rules") or [], "alerting_inhibit_rules")
    severities = list(s.get("alerting_severities") or checks.DEFAULT_SEVERITIES)
    # The thresholds once the role merged them (tasks/preflight.yml; None when the role is being removed).
    if s.get("alerting_thresholds_merged") is not None:
        problems += checks.threshold_problems(s.get("alerting_alerts"), s["alerting_thresholds_merged"],
                                              "alerting_thresholds", severities)
    destinations = [str(name) for name in s.get("alerting_slack_destinations") or []]
    pagerduty = s.get("alerting_pagerduty_destinations") or {}
    problems += _pagerduty_problems(s, pagerduty)
    problems += _heartbeat_problems(s)
    pagerduty_names = [str(name) for name in pagerduty] if isinstance(pagerduty, dict) else []
    for index, route in enumerate(s.get("alerting_routes") or []):
        name = route.get("name") if isinstance(route, dict) else None
        where = f"alerting_routes[{name or index}]"
        if not isinstance(route, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        targets = [key for key in ("slack_destination", "topic_arn", "pagerduty_destination") if route.get(key)]
        if len(targets) > 1:
            problems.append(f"{where}: give one of slack_destination, topic_arn or pagerduty_destination, not "
                            f"{' and '.join(targets)}")
        elif route.get("pagerduty_destination"):
            if route["pagerduty_destination"] not in pagerduty_names:
                problems.append(f"{where}.pagerduty_destination: {route['pagerduty_destination']!r} is not a destination "
                                f"of alerting_pagerduty_destinations ({', '.join(pagerduty_names) or 'none defined'})"
                                + checks.suggestion(str(route["pagerduty_destination"]), pagerduty_names))
        elif route.get("slack_destination"):
            if route["slack_destination"] not in destinations:
                problems.append(f"{where}.slack_destination: {route['slack_destination']!r} is not a destination of "
                                f"lambda_slack_destinations ({', '.join(destinations) or 'none defined'})"
                                + checks.suggestion(str(route["slack_destination"]), destinations))
        elif not route.get("topic_arn"):
            problems.append(f"{where}.topic_arn: required (the SNS topic this route publishes to), or slack_destination "
                            "or pagerduty_destination")
        else:
            problems += checks.arn_problems(f"{where}.topic_arn", route["topic_arn"], "sns", region, _account(s))
        problems += alertmanager_config.route_problems(route, where)
    return problems


# CloudWatch alarm periods: 10, 20 or 30 s (high-resolution metrics, as the heartbeat's are) or a
# multiple of 60 (PutMetricAlarm, Period).
ALARM_SHORT_PERIODS = (10, 20, 30)
FALLBACK_PROTOCOLS = ("email", "email-json", "sms", "http", "https", "sqs", "lambda", "firehose", "application")


def _heartbeat_problems(s):
    if str(s.get("alerting_heartbeat_enabled", False)).lower() in ("false", "no", "0", "none", ""):
        return []
    problems = []
    problem = alertmanager_config.duration_problem("alerting_heartbeat_interval", s.get("alerting_heartbeat_interval"),
                                                   "repeat_interval")
    problems += [problem] if problem else []
    period = checks.as_int(s.get("alerting_heartbeat_alarm_period"))
    if period is None or not (period in ALARM_SHORT_PERIODS or (period > 0 and period % 60 == 0)):
        problems.append(f"alerting_heartbeat_alarm_period: {s.get('alerting_heartbeat_alarm_period')!r} is not a CloudWatch "
                        "alarm period (10, 20, 30 or a multiple of 60 seconds)")
    problems += checks.range_problems("alerting_heartbeat_alarm_evaluation_periods",
                                      s.get("alerting_heartbeat_alarm_evaluation_periods"), 1, 100)
    problems += checks.name_problems("alerting_heartbeat_fallback_topic_name", s.get("alerting_heartbeat_fallback_topic_name"),
                                     "sns_topic")
    if any(isinstance(route, dict) and route.get("name") == "heartbeat" for route in s.get("alerting_routes") or []):
        problems.append("alerting_routes[heartbeat]: the heartbeat's receiver is named heartbeat; name the route otherwise "
                        "(or set alerting_heartbeat_enabled: false)")
    for index, subscription in enumerate(s.get("alerting_heartbeat_fallback_subscriptions") or []):
        if not isinstance(subscription, dict) or subscription.get("protocol") not in FALLBACK_PROTOCOLS \
                or not subscription.get("endpoint"):
            problems.append(f"alerting_heartbeat_fallback_subscriptions[{index}]: needs protocol (one of "
                            f"{', '.join(FALLBACK_PROTOCOLS)}) and endpoint")
    return problems


# A PagerDuty integration key (Events API v2 routing key, v1 service key): 32 letters and digits.
PAGERDUTY_KEY = re.compile(r"^[A-Za-z0-9]{32}$")


def _pagerduty_problems(s, destinations):
    if not isinstance(destinations, dict):
        return ["alerting_pagerduty_destinations: must be a mapping of destination name to {routing_key} or {secret_arn}"]
    problems = []
    if destinations:
        problems += checks.name_problems("alerting_pagerduty_secret_prefix",
                                         f"{s.get('alerting_pagerduty_secret_prefix') or ''}x", "secretsmanager_secret")
        window = s.get("alerting_pagerduty_recovery_window")
        if window != 0:
            problems += checks.range_problems("alerting_pagerduty_recovery_window", window, 7, 30, " days (or 0)")
        problem = alertmanager_config.duration_problem("alerting_pagerduty_refresh_interval",
                                                       s.get("alerting_pagerduty_refresh_interval"), "refresh_interval")
        problems += [problem] if problem else []
        if s.get("alerting_pagerduty_kms_key_id"):
            problems += checks.kms_key_reference_problems("alerting_pagerduty_kms_key_id", s["alerting_pagerduty_kms_key_id"],
                                                          s.get("aws_region"), _account(s))
    for name, destination in sorted(destinations.items(), key=lambda item: str(item[0])):
        field = f"alerting_pagerduty_destinations.{name}"
        problems += checks.name_problems(field, str(name), "slack_destination")
        if not isinstance(destination, dict) or ("routing_key" in destination) == ("secret_arn" in destination):
            problems.append(f"{field}: give routing_key (the integration key, kept in a secret this role owns) or "
                            "secret_arn (a secret of yours holding it)")
            continue
        unknown = sorted(set(destination) - {"routing_key", "secret_arn", "secret_key"})
        if unknown:
            problems.append(f"{field}: unknown key(s) {', '.join(unknown)}")
        if "routing_key" in destination:
            key = destination["routing_key"]
            if not isinstance(key, str) or not PAGERDUTY_KEY.match(key):
                # never the value itself: it is a secret
                problems.append(f"{field}.routing_key: not a PagerDuty integration key (32 letters and digits, from the "
                                "service's Events API v2 integration)")
            elif is_plain_text(key):
                display.warning(f"{field}.routing_key is plain text (not vaulted, not from an AWX credential): whoever "
                                "reads the inventory can open incidents. Keep it in ansible-vault or an AWX credential.")
        else:
            problems += checks.arn_problems(f"{field}.secret_arn", destination["secret_arn"], "secretsmanager",
                                            s.get("aws_region"))
    return problems


def is_plain_text(value):
    """A value written as it is in an inventory or on the command line: neither vaulted nor marked
    unsafe (AWX marks what its credentials inject as unsafe)."""
    return not vault_encrypted(value) and is_trusted_as_template(value)


ROLES = {"account": _account_role, "workspace": _workspace, "iam": _iam, "sns": _sns, "lambda": _lambda,
         "alerting": _alerting}


# the botocore data each role's checks compare with (preflight_reference)
REFERENCE_NEEDED = {"account": {"amp_regions"}, "workspace": {"log_retention_days"}, "lambda": {"log_retention_days"}}


def preflight_problems(settings, role, reference=None):
    """The problems of one role's settings, each '<variable>: <what is wrong>'; [] when none. REFERENCE:
    preflight_reference's botocore data, else each check reads botocore itself."""
    return ROLES[role](dict(settings or {}), dict(reference or {}))


def preflight_reference(roles):
    """What the checks of ROLES compare with of botocore's data (AMP's regions, CloudWatch Logs' retention values),
    read once for every host of the run."""
    wanted = set().union(*(REFERENCE_NEEDED.get(role, set()) for role in roles or []))
    return checks.reference_data(amp_regions="amp_regions" in wanted, log_retention_days="log_retention_days" in wanted)


def duplicate_workspaces(hosts, hostvars, host):
    """Problems of ``host`` sharing a workspace with another of ``hosts`` (same alias, region and account;
    accounts are told apart by aws_role_arn or aws_profile, as the inventory says them)."""
    entries = []
    for name in hosts:
        facts = hostvars[name]
        account = facts.get("aws_role_arn") or facts.get("aws_profile") or ""
        entries.append((name, str(account), str(facts.get("aws_region", "")), str(facts.get("workspace_alias", name))))
    return [problem for pair, problem in checks.duplicates(entries) if host in pair]


def retention_loss(workspace, wanted):
    """WORKSPACE: as amp.alerting.chain_info read it (with its configuration), or None. The problems of asking it
    for the retention WANTED, named by the workspace role's variables: one when it is shorter than the one
    the workspace keeps now."""
    configuration = (workspace or {}).get("configuration") or {}
    problem = checks.retention_loss_problem(wanted, configuration.get("retention_period_in_days"),
                                            (workspace or {}).get("workspace_id"), (workspace or {}).get("alias"),
                                            "workspace_retention_period_in_days", "workspace_allow_retention_decrease")
    return [problem] if problem else []


# the collection's roles: plugins/filter/ is two levels below the collection's root
ROLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles")


def role_argument_specs(roles):
    """The options of the main entry point of each of ROLES (names of the collection's roles), in one argument
    spec: ansible.builtin.validate_argument_spec then checks every role's settings in one task. Two roles that
    declare one option differently are refused (the merge would check one of them only)."""
    import yaml  # pylint: disable=import-outside-toplevel

    merged, declared_by = {}, {}
    for role in [roles] if isinstance(roles, str) else list(roles):
        path = os.path.join(ROLES_DIR, str(role), "meta", "argument_specs.yml")
        try:
            with open(path, encoding="utf-8") as handle:
                options = yaml.safe_load(handle)["argument_specs"]["main"].get("options") or {}
        except (OSError, KeyError, TypeError) as e:
            raise AnsibleFilterError(f"role_argument_specs: {role} is not a role of amp.alerting with an argument spec ({e})") from e
        for name, option in options.items():
            if name in merged and merged[name] != option:
                raise AnsibleFilterError(f"role_argument_specs: {name} is declared differently by the roles {declared_by[name]} and {role}")
            merged[name], declared_by[name] = option, role
    return merged


class FilterModule:
    """amp.alerting filters."""

    def filters(self):
        return {"preflight_problems": preflight_problems, "preflight_reference": preflight_reference,
                "duplicate_workspaces": duplicate_workspaces,
                "retention_loss": retention_loss, "role_argument_specs": role_argument_specs}
