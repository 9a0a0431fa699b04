# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shared helpers for the amp.alerting modules: one place for AMP's behaviour.

- ``amp_client``: the boto3 ``amp`` client, every call retried on throttling and 5xx.
- ``describe_workspace`` / ``find_workspace``: lookup by id or by alias (aliases are not unique).
- ``wait_for``: poll a Describe until a resource leaves CREATING/UPDATING/DELETING, failing with
  AMP's statusReason on CREATION_FAILED / UPDATE_FAILED and with the last status on timeout.
- ``retry_on_conflict``: AMP answers ConflictException while a resource is busy; wait, then retry.
- ``yaml_diff``: before/after text for ``--diff``.
"""

import time

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# AMP's own error codes for throttling and server faults, on top of the ones AWSRetry knows.
AMP_RETRY_CODES = ["ThrottlingException", "InternalServerException", "ServiceUnavailableException"]
BUSY_STATUSES = ("CREATING", "UPDATING", "DELETING")
FAILED_STATUSES = ("CREATION_FAILED", "UPDATE_FAILED")
POLL_INTERVAL = 2
# How long a ConflictException (resource busy) is waited out before giving up.
CONFLICT_TIMEOUT = 300


class AmpError(Exception):
    """A failure to report to the user; the message is meant to be read as it is."""


def amp_client(module):
    return module.client("amp", retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=AMP_RETRY_CODES))


def status_of(resource):
    """(statusCode, statusReason) of a described AMP resource."""
    status = (resource or {}).get("status") or {}
    return status.get("statusCode"), status.get("statusReason")


def describe_or_none(call, **kwargs):
    """Run a Describe call, None when AMP says the resource does not exist."""
    try:
        return call(aws_retry=True, **kwargs)
    except is_boto3_error_code("ResourceNotFoundException"):
        return None


def describe_workspace(client, workspace_id):
    result = describe_or_none(client.describe_workspace, workspaceId=workspace_id)
    return result["workspace"] if result else None


@AWSRetry.jittered_backoff(catch_extra_error_codes=AMP_RETRY_CODES)
def list_workspaces(client, **filters):
    """Every workspace summary (all pages); ``alias`` filters by prefix, as AMP does."""
    return client.get_paginator("list_workspaces").paginate(**filters).build_full_result().get("workspaces", [])


def workspaces_with_alias(client, alias):
    """Every workspace whose alias is exactly ``alias`` (AMP's filter matches prefixes)."""
    return [ws for ws in list_workspaces(client, alias=alias) if ws.get("alias") == alias]


def find_workspace(client, workspace_id=None, alias=None):
    """The workspace named by id, or else by alias; None when there is none.

    Raises AmpError when the alias matches several workspaces, naming their ids: acting on one of
    them at random would be worse than stopping.
    """
    if workspace_id:
        return describe_workspace(client, workspace_id)
    matches = [ws for ws in workspaces_with_alias(client, alias) if status_of(ws)[0] != "DELETING"]
    if len(matches) > 1:
        ids = ", ".join(sorted(ws["workspaceId"] for ws in matches))
        raise AmpError(
            f"workspace_alias '{alias}' matches {len(matches)} workspaces ({ids}); "
            "AMP aliases are not unique: name the workspace by workspace_id"
        )
    if not matches:
        return None
    # List results are summaries: describe for the full record (endpoint, KMS key).
    return describe_workspace(client, matches[0]["workspaceId"])


def resolve_workspace_id(client, workspace_id=None, alias=None):
    """The id of an existing workspace named by id or alias, or AmpError saying why not."""
    workspace = find_workspace(client, workspace_id, alias)
    if workspace is None:
        what = f"workspace_id '{workspace_id}'" if workspace_id else f"workspace_alias '{alias}'"
        raise AmpError(f"{what} matches no AMP workspace in this account and region")
    return workspace["workspaceId"]


def wait_for(describe, what, timeout, gone_ok=False):
    """Poll ``describe()`` until the resource settles; return the settled resource.

    ``describe`` returns the resource dict or None when it does not exist. With ``gone_ok`` the wait
    is for a deletion: None is success. Raises AmpError on *_FAILED (with AMP's reason), when the
    resource vanishes unexpectedly, and on timeout (naming the last status seen).
    """
    deadline = time.monotonic() + timeout
    last = None
    while True:
        resource = describe()
        if resource is None:
            if gone_ok:
                return None
            raise AmpError(f"{what} disappeared while waiting for it to become ACTIVE")
        code, reason = status_of(resource)
        last = code
        if code in FAILED_STATUSES:
            raise AmpError(f"{what} is {code}: {reason or 'AMP gave no statusReason'}")
        if code not in BUSY_STATUSES and not gone_ok:
            if code != "ACTIVE" and code is not None:
                raise AmpError(f"{what} is {code}")
            return resource
        if time.monotonic() >= deadline:
            raise AmpError(f"timed out after {timeout}s waiting for {what}; last status seen: {last}")
        time.sleep(POLL_INTERVAL)


def retry_on_conflict(call, describe, what, timeout=CONFLICT_TIMEOUT):
    """Run a write ``call()``; on ConflictException (resource busy) wait until it settles and retry."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except is_boto3_error_code("ConflictException") as exc:
            status = status_of(describe())[0]
            if status not in BUSY_STATUSES:
                # Not a passing state: waiting would not help.
                raise AmpError(f"AMP refused the change to {what} (status {status}): {exc}") from exc
            if time.monotonic() >= deadline:
                raise AmpError(f"{what} stayed {status} for {timeout}s; AMP refused the change: {exc}") from exc
            time.sleep(POLL_INTERVAL)


def workspace_view(workspace):
    """A described workspace as the modules return it: snake_case, with the URLs users need."""
    view = {
        "workspace_id": workspace["workspaceId"],
        "arn": workspace["arn"],
        "alias": workspace.get("alias"),
        "status": status_of(workspace)[0],
        "kms_key_arn": workspace.get("kmsKeyArn"),
        "tags": workspace.get("tags") or {},
        "created_at": str(workspace.get("createdAt", "")),
    }
    if workspace.get("prometheusEndpoint"):
        view.update(endpoints(workspace["prometheusEndpoint"]))
    return view


def endpoints(prometheus_endpoint):
    """The URLs users paste into a Prometheus agent / Grafana, from AMP's prometheusEndpoint."""
    base = prometheus_endpoint if prometheus_endpoint.endswith("/") else prometheus_endpoint + "/"
    return {
        "prometheus_endpoint": base,
        "remote_write_url": base + "api/v1/remote_write",
        "query_url": base + "api/v1/query",
        "alertmanager_url": base + "alertmanager/api/v2/alerts",
    }
