"""KMS calls that take a key ARN, as AWS accepts, where moto 5.2.5 only takes a key id.

amazon.aws.kms_key passes the key ARN to ScheduleKeyDeletion, Enable/DisableKey and
CancelKeyDeletion; moto looks the ARN up as an id and answers HTTP 500.
"""

from moto.kms.models import KmsBackend

_ID_METHODS = ("schedule_key_deletion", "enable_key", "disable_key", "cancel_key_deletion")


def _taking_arns(original):
    def method(self, key_id, *args, **kwargs):
        return original(self, KmsBackend.get_key_id(key_id), *args, **kwargs)
    method.__wrapped__ = original
    return method


def install():
    for name in _ID_METHODS:
        current = getattr(KmsBackend, name)
        if not hasattr(current, "__wrapped__"):
            setattr(KmsBackend, name, _taking_arns(current))
