"""What every AMP resource of the sandbox shares: AMP's exceptions, the asynchronous status life cycle
(CREATING / UPDATING / DELETING settling after ``SETTINGS.amp_delay``) and the change of a validated
document that keeps the previous one in effect after UPDATE_FAILED."""

import base64
import json
import time

from moto.amp.exceptions import AmpException, ResourceNotFoundException
from moto.core.utils import unix_time

from .settings import SETTINGS


BUSY = ("CREATING", "UPDATING", "DELETING")


GONE = "GONE"  # internal outcome of DELETING: the owner drops the resource


class ConflictException(AmpException):
    code = 409

    def __init__(self, message, resource_id, resource_type):
        super().__init__("ConflictException", message)
        self.description = json.dumps(
            {"message": message, "resourceId": resource_id, "resourceType": resource_type}
        )


class ValidationException(AmpException):
    code = 400

    def __init__(self, message, field_name):
        super().__init__("ValidationException", message)
        self.description = json.dumps(
            {"message": message, "reason": "FIELD_VALIDATION_FAILED",
             "fieldList": [{"name": field_name, "message": message}]}
        )


class NotFound(ResourceNotFoundException):
    code = 404

    def __init__(self, what, resource_id, resource_type):
        super().__init__(f"{what} not found", resource_id=resource_id, resource_type=resource_type)


class Lifecycle:
    """A status code that moves from a transitional state to its outcome after the AMP delay."""

    def __init__(self, code="ACTIVE"):
        self.code = code
        self.reason = None
        self._pending = None
        self._due = 0.0

    def start(self, transitional, outcome, reason=None, on_settle=None):
        self.code, self.reason = transitional, None
        self._pending = (outcome, reason, on_settle)
        self._due = time.monotonic() + SETTINGS.amp_delay
        self.settle()

    def settle(self):
        if self._pending and time.monotonic() >= self._due:
            outcome, reason, on_settle = self._pending
            self._pending = None
            self.code, self.reason = outcome, reason
            if on_settle:
                on_settle(outcome)
        return self.code

    @property
    def busy(self):
        return self.settle() in BUSY

    @property
    def gone(self):
        return self.settle() == GONE

    def as_dict(self):
        status = {"statusCode": self.settle()}
        if self.reason:
            status["statusReason"] = self.reason
        return status


def _decode(data_b64):
    return base64.b64decode(data_b64 or "")


def _change_document(lifecycle, target, new_data, reason_fn, first, operation):
    """Start a Create (first=True) or Put of a validated document on ``target``.

    The data in effect (``target.data``) changes only when the new document is valid: after
    UPDATE_FAILED the previous document stays, as in AMP. A failure injected for ``operation``
    (the gateway's ``creation_failed`` / ``update_failed`` faults) stands in for AMP refusing it.
    """
    reason = reason_fn(_decode(new_data))
    if SETTINGS.take_async_failure(operation):
        reason = f"injected {operation} failure (sandbox fault injection)"
    if first:
        target.data = new_data
        lifecycle.start("CREATING", "CREATION_FAILED" if reason else "ACTIVE", reason)
        return

    def apply(outcome):
        if outcome == "ACTIVE":
            target.data = new_data
            target.modified_at = unix_time()

    lifecycle.start("UPDATING", "UPDATE_FAILED" if reason else "ACTIVE", reason, apply)


def _require_idle(lifecycle, resource_id, resource_type):
    if lifecycle.busy:
        raise ConflictException(
            f"{resource_type} {resource_id} is {lifecycle.code}; try again when it is no longer busy",
            resource_id, resource_type,
        )
