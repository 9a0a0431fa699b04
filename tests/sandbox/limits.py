"""Value limits AWS enforces and moto 5.2.5 does not, so that tests prove the collection's preflight
rather than the stand-in's leniency.

- Lambda timeout: at most 900 seconds (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html;
  botocore's model says 5400, which only durable functions get).
- A KMS key is used in its own region: an SNS topic's KmsMasterKeyId and an AMP workspace's kmsKeyArn
  naming a key ARN of another region are refused (the AMP part is in amp.py).
- CloudWatch Logs retention: only the values PutRetentionPolicy documents (read from botocore's model).
- A request signed for a region AWS does not have reaches no endpoint (the gateway answers for it:
  ``unknown_region``).
"""

import re

import botocore.session
from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.models import LambdaFunction
from moto.logs.exceptions import InvalidParameterException
from moto.logs.models import LogsBackend
from moto.sns.exceptions import InvalidParameterValue
from moto.sns.models import SNSBackend

LAMBDA_TIMEOUT_MAX = 900
_KEY_ARN_REGION = re.compile(r"^arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):")

_SESSION = botocore.session.get_session()
_RETENTION_DAYS = tuple(int(value) for value in re.findall(
    r"\d+", re.search(r"Possible values are:(.*?)\.", _SESSION.get_service_model("logs").shape_for("Days").documentation).group(1)))
_KNOWN_REGIONS = {}


def known_region(service, region):
    """Does AWS have ``service`` in ``region`` (botocore's endpoint data, every partition)?"""
    if service not in _KNOWN_REGIONS:
        regions = set()
        for partition in _SESSION.get_available_partitions():
            try:
                regions.update(_SESSION.get_available_regions(service, partition_name=partition))
            except Exception:  # a service botocore has no endpoint data for: no opinion
                pass
        _KNOWN_REGIONS[service] = regions
    return not _KNOWN_REGIONS[service] or region in _KNOWN_REGIONS[service]


def key_region_mismatch(key, region):
    """The region of a KMS key ARN when it is not ``region``; None for key ids, aliases and same-region ARNs."""
    match = _KEY_ARN_REGION.match(key or "")
    return match.group("region") if match and match.group("region") != region else None


def _checked_timeout(spec_or_updates):
    timeout = spec_or_updates.get("Timeout")
    if timeout is not None and int(timeout) > LAMBDA_TIMEOUT_MAX:
        raise InvalidParameterValueException(
            f"1 validation error detected: Value '{timeout}' at 'timeout' failed to satisfy constraint: "
            f"Member must have value less than or equal to {LAMBDA_TIMEOUT_MAX}")


def _checked_topic_key(backend, attributes):
    key = (attributes or {}).get("KmsMasterKeyId")
    other = key_region_mismatch(key, backend.region_name)
    if other:
        raise InvalidParameterValue(f"Invalid parameter: KmsMasterKeyId: the key is in {other}, the topic in "
                                    f"{backend.region_name}")


def install():
    original_init = LambdaFunction.__init__
    original_update = LambdaFunction.update_configuration
    original_create_topic = SNSBackend.create_topic
    original_set_attribute = SNSBackend.set_topic_attribute
    original_retention = LogsBackend.put_retention_policy
    if getattr(original_init, "_sandbox_limits", False):
        return

    def init(self, account_id, spec, *args, **kwargs):
        _checked_timeout(spec)
        original_init(self, account_id, spec, *args, **kwargs)

    def update_configuration(self, config_updates):
        _checked_timeout(config_updates)
        return original_update(self, config_updates)

    def create_topic(self, name, attributes=None, tags=None):
        _checked_topic_key(self, attributes)
        return original_create_topic(self, name, attributes, tags)

    def set_topic_attribute(self, topic_arn, attribute_name, attribute_value):
        if attribute_name in ("KmsMasterKeyId", "kms_master_key_id"):  # moto passes it in snake case
            _checked_topic_key(self, {"KmsMasterKeyId": attribute_value})
        return original_set_attribute(self, topic_arn, attribute_name, attribute_value)

    def put_retention_policy(self, log_group_name, retention_in_days):
        if int(retention_in_days) not in _RETENTION_DAYS:
            raise InvalidParameterException(
                f"1 validation error detected: Value '{retention_in_days}' at 'retentionInDays' failed to satisfy "
                f"constraint: Member must satisfy enum value set: {list(_RETENTION_DAYS)}")
        return original_retention(self, log_group_name, retention_in_days)

    init._sandbox_limits = True
    LambdaFunction.__init__ = init
    LambdaFunction.update_configuration = update_configuration
    SNSBackend.create_topic = create_topic
    SNSBackend.set_topic_attribute = set_topic_attribute
    LogsBackend.put_retention_policy = put_retention_policy
