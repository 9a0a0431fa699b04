# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shared helpers for the amp.alerting modules: one place for AMP's behaviour.

- ``amp_client``: the boto3 ``amp`` client, every call retried on throttling and 5xx.
- ``describe_workspace`` / ``find_workspace`` / ``require_workspace``: lookup by id or by alias (aliases are not unique).
- ``wait_for``: poll a Describe until a resource leaves CREATING/UPDATING/DELETING, failing with
  AMP's statusReason on CREATION_FAILED / UPDATE_FAILED and with the last status on timeout.
- ``retry_on_conflict``: AMP answers ConflictException while a resource is busy; wait, then retry.
- ``converge_document`` / ``remove_document``: the Create-vs-Put flow shared by rule groups
  namespaces and alertmanager definitions.
- ``run_validator``: promtool / amtool on the controller, when they are installed.
- AMP's quotas, named, in one place.
"""

import os
import shutil
import subprocess
import tempfile
import time

try:
    import yaml
except ImportError:  # ansible-core depends on PyYAML; the guard keeps the import sanity test honest
    yaml = None

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# AMP's own error codes for throttling and server faults, on top of the ones AWSRetry knows.
AMP_RETRY_CODES = ["ThrottlingException", "InternalServerException", "ServiceUnavailableException"]
BUSY_STATUSES = ("CREATING", "UPDATING", "DELETING")
FAILED_STATUSES = ("CREATION_FAILED", "UPDATE_FAILED")
POLL_INTERVAL = 2  # seconds between Describe calls while waiting, after a quicker start
FIRST_POLL_INTERVAL = 0.5  # most changes settle within seconds: look early, then back off
# How long a ConflictException (resource busy) is waited out before giving up.
CONFLICT_TIMEOUT = 300


# AMP quotas the modules check before uploading (AMP user guide, "service quotas"). Correct them here.
QUOTA_RULE_NAMESPACE_BYTES = 1024 * 1024  # rules definition file size per namespace
QUOTA_ALERTMANAGER_DEFINITION_BYTES = 1024 * 1024  # alertmanager definition file size
QUOTA_REPEAT_INTERVAL_SECONDS = 5 * 24 * 3600  # AMP caps repeat_interval at 5 days
QUOTA_ACTIVE_ALERTS = 1000  # per alertmanager
QUOTA_ALERT_PAYLOAD_BYTES = 20 * 1024 * 1024  # all active alerts of an alertmanager
VALIDATOR_TIMEOUT = 60


class AmpError(Exception):
    """A failure to report to the user; the message is meant to be read as it is."""


def amp_client(module):
    return module.client("amp", retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=AMP_RETRY_CODES))


def poll_delays():
    """0.5 s, 1 s, then every POLL_INTERVAL seconds."""
    delay = FIRST_POLL_INTERVAL
    while True:
        yield delay
        delay = min(delay * 2, POLL_INTERVAL)


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


def find_workspace(client, workspace_id=None, alias=None, alias_field="workspace_alias"):
    """The workspace named by id, or else by alias; None when there is none.

    Raises AmpError when the alias matches several workspaces, naming their ids: acting on one of
    them at random would be worse than stopping. ``alias_field`` is the module option the alias came
    from, so the message names it.
    """
    if workspace_id:
        return describe_workspace(client, workspace_id)
    matches = [ws for ws in workspaces_with_alias(client, alias) if status_of(ws)[0] != "DELETING"]
    if len(matches) > 1:
        ids = ", ".join(sorted(ws["workspaceId"] for ws in matches))
        raise AmpError(
            f"{alias_field} '{alias}' matches {len(matches)} workspaces ({ids}); "
            "AMP aliases are not unique: name the workspace by workspace_id"
        )
    if not matches:
        return None
    # List results are summaries: describe for the full record (endpoint, KMS key).
    return describe_workspace(client, matches[0]["workspaceId"])


def require_workspace(client, workspace_id=None, alias=None):
    """An existing workspace named by id or alias (workspace_id / workspace_alias), or AmpError saying why not."""
    workspace = find_workspace(client, workspace_id, alias)
    if workspace is None:
        what = f"workspace_id '{workspace_id}'" if workspace_id else f"workspace_alias '{alias}'"
        raise AmpError(f"{what} matches no AMP workspace in this account and region")
    return workspace


def wait_for(describe, what, timeout, gone_ok=False):
    """Poll ``describe()`` until the resource settles; return the settled resource.

    ``describe`` returns the resource dict or None when it does not exist. With ``gone_ok`` the wait
    is for a deletion: None is success. Raises AmpError on *_FAILED (with AMP's reason), when the
    resource vanishes unexpectedly, and on timeout (naming the last status seen).
    """
    deadline = time.monotonic() + timeout
    last = None
    delays = poll_delays()
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
        time.sleep(next(delays))


def retry_on_conflict(call, describe, what, timeout=CONFLICT_TIMEOUT):
    """Run a write ``call()``; on ConflictException (resource busy) wait until it settles and retry."""
    deadline = time.monotonic() + timeout
    delays = poll_delays()
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
            time.sleep(next(delays))


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


class _ReadableDumper(yaml.SafeDumper if yaml else object):
    """Multi-line strings as YAML literal blocks: rule files and templates stay readable in diffs."""


def _represent_str(dumper, value):
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


if yaml:
    _ReadableDumper.add_representer(str, _represent_str)


def dump_yaml(document):
    """YAML text for upload and diffs: key order kept, Unicode as is, long lines unwrapped."""
    return yaml.dump(document, Dumper=_ReadableDumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=4096)


def workspace_options():
    """Argument spec entries for modules that act inside a workspace."""
    return dict(workspace_id=dict(type="str"), workspace_alias=dict(type="str"))


WORKSPACE_MUTUALLY_EXCLUSIVE = [("workspace_id", "workspace_alias")]
WORKSPACE_REQUIRED_ONE_OF = [("workspace_id", "workspace_alias")]


def settle(describe, what, timeout):
    """Poll until the resource is not CREATING/UPDATING/DELETING; return it (None if it is gone)."""
    deadline = time.monotonic() + timeout
    delays = poll_delays()
    while True:
        resource = describe()
        code = status_of(resource)[0]
        if resource is None or code not in BUSY_STATUSES:
            return resource
        if time.monotonic() >= deadline:
            raise AmpError(f"timed out after {timeout}s waiting for {what} to settle; last status seen: {code}")
        time.sleep(next(delays))


class AmpDocument:
    """One AMP resource whose content is a YAML document: a rule groups namespace or an
    alertmanager definition. Subclasses say how to describe, create, put and delete it."""

    what = "document"

    def describe(self):
        """The resource dict (with ``data`` bytes and ``status``), or None when it does not exist."""
        raise NotImplementedError

    def create(self, data):
        raise NotImplementedError

    def put(self, data):
        raise NotImplementedError

    def delete(self):
        raise NotImplementedError


def converge_document(doc, desired, same, check_mode, wait, timeout):
    """Make ``doc`` hold ``desired`` (bytes); ``same(current_bytes)`` compares semantically.

    Create only when Describe says not found; Put otherwise. A resource left in CREATION_FAILED or
    UPDATE_FAILED is written again even when its data looks the same, so the failure is reported
    rather than hidden. Returns (changed, resource before, resource after); after is None in check
    mode and when not waiting.
    """
    current = settle(doc.describe, doc.what, timeout) if wait else doc.describe()
    if current is not None and status_of(current)[0] == "DELETING":
        raise AmpError(f"{doc.what} is being deleted; run again once it is gone")
    if current is not None and status_of(current)[0] not in FAILED_STATUSES and same(current.get("data") or b""):
        return False, current, current
    if check_mode:
        return True, current, None
    if current is None:
        retry_on_conflict(lambda: doc.create(desired), doc.describe, doc.what)
    else:
        retry_on_conflict(lambda: doc.put(desired), doc.describe, doc.what)
    after = wait_for(doc.describe, doc.what, timeout) if wait else None
    return True, current, after


def remove_document(doc, check_mode, wait, timeout):
    """Delete ``doc`` if it exists; returns (changed, resource before)."""
    current = doc.describe()
    if current is None:
        return False, None
    if status_of(current)[0] != "DELETING":
        if check_mode:
            return True, current
        try:
            retry_on_conflict(doc.delete, doc.describe, doc.what)
        except is_boto3_error_code("ResourceNotFoundException"):
            return True, current
    if wait and not check_mode:
        wait_for(doc.describe, doc.what, timeout, gone_ok=True)
    return True, current


def run_validator(tool, args, files):
    """Run promtool / amtool on ``files`` (name -> text) in a private directory.

    Returns None when the files pass or the tool is not installed, else the tool's complaint.
    """
    binary = shutil.which(tool)
    if not binary:
        return None
    with tempfile.TemporaryDirectory(prefix="amp-alerting-") as tmp:
        for name, text in files.items():
            with open(os.path.join(tmp, os.path.basename(name)), "w", encoding="utf-8") as handle:
                handle.write(text)
        try:
            proc = subprocess.run([binary] + list(args), cwd=tmp, capture_output=True, text=True,
                                  timeout=VALIDATOR_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            return f"{tool} did not finish within {VALIDATOR_TIMEOUT}s"
    if proc.returncode == 0:
        return None
    lines = [ln.strip() for ln in (proc.stdout + "\n" + proc.stderr).splitlines() if ln.strip()]
    noise = ("Checking", "FAILED:", "amtool: error", "SUCCESS", "Found:", "- ")
    useful = [ln for ln in lines if not ln.startswith(noise)]
    return f"{tool}: " + " ".join(useful or lines)


def signed_workspace_request(module, url, method="GET", payload=None, timeout=30):
    """Call a workspace's data-plane API (alertmanager, query) with a SigV4 signature (service aps).

    Returns (HTTP status, body text). Uses the module's credentials (keys, profile or the usual chain).
    """
    import json  # pylint: disable=import-outside-toplevel

    import boto3  # pylint: disable=import-outside-toplevel
    from botocore.auth import SigV4Auth  # pylint: disable=import-outside-toplevel
    from botocore.awsrequest import AWSRequest  # pylint: disable=import-outside-toplevel
    from ansible.module_utils.urls import open_url  # pylint: disable=import-outside-toplevel
    from ansible.module_utils.six.moves.urllib.error import HTTPError  # pylint: disable=import-outside-toplevel
    from ansible_collections.amazon.aws.plugins.module_utils.botocore import get_aws_connection_info  # pylint: disable=import-outside-toplevel

    region, _endpoint_url, connect = get_aws_connection_info(module)
    session = boto3.session.Session(
        aws_access_key_id=connect.get("aws_access_key_id"), aws_secret_access_key=connect.get("aws_secret_access_key"),
        aws_session_token=connect.get("aws_session_token"), profile_name=connect.get("profile_name"), region_name=region)
    credentials = session.get_credentials()
    if credentials is None:
        raise AmpError("no AWS credentials found to sign the request to the workspace")
    body = json.dumps(payload).encode("utf-8") if payload is not None else None
    request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(credentials.get_frozen_credentials(), "aps", region).add_auth(request)
    try:
        response = open_url(url, data=body, headers=dict(request.headers.items()), method=method, timeout=timeout,
                            validate_certs=connect.get("verify") is not False)
        return response.getcode(), response.read().decode("utf-8", "replace")
    except HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")
