"""CloudFormation for SNS where moto 5.2.5 differs from AWS: AWS::SNS::Subscription, and topic updates.

amp.alerting 0.2.0 created the forwarder's subscription through CloudFormation, for its RedrivePolicy
(community.aws.sns_topic sets only RawMessageDelivery). Properties: TopicArn, Protocol, Endpoint, RedrivePolicy, FilterPolicy,
RawMessageDelivery; an update of a property replaces the subscription (one of DeletionPolicy alone
leaves it), deletion unsubscribes. (amp.alerting 0.2.0 made these stacks; 0.3.0 hands them over.)

0.2.0 kept the topic in a stack so that its KmsMasterKeyId could be set. AWS changes the key
(and the display name) of an AWS::SNS::Topic in place; moto deletes and re-creates the topic, which
would drop its subscriptions. The sandbox updates in place, as AWS does.
"""

import json

from moto.core.common_models import CloudFormationModel
from moto.sns.models import Topic, sns_backends

ATTRIBUTES = ("RedrivePolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "DeliveryPolicy")


class SandboxSnsSubscription(CloudFormationModel):
    """A subscription made by a CloudFormation stack."""

    def __init__(self, account_id, region_name, arn, properties=None):
        self.account_id = account_id
        self.region_name = region_name
        self.arn = arn
        self.properties = properties

    @property
    def physical_resource_id(self):
        return self.arn

    @staticmethod
    def cloudformation_name_type():
        return ""

    @staticmethod
    def cloudformation_type():
        return "AWS::SNS::Subscription"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json["Properties"]
        backend = sns_backends[account_id][region_name]
        subscription = backend.subscribe(properties["TopicArn"], properties["Endpoint"], properties["Protocol"])
        for name in ATTRIBUTES:
            if name in properties:
                value = properties[name]
                value = value if isinstance(value, str) else json.dumps(value)
                backend.set_subscription_attributes(subscription.arn, name, value)
        return cls(account_id, region_name, subscription.arn, properties)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json,
                                        account_id, region_name):
        # moto updates a resource whose template entry changed at all; AWS leaves it alone when only
        # an attribute such as DeletionPolicy changed, not a property.
        if cloudformation_json["Properties"] == original_resource.properties:
            return original_resource
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        sns_backends[account_id][region_name].unsubscribe(resource_name)

    def delete(self, account_id, region_name):
        sns_backends[account_id][region_name].unsubscribe(self.arn)


_original_topic_update = Topic.update_from_cloudformation_json


def _update_topic_in_place(original_resource, new_resource_name, cloudformation_json, account_id, region_name):
    properties = cloudformation_json["Properties"]
    if properties.get("TopicName", original_resource.name) != original_resource.name:
        return _original_topic_update(original_resource, new_resource_name, cloudformation_json, account_id, region_name)
    original_resource.kms_master_key_id = properties.get("KmsMasterKeyId", "")
    if "DisplayName" in properties:
        original_resource.display_name = properties["DisplayName"]
    return original_resource


def install():
    """Defining SandboxSnsSubscription registers it (moto lists CloudFormationModel subclasses)."""
    Topic.update_from_cloudformation_json = staticmethod(_update_topic_in_place)
    return SandboxSnsSubscription
