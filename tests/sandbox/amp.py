"""Make moto's AMP behave like AMP where the collection depends on it.

moto 5.2.5 creates everything ACTIVE at once, accepts any bytes as rule data, overwrites on a second
Create and has no alertmanager definitions. This module replaces moto's AMP backend and response
class (``install()``) with subclasses that add:

- asynchronous statuses: CREATING / UPDATING / DELETING settle after ``SETTINGS.amp_delay`` seconds;
- AMP's validation: bad documents end in CREATION_FAILED / UPDATE_FAILED with a statusReason, and
  after UPDATE_FAILED the data in effect stays the previous one;
- ConflictException for a Create of something that exists and for changes while a resource is busy;
- alertmanager definitions (Create / Describe / Put / Delete);
- workspaces with ``kmsKeyArn``; logging configurations that are not found until created;
- query logging configurations (Create / Describe / Update / Delete) with the API reference's
  validation (exactly one CloudWatch Logs destination, a log group ARN ending in ':*', a QSP threshold
  of 0 or more), CREATING / UPDATING / DELETING, and injectable CREATION_FAILED / UPDATE_FAILED;
- ListWorkspaces' alias filter matching prefixes, as AMP documents it;
- workspace resource policies (Put / Describe / Delete) with a new revisionId at every Put, and
  ConflictException for a Put or Delete naming another revision (or NO_POLICY when one exists) or
  made while the policy is CREATING / UPDATING / DELETING (API_PutResourcePolicy.html);
- anomaly detectors (Create / Describe / Put / Delete / List): the API reference's validation (the query
  wrapped in one of AMP's aggregations, parsed with promql_parser; interval, shingle and sample size
  ranges; one member in each union), a ConflictException for an alias in use, CREATING / UPDATING /
  DELETING, injectable CREATION_FAILED / UPDATE_FAILED. Every Put is a retraining in AMP; tests count
  the PutAnomalyDetector requests in the sandbox's request log. It runs no Random Cut Forest;
- managed scrapers (Create / Describe / Update / Delete / List, GetDefaultScraperConfiguration, the
  scraper logging configuration): a scraper's service-linked role ARN, the source that UpdateScraper
  cannot change, statuses incl. injectable CREATION_FAILED / UPDATE_FAILED and DELETION_FAILED, the
  scrape configuration checked as YAML with scrape_configs. It scrapes nothing;
- workspace configurations (retention, limits per label set): AMP's default retention (150 days),
  its validation (retention 1-1095 days, label names and values as the API reference states them,
  no label set twice), UPDATING then ACTIVE, or UPDATE_FAILED with a statusReason keeping the
  previous configuration.
"""

import base64
import json
import re
import threading
import time
import uuid
from urllib.parse import unquote

import moto.amp
import moto.amp.models
import moto.amp.responses
import moto.amp.urls
import promql_parser
import yaml
from moto.amp.exceptions import AmpException, ResourceNotFoundException
from moto.amp.models import PrometheusServiceBackend, RuleGroupNamespace, Workspace
from moto.amp.responses import PrometheusServiceResponse
from moto.amp.utils import PAGINATION_MODEL
from moto.core.base_backend import BackendDict
from moto.core.utils import unix_time
from moto.utilities.paginator import paginate

from .limits import key_region_mismatch
from .settings import SETTINGS
from .validation import alertmanager_definition_reason, rule_file_reason

BUSY = ("CREATING", "UPDATING", "DELETING")
_CREATE_LOCK = threading.Lock()
GONE = "GONE"  # internal outcome of DELETING: the owner drops the resource


class ConflictException(AmpException):
    code = 409

    def __init__(self, message, resource_id, resource_type):
        super().__init__("ConflictException", message)
        self.description = json.dumps(
            {"message": message, "resourceId": resource_id, "resourceType": resource_type}
        )


class ValidationException(AmpException):
    code = 400

    def __init__(self, message, field_name):
        super().__init__("ValidationException", message)
        self.description = json.dumps(
            {"message": message, "reason": "FIELD_VALIDATION_FAILED",
             "fieldList": [{"name": field_name, "message": message}]}
        )


class NotFound(ResourceNotFoundException):
    code = 404

    def __init__(self, what, resource_id, resource_type):
        super().__init__(f"{what} not found", resource_id=resource_id, resource_type=resource_type)


