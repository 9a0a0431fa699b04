#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: sns_alert_topic
version_added: 0.3.0
short_description: Manage the SNS topic AMP's alertmanager publishes to, with its KMS key
description:
  - Creates, updates and deletes a standard SNS topic - its display name, its access policy, its
    server-side encryption key (C(KmsMasterKeyId)) and its tags - with the SNS API alone.
  - What it is for - the topic between an AMP workspace's alertmanager and its receivers.
    M(community.aws.sns_topic) cannot encrypt a topic; before this module the collection kept the
    topic in a one-resource CloudFormation stack for its key, and two tools owned one topic.
  - Each attribute is read (C(GetTopicAttributes), C(ListTagsForResource)) and written only when it
    differs; the policy is compared as a document (statement order, a single value or a one-item list).
  - A topic deleted by hand is created again; a key, display name or policy changed by hand is set back.
  - Subscriptions are not managed here - see M(amp.alerting.sns_subscription).
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  name:
    description:
      - The topic's name (not its ARN). The ARN is built from the caller's account, the partition and
        the region.
    type: str
    required: true
  display_name:
    description:
      - The topic's display name (what e-mail and SMS subscribers see as the sender). Unset - leave it as it is.
    type: str
  kms_master_key_id:
    description:
      - The KMS key that encrypts the topic at rest - its ARN, alias ARN, alias (C(alias/...)) or key id.
        SNS keeps it as given, so give it in the same form on every run.
      - An empty string turns encryption off. Unset - leave it as it is.
      - The key policy must let the publishers use the key (C(aps.amazonaws.com) needs
        C(kms:GenerateDataKey*) and C(kms:Decrypt)), or SNS refuses what they publish.
    type: str
  policy:
    description:
      - The topic's access policy, as a dictionary or JSON text. Unset - leave it as it is.
    type: json
  tags:
    description:
      - Tags of the topic. Unset - leave them as they are.
    type: dict
    aliases: ['resource_tags']
  purge_tags:
    description:
      - Whether tags not named in O(tags) are removed.
    type: bool
    default: true
  state:
    description:
      - Whether the topic should exist. C(absent) deletes it with its subscriptions.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Supports check mode (no write API is called) and diff mode (the topic's attributes and tags before and after).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The alerts topic, encrypted with a key AMP may use, that only the workspace publishes to
  amp.alerting.sns_alert_topic:
    name: amp-prod-alerts
    display_name: AMP alerts for prod
    kms_master_key_id: "{{ key.key_arn }}"
    policy:
      Version: "2012-10-17"
      Statement:
        - Sid: AmpWorkspacePublish
          Effect: Allow
          Principal: {Service: aps.amazonaws.com}
          Action: [sns:Publish, sns:GetTopicAttributes]
          Resource: arn:aws:sns:eu-west-1:123456789012:amp-prod-alerts
          Condition:
            ArnEquals: {"aws:SourceArn": "{{ workspace.arn }}"}
    tags:
      managed-by: amp.alerting
  register: alerts_topic

- name: Delete it (its subscriptions go with it)
  amp.alerting.sns_alert_topic:
    name: amp-prod-alerts
    state: absent
"""

RETURN = r"""
topic:
  description: The topic as left by the task (as it would be, in check mode); empty when it does not exist.
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
           "kms_master_key_id": "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-0000-4000-8000-000000000000",
           "policy": {"Version": "2012-10-17", "Statement": []}, "subscriptions_confirmed": 1,
           "subscriptions_pending": 0, "tags": {"managed-by": "amp.alerting"}}
topic_arn:
  description: The topic's ARN (also when it was deleted or does not exist).
  returned: always
  type: str
  sample: arn:aws:sns:eu-west-1:123456789012:amp-prod-alerts
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.amp.alerting.plugins.module_utils.amp import Outcome
from ansible_collections.amp.alerting.plugins.module_utils.amp import exit_with
from ansible_collections.amp.alerting.plugins.module_utils.amp import fail_on_problems
from ansible_collections.amp.alerting.plugins.module_utils.aws_limits import name_problems
from ansible_collections.amp.alerting.plugins.module_utils.sns import SnsError
from ansible_collections.amp.alerting.plugins.module_utils.sns import read_topic
from ansible_collections.amp.alerting.plugins.module_utils.sns import sns_call
from ansible_collections.amp.alerting.plugins.module_utils.sns import sns_client
from ansible_collections.amp.alerting.plugins.module_utils.sns import topic_arn_of
from ansible_collections.amp.alerting.plugins.module_utils.sns import topic_view
from ansible_collections.amp.alerting.plugins.module_utils.sns_attributes import topic_changes
from ansible_collections.amp.alerting.plugins.module_utils.sns_attributes import wanted_topic_attributes


