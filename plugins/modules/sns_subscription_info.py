#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: sns_subscription_info
version_added: 0.2.0
short_description: Read SNS subscriptions with their attributes (redrive and filter policy)
description:
  - Reads one SNS subscription, or every subscription of a topic, with the attributes SNS keeps for
    it - RedrivePolicy, FilterPolicy, RawMessageDelivery, PendingConfirmation - which neither
    M(community.aws.sns_topic_info) nor any other amazon.aws / community.aws module returns.
  - What it is for - to tell whether a subscription that a deployment believes in still exists and
    still has its dead-letter queue, after someone unsubscribed it, deleted its topic or changed it
    by hand. The lambda role of this collection uses it to repair the forwarder's subscription.
  - Read only - it calls GetSubscriptionAttributes (and ListSubscriptionsByTopic with O(topic_arn)),
    nothing else.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  subscription_arn:
    description:
      - The subscription to read. One that does not exist (unsubscribed, or its topic deleted) gives
        an empty O(ignore:subscriptions) list, not an error.
      - Mutually exclusive with O(topic_arn).
    type: str
  topic_arn:
    description:
      - Read every subscription of this topic. A topic that does not exist gives an empty list.
      - Subscriptions still waiting for confirmation have no ARN yet; they are returned with
        RV(subscriptions[].pending_confirmation=true) and no attributes.
      - Mutually exclusive with O(subscription_arn).
    type: str
notes:
  - Supports check mode (it changes nothing either way).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Is the forwarder's subscription still there, with its dead-letter queue?
  amp.alerting.sns_subscription_info:
    subscription_arn: "{{ stack_outputs.SubscriptionArn }}"
  register: forwarder_subscription

- name: Fail when it lost its redrive policy
  ansible.builtin.assert:
    that: (forwarder_subscription.subscriptions | first).redrive_policy.deadLetterTargetArn == queue_arn

- name: Every subscription of the alerts topic
  amp.alerting.sns_subscription_info:
    topic_arn: arn:aws:sns:eu-west-1:123456789012:amp-alerts
  register: topic_subscriptions
"""

RETURN = r"""
subscriptions:
  description:
    - The subscriptions read, with their attributes; empty when the subscription or topic does not
      exist. Policies are returned parsed (as dicts), flags as booleans.
  returned: always
  type: list
  elements: dict
  contains:
    subscription_arn:
      description: The subscription's ARN; C(PendingConfirmation) for one not confirmed yet.
      type: str
    topic_arn:
      description: The topic.
      type: str
    protocol:
      description: C(lambda), C(sqs), C(https), ...
      type: str
    endpoint:
      description: Where SNS delivers (the function ARN for C(lambda)).
      type: str
    owner:
      description: The account that owns the subscription.
      type: str
    pending_confirmation:
      description: Whether the subscription still waits for confirmation.
      type: bool
    raw_message_delivery:
      description: Whether SNS delivers the message without its JSON envelope.
      type: bool
    redrive_policy:
      description: The dead-letter queue of deliveries SNS could not make (C(deadLetterTargetArn)), or null.
      type: dict
    filter_policy:
      description: The subscription's filter policy, or null.
      type: dict
    filter_policy_scope:
      description: C(MessageAttributes) or C(MessageBody), when a filter policy is set.
      type: str
    delivery_policy:
      description: The subscription's own delivery (retry) policy, or null.
      type: dict
    subscription_role_arn:
      description: The role SNS assumes for Firehose subscriptions, or null.
      type: str
  sample: [{"subscription_arn": "arn:aws:sns:eu-west-1:123456789012:amp-alerts:0f1e2d3c",
            "topic_arn": "arn:aws:sns:eu-west-1:123456789012:amp-alerts", "protocol": "lambda",
            "endpoint": "arn:aws:lambda:eu-west-1:123456789012:function:amp-slack-forwarder",
            "owner": "123456789012", "pending_confirmation": false, "raw_message_delivery": false,
            "redrive_policy": {"deadLetterTargetArn": "arn:aws:sqs:eu-west-1:123456789012:amp-delivery-dlq"},
            "filter_policy": null, "filter_policy_scope": null, "delivery_policy": null,
            "subscription_role_arn": null}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.amp.alerting.plugins.module_utils.sns import SnsError
from ansible_collections.amp.alerting.plugins.module_utils.sns import read_subscription
from ansible_collections.amp.alerting.plugins.module_utils.sns import read_topic_subscriptions
from ansible_collections.amp.alerting.plugins.module_utils.sns import sns_client


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(subscription_arn=dict(type="str"), topic_arn=dict(type="str")),
        mutually_exclusive=[("subscription_arn", "topic_arn")],
        required_one_of=[("subscription_arn", "topic_arn")],
        supports_check_mode=True,
    )
    params = module.params
    client = sns_client(module)
    try:
        if params["subscription_arn"]:
            subscriptions = [s for s in [read_subscription(client, params["subscription_arn"])] if s]
        else:
            subscriptions = read_topic_subscriptions(client, params["topic_arn"])
    except SnsError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, subscriptions=subscriptions)


if __name__ == "__main__":
    main()
