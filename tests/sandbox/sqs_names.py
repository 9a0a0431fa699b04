"""SQS keeps a deleted queue's name for a while: CreateQueue with that name is refused.

https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_DeleteQueue.html: "When you
delete a queue, you must wait at least 60 seconds before creating a queue with the same name." The
refusal is QueueDeletedRecently (API_CreateQueue.html, Errors). The sandbox keeps each deleted name for
``SETTINGS.sqs_deleted_name_seconds`` (60 unless a test shortens it, as it shortens AMP's delays) and
refuses a CreateQueue of it as SQS does - so a role that re-creates a queue deleted by hand has to wait,
here as on AWS.
"""

import json
import threading
import time

from moto.iam.models import get_account_id_from

from . import authorization
from .settings import SETTINGS

_LOCK = threading.Lock()
_DELETED = {}  # (account, region, queue name) -> when it was deleted
CODE = "QueueDeletedRecently"
MESSAGE = "You must wait 60 seconds after deleting a queue before you can create another with the same name."


def _account(environ):
    key = authorization.credential_scope(environ)[0]
    return get_account_id_from(key) if key else None


def remember_deleted(environ, region, params):
    """After a DeleteQueue SQS answered with success: the name is kept."""
    url = str(params.get("QueueUrl") or "")
    parts = url.rstrip("/").split("/")
    if len(parts) >= 2:
        with _LOCK:
            _DELETED[(parts[-2], region, parts[-1])] = time.monotonic()


def refuse_recent_name(environ, region, params):
    """(status, headers, payload) of SQS's refusal of a CreateQueue whose name was deleted lately."""
    name = str(params.get("QueueName") or "")
    with _LOCK:
        deleted = _DELETED.get((_account(environ), region, name))
    if deleted is None or time.monotonic() - deleted >= SETTINGS.sqs_deleted_name_seconds:
        return None
    payload = json.dumps({"__type": f"com.amazonaws.sqs#{CODE}", "message": MESSAGE}).encode()
    return 400, [("Content-Type", "application/x-amz-json-1.0"), ("x-amzn-query-error", f"AWS.SimpleQueueService.{CODE};Sender"),
                 ("Content-Length", str(len(payload)))], payload


def reset():
    with _LOCK:
        _DELETED.clear()
