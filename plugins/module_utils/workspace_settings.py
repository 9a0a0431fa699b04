# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A workspace's settings as amp.alerting.amp_workspace compares them - alias, tags, KMS key, its two log
configurations, retention and limits per label set - and the view it returns of a workspace. One piece of code
for the module, for chain_info's read and for the workspace role's write gate (gates.workspace_differs), so that
the gate and the module cannot disagree. No AWS SDK: the gates run in every task's worker."""

from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.amp.alerting.plugins.module_utils.amp_base import status_of
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import status_view
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import workspace_view
from ansible_collections.amp.alerting.plugins.module_utils.aws_limits import label_set_key

# AMP keeps metrics this long unless told otherwise (AMP-workspace-configuration.html).
DEFAULT_RETENTION_DAYS = 150
FAILED_LOGS = ("CREATION_FAILED", "UPDATE_FAILED")


def limits_view(limits):
    """Limits per label set as the module shows them: snake_case, ordered by label set (AMP keeps no order)."""
    return sorted(({"label_set": dict(entry.get("labelSet") or {}), "max_series": (entry.get("limits") or {}).get("maxSeries", 0)}
                   for entry in limits or []), key=lambda entry: label_set_key(entry["label_set"]))


def configuration_view(configuration):
    if configuration is None:
        return None
    view = {"retention_period_in_days": configuration.get("retentionPeriodInDays"),
            "limits_per_label_set": limits_view(configuration.get("limitsPerLabelSet"))}
    view.update(status_view(configuration))
    return view


# The two log configurations: a described one -> the Create/Update body it matches -> the module's view.
def rule_logs_request(configuration):
    return {"logGroupArn": configuration["logGroupArn"]}


def rule_logs_view(request):
    return {"log_group_arn": request["logGroupArn"]}


def query_logs_request(configuration):
    return {"destinations": [{"cloudWatchLogs": {"logGroupArn": d["cloudWatchLogs"]["logGroupArn"]},
                              "filters": {"qspThreshold": d["filters"]["qspThreshold"]}}
                             for d in configuration["destinations"]]}


def query_logs_view(request):
    destination = request["destinations"][0]
    return {"log_group_arn": destination["cloudWatchLogs"]["logGroupArn"],
            "qsp_threshold": destination["filters"]["qspThreshold"]}


def wanted_rule_logs(params):
    """What is asked of the rule and alertmanager logs: None (leave them), {} (none) or the Create/Update body."""
    log_group_arn = params.get("log_group_arn")
    if log_group_arn is None:
        return None
    return {"logGroupArn": log_group_arn} if log_group_arn else {}


def wanted_query_logs(params):
    """What is asked of the query logs: None (leave them), {} (none) or the Create/Update body."""
    log_group_arn = params.get("query_log_group_arn")
    if log_group_arn is None:
        return None
    if not log_group_arn:
        return {}
    return {"destinations": [{"cloudWatchLogs": {"logGroupArn": log_group_arn},
                              "filters": {"qspThreshold": params.get("query_log_qsp_threshold")}}]}


def logs_settled(wanted, current, request_of):
    """Whether the log configuration CURRENT (described, or None) is as WANTED asks: nothing to write. A
    configuration AMP failed to apply is written again."""
    in_force = bool(current) and status_of(current)[0] not in FAILED_LOGS and request_of(current) == wanted
    return wanted is None or (wanted == {} and not current) or (bool(wanted) and in_force)


def configuration_request(params, current):
    """The UpdateWorkspaceConfiguration body that makes CURRENT (described) as PARAMS ask ({}: nothing)."""
    request = {}
    retention = params.get("retention_period_in_days")
    if retention is not None and retention != current.get("retentionPeriodInDays"):
        request["retentionPeriodInDays"] = retention
    limits = params.get("limits_per_label_set")
    if limits is not None:
        wanted = [{"labelSet": dict(entry["label_set"]), "limits": {"maxSeries": entry["max_series"]}} for entry in limits]
        if limits_view(wanted) != limits_view(current.get("limitsPerLabelSet")):
            request["limitsPerLabelSet"] = wanted
    return request


def configured(params):
    """Whether the task asks anything of the workspace's configuration."""
    return params.get("retention_period_in_days") is not None or params.get("limits_per_label_set") is not None


def summarize(workspace, logging, query_logging=None, configuration=None, query_logs_read=False):
    """The module's view of a described workspace, with its rule logs, its query logs (when read) and its
    configuration (when asked about)."""
    if not workspace:
        return {}
    result = workspace_view(workspace)
    result["logging"] = {"log_group_arn": logging["logGroupArn"], "status": status_of(logging)[0]} if logging else None
    if query_logs_read:
        result["query_logging"] = None
        if query_logging:
            result["query_logging"] = query_logs_view(query_logs_request(query_logging))
            result["query_logging"].update(status_view(query_logging))
    if configuration is not None:
        result["configuration"] = configuration_view(configuration)
    return result


def workspace_changes(found, params):
    """Whether amp_workspace (state present) given PARAMS would write anything, or wait, or refuse, for the
    workspace FOUND - its description (``workspace``), ``logging``, ``query_logging`` (read when PARAMS name
    query_log_group_arn) and ``configuration`` (read when PARAMS configure it) as AMP describes them - or None
    when there is no such workspace."""
    if not found or not found.get("workspace"):
        return True  # created
    workspace = found["workspace"]
    if status_of(workspace)[0] != "ACTIVE":
        return True  # waited for, recreated, or refused with its reason
    if params.get("kms_key_arn") and params["kms_key_arn"] != workspace.get("kmsKeyArn"):
        return True  # refused: AMP cannot change a workspace's key
    if params.get("alias") and params["alias"] != workspace.get("alias"):
        return True
    if params.get("tags") is not None:
        to_set, to_remove = compare_aws_tags(workspace.get("tags") or {}, params["tags"], params.get("purge_tags", True))
        if to_set or to_remove:
            return True
    if not logs_settled(wanted_rule_logs(params), found.get("logging"), rule_logs_request):
        return True
    if not logs_settled(wanted_query_logs(params), found.get("query_logging"), query_logs_request):
        return True
    if configured(params):
        current = found.get("configuration")
        if current is None or status_of(current)[0] != "ACTIVE" or configuration_request(params, current):
            return True
    return False
