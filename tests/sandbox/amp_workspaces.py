"""AMP's workspaces in the sandbox: the workspace (with kmsKeyArn), its logging and query logging
configurations, its resource policy (revisions) and its configuration (retention, limits per label set)."""

import json
import re
import uuid

from moto.amp.models import Workspace
from moto.amp.utils import PAGINATION_MODEL
from moto.core.utils import unix_time
from moto.utilities.paginator import paginate

from .amp_lifecycle import GONE, ConflictException, Lifecycle, NotFound, ValidationException, _require_idle
from .limits import key_region_mismatch
from .settings import SETTINGS


# https://docs.aws.amazon.com/prometheus/latest/userguide/AMP-workspace-configuration.html: retention
# is 150 days unless set, at most 1095. API_LimitsPerLabelSet.html: label names, and values with a
# character that is not whitespace and no control character; __name__ values are metric names.
DEFAULT_RETENTION_DAYS = 150


MAX_RETENTION_DAYS = 1095


# API_CloudWatchLogDestination.html: the log group ARN pattern, ':*' included.
QUERY_LOG_GROUP_ARN = re.compile(r"^arn:aws[a-z0-9-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:[A-Za-z0-9.\-_#/]{1,512}:\*$")


LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


def _configuration_problem(retention, limits):
    """AMP's ValidationException for an UpdateWorkspaceConfiguration body, as (message, field) or None."""
    if retention is None and limits is None:
        return "Either limitsPerLabelSet or retentionPeriodInDays must be specified", "limitsPerLabelSet"
    if retention is not None and not 1 <= retention <= MAX_RETENTION_DAYS:
        return f"retentionPeriodInDays must be between 1 and {MAX_RETENTION_DAYS}", "retentionPeriodInDays"
    seen = []
    for entry in limits or []:
        labels = entry.get("labelSet")
        if not isinstance(labels, dict):
            return "labelSet is required", "limitsPerLabelSet"
        for name, value in labels.items():
            if not LABEL_NAME.match(name):
                return f"Invalid label name: {name}", "limitsPerLabelSet"
            if not isinstance(value, str) or not value.strip() or not value.isascii() \
                    or any(ord(char) < 32 or ord(char) == 127 for char in value):
                return f"Invalid label value for label {name}", "limitsPerLabelSet"
            if name == "__name__" and not METRIC_NAME.match(value):
                return f"Invalid metric name: {value}", "limitsPerLabelSet"
        if not isinstance((entry.get("limits") or {}).get("maxSeries", 0), int) or entry["limits"].get("maxSeries", 0) < 0:
            return "maxSeries must be 0 or more", "limitsPerLabelSet"
        if labels in seen:
            return f"Duplicate label set: {json.dumps(labels, sort_keys=True)}", "limitsPerLabelSet"
        seen.append(labels)
    return None


