# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""SNS for the modules that own the alerts topic and its subscriptions, and their _info twin.

community.aws.sns_topic cannot set a topic's KmsMasterKeyId nor a subscription's RedrivePolicy, the two
attributes this collection's chain needs; these helpers read and write them with the plain SNS API.

- ``SnsError``: one error path, the amazon.aws way; every call goes through ``sns_call`` with its own
  description, so a failure reads "Failed to set attribute Policy of topic arn:…: <AWS error>".
- ``read_topic`` / ``read_subscription`` / ``read_topic_subscriptions``: None or [] when SNS does not
  know the resource, the resource as the modules return it otherwise.
- The attributes as SNS stores them, and whether two mean the same, are in sns_attributes.py (no botocore:
  the write gates use them on the controller).
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_aws_account_info
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.amp.alerting.plugins.module_utils.sns_attributes import PENDING
from ansible_collections.amp.alerting.plugins.module_utils.sns_attributes import document_of

_FLAGS = {"PendingConfirmation": "pending_confirmation", "RawMessageDelivery": "raw_message_delivery"}
_SUBSCRIPTION_POLICIES = {"RedrivePolicy": "redrive_policy", "FilterPolicy": "filter_policy",
                          "DeliveryPolicy": "delivery_policy"}
_SUBSCRIPTION_TEXTS = {"SubscriptionArn": "subscription_arn", "TopicArn": "topic_arn", "Protocol": "protocol",
                       "Endpoint": "endpoint", "Owner": "owner", "FilterPolicyScope": "filter_policy_scope",
                       "SubscriptionRoleArn": "subscription_role_arn"}


class SnsError(AnsibleAWSError):
    pass


class SnsErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = SnsError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["NotFound", "NotFoundException"])


def sns_client(module):
    return module.client("sns", retry_decorator=AWSRetry.jittered_backoff())


def sns_call(method, description, **kwargs):
    """One SNS call (retried on throttling and 5xx); a failure raises SnsError "Failed to <description>"."""
    return SnsErrorHandler.common_error_handler(description)(method)(aws_retry=True, **kwargs)


def sns_read(method, description, **kwargs):
    """A read; None when SNS says the topic or subscription does not exist."""
    return SnsErrorHandler.list_error_handler(description)(method)(aws_retry=True, **kwargs)


def topic_arn_of(module, name):
    """The ARN of topic NAME in the caller's account, partition and the module's region (STS, no permission needed)."""
    account_id, partition = get_aws_account_info(module)
    return f"arn:{partition}:sns:{module.region}:{account_id}:{name}"


def topic_view(attributes, tags):
    """GetTopicAttributes' answer (and the topic's tags) as the modules return it."""
    return {
        "topic_arn": attributes.get("TopicArn"),
        "display_name": attributes.get("DisplayName", ""),
        "kms_master_key_id": attributes.get("KmsMasterKeyId", ""),
        "policy": document_of(attributes.get("Policy")),
        "subscriptions_confirmed": int(attributes.get("SubscriptionsConfirmed", 0) or 0),
        "subscriptions_pending": int(attributes.get("SubscriptionsPending", 0) or 0),
        "tags": tags,
    }


def read_topic(client, topic_arn):
    """(attributes, tags) of the topic, or None when it does not exist."""
    answer = sns_read(client.get_topic_attributes, f"read topic {topic_arn}", TopicArn=topic_arn)
    if answer is None:
        return None
    tags = sns_call(client.list_tags_for_resource, f"list the tags of topic {topic_arn}", ResourceArn=topic_arn)
    return answer["Attributes"], boto3_tag_list_to_ansible_dict(tags.get("Tags", []))


def subscription_view(attributes):
    """GetSubscriptionAttributes' answer as the modules return it: snake_case, parsed policies, booleans."""
    subscription = {name: attributes.get(key) for key, name in _SUBSCRIPTION_TEXTS.items()}
    subscription.update({name: str(attributes.get(key, "false")).lower() == "true" for key, name in _FLAGS.items()})
    subscription.update({name: document_of(attributes.get(key)) for key, name in _SUBSCRIPTION_POLICIES.items()})
    if not subscription["filter_policy"]:
        subscription["filter_policy_scope"] = None
    return subscription


def pending_view(summary):
    """A subscription ListSubscriptionsByTopic lists as PendingConfirmation: it has no ARN nor attributes yet."""
    return subscription_view(dict(summary, PendingConfirmation="true"))


def read_subscription_attributes(client, arn):
    """The subscription's attributes as SNS has them, or None (unsubscribed, or its topic deleted)."""
    answer = sns_read(client.get_subscription_attributes, f"read the attributes of subscription {arn}",
                      SubscriptionArn=arn)
    if answer is None:
        return None
    return dict(answer["Attributes"], SubscriptionArn=answer["Attributes"].get("SubscriptionArn", arn))


def read_subscription(client, arn):
    """The subscription ARN names, as the modules return it, or None when SNS does not know it."""
    attributes = read_subscription_attributes(client, arn)
    return subscription_view(attributes) if attributes is not None else None


def list_topic_subscriptions(client, topic_arn):
    """ListSubscriptionsByTopic's summaries, every page; None when the topic does not exist."""
    summaries, token = [], None
    while True:
        request = dict(TopicArn=topic_arn, **({"NextToken": token} if token else {}))
        page = sns_read(client.list_subscriptions_by_topic, f"list the subscriptions of topic {topic_arn}", **request)
        if page is None:
            return None
        summaries.extend(page.get("Subscriptions", []))
        token = page.get("NextToken")
        if not token:
            return summaries


def find_subscription(client, topic_arn, protocol, endpoint):
    """(ListSubscriptionsByTopic's summary of ENDPOINT's subscription by PROTOCOL or None, whether the topic exists)."""
    summaries = list_topic_subscriptions(client, topic_arn)
    if summaries is None:
        return None, False
    for summary in summaries:
        if summary.get("Protocol") == protocol and summary.get("Endpoint") == endpoint:
            return summary, True
    return None, True


def read_topic_subscriptions(client, topic_arn):
    """Every subscription of the topic with its attributes ([] when the topic does not exist)."""
    subscriptions = []
    for summary in list_topic_subscriptions(client, topic_arn) or []:
        if summary.get("SubscriptionArn") == PENDING:
            subscriptions.append(pending_view(summary))
            continue
        subscription = read_subscription(client, summary["SubscriptionArn"])
        if subscription:  # else unsubscribed between the two calls
            subscriptions.append(subscription)
    return subscriptions
