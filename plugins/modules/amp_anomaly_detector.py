#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: amp_anomaly_detector
version_added: 0.2.0
short_description: Manage the anomaly detectors (Random Cut Forest) of an AMP workspace
description:
  - Creates, updates and deletes an Amazon Managed Service for Prometheus anomaly detector - a Random
    Cut Forest model that AMP trains on a PromQL query and evaluates at an interval.
  - B(Every PutAnomalyDetector call retrains the detector from scratch) (it queries the samples it
    needs and backfills history), whatever changed. The module therefore compares the detector's whole
    configuration with what is asked and calls PutAnomalyDetector only when they differ; a run that
    asks for the detector as it is makes no write call. Tags are changed without a retrain. The diff
    shows the configuration a retrain would apply, and C(retrained) says whether one was started.
  - Options left out keep the detector's current value (for a new detector, AMP's default).
  - The detector is identified by O(alias) within the workspace. When the alias matches several
    detectors, the module fails and names their ids.
  - Validated before any call, naming the field - the query must parse as PromQL and be wrapped in one
    of the aggregations AMP supports (C(avg), C(count), C(group), C(max), C(min), C(quantile),
    C(stddev), C(stdvar), C(sum)); ranges of the interval, shingle and sample sizes; one of C(amount)
    and C(ratio) in each ignore-near-expected band; labels named as Prometheus labels.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  alias:
    description:
      - The detector's alias (1-64 characters, letters, digits, C(.), C(_), C(-), starting with a letter or digit).
    type: str
    required: true
  query:
    description:
      - The PromQL query whose result the detector models, wrapped in a supported aggregation, for
        example C(sum(rate(http_requests_total{job="api"}[5m]))).
      - Required to create a detector.
    type: str
  evaluation_interval:
    description:
      - Seconds between evaluations, 30 to 86400 (AMP's default is 60).
    type: int
  shingle_size:
    description:
      - Consecutive data points per shingle, 2 to 1024 (AMP's default is 8).
    type: int
  sample_size:
    description:
      - Data points sampled from the stream, 256 to 1024 (AMP's default is 256).
    type: int
  ignore_near_expected_from_above:
    description:
      - Values above the expected value by less than this are not anomalies - exactly one of C(amount)
        (absolute) or C(ratio) (relative).
    type: dict
    suboptions:
      amount:
        description: The absolute difference to ignore.
        type: float
      ratio:
        description: The difference to ignore, relative to the expected value.
        type: float
  ignore_near_expected_from_below:
    description:
      - Values below the expected value by less than this are not anomalies - exactly one of C(amount) or C(ratio).
    type: dict
    suboptions:
      amount:
        description: The absolute difference to ignore.
        type: float
      ratio:
        description: The difference to ignore, relative to the expected value.
        type: float
  missing_data_action:
    description:
      - What an evaluation without data does - C(skip) it, or C(mark_as_anomaly).
    type: str
    choices: [skip, mark_as_anomaly]
  labels:
    description:
      - Labels AMP attaches to the detector's series (for example C(team), C(service)), so that alert
        rules and routes can select them. The mapping is the whole set.
    type: dict
  state:
    description:
      - Whether the detector should exist.
    type: str
    choices: [present, absent]
    default: present
requirements:
  - promql-parser >= 0.5.0 (the detector's query is parsed before any call)
notes:
  - Supports check mode (no write API is called) and diff mode (the configuration before and after).
  - A detector in C(CREATION_FAILED) or C(UPDATE_FAILED) is put again (a retrain) even when its
    configuration looks as asked, so the failure is not hidden; C(DELETION_FAILED) is reported with
    AMP's reason and O(state=absent) tries the deletion again.
extends_documentation_fragment:
  - amp.alerting.workspace
  - amp.alerting.wait
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Model the API's request rate; ignore deviations under 20 %
  amp.alerting.amp_anomaly_detector:
    workspace_alias: prod-eu
    alias: api-request-rate
    query: sum(rate(http_requests_total{job="api"}[5m]))
    evaluation_interval: 60
    ignore_near_expected_from_above: {ratio: 0.2}
    ignore_near_expected_from_below: {ratio: 0.2}
    missing_data_action: skip
    labels: {team: payments}
  register: detector

- name: Delete it
  amp.alerting.amp_anomaly_detector:
    workspace_alias: prod-eu
    alias: api-request-rate
    state: absent
"""

RETURN = r"""
anomaly_detector:
  description: The detector as it is after the task (as predicted in check mode). Empty when absent.
  returned: always
  type: dict
  contains:
    anomaly_detector_id:
      description: The detector's id (empty in check mode for a detector not yet created).
      type: str
      sample: ad-0123abcd-0123-4567-89ab-0123456789ab
    arn:
      description: The detector's ARN.
      type: str
    alias:
      description: The detector's alias.
      type: str
    workspace_id:
      description: The workspace id.
      type: str
    status:
      description: The status code (C(CREATING), C(ACTIVE), C(UPDATING), C(DELETING), or a C(*_FAILED) one).
      type: str
    status_reason:
      description: AMP's reason, when it gives one.
      type: str
    query:
      description: The query modelled.
      type: str
    evaluation_interval:
      description: Seconds between evaluations.
      type: int
    shingle_size:
      description: The shingle size, when set.
      type: int
    sample_size:
      description: The sample size, when set.
      type: int
    ignore_near_expected_from_above:
      description: The band above the expected value that is ignored, when set.
      type: dict
    ignore_near_expected_from_below:
      description: The band below the expected value that is ignored, when set.
      type: dict
    missing_data_action:
      description: C(skip) or C(mark_as_anomaly), when set.
      type: str
    labels:
      description: The detector's labels.
      type: dict
    tags:
      description: The detector's tags.
      type: dict
retrained:
  description: Whether the task called PutAnomalyDetector (or would have, in check mode) - a full retraining.
  returned: always
  type: bool
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.amp.alerting.plugins.module_utils.amp import BUSY_STATUSES
from ansible_collections.amp.alerting.plugins.module_utils.amp import FAILED_STATUSES
from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_MUTUALLY_EXCLUSIVE
from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_REQUIRED_ONE_OF
from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp import Outcome
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_call
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_client
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_delete
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_describe
from ansible_collections.amp.alerting.plugins.module_utils.amp import exit_with
from ansible_collections.amp.alerting.plugins.module_utils.amp import fail_on_problems
from ansible_collections.amp.alerting.plugins.module_utils.amp import paginated
from ansible_collections.amp.alerting.plugins.module_utils.amp import require_workspace
from ansible_collections.amp.alerting.plugins.module_utils.amp import retry_on_conflict
from ansible_collections.amp.alerting.plugins.module_utils.amp import status_of
from ansible_collections.amp.alerting.plugins.module_utils.amp import sync_tags
from ansible_collections.amp.alerting.plugins.module_utils.amp import wait_for
from ansible_collections.amp.alerting.plugins.module_utils.amp import wait_options
from ansible_collections.amp.alerting.plugins.module_utils.amp import wait_problems
from ansible_collections.amp.alerting.plugins.module_utils.amp import workspace_options
from ansible_collections.amp.alerting.plugins.module_utils.amp_anomaly import BANDS
from ansible_collections.amp.alerting.plugins.module_utils.amp_anomaly import MISSING_DATA
from ansible_collections.amp.alerting.plugins.module_utils.amp_anomaly import detector_view
from ansible_collections.amp.alerting.plugins.module_utils.amp_anomaly_alerts import detector_problems
from ansible_collections.amp.alerting.plugins.module_utils.amp_anomaly_alerts import forest_options
from ansible_collections.amp.alerting.plugins.module_utils.amp_rules import HAS_PROMQL_PARSER


def problems(params):
    """What AMP would refuse, each naming the option, before any call."""
    return detector_problems(params) + wait_problems(params)


def body_of(detector):
    """The part of a described detector that PutAnomalyDetector sets (and retrains on)."""
    if not detector:
        return {}
    body = {key: detector[key] for key in ("evaluationIntervalInSeconds", "missingDataAction", "configuration") if key in detector}
    body["labels"] = dict(detector.get("labels") or {})
    return body


def wanted_body(params, current):
    """The Put body asked for: options left out keep the current value (AMP's default for a new detector)."""
    body = body_of(current)
    forest = dict((body.get("configuration") or {}).get("randomCutForest") or {})
    if params["query"] is not None:
        forest["query"] = params["query"]
    if params["shingle_size"] is not None:
        forest["shingleSize"] = params["shingle_size"]
    if params["sample_size"] is not None:
        forest["sampleSize"] = params["sample_size"]
    for option, key in BANDS.items():
        if params[option] is not None:
            forest[key] = {name: float(value) for name, value in params[option].items() if value is not None}
    body["configuration"] = {"randomCutForest": forest}
    if params["evaluation_interval"] is not None:
        body["evaluationIntervalInSeconds"] = params["evaluation_interval"]
    if params["missing_data_action"] is not None:
        body["missingDataAction"] = {MISSING_DATA[params["missing_data_action"]]: True}
    if params["labels"] is not None:
        body["labels"] = dict(params["labels"])
    return body


def comparable(body):
    """A body with numbers as AMP returns them (doubles) and without the labels AMP leaves out when empty."""
    forest = dict((body.get("configuration") or {}).get("randomCutForest") or {})
    for key in BANDS.values():
        if key in forest:
            forest[key] = {name: float(value) for name, value in forest[key].items()}
    return {"configuration": forest, "evaluationIntervalInSeconds": body.get("evaluationIntervalInSeconds"),
            "missingDataAction": body.get("missingDataAction"), "labels": body.get("labels") or {}}


def diff_view(detector):
    shown = detector_view(detector, None)
    for key in ("anomaly_detector_id", "arn", "workspace_id", "status", "status_reason"):
        shown.pop(key, None)
    return shown


class AnomalyDetectors:
    def __init__(self, module, client, workspace_id):
        self.module = module
        self.client = client
        self.workspace_id = workspace_id
        self.params = module.params
        self.what = f"anomaly detector {self.params['alias']} of workspace {workspace_id}"
        self.changed = False
        self.retrained = False

    def find(self):
        alias = self.params["alias"]
        found = paginated(self.client.list_anomaly_detectors, f"list the anomaly detectors of workspace {self.workspace_id}",
                          "anomalyDetectors", workspaceId=self.workspace_id, alias=alias)
        found = [d for d in found if d.get("alias") == alias]
        if len(found) > 1:
            ids = ", ".join(sorted(d["anomalyDetectorId"] for d in found))
            raise AmpError(f"alias: {alias!r} matches {len(found)} anomaly detectors of workspace {self.workspace_id} "
                           f"({ids}); delete the extra ones")
        return self.describe(found[0]["anomalyDetectorId"]) if found else None

    def describe(self, detector_id):
        result = amp_describe(self.client.describe_anomaly_detector, f"describe {self.what}", workspaceId=self.workspace_id,
                              anomalyDetectorId=detector_id)
        return result["anomalyDetector"] if result else None

    def settle(self, detector_id, until="active"):
        return wait_for(lambda: self.describe(detector_id), self.what, self.params["wait_timeout"], until=until)

    def outcome(self, before, after):
        return Outcome(self.changed, detector_view(before, self.workspace_id), detector_view(after, self.workspace_id),
                       {"before": diff_view(before), "after": diff_view(after)})

    def ensure_present(self):
        current = self.find()
        if current and status_of(current)[0] in BUSY_STATUSES and self.params["wait"]:
            current = self.settle(current["anomalyDetectorId"], until="settled")
        code, reason = status_of(current)
        if code == "DELETING":
            raise AmpError(f"{self.what} is being deleted; run again once it is gone")
        if code == "DELETION_FAILED":
            raise AmpError(f"{self.what} is DELETION_FAILED: {reason or 'AMP gave no statusReason'}; delete it again "
                           "(state=absent) before asking for it")
        if current is None and self.params["query"] is None:
            raise AmpError(f"query: required to create {self.what}")
        wanted = wanted_body(self.params, current)
        needs_put = current is None or code in FAILED_STATUSES or comparable(wanted) != comparable(body_of(current))
        predicted = dict(current or {"alias": self.params["alias"], "tags": {}}, **wanted)
        if needs_put:
            self.changed = self.retrained = True
            predicted["status"] = {"statusCode": "UPDATING" if current else "CREATING"}
        tags_changed = current is not None and self.sync_tags(current, predicted)
        if self.module.check_mode or not (needs_put or tags_changed):
            return self.outcome(current, predicted)
        detector_id = current["anomalyDetectorId"] if current else self.create(wanted)
        if current and needs_put:
            retry_on_conflict(lambda: amp_call(self.client.put_anomaly_detector, f"put (retrain) {self.what}",
                                               workspaceId=self.workspace_id, anomalyDetectorId=detector_id, **wanted),
                              lambda: self.describe(detector_id), self.what)
        after = self.settle(detector_id) if self.params["wait"] else self.describe(detector_id)
        return self.outcome(current, after)

    def create(self, wanted):
        body = dict(wanted)
        if self.params["tags"]:
            body["tags"] = self.params["tags"]
        if not body.get("labels"):
            body.pop("labels", None)
        created = amp_call(self.client.create_anomaly_detector, f"create {self.what}", workspaceId=self.workspace_id,
                           alias=self.params["alias"], **body)
        return created["anomalyDetectorId"]

    def sync_tags(self, current, predicted):
        tags = sync_tags(self.client, current["arn"], current.get("tags"), self.params["tags"], self.params["purge_tags"],
                         self.what, self.module.check_mode)
        if tags is None:
            return False
        self.changed = True
        predicted["tags"] = tags
        return True

    def ensure_absent(self):
        current = self.find()
        if current is None:
            return self.outcome(None, None)
        self.changed = True
        if not self.module.check_mode:
            detector_id = current["anomalyDetectorId"]
            if status_of(current)[0] != "DELETING":
                retry_on_conflict(lambda: amp_delete(self.client.delete_anomaly_detector, f"delete {self.what}",
                                                     workspaceId=self.workspace_id, anomalyDetectorId=detector_id),
                                  lambda: self.describe(detector_id), self.what)
            if self.params["wait"]:
                self.settle(detector_id, until="gone")
        return self.outcome(current, None)


def main():
    argument_spec = dict(
        alias=dict(type="str", required=True),
        query=dict(type="str"),
        evaluation_interval=dict(type="int"),
        missing_data_action=dict(type="str", choices=list(MISSING_DATA)),
        labels=dict(type="dict"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        **forest_options(),
        **wait_options(),
        **workspace_options(),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=WORKSPACE_MUTUALLY_EXCLUSIVE,
        required_one_of=WORKSPACE_REQUIRED_ONE_OF,
        supports_check_mode=True,
    )
    if not HAS_PROMQL_PARSER:
        module.fail_json(msg="the promql-parser Python package is required on the host running the module "
                             "(pip install promql-parser)")
    fail_on_problems(module, problems(module.params))
    try:
        client = amp_client(module)
        workspace = require_workspace(client, module.params["workspace_id"], module.params["workspace_alias"])
        detectors = AnomalyDetectors(module, client, workspace["workspaceId"])
        outcome = detectors.ensure_present() if module.params["state"] == "present" else detectors.ensure_absent()
    except AmpError as e:
        module.fail_json_aws_error(e)

    exit_with(module, outcome, retrained=detectors.retrained, anomaly_detector=outcome.after)


if __name__ == "__main__":
    main()
