"""WSGI layer in front of moto: request log, fault injection and the sandbox's control API.

Control API (JSON, under ``/_sandbox/``):
  GET    /_sandbox/health          -> {"ok": true, "pid": ...}
  GET    /_sandbox/requests        -> [{"service", "operation", "status", "time", "principal"}, ...]
                                    (principal: the IAM user or role that signed it, null for the administrator)
  DELETE /_sandbox/requests        -> clear the request log
  POST   /_sandbox/faults          {"operation": "CreateWorkspace", "service": "amp" (optional),
                                    "kind": "throttle" | "server_error" | "creation_failed" | "update_failed"
                                            | "deletion_failed",
                                    "count": 2}
  GET    /_sandbox/faults          -> pending faults
  DELETE /_sandbox/faults          -> clear them
  GET|POST /_sandbox/settings      {"amp_delay": 0.2, "data_plane": true, "sns_duplicate_deliveries": true,
                                    "sqs_deleted_name_seconds": 60, "anomaly_interval_scale": 0.1}
  POST   /_sandbox/reset           -> moto's state, faults, request log and settings back to start
  GET    /_sandbox/lambda          -> the Lambda invocations SNS caused (attempt, outcome, error, output)
  GET    /_sandbox/refusals        -> the requests refused as AWS would refuse them (authorization.py, caller.py)
  POST   /_sandbox/principal       {"name", "documents": [policy documents], "path"} -> an IAM user holding
                                    them and its access key, made behind the API (principals.py)
  GET|DELETE /_sandbox/pagerduty   -> the events the PagerDuty stand-in received (pagerduty.py); forget them

Workspace data plane (a workspace's prometheusEndpoint points here; SigV4 headers are accepted):
  *      /workspaces/<id>/alertmanager/api/<path>  -> that workspace's real Alertmanager (see dataplane.py)
  *      /workspaces/<id>/api/v1/remote_write      -> that workspace's real Prometheus (remote-write receiver)
  *      /workspaces/<id>/api/v1/<path>            -> the same Prometheus' API (query, rules, alerts, …)
"""

import io
import json
import logging
import os
import re
import threading
import time
from urllib.parse import parse_qs

import botocore.session
from moto.core.routing import get_service_router
from moto.core.request import Request

from . import anomaly, authorization, caller, pagerduty, principals, sqs_names, tags
from .dataplane import DATA_PLANE, DataPlaneUnavailable, find_workspace
from .lambda_runner import INVOCATIONS
from .limits import known_region
from .settings import SETTINGS

LOG = logging.getLogger("sandbox")

# Services the collection talks to, by the name that appears in the SigV4 credential scope.
SERVICES = ("amp", "iam", "sns", "sqs", "lambda", "ssm", "logs", "kms", "sts", "cloudwatch", "events", "cloudformation",
            "dynamodb", "secretsmanager")
FAULT_KINDS = ("throttle", "server_error", "creation_failed", "update_failed", "deletion_failed")
# Faults that change an asynchronous outcome rather than the HTTP answer.
ASYNC_FAULT_OPERATIONS = {
    "creation_failed": ("CreateWorkspace", "CreateRuleGroupsNamespace", "CreateAlertManagerDefinition",
                        "CreateQueryLoggingConfiguration", "CreateAnomalyDetector", "CreateScraper"),
    "update_failed": ("PutRuleGroupsNamespace", "PutAlertManagerDefinition", "UpdateWorkspaceConfiguration",
                      "UpdateQueryLoggingConfiguration", "PutAnomalyDetector", "UpdateScraper"),
    "deletion_failed": ("DeleteScraper",),
}


def _load_models():
    session = botocore.session.get_session()
    models = {}
    for name in SERVICES:
        model = session.get_service_model(name)
        models[model.signing_name] = model
        models.setdefault(name, model)
    return models


