#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: sns_subscription
version_added: 0.3.0
short_description: Manage one SNS subscription with its attributes (redrive policy, filter policy)
description:
  - Subscribes an endpoint to an SNS topic, sets the subscription's attributes - C(RedrivePolicy) (the
    dead-letter queue of deliveries SNS cannot make), C(FilterPolicy), C(RawMessageDelivery), ... - and
    unsubscribes it.
  - What it is for - the subscription of the collection's Slack forwarder to the alerts topic, which
    needs a dead-letter queue. M(community.aws.sns_topic) sets only C(RawMessageDelivery); before this
    module the collection kept the subscription in a one-resource CloudFormation stack.
  - The subscription is found by topic, protocol and endpoint (C(ListSubscriptionsByTopic)); each
    attribute named in O(attributes) is compared with what SNS has (policies as documents) and set only
    when it differs. A subscription removed by hand is made again; an attribute changed or stripped by
    hand is set back. Attributes not named are left as they are.
  - A subscription still waiting for confirmation (e-mail, HTTPS) has no ARN, so its attributes cannot
    be read or set yet; it is returned with RV(subscription.pending_confirmation=true) and left alone.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  topic_arn:
    description:
      - The topic. It must exist (with O(state=present)); with O(state=absent) a missing topic means there
        is nothing to remove.
    type: str
    required: true
  protocol:
    description:
      - How SNS delivers - C(lambda), C(sqs), C(https), C(email), ...
    type: str
    required: true
  endpoint:
    description:
      - Where SNS delivers - the function's unqualified ARN for C(lambda), the queue's ARN for C(sqs), ...
    type: str
    required: true
  attributes:
    description:
      - Subscription attributes by their SNS names (C(RedrivePolicy), C(FilterPolicy), C(FilterPolicyScope),
        C(RawMessageDelivery), C(DeliveryPolicy), C(SubscriptionRoleArn)). Policies may be given as
        dictionaries; flags as booleans.
      - An attribute given as an empty string is removed.
    type: dict
    default: {}
  state:
    description:
      - Whether the subscription should exist.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Supports check mode (no write API is called) and diff mode (the subscription before and after).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Subscribe the forwarder, with a dead-letter queue for what SNS cannot deliver
  amp.alerting.sns_subscription:
    topic_arn: arn:aws:sns:eu-west-1:123456789012:amp-prod-alerts
    protocol: lambda
    endpoint: arn:aws:lambda:eu-west-1:123456789012:function:amp-prod-slack-forwarder
    attributes:
      RedrivePolicy:
        deadLetterTargetArn: arn:aws:sqs:eu-west-1:123456789012:amp-prod-delivery-dlq

- name: Unsubscribe it
  amp.alerting.sns_subscription:
    topic_arn: arn:aws:sns:eu-west-1:123456789012:amp-prod-alerts
    protocol: lambda
    endpoint: arn:aws:lambda:eu-west-1:123456789012:function:amp-prod-slack-forwarder
    state: absent
"""

RETURN = r"""
subscription:
  description:
    - The subscription as left by the task (as it would be, in check mode), in the shape
      M(amp.alerting.sns_subscription_info) returns; empty when there is none.
  returned: always
  type: dict
  contains:
    subscription_arn:
      description: Its ARN (C(PendingConfirmation) until confirmed; unknown in check mode before it exists).
      type: str
    topic_arn:
      description: The topic.
      type: str
    protocol:
      description: The protocol.
      type: str
    endpoint:
      description: The endpoint.
      type: str
    pending_confirmation:
      description: Whether it waits for confirmation.
      type: bool
    raw_message_delivery:
      description: Whether SNS delivers the message without its JSON envelope.
      type: bool
    redrive_policy:
      description: Its dead-letter queue (C(deadLetterTargetArn)), or null.
      type: dict
    filter_policy:
      description: Its filter policy, or null.
      type: dict
  sample: {"subscription_arn": "arn:aws:sns:eu-west-1:123456789012:amp-prod-alerts:0f1e2d3c",
           "topic_arn": "arn:aws:sns:eu-west-1:123456789012:amp-prod-alerts", "protocol": "lambda",
           "endpoint": "arn:aws:lambda:eu-west-1:123456789012:function:amp-prod-slack-forwarder",
           "owner": "123456789012", "pending_confirmation": false, "raw_message_delivery": false,
           "redrive_policy": {"deadLetterTargetArn": "arn:aws:sqs:eu-west-1:123456789012:amp-prod-delivery-dlq"},
           "filter_policy": null, "filter_policy_scope": null, "delivery_policy": null, "subscription_role_arn": null}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.amp.alerting.plugins.module_utils.amp import Outcome