class Lifecycle:
    """A status code that moves from a transitional state to its outcome after the AMP delay."""

    def __init__(self, code="ACTIVE"):
        self.code = code
        self.reason = None
        self._pending = None
        self._due = 0.0

    def start(self, transitional, outcome, reason=None, on_settle=None):
        self.code, self.reason = transitional, None
        self._pending = (outcome, reason, on_settle)
        self._due = time.monotonic() + SETTINGS.amp_delay
        self.settle()

    def settle(self):
        if self._pending and time.monotonic() >= self._due:
            outcome, reason, on_settle = self._pending
            self._pending = None
            self.code, self.reason = outcome, reason
            if on_settle:
                on_settle(outcome)
        return self.code

    @property
    def busy(self):
        return self.settle() in BUSY

    @property
    def gone(self):
        return self.settle() == GONE

    def as_dict(self):
        status = {"statusCode": self.settle()}
        if self.reason:
            status["statusReason"] = self.reason
        return status


def _decode(data_b64):
    return base64.b64decode(data_b64 or "")


def _change_document(lifecycle, target, new_data, reason_fn, first, operation):
    """Start a Create (first=True) or Put of a validated document on ``target``.

    The data in effect (``target.data``) changes only when the new document is valid: after
    UPDATE_FAILED the previous document stays, as in AMP. A failure injected for ``operation``
    (the gateway's ``creation_failed`` / ``update_failed`` faults) stands in for AMP refusing it.
    """
    reason = reason_fn(_decode(new_data))
    if SETTINGS.take_async_failure(operation):
        reason = f"injected {operation} failure (sandbox fault injection)"
    if first:
        target.data = new_data
        lifecycle.start("CREATING", "CREATION_FAILED" if reason else "ACTIVE", reason)
        return

    def apply(outcome):
        if outcome == "ACTIVE":
            target.data = new_data
            target.modified_at = unix_time()

    lifecycle.start("UPDATING", "UPDATE_FAILED" if reason else "ACTIVE", reason, apply)


class SandboxNamespace(RuleGroupNamespace):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lifecycle = Lifecycle()

    def to_dict(self):
        result = super().to_dict()
        result["status"] = self.lifecycle.as_dict()
        return result


class AlertManagerDefinition:
    def __init__(self):
        self.data = ""
        self.created_at = unix_time()
        self.modified_at = self.created_at
        self.lifecycle = Lifecycle()

    def to_dict(self):
        return {
            "status": self.lifecycle.as_dict(),
            "data": self.data,
            "createdAt": self.created_at,
            "modifiedAt": self.modified_at,
        }


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


# API_RandomCutForestConfiguration.html: the aggregations a detector's query may be wrapped in.
ANOMALY_AGGREGATIONS = ("avg", "count", "group", "max", "min", "quantile", "stddev", "stdvar", "sum")


def _anomaly_problem(body):
    """AMP's ValidationException for a Create/PutAnomalyDetector body, as (message, field) or None."""
    forest = (body.get("configuration") or {}).get("randomCutForest")
    if not isinstance(forest, dict) or not forest.get("query"):
        return "configuration.randomCutForest.query is required", "configuration"
    try:
        expr = promql_parser.parse(forest["query"])
        while type(expr).__name__ == "ParenExpr":
            expr = expr.expr
    except Exception as exc:  # noqa: BLE001 - the parser's message is AMP's answer here
        return f"query does not parse: {exc}", "configuration.randomCutForest.query"
    if type(expr).__name__ != "AggregateExpr" or str(expr.op) not in ANOMALY_AGGREGATIONS:
        return (f"Random Cut Forest queries must be wrapped by a supported aggregation ({', '.join(ANOMALY_AGGREGATIONS)})",
                "configuration.randomCutForest.query")
    for field, low, high in (("shingleSize", 2, 1024), ("sampleSize", 256, 1024)):
        if field in forest and not low <= forest[field] <= high:
            return f"{field} must be between {low} and {high}", f"configuration.randomCutForest.{field}"
    for field in ("ignoreNearExpectedFromAbove", "ignoreNearExpectedFromBelow"):
        if field in forest and len(forest[field]) != 1:
            return f"{field} takes exactly one of amount and ratio", f"configuration.randomCutForest.{field}"
    interval = body.get("evaluationIntervalInSeconds")
    if interval is not None and not 30 <= interval <= 86400:
        return "evaluationIntervalInSeconds must be between 30 and 86400", "evaluationIntervalInSeconds"
    if "missingDataAction" in body and len(body["missingDataAction"]) != 1:
        return "missingDataAction takes exactly one of markAsAnomaly and skip", "missingDataAction"
    return None


