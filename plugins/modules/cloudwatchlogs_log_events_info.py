#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudwatchlogs_log_events_info
version_added: 0.2.0
short_description: Read recent CloudWatch Logs events of a log group, with a filter pattern
description:
  - Reads the events of one log group from the last O(since_minutes) minutes that match a CloudWatch
    Logs filter pattern (FilterLogEvents). M(amazon.aws.cloudwatchlogs_log_group_info) lists log
    groups; no amazon.aws / community.aws module reads their events.
  - What it is for - the collection's C(doctor.yml) reads the forwarder's failed deliveries, AMP's
    alertmanager log events, and the forwarder's log line of a test alert.
  - Read only - it calls FilterLogEvents, nothing else.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  log_group_name:
    description:
      - The log group. One that does not exist gives RV(exists=false) and no events, not an error.
    type: str
    required: true
  filter_pattern:
    description:
      - A CloudWatch Logs filter pattern (terms, C(?term) alternatives, JSON or space-delimited
        patterns); empty for every event.
    type: str
    default: ''
  since_minutes:
    description:
      - How far back to read, in minutes, from now.
    type: int
    default: 60
  limit:
    description:
      - At most this many events; RV(truncated) tells when there were more.
    type: int
    default: 1000
  newest:
    description:
      - Keep the newest O(limit) events rather than the oldest (FilterLogEvents returns the oldest
        first, so every matching event of the window is read). Events are returned oldest first either way.
    type: bool
    default: false
notes:
  - Supports check mode (it changes nothing either way).
  - Log events can contain whatever the application logged; this module prints them as they are.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Failed Slack deliveries of the last hour
  amp.alerting.cloudwatchlogs_log_events_info:
    log_group_name: /aws/lambda/amp-prod-slack-forwarder
    filter_pattern: '{ $.outcome = "failed" }'
    since_minutes: 60
  register: forwarder_failures
"""

RETURN = r"""
exists:
  description: Whether the log group exists.
  returned: always
  type: bool
truncated:
  description: Whether more events matched than O(limit).
  returned: always
  type: bool
events:
  description: The matching events, oldest first.
  returned: always
  type: list
  elements: dict
  contains:
    timestamp:
      description: When the event happened, milliseconds since the epoch.
      type: int
    message:
      description: The event's text.
      type: str
    log_stream_name:
      description: The stream it is in.
      type: str
  sample: [{"timestamp": 1764140000000, "log_stream_name": "2026/11/26/[$LATEST]0f1e",
            "message": "{\"event\": \"slack_forward\", \"outcome\": \"failed\", \"slack_status\": 404}"}]
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.amp.alerting.plugins.module_utils.doctor_reads import read_events


def logs_client(module):
    return module.client("logs", retry_decorator=AWSRetry.jittered_backoff())


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(log_group_name=dict(type="str", required=True), filter_pattern=dict(type="str", default=""),
                           since_minutes=dict(type="int", default=60), limit=dict(type="int", default=1000),
                           newest=dict(type="bool", default=False)),
        supports_check_mode=True,
    )
    params = module.params
    for name in ("since_minutes", "limit"):
        if params[name] < 1:
            module.fail_json(msg=f"{name} must be 1 or more, not {params[name]}")
    client = logs_client(module)
    try:
        events, truncated = read_events(client, params["log_group_name"], params["filter_pattern"],
                                        params["since_minutes"], params["limit"], params["newest"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to read the events of log group {params['log_group_name']}")
    module.exit_json(changed=False, exists=events is not None, events=events or [], truncated=truncated)


if __name__ == "__main__":
    main()
