"""Make moto's AMP behave like AMP where the collection depends on it.

moto 5.2.5 creates everything ACTIVE at once, accepts any bytes as rule data, overwrites on a second
Create and has no alertmanager definitions. This module replaces moto's AMP backend and response
class (``install()``) with subclasses that add, one API area per module (amp_workspaces.py,
amp_documents.py, amp_anomaly_detectors.py, amp_scrapers.py; what they share in amp_lifecycle.py):

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
import threading
from urllib.parse import unquote

import moto.amp
import moto.amp.models
import moto.amp.responses
import moto.amp.urls
from moto.amp.models import PrometheusServiceBackend
from moto.amp.responses import PrometheusServiceResponse
from moto.core.base_backend import BackendDict

from .amp_anomaly_detectors import AnomalyDetectorsApi
from .amp_documents import DocumentsApi
from .amp_lifecycle import ConflictException
from .amp_scrapers import DEFAULT_SCRAPE_CONFIGURATION
from .amp_scrapers import ScrapersApi
from .amp_workspaces import WorkspacesApi


_CREATE_LOCK = threading.Lock()


class SandboxAmpBackend(WorkspacesApi, DocumentsApi, AnomalyDetectorsApi, ScrapersApi, PrometheusServiceBackend):
    """moto's AMP backend with AMP's timing, validation and conflicts, one API area per base class."""

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