class AnomalyDetector:
    DEFAULT_INTERVAL = 60  # API_CreateAnomalyDetector.html

    def __init__(self, workspace, alias, tag_fn):
        self.detector_id = f"ad-{uuid.uuid4()}"
        self.arn = workspace.arn.replace(":workspace/", ":anomalydetector/") + "/" + self.detector_id
        self.alias = alias
        self.body = {}
        self.created_at = self.modified_at = unix_time()
        self.lifecycle = Lifecycle()
        self._tags = tag_fn

    def apply(self, body):
        self.body = {key: body[key] for key in ("evaluationIntervalInSeconds", "missingDataAction", "configuration", "labels")
                     if key in body}
        self.body.setdefault("evaluationIntervalInSeconds", self.DEFAULT_INTERVAL)
        self.modified_at = unix_time()

    def summary(self):
        return {"arn": self.arn, "anomalyDetectorId": self.detector_id, "alias": self.alias, "status": self.lifecycle.as_dict(),
                "createdAt": self.created_at, "modifiedAt": self.modified_at, "tags": self._tags(self.arn)}

    def to_dict(self):
        status = self.lifecycle.as_dict()  # settles first: the body then matches the status
        return dict(self.body, **dict(self.summary(), status=status))


# The configuration GetDefaultScraperConfiguration answers with: the shape of AMP's default (global
# scrape settings and Kubernetes service discovery jobs), shortened.
DEFAULT_SCRAPE_CONFIGURATION = b"""global:
  scrape_interval: 30s
scrape_configs:
  - job_name: pod_exporter
    kubernetes_sd_configs:
      - role: pod
  - job_name: cadvisor
    scheme: https
    authorization:
      type: Bearer
      credentials_file: /var/run/secrets/kubernetes.io/serviceaccount/token
    kubernetes_sd_configs:
      - role: node
"""


def _scrape_configuration_problem(blob):
    try:
        document = yaml.safe_load(base64.b64decode(blob or b"").decode("utf-8"))
    except (ValueError, yaml.YAMLError, UnicodeDecodeError) as exc:
        return f"scrapeConfiguration is not valid YAML: {exc}"
    if not isinstance(document, dict) or not isinstance(document.get("scrape_configs"), list) or not document["scrape_configs"]:
        return "scrapeConfiguration must have at least one scrape_configs entry"
    return None


class Scraper:
    def __init__(self, account_id, region, body, tag_fn):
        self.scraper_id = f"s-{uuid.uuid4()}"
        self.arn = f"arn:aws:aps:{region}:{account_id}:scraper/{self.scraper_id}"
        # AMP makes one service-linked role per scraper, named after it
        self.role_arn = (f"arn:aws:iam::{account_id}:role/aws-service-role/scraper.aps.amazonaws.com/"
                         f"AWSServiceRoleForAmazonPrometheusScraper_{self.scraper_id[2:14]}")
        self.body = {key: body[key] for key in ("alias", "scrapeConfiguration", "source", "destination", "roleConfiguration")
                     if key in body}
        self.created_at = self.modified_at = unix_time()
        self.lifecycle = Lifecycle()
        self.logging = None  # (dict, Lifecycle)
        self._tags = tag_fn

    def summary(self):
        status = self.lifecycle.as_dict()
        result = {key: value for key, value in self.body.items() if key != "scrapeConfiguration"}
        result.update(scraperId=self.scraper_id, arn=self.arn, roleArn=self.role_arn, status={"statusCode": status["statusCode"]},
                      createdAt=self.created_at, lastModifiedAt=self.modified_at, tags=self._tags(self.arn))
        if "statusReason" in status:
            result["statusReason"] = status["statusReason"]
        return result

    def to_dict(self):
        result = self.summary()
        result["scrapeConfiguration"] = self.body["scrapeConfiguration"]
        return result


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


def _require_idle(lifecycle, resource_id, resource_type):
    if lifecycle.busy:
        raise ConflictException(
            f"{resource_type} {resource_id} is {lifecycle.code}; try again when it is no longer busy",
            resource_id, resource_type,
        )


