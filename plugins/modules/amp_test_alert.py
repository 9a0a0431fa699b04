#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: amp_test_alert
version_added: 0.1.0
short_description: Send a synthetic alert to an AMP workspace's alertmanager
description:
  - Posts one alert to the workspace's alertmanager API (C(<prometheusEndpoint>alertmanager/api/v2/alerts)),
    signed with SigV4 (service C(aps)), so the whole path (alertmanager routing, SNS, the forwarder,
    Slack) can be checked in seconds, without waiting for a rule to fire.
  - The alert goes through the workspace's routes like any other, so pick labels that reach the
    receiver you want to test (by default C(severity=info)).
  - Needs C(aps:CreateAlertManagerAlerts) on the workspace.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  alertname:
    description: The C(alertname) label.
    type: str
    default: AmpAlertingTestAlert
  severity:
    description: The C(severity) label.
    type: str
    default: info
  labels:
    description: More labels (they win over I(alertname) and I(severity) when they repeat them).
    type: dict
    default: {}
  annotations:
    description:
      - Annotations; a C(summary) saying it is a test is added unless given.
    type: dict
    default: {}
  state:
    description:
      - C(firing) sends the alert with an end time I(duration_minutes) from now; C(resolved) ends it
        now, so the resolved notification follows.
    type: str
    choices: [firing, resolved]
    default: firing
  duration_minutes:
    description: How long a firing test alert lasts before Alertmanager resolves it by itself.
    type: int
    default: 5
notes:
  - In check mode nothing is sent; the result says what would be.
  - Always reports C(changed) when it sends, as an alert was delivered.
extends_documentation_fragment:
  - amp.alerting.workspace
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Check that alerts from prod-eu reach Slack
  amp.alerting.amp_test_alert:
    workspace_alias: prod-eu
    labels:
      team: sre

- name: And resolve it
  amp.alerting.amp_test_alert:
    workspace_alias: prod-eu
    labels:
      team: sre
    state: resolved
"""

RETURN = r"""
alertmanager_url:
  description: Where the alert was posted.
  returned: always
  type: str
  sample: https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-0123/alertmanager/api/v2/alerts
workspace_id:
  description: The workspace.
  returned: always
  type: str
  sample: ws-0123abcd-0123-4567-89ab-0123456789ab
alert:
  description: The alert as posted (labels, annotations, startsAt, endsAt).
  returned: always
  type: dict
  sample: {"labels": {"alertname": "AmpAlertingTestAlert", "severity": "info"}, "annotations": {"summary": "…"}}
"""

import datetime

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_MUTUALLY_EXCLUSIVE
from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_REQUIRED_ONE_OF
from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp import alertmanager_api
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_client
from ansible_collections.amp.alerting.plugins.module_utils.amp import fail_on_problems
from ansible_collections.amp.alerting.plugins.module_utils.amp import require_workspace
from ansible_collections.amp.alerting.plugins.module_utils.amp import workspace_options
from ansible_collections.amp.alerting.plugins.module_utils.amp import workspace_view


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def build_alert(params, now):
    labels = {"alertname": params["alertname"], "severity": params["severity"]}
    labels.update({str(key): str(value) for key, value in params["labels"].items()})
    annotations = {str(key): str(value) for key, value in params["annotations"].items()}
    annotations.setdefault("summary", f"Test alert from amp.alerting for {labels['alertname']}: the path to Slack works")
    ends = now if params["state"] == "resolved" else now + datetime.timedelta(minutes=params["duration_minutes"])
    return {
        "labels": labels,
        "annotations": annotations,
        "startsAt": (now - datetime.timedelta(seconds=1)).isoformat().replace("+00:00", "Z"),
        "endsAt": ends.isoformat().replace("+00:00", "Z"),
        "generatorURL": "https://github.com/amp-alerting/amp.alerting#test-alert",
    }


def send_test_alert(module):
    params = module.params
    client = amp_client(module)
    workspace = require_workspace(client, params["workspace_id"], params["workspace_alias"])
    view = workspace_view(workspace)
    workspace_id, url = view["workspace_id"], view["alertmanager_url"]
    alert = build_alert(params, utc_now())
    result = {"workspace_id": workspace_id, "alertmanager_url": url, "alert": alert}
    if module.check_mode:
        return dict(result, changed=True, msg="check mode: the alert would be sent")
    alertmanager_api(module, view, "alerts", "posting the test alert to the alertmanager", method="POST", payload=[alert])
    return dict(result, changed=True)


def main():
    argument_spec = dict(
        alertname=dict(type="str", default="AmpAlertingTestAlert"),
        severity=dict(type="str", default="info"),
        labels=dict(type="dict", default={}),
        annotations=dict(type="dict", default={}),
        state=dict(type="str", default="firing", choices=["firing", "resolved"]),
        duration_minutes=dict(type="int", default=5),
        **workspace_options(),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=WORKSPACE_MUTUALLY_EXCLUSIVE,
        required_one_of=WORKSPACE_REQUIRED_ONE_OF,
        supports_check_mode=True,
    )
    fail_on_problems(module, ["duration_minutes: must be at least 1"] if module.params["duration_minutes"] < 1 else [])
    try:
        result = send_test_alert(module)
    except AmpError as e:
        module.fail_json_aws_error(e)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