class SandboxWorkspace(Workspace):
    def __init__(self, *args, kms_key_arn=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kms_key_arn = kms_key_arn
        self.lifecycle = Lifecycle()
        self.alertmanager = None
        self.logging = None  # (dict, Lifecycle)
        self.query_logging = None  # (dict, Lifecycle)
        self.resource_policy = None  # (dict, Lifecycle)
        self.anomaly_detectors = {}  # id -> AnomalyDetector
        self.configuration = {"retentionPeriodInDays": DEFAULT_RETENTION_DAYS, "limitsPerLabelSet": []}
        self.configuration_lifecycle = Lifecycle()

    def to_dict(self):
        result = super().to_dict()
        result["status"] = self.lifecycle.as_dict()
        result.pop("statusReason", None)  # AMP gives workspaces no statusReason
        if self.kms_key_arn:
            result["kmsKeyArn"] = self.kms_key_arn
        if SETTINGS.endpoint:
            # the data plane (remote_write, query, alertmanager API) is served by the sandbox itself
            result["prometheusEndpoint"] = f"{SETTINGS.endpoint}/workspaces/{self.workspace_id}/"
        return result


class WorkspacesApi:
    """The workspace calls of the AMP backend: workspaces, logging, query logging, resource policy, configuration."""

    def create_workspace(self, alias, tags, kms_key_arn=None, client_token=None):
        return self._idempotent_create("WORKSPACE", client_token, [alias, tags, kms_key_arn],
                                       lambda: self._create_workspace(alias, tags, kms_key_arn),
                                       lambda workspace: workspace.workspace_id)

    def _create_workspace(self, alias, tags, kms_key_arn):
        other_region = key_region_mismatch(kms_key_arn, self.region_name)
        if other_region:
            raise ValidationException(f"kmsKeyArn: the key is in {other_region}; a workspace uses a key of its own "
                                      f"region ({self.region_name})", "kmsKeyArn")
        workspace = SandboxWorkspace(
            self.account_id, self.region_name, alias=alias, tag_fn=self.list_tags_for_resource,
            kms_key_arn=kms_key_arn,
        )
        self.workspaces[workspace.workspace_id] = workspace
        self.tag_resource(workspace.arn, tags)
        failed = SETTINGS.take_async_failure("CreateWorkspace")
        workspace.lifecycle.start("CREATING", "CREATION_FAILED" if failed else "ACTIVE")
        return workspace

    def describe_workspace(self, workspace_id):
        self._settle()
        return super().describe_workspace(workspace_id)

    @paginate(pagination_model=PAGINATION_MODEL)
    def list_workspaces(self, alias):
        # AMP filters by alias prefix (moto by equality), after stripping blanks.
        self._settle()
        prefix = (alias or "").strip()
        return [ws for ws in self.workspaces.values() if (ws.alias or "").startswith(prefix)]

    def update_workspace_alias(self, alias, workspace_id):
        workspace = self.describe_workspace(workspace_id)
        _require_idle(workspace.lifecycle, workspace_id, "AWS::APS::Workspace")
        workspace.alias = alias
        workspace.lifecycle.start("UPDATING", "ACTIVE")

    def delete_workspace(self, workspace_id):
        workspace = self.describe_workspace(workspace_id)
        _require_idle(workspace.lifecycle, workspace_id, "AWS::APS::Workspace")
        workspace.lifecycle.start("DELETING", GONE)

    @staticmethod
    def _check_log_group_arn(log_group_arn):
        if not log_group_arn or not log_group_arn.startswith("arn:") or not log_group_arn.endswith(":*"):
            raise ValidationException(
                "logGroupArn must be a CloudWatch Logs log group ARN ending in ':*'", "logGroupArn"
            )

    def _logging(self, workspace_id):
        workspace = self.describe_workspace(workspace_id)
        if workspace.logging is None:
            raise NotFound("Logging configuration", workspace_id, "AWS::APS::LoggingConfiguration")
        return workspace.logging

    def create_logging_configuration(self, workspace_id, log_group_arn):
        self._check_log_group_arn(log_group_arn)
        workspace = self.describe_workspace(workspace_id)
        if workspace.logging is not None:
            raise ConflictException(
                "A logging configuration already exists", workspace_id, "AWS::APS::LoggingConfiguration"
            )
        config = {"logGroupArn": log_group_arn, "workspace": workspace_id,
                  "createdAt": unix_time(), "modifiedAt": unix_time()}
        workspace.logging = (config, Lifecycle())
        workspace.logging[1].start("CREATING", "ACTIVE")
        return workspace.logging[1].as_dict()

    def describe_logging_configuration(self, workspace_id):
        config, lifecycle = self._logging(workspace_id)
        return dict(config, status=lifecycle.as_dict())

    def update_logging_configuration(self, workspace_id, log_group_arn):
        self._check_log_group_arn(log_group_arn)
        config, lifecycle = self._logging(workspace_id)
        _require_idle(lifecycle, workspace_id, "AWS::APS::LoggingConfiguration")
        config.update(logGroupArn=log_group_arn, modifiedAt=unix_time())
        lifecycle.start("UPDATING", "ACTIVE")
        return lifecycle.as_dict()

    def delete_logging_configuration(self, workspace_id):
        _config, lifecycle = self._logging(workspace_id)
        _require_idle(lifecycle, workspace_id, "AWS::APS::LoggingConfiguration")
        lifecycle.start("DELETING", GONE)

    @staticmethod
    def _check_query_destinations(destinations):
        # API_CreateQueryLoggingConfiguration.html, API_LoggingDestination.html, API_LoggingFilter.html
        if not isinstance(destinations, list) or len(destinations) != 1:
            raise ValidationException("destinations must contain exactly one element", "destinations")
        destination = destinations[0]
        log_group_arn = (destination.get("cloudWatchLogs") or {}).get("logGroupArn")
        if not log_group_arn or not QUERY_LOG_GROUP_ARN.match(log_group_arn):
            raise ValidationException("logGroupArn must be a CloudWatch Logs log group ARN ending in ':*'",
                                      "destinations.cloudWatchLogs.logGroupArn")
        threshold = (destination.get("filters") or {}).get("qspThreshold")
        if not isinstance(threshold, int) or threshold < 0:
            raise ValidationException("qspThreshold must be 0 or more", "destinations.filters.qspThreshold")

    def _query_logging(self, workspace_id):
        workspace = self.describe_workspace(workspace_id)
        if workspace.query_logging is None:
            raise NotFound("Query logging configuration", workspace_id, "AWS::APS::QueryLoggingConfiguration")
        return workspace.query_logging

    def create_query_logging_configuration(self, workspace_id, destinations):
        self._check_query_destinations(destinations)
        workspace = self.describe_workspace(workspace_id)
        if workspace.query_logging is not None:
            raise ConflictException("A query logging configuration already exists", workspace_id,
                                    "AWS::APS::QueryLoggingConfiguration")
        config = {"destinations": destinations, "workspace": workspace_id, "createdAt": unix_time(), "modifiedAt": unix_time()}
        workspace.query_logging = (config, Lifecycle())
        reason = None
        if SETTINGS.take_async_failure("CreateQueryLoggingConfiguration"):
            reason = "injected CreateQueryLoggingConfiguration failure (sandbox fault injection)"
        workspace.query_logging[1].start("CREATING", "CREATION_FAILED" if reason else "ACTIVE", reason)
        return workspace.query_logging[1].as_dict()

    def describe_query_logging_configuration(self, workspace_id):
        config, lifecycle = self._query_logging(workspace_id)
        status = lifecycle.as_dict()  # settles first: the destinations then match the status
        return dict(config, status=status)

    def update_query_logging_configuration(self, workspace_id, destinations):
        self._check_query_destinations(destinations)
        config, lifecycle = self._query_logging(workspace_id)
        _require_idle(lifecycle, workspace_id, "AWS::APS::QueryLoggingConfiguration")
        reason = None
        if SETTINGS.take_async_failure("UpdateQueryLoggingConfiguration"):
            reason = "injected UpdateQueryLoggingConfiguration failure (sandbox fault injection)"

        def apply(outcome):
            if outcome == "ACTIVE":
                config.update(destinations=destinations, modifiedAt=unix_time())

        lifecycle.start("UPDATING", "UPDATE_FAILED" if reason else "ACTIVE", reason, apply)
        return lifecycle.as_dict()

    def delete_query_logging_configuration(self, workspace_id):
        _config, lifecycle = self._query_logging(workspace_id)
        _require_idle(lifecycle, workspace_id, "AWS::APS::QueryLoggingConfiguration")
        lifecycle.start("DELETING", GONE)

    @staticmethod
    def _check_revision(workspace_id, current, revision_id):
        found = current[0]["revisionId"] if current else "NO_POLICY"
        if revision_id and revision_id != found:
            raise ConflictException(f"The policy revision {revision_id} does not match the current revision {found}",
                                    workspace_id, "AWS::APS::ResourcePolicy")
        if current:
            _require_idle(current[1], workspace_id, "AWS::APS::ResourcePolicy")

    def put_resource_policy(self, workspace_id, document, revision_id):
        workspace = self.describe_workspace(workspace_id)
        try:
            if not isinstance(json.loads(document or ""), dict):
                raise ValueError("not an object")
        except ValueError:
            raise ValidationException("policyDocument is not a valid JSON policy document", "policyDocument") from None
        current = workspace.resource_policy
        self._check_revision(workspace_id, current, revision_id)
        policy = {"policyDocument": document, "revisionId": str(uuid.uuid4())}
        lifecycle = current[1] if current else Lifecycle()
        workspace.resource_policy = (policy, lifecycle)
        lifecycle.start("UPDATING" if current else "CREATING", "ACTIVE")
        return {"policyStatus": lifecycle.settle(), "revisionId": policy["revisionId"]}

    def describe_resource_policy(self, workspace_id):
        workspace = self.describe_workspace(workspace_id)
        if workspace.resource_policy is None:
            raise NotFound("Resource policy", workspace_id, "AWS::APS::ResourcePolicy")
        policy, lifecycle = workspace.resource_policy
        return dict(policy, policyStatus=lifecycle.settle())

    def delete_resource_policy(self, workspace_id, revision_id):
        workspace = self.describe_workspace(workspace_id)
        if workspace.resource_policy is None:
            raise NotFound("Resource policy", workspace_id, "AWS::APS::ResourcePolicy")
        self._check_revision(workspace_id, workspace.resource_policy, revision_id)
        workspace.resource_policy[1].start("DELETING", GONE)

    def describe_workspace_configuration(self, workspace_id):
        workspace = self.describe_workspace(workspace_id)
        status = workspace.configuration_lifecycle.as_dict()  # settles first: the values then match the status
        return dict(workspace.configuration, status=status)

    def update_workspace_configuration(self, workspace_id, retention, limits):
        workspace = self.describe_workspace(workspace_id)
        problem = _configuration_problem(retention, limits)
        if problem:
            raise ValidationException(*problem)
        _require_idle(workspace.configuration_lifecycle, workspace_id, "AWS::APS::WorkspaceConfiguration")
        wanted = dict(workspace.configuration)
        if retention is not None:
            wanted["retentionPeriodInDays"] = retention
        if limits is not None:
            wanted["limitsPerLabelSet"] = limits
        reason = None
        if SETTINGS.take_async_failure("UpdateWorkspaceConfiguration"):
            reason = "injected UpdateWorkspaceConfiguration failure (sandbox fault injection)"

        def apply(outcome):
            if outcome == "ACTIVE":
                workspace.configuration = wanted

        workspace.configuration_lifecycle.start("UPDATING", "UPDATE_FAILED" if reason else "ACTIVE", reason, apply)
        return workspace.configuration_lifecycle.as_dict()