class SandboxAmpBackend(PrometheusServiceBackend):
    """moto's AMP backend with AMP's timing, validation and conflicts."""

    @property
    def _url_module(self):
        # moto derives the routes from the backend's module name; ours live in moto.amp.urls.
        return moto.amp.urls

    def _settle(self):
        for ws_id, workspace in list(self.workspaces.items()):
            if workspace.lifecycle.gone:
                del self.workspaces[ws_id]
                continue
            for name, namespace in list(workspace.rule_group_namespaces.items()):
                if namespace.lifecycle.gone:
                    del workspace.rule_group_namespaces[name]
            if workspace.alertmanager and workspace.alertmanager.lifecycle.gone:
                workspace.alertmanager = None
            if workspace.logging and workspace.logging[1].gone:
                workspace.logging = None
            if workspace.query_logging and workspace.query_logging[1].gone:
                workspace.query_logging = None
            if workspace.resource_policy and workspace.resource_policy[1].gone:
                workspace.resource_policy = None
            for detector_id, detector in list(workspace.anomaly_detectors.items()):
                if detector.lifecycle.gone:
                    del workspace.anomaly_detectors[detector_id]

    # -- workspaces ---------------------------------------------------------------------------

    def _idempotent_create(self, kind, client_token, request, create, id_of):
        """CREATE() once per clientToken. AWS's idempotency: the same token with the same REQUEST is
        answered as the first time - with what was made then, even when it was deleted since (AMP
        documents no expiry for a token); with another request, a ConflictException naming ID_OF(it)."""
        with _CREATE_LOCK:  # requests are served by threads: a token is checked and stored at once
            tokens = self.__dict__.setdefault("client_tokens", {})
            key, asked = (kind, client_token), json.dumps(request, sort_keys=True)  # before CREATE() may change it
            if client_token and key in tokens:
                first, first_request = tokens[key]
                if first_request != asked:
                    raise ConflictException("clientToken was used with other parameters", id_of(first), kind)
                return first
            made = create()
            if client_token:
                tokens[key] = (made, asked)
            return made

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

    # -- rule groups namespaces ---------------------------------------------------------------

    def create_rule_groups_namespace(self, data, name, tags, workspace_id):
        workspace = self.describe_workspace(workspace_id)
        if name in workspace.rule_group_namespaces:
            raise ConflictException(
                f"Rule groups namespace {name} already exists", name, "AWS::APS::RuleGroupsNamespace"
            )
        namespace = SandboxNamespace(
            account_id=self.account_id, region=self.region_name, workspace_id=workspace_id,
            name=name, data=data, tag_fn=self.list_tags_for_resource,
        )
        workspace.rule_group_namespaces[name] = namespace
        self.tag_resource(namespace.arn, tags)
        _change_document(namespace.lifecycle, namespace, data, rule_file_reason, True, "CreateRuleGroupsNamespace")
        return namespace

    def describe_rule_groups_namespace(self, name, workspace_id):
        self._settle()
        return super().describe_rule_groups_namespace(name=name, workspace_id=workspace_id)

    def put_rule_groups_namespace(self, data, name, workspace_id):
        namespace = self.describe_rule_groups_namespace(name=name, workspace_id=workspace_id)
        _require_idle(namespace.lifecycle, name, "AWS::APS::RuleGroupsNamespace")
        _change_document(namespace.lifecycle, namespace, data, rule_file_reason, False, "PutRuleGroupsNamespace")
        return namespace

    def delete_rule_groups_namespace(self, name, workspace_id):
        namespace = self.describe_rule_groups_namespace(name=name, workspace_id=workspace_id)
        _require_idle(namespace.lifecycle, name, "AWS::APS::RuleGroupsNamespace")
        namespace.lifecycle.start("DELETING", GONE)

    def list_rule_groups_namespaces(self, name, workspace_id, **kwargs):
        self._settle()
        return super().list_rule_groups_namespaces(name=name, workspace_id=workspace_id, **kwargs)

    # -- alertmanager definitions -------------------------------------------------------------

    def _definition(self, workspace_id):
        workspace = self.describe_workspace(workspace_id)
        if workspace.alertmanager is None:
            raise NotFound("Alert manager definition", workspace_id, "AWS::APS::AlertManagerDefinition")
        return workspace.alertmanager

    def create_alert_manager_definition(self, workspace_id, data):
        workspace = self.describe_workspace(workspace_id)
        if workspace.alertmanager is not None:
            raise ConflictException(
                "An alert manager definition already exists", workspace_id, "AWS::APS::AlertManagerDefinition"
            )
        definition = AlertManagerDefinition()
        workspace.alertmanager = definition
        _change_document(definition.lifecycle, definition, data, alertmanager_definition_reason, True,
                         "CreateAlertManagerDefinition")
        return definition

    def describe_alert_manager_definition(self, workspace_id):
        return self._definition(workspace_id)

    def put_alert_manager_definition(self, workspace_id, data):
        definition = self._definition(workspace_id)
        _require_idle(definition.lifecycle, workspace_id, "AWS::APS::AlertManagerDefinition")
        _change_document(definition.lifecycle, definition, data, alertmanager_definition_reason, False,
                         "PutAlertManagerDefinition")
        return definition

    def delete_alert_manager_definition(self, workspace_id):
        definition = self._definition(workspace_id)
        _require_idle(definition.lifecycle, workspace_id, "AWS::APS::AlertManagerDefinition")
        definition.lifecycle.start("DELETING", GONE)

    # -- logging configuration ----------------------------------------------------------------

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

    # -- query logging configuration ----------------------------------------------------------

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

    # -- resource policy ----------------------------------------------------------------------

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

    # -- anomaly detectors --------------------------------------------------------------------

    def _detector(self, workspace_id, detector_id):
        workspace = self.describe_workspace(workspace_id)
        if detector_id not in workspace.anomaly_detectors:
            raise NotFound("Anomaly detector", detector_id, "AWS::APS::AnomalyDetector")
        return workspace.anomaly_detectors[detector_id]

    def create_anomaly_detector(self, workspace_id, body):
        workspace = self.describe_workspace(workspace_id)
        problem = _anomaly_problem(body)
        if problem:
            raise ValidationException(*problem)
        alias = body.get("alias") or ""
        if any(d.alias == alias for d in workspace.anomaly_detectors.values()):
            raise ConflictException(f"An anomaly detector with alias {alias} already exists", alias, "AWS::APS::AnomalyDetector")
        detector = AnomalyDetector(workspace, alias, self.list_tags_for_resource)
        detector.apply(body)
        workspace.anomaly_detectors[detector.detector_id] = detector
        self.tag_resource(detector.arn, body.get("tags") or {})
        failed = SETTINGS.take_async_failure("CreateAnomalyDetector")
        detector.lifecycle.start("CREATING", "CREATION_FAILED" if failed else "ACTIVE",
                                 "injected CreateAnomalyDetector failure (sandbox fault injection)" if failed else None)
        return detector

    def put_anomaly_detector(self, workspace_id, detector_id, body):
        detector = self._detector(workspace_id, detector_id)
        problem = _anomaly_problem(body)
        if problem:
            raise ValidationException(*problem)
        _require_idle(detector.lifecycle, detector_id, "AWS::APS::AnomalyDetector")
        previous = dict(detector.body)
        detector.apply(body)  # AMP retrains with the new configuration at once
        failed = SETTINGS.take_async_failure("PutAnomalyDetector")

        def settle(outcome):
            if outcome == "UPDATE_FAILED":
                detector.body = previous

        detector.lifecycle.start("UPDATING", "UPDATE_FAILED" if failed else "ACTIVE",
                                 "injected PutAnomalyDetector failure (sandbox fault injection)" if failed else None, settle)
        return detector

    def describe_anomaly_detector(self, workspace_id, detector_id):
        return self._detector(workspace_id, detector_id)

    def delete_anomaly_detector(self, workspace_id, detector_id):
        detector = self._detector(workspace_id, detector_id)
        _require_idle(detector.lifecycle, detector_id, "AWS::APS::AnomalyDetector")
        detector.lifecycle.start("DELETING", GONE)

    def list_anomaly_detectors(self, workspace_id, alias=None):
        workspace = self.describe_workspace(workspace_id)
        return [d for d in workspace.anomaly_detectors.values() if not alias or d.alias == alias]

    # -- scrapers -----------------------------------------------------------------------------

    def _scraper(self, scraper_id):
        self._settle_scrapers()
        scrapers = self.__dict__.setdefault("scrapers", {})
        if scraper_id not in scrapers:
            raise NotFound("Scraper", scraper_id, "AWS::APS::Scraper")
        return scrapers[scraper_id]

    def _settle_scrapers(self):
        scrapers = self.__dict__.setdefault("scrapers", {})
        for scraper_id, scraper in list(scrapers.items()):
            if scraper.lifecycle.gone:
                del scrapers[scraper_id]
            elif scraper.logging and scraper.logging[1].gone:
                scraper.logging = None

    def create_scraper(self, body):
        client_token = body.pop("clientToken", None)
        return self._idempotent_create("SCRAPER", client_token, body, lambda: self._create_scraper(body),
                                       lambda scraper: scraper.scraper_id)

    def _create_scraper(self, body):
        problem = _scrape_configuration_problem((body.get("scrapeConfiguration") or {}).get("configurationBlob"))
        if problem:
            raise ValidationException(problem, "scrapeConfiguration")
        workspace_arn = ((body.get("destination") or {}).get("ampConfiguration") or {}).get("workspaceArn", "")
        workspace_id = workspace_arn.rsplit("/", 1)[-1]
        if workspace_id not in self.workspaces:
            raise ValidationException(f"destination workspace {workspace_arn} not found", "destination")
        scraper = Scraper(self.account_id, self.region_name, body, self.list_tags_for_resource)
        self.__dict__.setdefault("scrapers", {})[scraper.scraper_id] = scraper
        self.tag_resource(scraper.arn, body.get("tags") or {})
        failed = SETTINGS.take_async_failure("CreateScraper")
        scraper.lifecycle.start("CREATING", "CREATION_FAILED" if failed else "ACTIVE",
                                "injected CreateScraper failure (sandbox fault injection)" if failed else None)
        return scraper

    def update_scraper(self, scraper_id, body):
        scraper = self._scraper(scraper_id)
        _require_idle(scraper.lifecycle, scraper_id, "AWS::APS::Scraper")
        if "scrapeConfiguration" in body:
            problem = _scrape_configuration_problem(body["scrapeConfiguration"].get("configurationBlob"))
            if problem:
                raise ValidationException(problem, "scrapeConfiguration")
        previous = dict(scraper.body)
        scraper.body.update({key: body[key] for key in ("alias", "scrapeConfiguration", "destination", "roleConfiguration")
                             if key in body})
        scraper.modified_at = unix_time()
        failed = SETTINGS.take_async_failure("UpdateScraper")

        def settle(outcome):
            if outcome == "UPDATE_FAILED":
                scraper.body = previous

        scraper.lifecycle.start("UPDATING", "UPDATE_FAILED" if failed else "ACTIVE",
                                "injected UpdateScraper failure (sandbox fault injection)" if failed else None, settle)
        return scraper

    def describe_scraper(self, scraper_id):
        return self._scraper(scraper_id)

    def delete_scraper(self, scraper_id):
        scraper = self._scraper(scraper_id)
        _require_idle(scraper.lifecycle, scraper_id, "AWS::APS::Scraper")
        if SETTINGS.take_async_failure("DeleteScraper"):
            scraper.lifecycle.start("DELETING", "DELETION_FAILED", "injected DeleteScraper failure (sandbox fault injection)")
        else:
            scraper.lifecycle.start("DELETING", GONE)

    def list_scrapers(self, filters):
        self._settle_scrapers()
        found = []
        for scraper in self.__dict__.setdefault("scrapers", {}).values():
            summary = scraper.summary()
            values = {"alias": summary.get("alias"), "status": summary["status"]["statusCode"],
                      "sourceArn": ((summary.get("source") or {}).get("eksConfiguration") or {}).get("clusterArn"),
                      "destinationArn": ((summary.get("destination") or {}).get("ampConfiguration") or {}).get("workspaceArn")}
            if all(values.get(key) in wanted for key, wanted in (filters or {}).items()):
                found.append(summary)
        return found

    def update_scraper_logging_configuration(self, scraper_id, body):
        scraper = self._scraper(scraper_id)
        log_group_arn = ((body.get("loggingDestination") or {}).get("cloudWatchLogs") or {}).get("logGroupArn", "")
        if not QUERY_LOG_GROUP_ARN.match(log_group_arn):
            raise ValidationException("logGroupArn must be a CloudWatch Logs log group ARN ending in ':*'",
                                      "loggingDestination.cloudWatchLogs.logGroupArn")
        config = {"loggingDestination": body["loggingDestination"],
                  "scraperComponents": body.get("scraperComponents") or [], "modifiedAt": unix_time()}
        if scraper.logging:
            _require_idle(scraper.logging[1], scraper_id, "AWS::APS::ScraperLoggingConfiguration")
            scraper.logging = (config, scraper.logging[1])
            scraper.logging[1].start("UPDATING", "ACTIVE")
        else:
            scraper.logging = (config, Lifecycle())
            scraper.logging[1].start("CREATING", "ACTIVE")
        return scraper.logging[1].as_dict()

    def describe_scraper_logging_configuration(self, scraper_id):
        scraper = self._scraper(scraper_id)
        if scraper.logging is None:
            raise NotFound("Scraper logging configuration", scraper_id, "AWS::APS::ScraperLoggingConfiguration")
        config, lifecycle = scraper.logging
        return dict(config, scraperId=scraper_id, status=lifecycle.as_dict())

    def delete_scraper_logging_configuration(self, scraper_id):
        scraper = self._scraper(scraper_id)
        if scraper.logging is None:
            raise NotFound("Scraper logging configuration", scraper_id, "AWS::APS::ScraperLoggingConfiguration")
        scraper.logging[1].start("DELETING", GONE)

    # -- workspace configuration --------------------------------------------------------------

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


