"""DynamoDB as AWS answers it, where moto 5.2.5 differs in what the collection depends on.

- DescribeTable: AWS's TableDescription always has TableId (a UUID fixed for the table's life);
  community.aws' dynamodb_table reads it and fails with KeyError 'table_id' without it.
- Conditional writes are atomic in DynamoDB: a condition is checked and the write made as one step.
  moto checks, then writes, while the sandbox serves requests on several threads, so two concurrent
  UpdateItem calls with attribute_not_exists could both succeed (seen under CI load: two invocations
  both claimed one SNS message). The writes are serialized here, as DynamoDB serializes them per item.
"""

import functools
import threading
import uuid

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

_WRITE_LOCK = threading.Lock()
_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")

_original_describe = Table.describe


def _describe(self, base_key="TableDescription"):
    result = _original_describe(self, base_key)
    # Stable for the table: its ARN and creation time name it (AWS's is random, fixed at creation).
    result[base_key].setdefault("TableId", str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.table_arn}@{self.created_at}")))
    return result


def _atomic(method):
    @functools.wraps(method)
    def write(*args, **kwargs):
        with _WRITE_LOCK:
            return method(*args, **kwargs)
    write.sandbox_atomic = True
    return write


def install():
    Table.describe = _describe
    for name in _WRITES:
        method = getattr(DynamoDBBackend, name)
        if not getattr(method, "sandbox_atomic", False):
            setattr(DynamoDBBackend, name, _atomic(method))
