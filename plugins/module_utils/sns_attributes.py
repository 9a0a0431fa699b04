# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""SNS attributes as SNS stores them, and whether two mean the same: for the SNS modules (through
module_utils/sns.py) and for the write gates on the controller, which must not import botocore (every
task's worker would pay for it)."""

import json

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

PENDING = "PendingConfirmation"
# Attributes SNS keeps as JSON documents: compared as documents, returned parsed.
POLICY_ATTRIBUTES = ("Policy", "RedrivePolicy", "FilterPolicy", "DeliveryPolicy")


def document_of(text):
    # SNS stores documents as JSON text; one that does not parse is shown as it is.
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def attribute_text(name, value):
    """VALUE as SNS stores attribute NAME: documents as compact JSON, flags as true/false, None as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if name in POLICY_ATTRIBUTES and not isinstance(value, str):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def same_attribute(name, current, wanted):
    """Whether attribute NAME holding CURRENT (SNS's text) already says WANTED (SNS's text)."""
    current, wanted = current or "", wanted or ""
    if name in POLICY_ATTRIBUTES and current and wanted:
        current_document, wanted_document = document_of(current), document_of(wanted)
        if isinstance(current_document, dict) and isinstance(wanted_document, dict):
            if name == "Policy":
                return not compare_policies(current_document, wanted_document)
            return current_document == wanted_document
    if current.lower() in ("true", "false") and wanted.lower() in ("true", "false"):
        return current.lower() == wanted.lower()
    return current == wanted


def differing_attributes(attributes, wanted):
    """Of WANTED (attribute name: SNS's text), those that ATTRIBUTES (SNS's answer) does not already say."""
    return {name: value for name, value in wanted.items() if not same_attribute(name, attributes.get(name), value)}


# sns_alert_topic's options and the topic attributes they set
TOPIC_ATTRIBUTES = {"display_name": "DisplayName", "kms_master_key_id": "KmsMasterKeyId", "policy": "Policy"}


def wanted_topic_attributes(options):
    """The attributes sns_alert_topic sets for OPTIONS (its options; the policy as a document), as SNS stores
    them; those left unset are not compared."""
    return {attribute: attribute_text(attribute, options[option])
            for option, attribute in TOPIC_ATTRIBUTES.items() if options.get(option) is not None}


def topic_changes(attributes, tags, wanted, wanted_tags, purge_tags=True):
    """What sns_alert_topic changes on a topic that has ATTRIBUTES and TAGS: (the differing attributes of
    WANTED, the tags to add, the tag keys to remove)."""
    differing = differing_attributes(attributes, wanted)
    to_tag, to_untag = compare_aws_tags(tags, wanted_tags, purge_tags) if wanted_tags is not None else ({}, [])
    return differing, to_tag, to_untag
