# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The part of the shared AMP helper that needs no AWS SDK: AmpError, AMP's quotas, YAML for upload
and diffs, promtool / amtool. The validators (amp_rules, amp_alertmanager_config) and the filter
plugins use it, and module_utils/amp.py its AmpError. Kept apart because importing botocore costs a
third of a second in every Ansible worker process that templates one of the collection's filters.
"""

import numbers
import os
import re
import shutil
import subprocess
import tempfile

try:
    import yaml
except ImportError:  # ansible-core depends on PyYAML; the guard keeps the import sanity test honest
    yaml = None

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

# AMP quotas the modules check before uploading (AMP user guide, "service quotas"). Correct them here.
QUOTA_RULE_NAMESPACE_BYTES = 1024 * 1024  # rules definition file size per namespace
QUOTA_ALERTMANAGER_DEFINITION_BYTES = 1024 * 1024  # alertmanager definition file size
QUOTA_REPEAT_INTERVAL_SECONDS = 5 * 24 * 3600  # AMP caps repeat_interval at 5 days
VALIDATOR_TIMEOUT = 60
# A resource AMP could not create or update (the last: anomaly detectors, scrapers); its statusReason says why.
FAILED_STATUSES = ("CREATION_FAILED", "UPDATE_FAILED", "DELETION_FAILED")
# Prometheus' duration syntax (model.ParseDuration): whole numbers, units largest first, no sign.
DURATION = re.compile(r"^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$")
UNIT_SECONDS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}


def is_duration(value):
    """Whether VALUE is a Prometheus duration (5m, 1h30m, 0s)."""
    return isinstance(value, str) and value != "" and DURATION.match(value) is not None


def duration_seconds(text):
    """The seconds of a Prometheus duration (checked with is_duration first)."""
    return sum(int(amount) * UNIT_SECONDS[unit] for amount, unit in re.findall(r"([0-9]+)(ms|y|w|d|h|m|s)", text))


def plain_data(value):
    """A copy with plain Python types: ansible-core 2.19 tags its strings and containers, which PyYAML
    cannot dump and comparisons of types may trip on (filters get templated values)."""
    if isinstance(value, dict):
        return {plain_data(key): plain_data(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_data(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return value


class AmpError(AnsibleAWSError):
    """A failure to report to the user: our own message, or "Failed to <what>" with the AWS error behind it."""


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


# What the modules return of AMP resources (no SDK needed: chain_info and the write gates build the same views).

def status_of(resource):
    """(statusCode, statusReason) of a described AMP resource."""
    status = (resource or {}).get("status") or {}
    return status.get("statusCode"), status.get("statusReason")


def status_view(resource):
    """``status`` and, when AMP gives one, ``status_reason``: what the modules return of a status."""
    code, reason = status_of(resource)
    view = {"status": code}
    if reason:
        view["status_reason"] = reason
    return view


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