sandbox_amp_backends = BackendDict(SandboxAmpBackend, "amp")


class SandboxAmpResponse(PrometheusServiceResponse):
    """moto's AMP responses plus kmsKeyArn and alertmanager definitions."""

    @property
    def amp_backend(self):
        return sandbox_amp_backends[self.current_account][self.region]

    def _workspace_id_before(self, suffix):
        # .../workspaces/<id>/<suffix...>
        parts = unquote(self.path).rstrip("/").split("/")
        return parts[parts.index("workspaces") + 1] if suffix else parts[-1]

    def create_workspace(self):
        params = json.loads(self.body or "{}")
        workspace = self.amp_backend.create_workspace(
            alias=params.get("alias"), tags=params.get("tags"), kms_key_arn=params.get("kmsKeyArn"),
            client_token=params.get("clientToken"),
        )
        return json.dumps(workspace.to_dict())

    def create_alert_manager_definition(self):
        params = json.loads(self.body or "{}")
        definition = self.amp_backend.create_alert_manager_definition(
            workspace_id=self._workspace_id_before("alertmanager"), data=params.get("data")
        )
        return 202, {"status": 202}, json.dumps({"status": definition.lifecycle.as_dict()})

    def describe_alert_manager_definition(self):
        definition = self.amp_backend.describe_alert_manager_definition(
            workspace_id=self._workspace_id_before("alertmanager")
        )
        return json.dumps({"alertManagerDefinition": definition.to_dict()})

    def put_alert_manager_definition(self):
        params = json.loads(self.body or "{}")
        definition = self.amp_backend.put_alert_manager_definition(
            workspace_id=self._workspace_id_before("alertmanager"), data=params.get("data")
        )
        return 202, {"status": 202}, json.dumps({"status": definition.lifecycle.as_dict()})

    def delete_alert_manager_definition(self):
        self.amp_backend.delete_alert_manager_definition(workspace_id=self._workspace_id_before("alertmanager"))
        return 202, {"status": 202}, ""

    def describe_workspace_configuration(self):
        configuration = self.amp_backend.describe_workspace_configuration(
            workspace_id=self._workspace_id_before("configuration"))
        return json.dumps({"workspaceConfiguration": configuration})

    def update_workspace_configuration(self):
        params = json.loads(self.body or "{}")
        status = self.amp_backend.update_workspace_configuration(
            workspace_id=self._workspace_id_before("configuration"), retention=params.get("retentionPeriodInDays"),
            limits=params.get("limitsPerLabelSet"))
        return 202, {"status": 202}, json.dumps({"status": status})

    def create_query_logging_configuration(self):
        params = json.loads(self.body or "{}")
        status = self.amp_backend.create_query_logging_configuration(
            workspace_id=self._workspace_id_before("logging"), destinations=params.get("destinations"))
        return 202, {"status": 202}, json.dumps({"status": status})

    def describe_query_logging_configuration(self):
        configuration = self.amp_backend.describe_query_logging_configuration(workspace_id=self._workspace_id_before("logging"))
        return json.dumps({"queryLoggingConfiguration": configuration})

    def update_query_logging_configuration(self):
        params = json.loads(self.body or "{}")
        status = self.amp_backend.update_query_logging_configuration(
            workspace_id=self._workspace_id_before("logging"), destinations=params.get("destinations"))
        return 202, {"status": 202}, json.dumps({"status": status})

    def delete_query_logging_configuration(self):
        self.amp_backend.delete_query_logging_configuration(workspace_id=self._workspace_id_before("logging"))
        return 202, {"status": 202}, ""

    def put_resource_policy(self):
        params = json.loads(self.body or "{}")
        answer = self.amp_backend.put_resource_policy(workspace_id=self._workspace_id_before("policy"),
                                                      document=params.get("policyDocument"), revision_id=params.get("revisionId"))
        return 202, {"status": 202}, json.dumps(answer)

    def describe_resource_policy(self):
        return json.dumps(self.amp_backend.describe_resource_policy(workspace_id=self._workspace_id_before("policy")))

    def delete_resource_policy(self):
        revision_id = self.querystring.get("revisionId", [None])[0]
        self.amp_backend.delete_resource_policy(workspace_id=self._workspace_id_before("policy"), revision_id=revision_id)
        return 202, {"status": 202}, ""

    def _detector_path(self):
        parts = unquote(self.path).rstrip("/").split("/")
        index = parts.index("anomalydetectors")
        return parts[index - 1], (parts[index + 1] if len(parts) > index + 1 else None)

    def create_anomaly_detector(self):
        workspace_id = self._detector_path()[0]
        detector = self.amp_backend.create_anomaly_detector(workspace_id, json.loads(self.body or "{}"))
        return 202, {"status": 202}, json.dumps({"anomalyDetectorId": detector.detector_id, "arn": detector.arn,
                                                 "status": detector.lifecycle.as_dict(), "tags": detector.summary()["tags"]})

    def put_anomaly_detector(self):
        workspace_id, detector_id = self._detector_path()
        detector = self.amp_backend.put_anomaly_detector(workspace_id, detector_id, json.loads(self.body or "{}"))
        return 202, {"status": 202}, json.dumps({"anomalyDetectorId": detector.detector_id, "arn": detector.arn,
                                                 "status": detector.lifecycle.as_dict()})

    def describe_anomaly_detector(self):
        workspace_id, detector_id = self._detector_path()
        return json.dumps({"anomalyDetector": self.amp_backend.describe_anomaly_detector(workspace_id, detector_id).to_dict()})

    def delete_anomaly_detector(self):
        workspace_id, detector_id = self._detector_path()
        self.amp_backend.delete_anomaly_detector(workspace_id, detector_id)
        return 202, {"status": 202}, ""

    def list_anomaly_detectors(self):
        workspace_id = self._detector_path()[0]
        alias = self.querystring.get("alias", [None])[0]
        detectors = self.amp_backend.list_anomaly_detectors(workspace_id, alias)
        return json.dumps({"anomalyDetectors": [detector.summary() for detector in detectors]})

    def _scraper_id(self):
        parts = unquote(self.path).rstrip("/").split("/")
        return parts[parts.index("scrapers") + 1]

    def create_scraper(self):
        scraper = self.amp_backend.create_scraper(json.loads(self.body or "{}"))
        return 202, {"status": 202}, json.dumps({"scraperId": scraper.scraper_id, "arn": scraper.arn,
                                                 "status": scraper.summary()["status"], "tags": scraper.summary()["tags"]})

    def update_scraper(self):
        scraper = self.amp_backend.update_scraper(self._scraper_id(), json.loads(self.body or "{}"))
        return 202, {"status": 202}, json.dumps({"scraperId": scraper.scraper_id, "arn": scraper.arn,
                                                 "status": scraper.summary()["status"]})

    def describe_scraper(self):
        return json.dumps({"scraper": self.amp_backend.describe_scraper(self._scraper_id()).to_dict()})

    def delete_scraper(self):
        scraper_id = self._scraper_id()
        self.amp_backend.delete_scraper(scraper_id)
        return 202, {"status": 202}, json.dumps({"scraperId": scraper_id, "status": {"statusCode": "DELETING"}})

    def list_scrapers(self):
        # ListScrapers' filters map arrives as repeated query parameters: ?alias=a&status=ACTIVE
        filters = {key: list(values) if isinstance(values, list) else [values]
                   for key, values in self.querystring.items() if key in ("alias", "status", "sourceArn", "destinationArn")}
        return json.dumps({"scrapers": self.amp_backend.list_scrapers(filters)})

    def get_default_scraper_configuration(self):
        return json.dumps({"configuration": base64.b64encode(DEFAULT_SCRAPE_CONFIGURATION).decode()})

    def update_scraper_logging_configuration(self):
        status = self.amp_backend.update_scraper_logging_configuration(self._scraper_id(), json.loads(self.body or "{}"))
        return 202, {"status": 202}, json.dumps({"status": status})

    def describe_scraper_logging_configuration(self):
        return json.dumps(self.amp_backend.describe_scraper_logging_configuration(self._scraper_id()))

    def delete_scraper_logging_configuration(self):
        self.amp_backend.delete_scraper_logging_configuration(self._scraper_id())
        return 202, {"status": 202}, ""


