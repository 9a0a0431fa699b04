#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: sqs_queue_info
version_added: 0.2.0
short_description: Read an SQS queue's attributes - message counts, policy, redrive policy
description:
  - Reads one SQS queue's attributes - how many messages it holds, its access policy, its redrive
    policy, its encryption - without receiving a message. M(community.aws.sqs_queue) manages queues
    but returns no message counts, and no amazon.aws / community.aws module reads them.
  - What it is for - the collection's C(doctor.yml) reads the forwarder's two dead-letter queues
    (how many alerts never reached Slack) and the policy that lets SNS write to the delivery one.
  - Read only - it calls GetQueueUrl (with O(queue_name)) and GetQueueAttributes, nothing else.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  queue_name:
    description:
      - The queue's name, in the account and region of the connection. Mutually exclusive with O(queue_url).
    type: str
  queue_url:
    description:
      - The queue's URL. Mutually exclusive with O(queue_name).
    type: str
notes:
  - Supports check mode (it changes nothing either way).
  - SQS counts are approximate, as SQS documents them. The age of the oldest message is not a queue
    attribute; CloudWatch has it (C(AWS/SQS) C(ApproximateAgeOfOldestMessage)), see M(amp.alerting.cloudwatch_metric_info).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: How many events the forwarder failed to deliver
  amp.alerting.sqs_queue_info:
    queue_name: amp-prod-slack-forwarder-dlq
  register: forwarder_dlq

- name: Say so
  ansible.builtin.debug:
    msg: "{{ forwarder_dlq.queue.approximate_number_of_messages }} alerts did not reach Slack"
  when: forwarder_dlq.exists
"""

RETURN = r"""
exists:
  description: Whether the queue exists.
  returned: always
  type: bool
queue:
  description: The queue's attributes, snake_case; counts as integers, policies parsed. Empty when it does not exist.
  returned: always
  type: dict
  contains:
    queue_url:
      description: The queue's URL.
      type: str
    queue_arn:
      description: The queue's ARN.
      type: str
    approximate_number_of_messages:
      description: Messages available to receive.
      type: int
    approximate_number_of_messages_not_visible:
      description: Messages received and not yet deleted (in flight).
      type: int
    approximate_number_of_messages_delayed:
      description: Messages not yet available (delay).
      type: int
    policy:
      description: The queue's access policy, or null.
      type: dict
    redrive_policy:
      description: Where the queue's own failures go (C(deadLetterTargetArn), C(maxReceiveCount)), or null.
      type: dict
    kms_master_key_id:
      description: The KMS key the queue is encrypted with, or null.
      type: str
    message_retention_period:
      description: Seconds a message is kept.
      type: int
  sample: {"queue_url": "https://sqs.eu-west-1.amazonaws.com/123456789012/amp-dlq",
           "queue_arn": "arn:aws:sqs:eu-west-1:123456789012:amp-dlq", "approximate_number_of_messages": 2,
           "approximate_number_of_messages_not_visible": 0, "approximate_number_of_messages_delayed": 0,
           "policy": null, "redrive_policy": null, "kms_master_key_id": null, "message_retention_period": 1209600}
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.amp.alerting.plugins.module_utils.doctor_reads import read_queue


def sqs_client(module):
    return module.client("sqs", retry_decorator=AWSRetry.jittered_backoff())


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(queue_name=dict(type="str"), queue_url=dict(type="str")),
        mutually_exclusive=[("queue_name", "queue_url")],
        required_one_of=[("queue_name", "queue_url")],
        supports_check_mode=True,
    )
    client = sqs_client(module)
    what = module.params["queue_name"] or module.params["queue_url"]
    try:
        queue = read_queue(client, module.params["queue_name"], module.params["queue_url"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to read the attributes of queue {what}")
    module.exit_json(changed=False, exists=queue is not None, queue=queue or {})


if __name__ == "__main__":
    main()
