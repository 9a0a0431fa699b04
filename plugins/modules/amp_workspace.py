#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: amp_workspace
version_added: 0.1.0
short_description: Manage Amazon Managed Service for Prometheus (AMP) workspaces
description:
  - Create, update and delete AMP workspaces, with their alias, tags, customer-managed KMS key,
    logging configurations (rule and alertmanager logs, query logs) and workspace configuration
    (retention period, limits per label set).
  - The workspace is identified by O(workspace_id) when given, else by O(alias). AMP aliases are
    not unique; when an alias matches more than one workspace the module fails and names their ids.
  - New workspaces pass through C(CREATING); with O(wait=true) the module returns once the
    workspace (and its logging configuration) is C(ACTIVE) and fails if it ends in C(CREATION_FAILED).
  - Creation is idempotent across processes - CreateWorkspace gets a client token derived from the
    alias, KMS key and tags alone, so two runs that both found no workspace and both create it
    (concurrent runs, throttled retries) get the same workspace, not two with one alias, whenever they
    run. When AMP answers the token with a workspace deleted since, the module creates again with a
    token chained on that workspace's id.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  state:
    description:
      - Whether the workspace should exist.
    type: str
    choices: [present, absent]
    default: present
  workspace_id:
    description:
      - The id of an existing workspace (C(ws-...)).
      - Required to rename a workspace (change its O(alias)).
    type: str
  alias:
    description:
      - The workspace alias. Used to find the workspace when O(workspace_id) is not given.
      - With O(workspace_id), a different alias renames the workspace.
      - AMP cannot remove an alias; an empty string is refused.
    type: str
  kms_key_arn:
    description:
      - ARN of a customer-managed KMS key to encrypt the workspace with.
      - Set only when the workspace is created; asking for a different key on an existing workspace
        fails, because AMP cannot change it.
    type: str
  recreate_failed:
    description:
      - When the workspace found is C(CREATION_FAILED) (it holds nothing), delete it and create it again,
        as Terraform does with a failed create. Off by default - the task then fails, saying how.
    type: bool
    default: false
  log_group_arn:
    description:
      - ARN of the CloudWatch Logs log group that receives the workspace's rule and alertmanager
        logs. It must end in C(:*) (for example C(arn:aws:logs:us-east-1:123456789012:log-group:amp:*)).
      - An empty string removes the logging configuration. When omitted, logging is left as it is.
      - A configuration that AMP failed to create or update (C(CREATION_FAILED), C(UPDATE_FAILED)) is written again.
    type: str
  query_log_group_arn:
    description:
      - ARN of the CloudWatch Logs log group that receives the workspace's query logs - the queries
        (API and rule evaluations) that process more than O(query_log_qsp_threshold) samples. It must
        end in C(:*), and the log group must exist.
      - An empty string removes the query logging configuration. When omitted, query logging is left as
        it is (and not read).
      - A configuration that AMP failed to create or update is written again.
    type: str
  query_log_qsp_threshold:
    description:
      - Log the queries that process more than this many samples (Query Samples Processed, QSP); C(0)
        logs every query.
      - Required when O(query_log_group_arn) is a log group.
    type: int
  retention_period_in_days:
    description:
      - How many days the workspace keeps its metrics, 1 to 1095. AMP keeps 150 days unless told otherwise.
      - When omitted, the retention is left as it is.
      - A value lower than the workspace's present retention deletes every sample older than the new
        period, for good; the module refuses it before any write unless O(allow_retention_decrease=true).
    type: int
  allow_retention_decrease:
    description:
      - Let O(retention_period_in_days) be lower than the workspace's present retention, deleting the
        metrics older than the new period.
    type: bool
    default: false
    version_added: 0.2.0
  limits_per_label_set:
    description:
      - Active series limits per label set, so that a spike in one team or source throttles only its
        own series. The list is the whole configuration - label sets not listed are removed; an empty
        list removes them all. Order does not matter.
      - When omitted, the limits are left as they are.
    type: list
    elements: dict
    suboptions:
      label_set:
        description:
          - The labels a series must have to count against this limit, for example C(team=payments) and C(env=prod).
          - Names as Prometheus label names; values ASCII with a character that is not whitespace and
            no control characters; a C(__name__) value must be a metric name.
          - An empty mapping is AMP's default bucket - series that match no other label set.
        type: dict
        required: true
      max_series:
        description:
          - The most active series matching the label set. C(0) enforces no limit but makes AMP
            publish the label set's usage metrics to CloudWatch.
        type: int
        required: true