class SandboxGateway:
    def __init__(self, app, reset_moto):
        self.app = app
        self.reset_moto = reset_moto
        self.models = _load_models()
        self.lock = threading.Lock()
        self.requests = []
        self.faults = []  # dicts: operation, service, kind, count

    # -- request identification ----------------------------------------------------------------

    def _identify(self, environ, body):
        """(botocore service name, operation name) of an AWS request; (None, None) if unknown."""
        model = self.models.get(authorization.credential_scope(environ)[2])
        if model is None:
            return None, None
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            return model.service_name, target.split(".")[-1]
        if model.protocol in ("query", "ec2"):
            params = parse_qs(environ.get("QUERY_STRING", ""))
            if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
                params.update(parse_qs(body.decode("utf-8", "replace")))
            action = params.get("Action", [None])[0]
            return model.service_name, action
        try:
            request = Request(dict(environ, **{"wsgi.input": io.BytesIO(body)}))
            operation = get_service_router(model.service_name).match(request)[0]
            return model.service_name, operation.name
        except Exception:  # moto raises werkzeug NotFound for unknown routes
            return model.service_name, None

    # -- faults ----------------------------------------------------------------------------------

    def _take_fault(self, service, operation):
        with self.lock:
            for fault in self.faults:
                if fault["operation"] == operation and fault.get("service") in (None, service):
                    fault["count"] -= 1
                    if fault["count"] <= 0:
                        self.faults.remove(fault)
                    return fault["kind"]
        return None

    def _fault_response(self, service, kind, region=None):
        model = self.models[service]
        if kind == "unknown_region":
            # AWS has no endpoint there: the SDK fails to connect. An error answer is the nearest a
            # single local endpoint can give.
            code, status, message = "UnknownEndpoint", 400, (f"sandbox: AWS has no {service} endpoint in region "
                                                             f"'{region}' (could not connect to the endpoint URL)")
        elif kind == "throttle":
            code, status, message = "ThrottlingException", 400, "Rate exceeded (sandbox fault injection)"
            if "ThrottlingException" in model.shape_names:
                status = model.shape_for("ThrottlingException").metadata.get("error", {}).get("httpStatusCode", 400)
            elif model.protocol == "query":
                code = "Throttling"
        else:
            code, status, message = "InternalFailure", 500, "Internal error (sandbox fault injection)"
            if "InternalServerException" in model.shape_names:
                code = "InternalServerException"
        if model.protocol == "query":
            body = (
                f"<ErrorResponse><Error><Type>{'Sender' if status < 500 else 'Receiver'}</Type>"
                f"<Code>{code}</Code><Message>{message}</Message></Error>"
                "<RequestId>sandbox-fault</RequestId></ErrorResponse>"
            )
            headers = [("Content-Type", "text/xml")]
        else:
            body = json.dumps({"__type": code, "message": message})
            headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)]
        return status, headers, body.encode()

    def add_fault(self, spec):
        operation = spec.get("operation")
        kind = spec.get("kind", "throttle")
        count = int(spec.get("count", 1))
        if not operation or kind not in FAULT_KINDS or count < 1:
            raise ValueError(f"a fault needs an operation, a kind in {FAULT_KINDS} and a count >= 1: {spec}")
        if kind in ASYNC_FAULT_OPERATIONS:
            if operation not in ASYNC_FAULT_OPERATIONS[kind]:
                raise ValueError(f"kind {kind} applies to {ASYNC_FAULT_OPERATIONS[kind]} only")
            with SETTINGS.lock:
                SETTINGS.async_failures[operation] = SETTINGS.async_failures.get(operation, 0) + count
            return
        with self.lock:
            self.faults.append({"operation": operation, "service": spec.get("service"), "kind": kind, "count": count})

    # -- control API -----------------------------------------------------------------------------

    def call_control(self, method, path, body=b""):
        if path.startswith("/_sandbox/pagerduty/") and method == "POST":
            return pagerduty.receive(path, body, find_workspace)
        if path == "/_sandbox/pagerduty":
            if method == "DELETE":
                pagerduty.clear()
            return 200, pagerduty.events()
        payload = json.loads(body or b"{}") if method in ("POST", "PUT") else {}
        if path == "/_sandbox/health":
            return 200, {"ok": True, "pid": os.getpid()}
        if path == "/_sandbox/requests":
            with self.lock:
                if method == "DELETE":
                    self.requests.clear()
                return 200, list(self.requests)
        if path == "/_sandbox/faults":
            if method == "POST":
                try:
                    self.add_fault(payload)
                except ValueError as exc:
                    return 400, {"error": str(exc)}
            elif method == "DELETE":
                with self.lock:
                    self.faults.clear()
                SETTINGS.reset()
            with self.lock:
                return 200, {"faults": list(self.faults), "async_failures": dict(SETTINGS.async_failures)}
        if path == "/_sandbox/settings":
            if method == "POST" and "amp_delay" in payload:
                SETTINGS.amp_delay = float(payload["amp_delay"])
            if method == "POST" and "data_plane" in payload:
                SETTINGS.data_plane = bool(payload["data_plane"])
            if method == "POST" and "sns_duplicate_deliveries" in payload:
                SETTINGS.sns_duplicate_deliveries = bool(payload["sns_duplicate_deliveries"])
            if method == "POST" and "sqs_deleted_name_seconds" in payload:
                SETTINGS.sqs_deleted_name_seconds = float(payload["sqs_deleted_name_seconds"])
            if method == "POST" and "anomaly_interval_scale" in payload:
                SETTINGS.anomaly_interval_scale = float(payload["anomaly_interval_scale"])
            return 200, SETTINGS.as_dict()
        if path == "/_sandbox/lambda":
            return 200, INVOCATIONS.list()
        if path == "/_sandbox/refusals":
            return 200, authorization.refusals()
        if path == "/_sandbox/principal" and method == "POST":
            try:
                return 200, principals.ensure(payload)
            except (KeyError, ValueError) as exc:
                return 400, {"error": str(exc)}
        if path == "/_sandbox/reset" and method == "POST":
            INVOCATIONS.clear()
            authorization.clear()
            pagerduty.clear()
            DATA_PLANE.stop_all()
            self.reset_moto()
            with self.lock:
                self.faults.clear()
                self.requests.clear()
            SETTINGS.reset()
            sqs_names.reset()
            return 200, {"reset": True}
        return 404, {"error": f"no sandbox control endpoint {method} {path}"}

    # -- workspace data plane --------------------------------------------------------------------

    def call_workspace(self, environ, match, body):
        workspace_id, rest = match.group(1), match.group(2)
        workspace = find_workspace(workspace_id)
        if workspace is None:
            return 404, "application/json", json.dumps({"message": f"workspace {workspace_id} not found"}).encode()
        refused = authorization.refuse_data_plane_call(environ, workspace, rest)
        if refused:
            return refused
        query = environ.get("QUERY_STRING")
        try:
            if rest == "anomalydetectors/preview":
                form = dict(parse_qs(query or ""))
                if environ["REQUEST_METHOD"] == "POST":
                    form.update(parse_qs(body.decode("utf-8", "replace")))
                return anomaly.preview(DATA_PLANE.prometheus_for(workspace).url, {key: values[-1] for key, values in form.items()})
            if rest.startswith("alertmanager/"):
                server = DATA_PLANE.alertmanager_for(workspace)
                if server is None:
                    return 404, "application/json", json.dumps(
                        {"message": f"workspace {workspace_id} has no active alertmanager definition"}).encode()
                target = "/" + rest[len("alertmanager/"):]
            else:
                server = DATA_PLANE.prometheus_for(workspace)
                # AMP's remote_write path is Prometheus' remote-write receiver
                target = "/api/v1/write" if rest == "api/v1/remote_write" else "/" + rest
        except DataPlaneUnavailable as exc:
            return 503, "application/json", json.dumps({"message": str(exc)}).encode()
        headers = {name: environ[key] for name, key in _FORWARDED_HEADERS.items() if environ.get(key)}
        return DATA_PLANE.proxy(server, environ["REQUEST_METHOD"], target + (f"?{query}" if query else ""), body, headers)

    # -- WSGI ------------------------------------------------------------------------------------

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        path = environ.get("PATH_INFO", "")

        if path.startswith("/_sandbox/"):
            status, result = self.call_control(environ["REQUEST_METHOD"], path, body)
            start_response(f"{status} X", [("Content-Type", "application/json")])
            return [json.dumps(result, default=str).encode()]

        workspace_call = _WORKSPACE_PATH.match(path)
        if workspace_call:
            status, content_type, payload = self.call_workspace(environ, workspace_call, body)
            self._record("aps-workspaces", f"{environ['REQUEST_METHOD']} {workspace_call.group(2)}", status)
            start_response(f"{status} X", [("Content-Type", content_type), ("Content-Length", str(len(payload)))])
            return [payload]

        service, operation = self._identify(environ, body)
        region = authorization.credential_scope(environ)[1]
        if service and region and not known_region(service, region):
            status, headers, payload = self._fault_response(service, "unknown_region", region)
            self._record(service, operation, status, fault="unknown_region")
            start_response(f"{status} Unknown Region", headers + [("Content-Length", str(len(payload)))])
            return [payload]
        kind = self._take_fault(service, operation) if operation else None
        if kind:
            status, headers, payload = self._fault_response(service, kind)
            self._record(service, operation, status, fault=kind)
            start_response(f"{status} Fault", headers + [("Content-Length", str(len(payload)))])
            return [payload]

        if (service, operation) == ("sns", "Publish"):
            refused = authorization.refuse_aps_publish(environ, body, find_workspace)
            if refused:
                status, headers, payload = refused
                self._record(service, operation, status, fault="refused")
                start_response(f"{status} Refused", headers)
                return [payload]

        principal = caller.caller(environ) if service else None
        refused = authorization.refuse_role_call(environ, body, service, operation, region) if service else None
        if service and not refused:
            refused = caller.refuse_caller_call(environ, body, self.models[service], service, operation, region)
        params = caller.request_parameters(self.models[service], environ, body) if service and operation else {}
        if service and operation and not refused:
            refused = tags.refuse_bad_tags(self.models[service], service, params)
        if (service, operation) == ("sqs", "CreateQueue") and not refused:
            refused = sqs_names.refuse_recent_name(environ, region, params)
        if refused:
            status, headers, payload = refused
            self._record(service, operation, status, fault="refused", principal=principal)
            start_response(f"{status} Refused", headers)
            return [payload]

        seen = {}

        def recording_start_response(status_line, headers, exc_info=None):
            seen["status"] = int(status_line.split()[0])
            return start_response(status_line, headers, exc_info)

        caller.CURRENT.principal = principal
        try:
            result = self.app(environ, recording_start_response)
        finally:
            caller.CURRENT.principal = None
        if service:
            self._record(service, operation, seen.get("status", 0), principal=principal)
        if (service, operation) == ("sqs", "DeleteQueue") and seen.get("status") == 200:
            sqs_names.remember_deleted(environ, region, params)
        return result

    def _record(self, service, operation, status, fault=None, principal=None):
        entry = {"time": time.time(), "service": service, "operation": operation, "status": status,
                 "principal": principal[0] if principal else None}
        if fault:
            entry["fault"] = fault
        with self.lock:
            self.requests.append(entry)
        LOG.info("%s.%s -> %s%s", service, operation, status, f" (injected {fault})" if fault else "")


# The data plane only: the control plane (…/alertmanager/definition, …/logging, …) is moto's.
_WORKSPACE_PATH = re.compile(r"^/workspaces/(ws-[0-9a-f-]+)/(alertmanager/api/.*|api/v1/.*|anomalydetectors/preview)$")

# What a remote-write or API client sends that the real server needs to see (SigV4 headers are not).
_FORWARDED_HEADERS = {
    "Content-Type": "CONTENT_TYPE",
    "Content-Encoding": "HTTP_CONTENT_ENCODING",
    "X-Prometheus-Remote-Write-Version": "HTTP_X_PROMETHEUS_REMOTE_WRITE_VERSION",
    "Accept": "HTTP_ACCEPT",
}
