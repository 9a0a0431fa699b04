"""DescribeTable as AWS answers it, where moto 5.2.5 leaves out TableId.

AWS's TableDescription always has TableId (a UUID fixed for the table's life); community.aws'
dynamodb_table reads it and fails with KeyError 'table_id' without it.
"""

import uuid

from moto.dynamodb.models.table import Table

_original_describe = Table.describe


def _describe(self, base_key="TableDescription"):
    result = _original_describe(self, base_key)
    # Stable for the table: its ARN and creation time name it (AWS's is random, fixed at creation).
    result[base_key].setdefault("TableId", str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.table_arn}@{self.created_at}")))
    return result


def install():
    Table.describe = _describe
