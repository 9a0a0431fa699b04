# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The roles' write gates on the controller: whether a resource read once differs from what the role
asks for, decided by module_utils/gates.py (as the writing module decides)."""

from ansible.errors import AnsibleFilterError

from ansible_collections.amp.alerting.plugins.module_utils import gates
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import plain_data


def managed_policy_differs(found, arn, document):
    """FOUND: what amp.alerting.iam_managed_policy_info registered; True when the policy ARN would be
    changed by amazon.aws.iam_managed_policy to hold DOCUMENT (only_version: true)."""
    if not isinstance(found, dict) or "policies" not in found:
        raise AnsibleFilterError("managed_policy_differs: the input is not a result of amp.alerting.iam_managed_policy_info")
    entry = next((p for p in found["policies"] if p.get("arn") == arn), None)
    return gates.managed_policy_differs(entry, plain_data(document))


# What each kind of resource is read as (chain_info's key) and the gate that compares it.
KINDS = {
    "log_group": ("log_groups", gates.log_group_differs),
    "queue": ("queues", gates.queue_differs),
    "table": ("tables", gates.table_differs),
    "ttl": ("tables", gates.ttl_differs),
    "role": ("roles", gates.role_differs),
    "inline_policy": ("roles", gates.inline_policy_differs),
    "function": ("functions", gates.function_differs),
    "permission": ("functions", gates.permission_differs),
    "parameter": ("parameters", gates.parameter_differs),
    "subscription": ("subscriptions", gates.subscription_differs),
    "topic": ("topics", gates.topic_differs),
    "alert_topic": ("topics", gates.alert_topic_differs),
    # one per workspace: NAME is the workspace's id (one not read, or made since, has none)
    "resource_policy": ("resource_policy", gates.resource_policy_differs),
    "alarm": ("alarms", gates.alarm_differs),
    "rule_namespace": ("rule_namespaces", gates.rule_namespace_differs),
    # one per workspace: NAME is the workspace's id
    "alertmanager": ("alertmanager_definition", gates.alertmanager_differs),
}


def differs(found, kind, name, wanted=None):
    """FOUND: what amp.alerting.chain_info registered; True when the writing module of KIND would change the
    resource NAME (a subscription: its endpoint) given the options WANTED."""
    if kind not in KINDS:
        raise AnsibleFilterError(f"differs: kind must be one of {', '.join(sorted(KINDS))}, not {kind!r}")
    key, gate = KINDS[kind]
    if not isinstance(found, dict) or key not in found:
        raise AnsibleFilterError(f"differs: the input is not a result of amp.alerting.chain_info (no {key})")
    if kind == "subscription":
        entry = next((s for s in found[key] if s.get("endpoint") == name), False)
    elif kind == "alertmanager":
        entry = found[key] if found.get("workspace_id_read") == name else False
    elif kind == "resource_policy":
        entry = found[key] if (found.get("workspace") or {}).get("workspace_id") == name else None
    else:
        entry = found[key].get(name, False)
    if entry is False:
        # a gate on a resource the read left out would always say "differs": a role's mistake, said at once
        raise AnsibleFilterError(f"differs: amp.alerting.chain_info did not read {kind} {name}")
    return gate(entry, **plain_data(wanted or {}))


class FilterModule:
    """amp.alerting filters."""

    def filters(self):
        return {"managed_policy_differs": managed_policy_differs, "differs": differs}