from ansible_collections.amp.alerting.plugins.module_utils.amp import exit_with
from ansible_collections.amp.alerting.plugins.module_utils.amp import fail_on_problems
from ansible_collections.amp.alerting.plugins.module_utils.sns_attributes import PENDING
from ansible_collections.amp.alerting.plugins.module_utils.sns import SnsError
from ansible_collections.amp.alerting.plugins.module_utils.sns_attributes import attribute_text
from ansible_collections.amp.alerting.plugins.module_utils.sns_attributes import differing_attributes
from ansible_collections.amp.alerting.plugins.module_utils.sns import find_subscription
from ansible_collections.amp.alerting.plugins.module_utils.sns import pending_view
from ansible_collections.amp.alerting.plugins.module_utils.sns import read_subscription_attributes
from ansible_collections.amp.alerting.plugins.module_utils.sns import sns_call
from ansible_collections.amp.alerting.plugins.module_utils.sns import sns_client
from ansible_collections.amp.alerting.plugins.module_utils.sns import subscription_view

# What SetSubscriptionAttributes accepts (SNS API reference).
SETTABLE = ("DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy",
            "SubscriptionRoleArn", "ReplayPolicy")


def problems(params):
    found = []
    for name in sorted(params["attributes"] or {}):
        if name not in SETTABLE:
            found.append(f"attributes: {name} is not a subscription attribute SNS lets a caller set "
                         f"(one of {', '.join(SETTABLE)})")
    for option in ("topic_arn", "protocol", "endpoint"):
        if not params[option]:
            found.append(f"{option}: must not be empty")
    if params["topic_arn"] and not params["topic_arn"].startswith("arn:"):
        found.append(f"topic_arn: {params['topic_arn']!r} is not an ARN")
    return found


def find(client, params):
    """(summary of the subscription of ENDPOINT by PROTOCOL, whether the topic exists)."""
    return find_subscription(client, params["topic_arn"], params["protocol"], params["endpoint"])


def ensure_present(client, module):
    params = module.params
    wanted = {name: attribute_text(name, value) for name, value in (params["attributes"] or {}).items()}
    summary, topic_exists = find(client, params)
    if summary is None:
        if not topic_exists and not module.check_mode:
            raise SnsError(message=f"Failed to subscribe {params['endpoint']}: topic {params['topic_arn']} does not exist")
        request = dict(TopicArn=params["topic_arn"], Protocol=params["protocol"], Endpoint=params["endpoint"],
                       ReturnSubscriptionArn=True, Attributes={k: v for k, v in wanted.items() if v})
        if module.check_mode:
            after = subscription_view(dict(request["Attributes"], TopicArn=params["topic_arn"],
                                           Protocol=params["protocol"], Endpoint=params["endpoint"]))
        else:
            arn = sns_call(client.subscribe, f"subscribe {params['endpoint']} to topic {params['topic_arn']}",
                           **request)["SubscriptionArn"]
            after = subscription_view(read_subscription_attributes(client, arn) or dict(
                SubscriptionArn=arn, TopicArn=params["topic_arn"], Protocol=params["protocol"],
                Endpoint=params["endpoint"], PendingConfirmation="true"))
        return Outcome(True, {}, after, {"before": {}, "after": after})

    if summary["SubscriptionArn"] == PENDING:
        pending = pending_view(summary)
        return Outcome(False, pending, pending, {"before": pending, "after": pending})

    arn = summary["SubscriptionArn"]
    attributes = read_subscription_attributes(client, arn) or {}
    before = subscription_view(attributes)
    differing = differing_attributes(attributes, wanted)
    if not differing:
        return Outcome(False, before, before, {"before": before, "after": before})
    if module.check_mode:
        after = subscription_view(dict(attributes, **differing))
    else:
        for name, value in differing.items():
            sns_call(client.set_subscription_attributes, f"set attribute {name} of subscription {arn}",
                     SubscriptionArn=arn, AttributeName=name, AttributeValue=value)
        after = subscription_view(read_subscription_attributes(client, arn) or {})
    return Outcome(True, before, after, {"before": before, "after": after})


def ensure_absent(client, module):
    params = module.params
    summary, _topic_exists = find(client, params)
    if summary is None:
        return Outcome(False, {}, {}, {"before": {}, "after": {}})
    before = subscription_view(summary)
    if summary["SubscriptionArn"] == PENDING:
        # SNS deletes an unconfirmed subscription itself after three days; it cannot be unsubscribed.
        return Outcome(False, before, before, {"before": before, "after": before})
    if not module.check_mode:
        sns_call(client.unsubscribe, f"unsubscribe {summary['SubscriptionArn']}", SubscriptionArn=summary["SubscriptionArn"])
    return Outcome(True, before, {}, {"before": before, "after": {}})


def main():
    argument_spec = dict(
        topic_arn=dict(type="str", required=True),
        protocol=dict(type="str", required=True),
        endpoint=dict(type="str", required=True),
        attributes=dict(type="dict", default={}),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    fail_on_problems(module, problems(module.params))
    client = sns_client(module)
    try:
        outcome = ensure_present(client, module) if module.params["state"] == "present" else ensure_absent(client, module)
    except SnsError as e:
        module.fail_json_aws_error(e)
    exit_with(module, outcome, subscription=outcome.after)


if __name__ == "__main__":
    main()