def install():
    """Swap moto's AMP backend and routes for the sandbox's; call before the first request."""
    moto.amp.amp_backends = sandbox_amp_backends
    moto.amp.models.amp_backends = sandbox_amp_backends
    moto.amp.responses.amp_backends = sandbox_amp_backends
    paths = {pattern: SandboxAmpResponse.dispatch for pattern in moto.amp.urls.url_paths}
    paths["{0}/workspaces/(?P<workspace_id>[^/]+)/alertmanager/definition$"] = SandboxAmpResponse.dispatch
    paths["{0}/workspaces/(?P<workspace_id>[^/]+)/configuration$"] = SandboxAmpResponse.dispatch
    paths["{0}/workspaces/(?P<workspace_id>[^/]+)/logging/query$"] = SandboxAmpResponse.dispatch
    paths["{0}/workspaces/(?P<workspace_id>[^/]+)/policy$"] = SandboxAmpResponse.dispatch
    paths["{0}/workspaces/(?P<workspace_id>[^/]+)/anomalydetectors$"] = SandboxAmpResponse.dispatch
    paths["{0}/scrapers$"] = SandboxAmpResponse.dispatch
    paths["{0}/scrapers/(?P<scraper_id>[^/]+)$"] = SandboxAmpResponse.dispatch
    paths["{0}/scrapers/(?P<scraper_id>[^/]+)/logging-configuration$"] = SandboxAmpResponse.dispatch
    paths["{0}/scraperconfiguration$"] = SandboxAmpResponse.dispatch
    paths["{0}/workspaces/(?P<workspace_id>[^/]+)/anomalydetectors/(?P<detector_id>[^/]+)$"] = SandboxAmpResponse.dispatch
    moto.amp.urls.url_paths = paths
