"""AMP's anomaly detectors in the sandbox, the control plane: the API reference's validation, a
ConflictException for an alias in use, CREATING / UPDATING / DELETING and injectable failures. What
an ACTIVE detector writes, and the preview, are anomaly.py's."""

import uuid

import promql_parser
from moto.core.utils import unix_time

from .amp_lifecycle import GONE, ConflictException, Lifecycle, NotFound, ValidationException, _require_idle
from .settings import SETTINGS


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


class AnomalyDetectorsApi:
    """The anomaly detector calls of the AMP backend."""

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
