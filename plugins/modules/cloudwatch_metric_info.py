#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudwatch_metric_info
version_added: 0.2.0
short_description: Read CloudWatch metrics of the last minutes, one figure per metric
description:
  - Finds the CloudWatch metrics of a namespace with the given names that carry the given
    dimensions (ListMetrics - a metric with more dimensions than those given matches too), and reads
    one statistic of each over the last O(since_minutes) minutes (GetMetricStatistics).
    M(amazon.aws.cloudwatch_metric_alarm_info) reads alarms; no amazon.aws / community.aws module
    reads metric data.
  - What it is for - the collection's C(doctor.yml) reads AMP's alertmanager failure metrics of a
    workspace, and the age of the oldest message of the forwarder's dead-letter queues.
  - Read only - it calls ListMetrics and GetMetricStatistics, nothing else.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  namespace:
    description:
      - The metrics' namespace, for example C(AWS/Prometheus) or C(AWS/SQS).
    type: str
    required: true
  metric_names:
    description:
      - The metric names to read.
    type: list
    elements: str
    required: true
  dimensions:
    description:
      - Dimensions (name to value) every metric read must carry; it may carry others.
    type: dict
    default: {}
  statistic:
    description:
      - The statistic read per period, and how the periods are combined into RV(metrics[].value) -
        C(Sum) and C(SampleCount) add up, C(Maximum) and C(Minimum) take the extreme, C(Average)
        averages the periods.
    type: str
    default: Sum
    choices: [Sum, Maximum, Minimum, Average, SampleCount]
  since_minutes:
    description:
      - How far back to read, in minutes, from now.
    type: int
    default: 60
  period:
    description:
      - The period of the datapoints, in seconds (a multiple of 60).
    type: int
    default: 300
  include_points:
    description:
      - Also return each period's value with its start time (RV(metrics[].points)), so that a caller
        can tell failures before an event (a repair, a delivery) from those after it.
    type: bool
    default: false
notes:
  - Supports check mode (it changes nothing either way).
  - A metric nobody emitted in the last two weeks is not found, which is what CloudWatch answers for
    a count that stayed at zero; RV(metrics) is then empty.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Notifications AMP's alertmanager failed to send in the last hour
  amp.alerting.cloudwatch_metric_info:
    namespace: AWS/Prometheus
    metric_names: [AlertManagerNotificationsFailed, AlertManagerNotificationsFailedByIntegration]
    dimensions:
      Workspace: ws-0f1e2d3c-4b5a-6978-8f9e-0a1b2c3d4e5f
  register: amp_failures

- name: Age of the oldest message of a queue
  amp.alerting.cloudwatch_metric_info:
    namespace: AWS/SQS
    metric_names: [ApproximateAgeOfOldestMessage]
    dimensions: {QueueName: amp-prod-slack-forwarder-dlq}
    statistic: Maximum
"""

RETURN = r"""
metrics:
  description: One entry per metric found (name and full set of dimensions).
  returned: always
  type: list
  elements: dict
  contains:
    metric_name:
      description: The metric's name.
      type: str
    dimensions:
      description: All its dimensions, name to value.
      type: dict
    datapoints:
      description: How many periods had data.
      type: int
    value:
      description: The O(statistic) over the whole window; null when no period had data.
      type: float
    points:
      description: Each period with data, oldest first - its start (epoch seconds) and its O(statistic).
      type: list
      elements: dict
      returned: when O(include_points=true)
      sample: [{"timestamp": 1764930000.0, "value": 2.0}]
  sample: [{"metric_name": "AlertManagerNotificationsFailed", "dimensions": {"Workspace": "ws-0f1e"},
            "datapoints": 3, "value": 7.0}]
"""

import datetime

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.amp.alerting.plugins.module_utils.doctor_reads import COMBINE
from ansible_collections.amp.alerting.plugins.module_utils.doctor_reads import find_metrics
from ansible_collections.amp.alerting.plugins.module_utils.doctor_reads import read_metric


def cloudwatch_client(module):
    return module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(namespace=dict(type="str", required=True),
                           metric_names=dict(type="list", elements="str", required=True),
                           dimensions=dict(type="dict", default={}),
                           statistic=dict(type="str", default="Sum", choices=sorted(COMBINE)),
                           since_minutes=dict(type="int", default=60), period=dict(type="int", default=300),
                           include_points=dict(type="bool", default=False)),
        supports_check_mode=True,
    )
    params = module.params
    if params["since_minutes"] < 1:
        module.fail_json(msg=f"since_minutes must be 1 or more, not {params['since_minutes']}")
    if params["period"] < 60 or params["period"] % 60:
        module.fail_json(msg=f"period must be a multiple of 60 seconds, not {params['period']}")
    if not params["metric_names"]:
        module.fail_json(msg="metric_names must name at least one metric")
    client = cloudwatch_client(module)
    now = datetime.datetime.now(datetime.timezone.utc)
    dimensions = {str(name): str(value) for name, value in params["dimensions"].items()}
    try:
        metrics = [read_metric(client, metric, params["statistic"], params["since_minutes"], params["period"], now,
                               params["include_points"])
                   for metric in find_metrics(client, params["namespace"], params["metric_names"], dimensions)]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to read the {params['namespace']} metrics {params['metric_names']}")
    module.exit_json(changed=False, metrics=metrics)


if __name__ == "__main__":
    main()
