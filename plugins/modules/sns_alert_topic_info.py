#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: sns_alert_topic_info
version_added: 0.3.0
short_description: Read an SNS topic - key, policy, display name, tags - and its subscriptions
description:
  - The read-only twin of M(amp.alerting.sns_alert_topic) - one topic's attributes as that module
    returns them, and its subscriptions with the attributes M(amp.alerting.sns_subscription_info) returns
    (redrive policy, filter policy, pending confirmation).
  - A topic that does not exist gives an empty RV(topic) and no subscriptions, at once - not an error
    and not a retry (M(community.aws.sns_topic_info) lists every topic of the account first and retries a
    missing one's subscriptions for minutes).
  - Read only - GetTopicAttributes, ListTagsForResource, ListSubscriptionsByTopic and
    GetSubscriptionAttributes; nothing else. C(doctor.yml) reads each topic of the chain with it, and
    the sns role's preflight the host's topic.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  topic_arn:
    description:
      - The topic, by ARN - in any account and region the caller may read (set O(region) to the topic's).
      - Mutually exclusive with O(name).
    type: str
  name:
    description:
      - The topic, by name, in the caller's account and O(region).
      - Mutually exclusive with O(topic_arn).
    type: str
notes:
  - Supports check mode (it changes nothing either way).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Is the alerts topic encrypted, and is the forwarder still subscribed?
  amp.alerting.sns_alert_topic_info:
    topic_arn: arn:aws:sns:eu-west-1:123456789012:amp-prod-alerts
    region: eu-west-1
  register: alerts_topic

- name: Say so
  ansible.builtin.debug:
    msg: >-
      key {{ alerts_topic.topic.kms_master_key_id or 'none' }};
      {{ alerts_topic.subscriptions | selectattr('protocol', 'equalto', 'lambda') | list | length }} Lambda subscription(s)
"""

RETURN = r"""
topic:
  description: The topic, as M(amp.alerting.sns_alert_topic) returns it; empty when it does not exist.
  returned: always
  type: dict
  contains:
    topic_arn:
      description: The topic's ARN.
      type: str
    display_name:
      description: Its display name.
      type: str
    kms_master_key_id:
      description: The key that encrypts it, as it was given; empty when it is not encrypted.
      type: str
    policy:
      description: Its access policy.
      type: dict
    subscriptions_confirmed:
      description: How many confirmed subscriptions it has.
      type: int
    subscriptions_pending:
      description: How many subscriptions wait for confirmation.
      type: int
    tags:
      description: Its tags.
      type: dict
  sample: {"topic_arn": "arn:aws:sns:eu-west-1:123456789012:amp-prod-alerts", "display_name": "AMP alerts for prod",
           "kms_master_key_id": "", "policy": {"Version": "2012-10-17", "Statement": []}, "subscriptions_confirmed": 1,
           "subscriptions_pending": 0, "tags": {"managed-by": "amp.alerting"}}
subscriptions:
  description:
    - The topic's subscriptions with their attributes, in the shape M(amp.alerting.sns_subscription_info)
      returns; empty when the topic does not exist.
  returned: always
  type: list
  elements: dict
  sample: [{"subscription_arn": "arn:aws:sns:eu-west-1:123456789012:amp-prod-alerts:0f1e2d3c", "protocol": "lambda",
            "endpoint": "arn:aws:lambda:eu-west-1:123456789012:function:amp-prod-slack-forwarder",
            "topic_arn": "arn:aws:sns:eu-west-1:123456789012:amp-prod-alerts", "owner": "123456789012",
            "pending_confirmation": false, "raw_message_delivery": false,
            "redrive_policy": {"deadLetterTargetArn": "arn:aws:sqs:eu-west-1:123456789012:amp-prod-delivery-dlq"},
            "filter_policy": null, "filter_policy_scope": null, "delivery_policy": null, "subscription_role_arn": null}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.amp.alerting.plugins.module_utils.sns import SnsError
from ansible_collections.amp.alerting.plugins.module_utils.sns import read_topic
from ansible_collections.amp.alerting.plugins.module_utils.sns import read_topic_subscriptions
from ansible_collections.amp.alerting.plugins.module_utils.sns import sns_client
from ansible_collections.amp.alerting.plugins.module_utils.sns import topic_arn_of
from ansible_collections.amp.alerting.plugins.module_utils.sns import topic_view


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(topic_arn=dict(type="str"), name=dict(type="str")),
        mutually_exclusive=[("topic_arn", "name")],
        required_one_of=[("topic_arn", "name")],
        supports_check_mode=True,
    )
    topic_arn = module.params["topic_arn"] or topic_arn_of(module, module.params["name"])
    client = sns_client(module)
    try:
        found = read_topic(client, topic_arn)
        topic = topic_view(*found) if found is not None else {}
        subscriptions = read_topic_subscriptions(client, topic_arn) if found is not None else []
    except SnsError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, topic=topic, subscriptions=subscriptions)


if __name__ == "__main__":
    main()