notes:
  - Supports check mode (no write API is called) and diff mode (alias, tags, KMS key, log group, and
    query logging, retention and limits when given).
  - The workspace configuration has a status of its own - with O(wait=true) the module waits until it
    is C(ACTIVE) again after a change and fails with AMP's statusReason on C(UPDATE_FAILED) (AMP then
    keeps the previous configuration).
extends_documentation_fragment:
  - amp.alerting.wait
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Create a workspace (alias defaults to the inventory host in the collection's roles)
  amp.alerting.amp_workspace:
    alias: prod-eu
    tags:
      team: sre
    log_group_arn: "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/prometheus/prod-eu:*"
  register: workspace

- name: Show where metrics go
  ansible.builtin.debug:
    msg: "remote_write to {{ workspace.workspace.remote_write_url }}"

- name: Keep prod's metrics 450 days, and cap the payments team at 2 million active series
  amp.alerting.amp_workspace:
    alias: prod-eu
    retention_period_in_days: 450
    limits_per_label_set:
      - label_set: {team: payments}
        max_series: 2000000
      - label_set: {}          # every series that matches no other label set
        max_series: 5000000

- name: Log the queries that process more than 50 million samples
  amp.alerting.amp_workspace:
    alias: prod-eu
    query_log_group_arn: "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/prometheus/prod-eu/queries:*"
    query_log_qsp_threshold: 50000000

- name: Rename a workspace
  amp.alerting.amp_workspace:
    workspace_id: ws-0123abcd-0123-4567-89ab-0123456789ab
    alias: prod-eu-1

- name: Delete a workspace and wait until it is gone
  amp.alerting.amp_workspace:
    alias: prod-eu-1
    state: absent
"""

RETURN = r"""
workspace:
  description: The workspace as it is after the task (as predicted in check mode). Empty when absent.
  returned: always
  type: dict
  contains:
    workspace_id:
      description: The workspace id.
      type: str
      sample: ws-0123abcd-0123-4567-89ab-0123456789ab
    arn:
      description: The workspace ARN.
      type: str
      sample: arn:aws:aps:eu-west-1:123456789012:workspace/ws-0123abcd-0123-4567-89ab-0123456789ab
    alias:
      description: The workspace alias.
      type: str
      sample: prod-eu
    status:
      description: The workspace status code.
      type: str
      sample: ACTIVE
    prometheus_endpoint:
      description: The workspace's Prometheus-compatible endpoint.
      type: str
      sample: https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0123abcd-0123-4567-89ab-0123456789ab/
    remote_write_url:
      description: The URL a Prometheus agent or OpenTelemetry collector remote-writes to (SigV4, service C(aps)).
      type: str
    query_url:
      description: The PromQL instant-query URL.
      type: str
    alertmanager_url:
      description: The URL of the workspace alertmanager's alerts API.
      type: str
    kms_key_arn:
      description: The customer-managed KMS key, if any.
      type: str
    logging:
      description: The logging configuration, if any.
      type: dict
      contains:
        log_group_arn:
          description: The log group ARN.
          type: str
        status:
          description: The logging configuration's status code.
          type: str
    query_logging:
      description: The query logging configuration (V(null) when there is none).
      type: dict
      returned: when query_log_group_arn is given
      contains:
        log_group_arn:
          description: The log group ARN.
          type: str
        qsp_threshold:
          description: Queries processing more samples than this are logged.
          type: int
          sample: 50000000
        status:
          description: The query logging configuration's status code.
          type: str
        status_reason:
          description: AMP's reason, when it gives one (a C(CREATION_FAILED) or C(UPDATE_FAILED) configuration).
          type: str
    configuration:
      description: The workspace configuration, when O(retention_period_in_days) or O(limits_per_label_set) is given.
      type: dict
      returned: when retention_period_in_days or limits_per_label_set is given
      contains:
        retention_period_in_days:
          description: Days the workspace keeps its metrics.
          type: int
          sample: 450
        limits_per_label_set:
          description: The limits per label set, ordered by label set.
          type: list
          elements: dict
          sample: [{"label_set": {"team": "payments"}, "max_series": 2000000}]
        status:
          description: The configuration's status code (C(ACTIVE), C(UPDATING), C(UPDATE_FAILED)).
          type: str
        status_reason:
          description: AMP's reason, when it gives one (an C(UPDATE_FAILED) configuration).
          type: str
    tags:
      description: The workspace tags.
      type: dict
      sample: {"team": "sre"}
    created_at:
      description: When the workspace was created.
      type: str
"""

import re

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.amp.alerting.plugins.module_utils.amp import BUSY_STATUSES
from ansible_collections.amp.alerting.plugins.module_utils.amp import LOG_GROUP_ARN
from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp import Outcome
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_call
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_client
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_delete
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_describe
from ansible_collections.amp.alerting.plugins.module_utils.amp import create_once
from ansible_collections.amp.alerting.plugins.module_utils.amp import describe_workspace
from ansible_collections.amp.alerting.plugins.module_utils.amp import exit_with
from ansible_collections.amp.alerting.plugins.module_utils.amp import fail_on_problems
from ansible_collections.amp.alerting.plugins.module_utils.amp import find_workspace
from ansible_collections.amp.alerting.plugins.module_utils.amp import retry_on_conflict
from ansible_collections.amp.alerting.plugins.module_utils.amp import status_of
from ansible_collections.amp.alerting.plugins.module_utils.amp import status_view
from ansible_collections.amp.alerting.plugins.module_utils.amp import sync_tags
from ansible_collections.amp.alerting.plugins.module_utils.amp import wait_for
from ansible_collections.amp.alerting.plugins.module_utils.amp import wait_options
from ansible_collections.amp.alerting.plugins.module_utils.amp import wait_problems
from ansible_collections.amp.alerting.plugins.module_utils import workspace_settings
from ansible_collections.amp.alerting.plugins.module_utils.workspace_settings import DEFAULT_RETENTION_DAYS
from ansible_collections.amp.alerting.plugins.module_utils.workspace_settings import configuration_request
from ansible_collections.amp.alerting.plugins.module_utils.workspace_settings import configuration_view
from ansible_collections.amp.alerting.plugins.module_utils.workspace_settings import logs_settled
from ansible_collections.amp.alerting.plugins.module_utils.workspace_settings import query_logs_request
from ansible_collections.amp.alerting.plugins.module_utils.workspace_settings import query_logs_view
from ansible_collections.amp.alerting.plugins.module_utils.workspace_settings import rule_logs_request
from ansible_collections.amp.alerting.plugins.module_utils.workspace_settings import rule_logs_view
from ansible_collections.amp.alerting.plugins.module_utils.workspace_settings import wanted_query_logs
from ansible_collections.amp.alerting.plugins.module_utils.workspace_settings import wanted_rule_logs
from ansible_collections.amp.alerting.plugins.module_utils.aws_limits import retention_loss_problem
from ansible_collections.amp.alerting.plugins.module_utils.aws_limits import workspace_configuration_problems

KMS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+$")
ALIAS_MAX = 100


def problems(params):
    """What AMP would refuse, each naming the option, before any call."""
    found = []
    alias = params["alias"]
    if params["state"] == "present" and not params["workspace_id"] and not alias:
        found.append("alias: an alias (or workspace_id) is required to find or create the workspace")
    if alias is not None and not alias.strip():
        found.append("alias: AMP cannot remove a workspace alias; give a non-empty alias")
    if alias and len(alias) > ALIAS_MAX:
        found.append(f"alias: at most {ALIAS_MAX} characters, got {len(alias)}")
    if params["kms_key_arn"] and not KMS_KEY_ARN.match(params["kms_key_arn"]):
        found.append(f"kms_key_arn: '{params['kms_key_arn']}' is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)")
    for field in ("log_group_arn", "query_log_group_arn"):
        log_group_arn = params[field]
        if log_group_arn and not LOG_GROUP_ARN.match(log_group_arn):
            hint = " (AMP needs the ':*' suffix)" if not log_group_arn.endswith(":*") else ""
            found.append(f"{field}: '{log_group_arn}' is not a CloudWatch Logs log group ARN ending in ':*'{hint}")
    threshold = params["query_log_qsp_threshold"]
    if params["query_log_group_arn"] and threshold is None:
        found.append("query_log_qsp_threshold: required with query_log_group_arn (0 logs every query)")
    if threshold is not None and not params["query_log_group_arn"]:
        found.append("query_log_qsp_threshold: given without query_log_group_arn, the log group it would apply to")
    if threshold is not None and threshold < 0:
        found.append(f"query_log_qsp_threshold: {threshold} is not a number of samples (0 or more)")
    return found + wait_problems(params) + workspace_configuration_problems(params["retention_period_in_days"],
                                                                            params["limits_per_label_set"])


def busiest(*resources):
    """The first of the described resources that is in a passing status, else the last."""
    return next((r for r in resources if status_of(r)[0] in BUSY_STATUSES), resources[-1])


def describe_configuration(client, workspace_id):
    result = amp_describe(client.describe_workspace_configuration, f"describe the configuration of workspace {workspace_id}",
                          workspaceId=workspace_id)
    return result["workspaceConfiguration"] if result else None


class LogConfiguration:
    """One of a workspace's CloudWatch Logs configurations. AMP gives both kinds the same life cycle
    (Create / Describe / Update / Delete, CREATING to ACTIVE, *_FAILED with a statusReason), so one
    piece of code manages both; they differ in their operations' names and request bodies."""

    def __init__(self, param, what, operation, result_key, request_of, view_of):
        self.param = param  # the module option naming the log group
        self.what = what
        self.operation = operation  # create_<operation>, describe_<operation>, ...
        self.result_key = result_key
        self.request_of = request_of  # a described configuration -> the Create/Update body it matches
        self.view_of = view_of  # a request body -> the module's snake_case view

    def call(self, client, verb):
        return getattr(client, f"{verb}_{self.operation}")

    def describe(self, client, workspace_id):
        result = amp_describe(self.call(client, "describe"), f"describe {self.what} of workspace {workspace_id}",
                              workspaceId=workspace_id)
        return result[self.result_key] if result else None

    def view(self, configuration):
        if not configuration:
            return None
        view = self.view_of(self.request_of(configuration))
        view.update(status_view(configuration))
        return view


# Rule and alertmanager logs; always read, so that the result shows them.
RULE_LOGS = LogConfiguration("log_group_arn", "the logging configuration", "logging_configuration", "loggingConfiguration",
                             rule_logs_request, rule_logs_view)
# Query logs; read only when asked for, as a caller without aps:DescribeQueryLoggingConfiguration may not be.
QUERY_LOGS = LogConfiguration("query_log_group_arn", "the query logging configuration", "query_logging_configuration",
                              "queryLoggingConfiguration", query_logs_request, query_logs_view)


def wanted_logs(kind, params):
    """What is asked of a log configuration: None (leave it), {} (none) or the Create/Update body."""
    return wanted_query_logs(params) if kind is QUERY_LOGS else wanted_rule_logs(params)


def watched_logs(params):
    """The log configurations this task reads: rule logs always, query logs when asked about."""
    return [RULE_LOGS] + ([QUERY_LOGS] if params["query_log_group_arn"] is not None else [])


def summarize(workspace, logs, configuration=None):
    """The module's view of a workspace, with its log configurations (and configuration, when asked)."""
    return workspace_settings.summarize(workspace, logs.get(RULE_LOGS), logs.get(QUERY_LOGS), configuration,
                                        query_logs_read=QUERY_LOGS in logs)


def diff_view(workspace, logs, configuration=None):
    if not workspace:
        return {}
    logging = logs.get(RULE_LOGS)
    view = {
        "alias": workspace.get("alias"),
        "kms_key_arn": workspace.get("kmsKeyArn"),
        "log_group_arn": logging["logGroupArn"] if logging else None,
        "tags": workspace.get("tags") or {},
    }
    if QUERY_LOGS in logs:
        view["query_logging"] = QUERY_LOGS.view_of(QUERY_LOGS.request_of(logs[QUERY_LOGS])) if logs[QUERY_LOGS] else None
    if configuration is not None:
        shown = configuration_view(configuration)
        view["retention_period_in_days"] = shown["retention_period_in_days"]
        view["limits_per_label_set"] = shown["limits_per_label_set"]
    return view


class WorkspaceManager:
    def __init__(self, module):
        self.module = module
        self.client = amp_client(module)
        self.changed = False
        self.params = module.params

    def wait(self, workspace_id, until="active"):
        return wait_for(
            lambda: describe_workspace(self.client, workspace_id),
            f"workspace {workspace_id}",
            self.params["wait_timeout"],
            until=until,
        )

    def write(self, workspace_id, call, description, delete=False, busy=None, **kwargs):
        """A write call, retried while the workspace (or BUSY: what the call changes) is busy."""
        self.changed = True
        return retry_on_conflict(
            lambda: (amp_delete if delete else amp_call)(call, description, **kwargs),
            busy or (lambda: describe_workspace(self.client, workspace_id)),
            f"workspace {workspace_id}",
        )

    # -- present ---------------------------------------------------------------------------------

    def create(self, replaced=None):
        params = self.params
        request = {"alias": params["alias"]}
        if params["tags"]:
            request["tags"] = params["tags"]
        if params["kms_key_arn"]:
            request["kmsKeyArn"] = params["kms_key_arn"]
        self.changed = True
        if self.module.check_mode:
            predicted = {"workspaceId": "", "arn": "", "alias": params["alias"], "status": {"statusCode": "CREATING"},
                         "tags": params["tags"] or {}, "kmsKeyArn": params["kms_key_arn"]}
            return predicted
        created = create_once(self.client.create_workspace, lambda workspace_id: describe_workspace(self.client, workspace_id),
                              request, "workspaceId", f"workspace {params['alias']}", replaced)
        workspace_id = created["workspaceId"]
        return self.wait(workspace_id) if params["wait"] else describe_workspace(self.client, workspace_id)

    def update(self, workspace):
        params = self.params
        workspace_id = workspace["workspaceId"]
        code = status_of(workspace)[0]
        if code == "CREATION_FAILED":
            raise AmpError(f"workspace {workspace_id} is CREATION_FAILED (it holds nothing): set recreate_failed=true "
                           "(workspace role: workspace_recreate_failed) to delete and create it again, or delete it "
                           "(state=absent) and run again")
        if code == "DELETING":
            raise AmpError(f"workspace {workspace_id} is being deleted; wait until it is gone and run again")
        if params["kms_key_arn"] and params["kms_key_arn"] != workspace.get("kmsKeyArn"):
            raise AmpError(
                f"kms_key_arn: workspace {workspace_id} is encrypted with {workspace.get('kmsKeyArn') or 'an AWS-owned key'}; "
                "AMP cannot change the key of an existing workspace (create a new workspace instead)"
            )
        if code in ("CREATING", "UPDATING") and params["wait"]:
            workspace = self.wait(workspace_id)

        desired = dict(workspace)
        if params["alias"] and params["alias"] != workspace.get("alias"):
            desired["alias"] = params["alias"]
            if not self.module.check_mode:
                self.write(workspace_id, self.client.update_workspace_alias, f"rename workspace {workspace_id} to {params['alias']}",
                           workspaceId=workspace_id, alias=params["alias"])
            self.changed = True

        tags = sync_tags(self.client, workspace["arn"], workspace.get("tags"), params["tags"], params["purge_tags"],
                         f"workspace {workspace_id}", self.module.check_mode)
        if tags is not None:
            self.changed = True
            desired["tags"] = tags

        if self.module.check_mode:
            return desired
        if not self.changed:
            return workspace
        if params["wait"]:
            return self.wait(workspace_id)
        return describe_workspace(self.client, workspace_id)

    def ensure_logs(self, kind, workspace_id, current):
        """A log configuration as asked: created, updated (also when AMP failed to apply it) or deleted."""
        wanted = wanted_logs(kind, self.params)
        code = status_of(current)[0]
        if logs_settled(wanted, current, kind.request_of):
            return current
        self.changed = True
        if self.module.check_mode:
            return dict(wanted, status={"statusCode": "UPDATING" if current else "CREATING"}) if wanted else None
        what = f"{kind.what} of workspace {workspace_id}"

        def describe():
            return kind.describe(self.client, workspace_id)

        if current and (not wanted or code == "CREATION_FAILED"):
            # AMP updates only what it created; a failed creation is deleted and made again.
            self.write(workspace_id, kind.call(self.client, "delete"), f"delete {what}", delete=True,
                       workspaceId=workspace_id)
            if self.params["wait"] or wanted:
                wait_for(describe, what, self.params["wait_timeout"], until="gone")
            current = None
            if not wanted:
                return None

        def busy():
            return busiest(describe_workspace(self.client, workspace_id), describe() or {})

        if current:
            self.write(workspace_id, kind.call(self.client, "update"), f"update {what}", busy=busy,
                       workspaceId=workspace_id, **wanted)
        else:
            try:
                self.write(workspace_id, kind.call(self.client, "create"), f"create {what}", busy=busy,
                           workspaceId=workspace_id, **wanted)
            except AmpError:
                # Another run created it since this one read it (two runs started together): once
                # it settles, it is compared as if this run had read it.
                if describe() is None:
                    raise
                return self.ensure_logs(kind, workspace_id, wait_for(describe, what, self.params["wait_timeout"],
                                                                     until="settled"))
        if self.params["wait"]:
            return wait_for(describe, what, self.params["wait_timeout"])
        return describe()

    def ensure_present(self):
        params = self.params
        workspace = find_workspace(self.client, params["workspace_id"], params["alias"], alias_field="alias")
        if workspace is None and params["workspace_id"]:
            raise AmpError(f"workspace_id: no workspace {params['workspace_id']} in this account and region; "
                           "omit workspace_id to create one by alias")
        kinds = watched_logs(params)
        before_logs = {kind: kind.describe(self.client, workspace["workspaceId"]) if workspace else None for kind in kinds}
        configured = workspace_settings.configured(params)
        before_configuration = None
        if configured and workspace and status_of(workspace)[0] not in ("CREATION_FAILED", "DELETING"):
            before_configuration = describe_configuration(self.client, workspace["workspaceId"])
        self.refuse_losing_metrics(workspace, before_configuration)
        before = diff_view(workspace, before_logs, before_configuration)
        current_logs, replaced = before_logs, None
        if workspace is not None and status_of(workspace)[0] == "CREATION_FAILED" and params["recreate_failed"]:
            replaced, workspace = workspace["workspaceId"], self.delete_failed(workspace)
            before_configuration = None
            current_logs = dict.fromkeys(kinds)
        after_ws = self.create(replaced) if workspace is None else self.update(workspace)
        after_logs = {kind: self.ensure_logs(kind, after_ws.get("workspaceId"), current_logs[kind]) for kind in kinds}
        after_configuration = None
        if configured:
            after_configuration = self.ensure_configuration(after_ws.get("workspaceId"), before_configuration)
        return Outcome(self.changed, before, summarize(after_ws, after_logs, after_configuration),
                       {"before": before, "after": diff_view(after_ws, after_logs, after_configuration)})

    def refuse_losing_metrics(self, workspace, configuration):
        """AmpError before any write when the asked retention is shorter than the workspace's now and
        that was not allowed: AMP deletes the older samples, for good."""
        if self.params["allow_retention_decrease"] or configuration is None:
            return
        problem = retention_loss_problem(self.params["retention_period_in_days"], configuration.get("retentionPeriodInDays"),
                                         workspace["workspaceId"], workspace.get("alias"))
        if problem:
            raise AmpError(problem)

    def ensure_configuration(self, workspace_id, current):
        """Retention and limits per label set as asked: one UpdateWorkspaceConfiguration with what differs."""
        params = self.params
        what = f"the configuration of workspace {workspace_id}"
        if current is None:  # a workspace made by this task (or predicted in check mode): AMP's defaults
            current = {"retentionPeriodInDays": DEFAULT_RETENTION_DAYS, "limitsPerLabelSet": [],
                       "status": {"statusCode": "ACTIVE"}}
            if workspace_id and not self.module.check_mode:
                current = describe_configuration(self.client, workspace_id)
        if status_of(current)[0] == "UPDATING" and params["wait"] and not self.module.check_mode:
            current = wait_for(lambda: describe_configuration(self.client, workspace_id), what, params["wait_timeout"],
                               until="settled")
        request = configuration_request(params, current)
        if not request:
            return current
        self.changed = True
        if self.module.check_mode:
            predicted = dict(current, status={"statusCode": "UPDATING"})
            predicted.update(request)
            return predicted
        # Busy is the configuration's own UPDATING, or a workspace still CREATING (wait=false).
        retry_on_conflict(
            lambda: amp_call(self.client.update_workspace_configuration, f"update {what}", workspaceId=workspace_id,
                             **request),
            lambda: busiest(describe_workspace(self.client, workspace_id), describe_configuration(self.client, workspace_id)),
            what,
        )
        if params["wait"]:
            return wait_for(lambda: describe_configuration(self.client, workspace_id), what, params["wait_timeout"])
        return describe_configuration(self.client, workspace_id)

    def delete_failed(self, workspace):
        """Delete a workspace that failed to create (AMP never made it; it holds nothing); None."""
        workspace_id = workspace["workspaceId"]
        self.changed = True
        if not self.module.check_mode:
            self.write(workspace_id, self.client.delete_workspace, f"delete workspace {workspace_id}, which failed to create",
                       delete=True, workspaceId=workspace_id)
            if self.params["wait"]:
                self.wait(workspace_id, until="gone")
        return None

    # -- absent ----------------------------------------------------------------------------------

    def ensure_absent(self):
        params = self.params
        workspace = find_workspace(self.client, params["workspace_id"], params["alias"], alias_field="alias")
        if workspace is None:
            return Outcome(False, {}, {}, {"before": {}, "after": {}})
        workspace_id = workspace["workspaceId"]
        before = diff_view(workspace, {})
        if status_of(workspace)[0] != "DELETING":
            self.changed = True
            if self.module.check_mode:
                return Outcome(self.changed, before, {}, {"before": before, "after": {}})
            deleted = self.write(workspace_id, self.client.delete_workspace, f"delete workspace {workspace_id}", delete=True,
                                 workspaceId=workspace_id)
            if deleted is False:
                return Outcome(self.changed, before, {}, {"before": before, "after": {}})  # gone meanwhile
        if params["wait"] and not self.module.check_mode:
            self.wait(workspace_id, until="gone")
        return Outcome(self.changed, before, {}, {"before": before, "after": {}})


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        workspace_id=dict(type="str"),
        alias=dict(type="str"),
        kms_key_arn=dict(type="str", no_log=False),
        log_group_arn=dict(type="str"),
        query_log_group_arn=dict(type="str"),
        query_log_qsp_threshold=dict(type="int"),
        retention_period_in_days=dict(type="int"),
        allow_retention_decrease=dict(type="bool", default=False),
        limits_per_label_set=dict(type="list", elements="dict", options=dict(
            label_set=dict(type="dict", required=True),
            max_series=dict(type="int", required=True),
        )),
        recreate_failed=dict(type="bool", default=False),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        **wait_options(),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        required_if=[("state", "absent", ("workspace_id", "alias"), True)],
        supports_check_mode=True,
    )
    fail_on_problems(module, problems(module.params))
    manager = WorkspaceManager(module)
    try:
        outcome = manager.ensure_present() if module.params["state"] == "present" else manager.ensure_absent()
    except AmpError as e:
        module.fail_json_aws_error(e)

    exit_with(module, outcome, workspace=outcome.after)


if __name__ == "__main__":
    main()
