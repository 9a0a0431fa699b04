#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: amp_anomaly_detector_info
version_added: 0.2.0
short_description: List the anomaly detectors of an AMP workspace
description:
  - Lists the Random Cut Forest anomaly detectors of an Amazon Managed Service for Prometheus
    workspace, each described in full (query, interval, sizes, bands, missing-data action, labels,
    tags, status and AMP's statusReason) in the shape M(amp.alerting.amp_anomaly_detector) returns.
  - Read only - it calls ListAnomalyDetectors and DescribeAnomalyDetector, nothing else.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  alias:
    description:
      - Only the detectors with this alias (exactly).
    type: str
notes:
  - Supports check mode (it changes nothing either way).
extends_documentation_fragment:
  - amp.alerting.workspace
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Which detectors are not ACTIVE, and why
  amp.alerting.amp_anomaly_detector_info:
    workspace_alias: prod-eu
  register: detectors

- name: Show them
  ansible.builtin.debug:
    msg: "{{ detectors.anomaly_detectors | rejectattr('status', 'eq', 'ACTIVE') | map(attribute='status_reason') }}"
"""

RETURN = r"""
anomaly_detectors:
  description: The detectors, ordered by alias, as M(amp.alerting.amp_anomaly_detector) returns one.
  returned: always
  type: list
  elements: dict
  sample: [{"alias": "api-rate", "anomaly_detector_id": "ad-0123", "status": "ACTIVE", "query": "sum(rate(x[5m]))",
            "evaluation_interval": 60, "labels": {}, "tags": {}}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_MUTUALLY_EXCLUSIVE
from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_REQUIRED_ONE_OF
from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_client
from ansible_collections.amp.alerting.plugins.module_utils.amp import require_workspace
from ansible_collections.amp.alerting.plugins.module_utils.amp import workspace_options
from ansible_collections.amp.alerting.plugins.module_utils.amp_anomaly import detector_view
from ansible_collections.amp.alerting.plugins.module_utils.doctor_reads import list_detectors


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(alias=dict(type="str"), **workspace_options()),
        mutually_exclusive=WORKSPACE_MUTUALLY_EXCLUSIVE,
        required_one_of=WORKSPACE_REQUIRED_ONE_OF,
        supports_check_mode=True,
    )
    params = module.params
    try:
        client = amp_client(module)
        workspace_id = require_workspace(client, params["workspace_id"], params["workspace_alias"])["workspaceId"]
        detectors = [detector_view(detector, workspace_id) for detector in list_detectors(client, workspace_id, params["alias"])]
    except AmpError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, anomaly_detectors=detectors)


if __name__ == "__main__":
    main()
