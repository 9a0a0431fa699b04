# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Secrets Manager reads: the secrets under a name prefix (secretsmanager_secret_info, chain_info)."""

import json

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


@AWSRetry.jittered_backoff()
def _list_secrets(client, request):
    return client.get_paginator("list_secrets").paginate(**request).build_full_result().get("SecretList", [])


def list_secrets(client, name_prefix, include_planned_deletion):
    """The secrets whose names start with NAME_PREFIX (ListSecrets' name filter matches more loosely)."""
    request = {"Filters": [{"Key": "name", "Values": [name_prefix]}],
               "IncludePlannedDeletion": include_planned_deletion}
    found = [secret for secret in _list_secrets(client, request) if secret.get("Name", "").startswith(name_prefix)]
    return sorted(found, key=lambda secret: secret["Name"])


def resource_policy(client, arn):
    """The parsed resource policy of a secret; None when it has none (or was deleted meanwhile)."""
    try:
        text = client.get_resource_policy(aws_retry=True, SecretId=arn).get("ResourcePolicy")
    except botocore.exceptions.ClientError as e:
        if e.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
            return None
        raise
    return json.loads(text) if text else None


def describe(secret):
    deleted = secret.get("DeletedDate")
    return {"name": secret["Name"], "arn": secret["ARN"], "kms_key_id": secret.get("KmsKeyId"),
            "deleted_date": deleted.isoformat() if hasattr(deleted, "isoformat") else deleted,
            "tags": {tag["Key"]: tag["Value"] for tag in secret.get("Tags") or []}}