def problems(params):
    found = name_problems("name", params["name"], "sns_topic")
    if params["policy"] is not None:
        try:
            policy = json.loads(params["policy"])
        except ValueError as e:
            policy = None
            found.append(f"policy: not a JSON document ({e})")
        if policy is not None and not (isinstance(policy, dict) and isinstance(policy.get("Statement"), list)):
            found.append("policy: must be a JSON object with a Statement list")
    return found


def wanted_attributes(params):
    """The attributes the task sets, as SNS stores them (those left unset are not compared)."""
    # (a json option arrives as text: the policy is sent in one compact form)
    policy = json.loads(params["policy"]) if params["policy"] is not None else None
    return wanted_topic_attributes(dict(params, policy=policy))


def comparable(view):
    """What --diff shows of a topic: what the task manages, not its subscription counts."""
    return {k: v for k, v in (view or {}).items() if not k.startswith("subscriptions_")}


def read_back(client, topic_arn, predicted):
    """The topic as SNS has it after the writes; what was written, should a read not see it yet."""
    found = read_topic(client, topic_arn)
    return topic_view(*found) if found is not None else predicted


def ensure_present(client, module, topic_arn):
    params = module.params
    wanted = wanted_attributes(params)
    found = read_topic(client, topic_arn)
    if found is None:
        create = {"Name": params["name"], "Attributes": {k: v for k, v in wanted.items() if v}}
        if params["tags"]:
            create["Tags"] = ansible_dict_to_boto3_tag_list(params["tags"])
        predicted = topic_view(dict(create["Attributes"], TopicArn=topic_arn), params["tags"] or {})
        if not module.check_mode:
            sns_call(client.create_topic, f"create topic {params['name']}", **create)
        after = read_back(client, topic_arn, predicted) if not module.check_mode else predicted
        return Outcome(True, {}, after, {"before": {}, "after": comparable(after)})

    attributes, tags = found
    before = topic_view(attributes, tags)
    differing, to_tag, to_untag = topic_changes(attributes, tags, wanted, params["tags"], params["purge_tags"])
    if not (differing or to_tag or to_untag):
        return Outcome(False, before, before, {"before": comparable(before), "after": comparable(before)})

    tags_after = {k: v for k, v in tags.items() if k not in to_untag}
    tags_after.update(to_tag)
    predicted = topic_view(dict(attributes, **differing), tags_after)
    if module.check_mode:
        after = predicted
    else:
        for attribute, value in differing.items():
            sns_call(client.set_topic_attributes, f"set attribute {attribute} of topic {topic_arn}",
                     TopicArn=topic_arn, AttributeName=attribute, AttributeValue=value)
        if to_untag:
            sns_call(client.untag_resource, f"untag topic {topic_arn}", ResourceArn=topic_arn, TagKeys=to_untag)
        if to_tag:
            sns_call(client.tag_resource, f"tag topic {topic_arn}", ResourceArn=topic_arn,
                     Tags=ansible_dict_to_boto3_tag_list(to_tag))
        after = read_back(client, topic_arn, predicted)
    return Outcome(True, before, after, {"before": comparable(before), "after": comparable(after)})


def ensure_absent(client, module, topic_arn):
    found = read_topic(client, topic_arn)
    if found is None:
        return Outcome(False, {}, {}, {"before": {}, "after": {}})
    before = topic_view(*found)
    if not module.check_mode:
        sns_call(client.delete_topic, f"delete topic {topic_arn}", TopicArn=topic_arn)
    return Outcome(True, before, {}, {"before": comparable(before), "after": {}})


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        display_name=dict(type="str"),
        kms_master_key_id=dict(type="str", no_log=False),
        policy=dict(type="json"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    fail_on_problems(module, problems(module.params))
    topic_arn = topic_arn_of(module, module.params["name"])
    client = sns_client(module)
    try:
        if module.params["state"] == "present":
            outcome = ensure_present(client, module, topic_arn)
        else:
            outcome = ensure_absent(client, module, topic_arn)
    except SnsError as e:
        module.fail_json_aws_error(e)
    exit_with(module, outcome, topic=outcome.after, topic_arn=topic_arn)


if __name__ == "__main__":
    main()
