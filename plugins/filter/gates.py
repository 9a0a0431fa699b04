# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The roles' write gates on the controller: whether a resource read once differs from what the role
asks for, decided by module_utils/gates.py (as the writing module decides)."""

import os

from ansible.errors import AnsibleFilterError

from ansible_collections.amp.alerting.plugins.module_utils.amp_base import plain_data
from ansible_collections.amp.alerting.plugins.plugin_utils.lazy import LazyModule

# imported by the tasks that call them (plugin_utils/lazy.py says why)
gates = LazyModule("ansible_collections.amp.alerting.plugins.module_utils.gates")
lambda_zip = LazyModule("ansible_collections.amp.alerting.plugins.module_utils.lambda_zip")


def managed_policy_differs(found, arn, document):
    """FOUND: what amp.alerting.iam_managed_policy_info or amp.alerting.chain_info (managed_policies)
    registered; True when the policy ARN would be changed by amazon.aws.iam_managed_policy to hold DOCUMENT
    (only_version: true)."""
    if isinstance(found, dict) and isinstance(found.get("managed_policies"), dict):
        if arn not in found["managed_policies"]:
            raise AnsibleFilterError(f"managed_policy_differs: amp.alerting.chain_info did not read policy {arn}")
        return gates.managed_policy_differs(found["managed_policies"][arn], plain_data(document))
    if not isinstance(found, dict) or "policies" not in found:
        raise AnsibleFilterError("managed_policy_differs: the input is not a result of amp.alerting.iam_managed_policy_info "
                                 "or amp.alerting.chain_info")
    entry = next((p for p in found["policies"] if p.get("arn") == arn), None)
    return gates.managed_policy_differs(entry, plain_data(document))


# What each kind of resource is read as (chain_info's key) and the gate that compares it (module_utils/gates.py).
KINDS = {
    "log_group": ("log_groups", "log_group_differs"),
    "queue": ("queues", "queue_differs"),
    "table": ("tables", "table_differs"),
    "ttl": ("tables", "ttl_differs"),
    "role": ("roles", "role_differs"),
    "inline_policy": ("roles", "inline_policy_differs"),
    "function": ("functions", "function_differs"),
    "permission": ("functions", "permission_differs"),
    "parameter": ("parameters", "parameter_differs"),
    "subscription": ("subscriptions", "subscription_differs"),
    "topic": ("topics", "topic_differs"),
    "alert_topic": ("topics", "alert_topic_differs"),
    # one per workspace: NAME is the workspace's id (one not read, or made since, has none)
    "resource_policy": ("resource_policy", "resource_policy_differs"),
    "alarm": ("alarms", "alarm_differs"),
    "rule_namespace": ("rule_namespaces", "rule_namespace_differs"),
    # one per workspace: NAME is the workspace's id
    "alertmanager": ("alertmanager_definition", "alertmanager_differs"),
    # the workspace read (with workspace_settings); NAME is its alias
    "workspace": ("workspace", "workspace_differs"),
    # the scrapers writing to the workspace read (with scrapers); NAME is the scraper's alias
    "scraper": ("scrapers", "scraper_differs"),
}


def differs(found, kind, name, wanted=None):
    """FOUND: what amp.alerting.chain_info registered; True when the writing module of KIND would change the
    resource NAME (a subscription: its endpoint) given the options WANTED."""
    if kind not in KINDS:
        raise AnsibleFilterError(f"differs: kind must be one of {', '.join(sorted(KINDS))}, not {kind!r}")
    key, gate_name = KINDS[kind]
    if not isinstance(found, dict) or key not in found:
        raise AnsibleFilterError(f"differs: the input is not a result of amp.alerting.chain_info (no {key})")
    if kind == "subscription":
        entry = next((s for s in found[key] if s.get("endpoint") == name), False)
    elif kind == "alertmanager":
        entry = found[key] if found.get("workspace_id_read") == name else False
    elif kind == "workspace":
        entry = found[key] if (found.get("read") or {}).get("workspace_settings") else False
    elif kind == "resource_policy":
        entry = found[key] if (found.get("workspace") or {}).get("workspace_id") == name else None
    elif kind == "scraper":
        entry = [s for s in found[key] if s.get("alias") == name] if (found.get("read") or {}).get("scrapers") else False
    else:
        entry = found[key].get(name, False)
    if entry is False:
        # a gate on a resource the read left out would always say "differs": a role's mistake, said at once
        raise AnsibleFilterError(f"differs: amp.alerting.chain_info did not read {kind} {name}")
    try:
        return getattr(gates, gate_name)(entry, **plain_data(wanted or {}))
    except ValueError as e:  # the read left out what the gate compares
        raise AnsibleFilterError(f"differs: {e}") from e


def differing(found, gates, full_check=False):
    """FOUND: what amp.alerting.chain_info registered; GATES: a role's writers, each ``[kind, name, wanted]`` as
    differs takes them (kind managed_policy: as managed_policy_differs takes NAME and WANTED), a boolean for a
    writer the read does not gate (true: it runs), or null (not wanted), in dicts nested as the role groups them,
    or one gate. The same dicts, each gate replaced by whether its writer would change the resource (FULL_CHECK:
    every wanted writer runs)."""
    if isinstance(gates, dict):
        return {key: differing(found, gate, full_check) for key, gate in gates.items()}
    if gates is None:
        return False
    if isinstance(gates, bool):
        return gates
    if not isinstance(gates, (list, tuple)) or len(gates) not in (2, 3):
        raise AnsibleFilterError(f"differing: a gate is [kind, name, wanted], a boolean or null, not {gates!r}")
    if full_check:
        return True
    if gates[0] == "managed_policy":
        return managed_policy_differs(found, *gates[1:])
    return differs(found, *gates)


def anything_differs(found, gates, full_check=False):
    """True when any gate of GATES (as differing takes them) says its writer would run: a role includes its
    writers only then, each writer deciding again after those before it ran."""
    def leaves(decided):
        if isinstance(decided, dict):
            for value in decided.values():
                yield from leaves(value)
        else:
            yield decided
    return any(leaves(differing(found, gates, full_check)))


# chain_info's options: lists of names, switches, and the workspace they concern.
READ_LISTS = ("log_groups", "queues", "tables", "functions", "managed_policies", "parameters", "parameter_paths", "topics", "alarms", "stacks",
              "secret_prefixes", "rule_namespaces")
READ_SWITCHES = ("resource_policy", "scrapers", "scraper_configurations", "alertmanager_definition", "workspace_configuration", "workspace_settings")
# what needs the workspace to be the one the role means
WORKSPACE_READS = ("rule_namespaces",) + READ_SWITCHES


def _unique(items):
    kept = []
    for item in items:
        if item not in kept:
            kept.append(item)
    return kept


def chain_reads(requests, region):
    """One amp.alerting.chain_info request for the chain's roles: the union of REQUESTS (each what a role reads,
    its chain_info options, with the region it reads in; a list, or a dict by role), leaving out those of another region than REGION
    (such a role reads on its own). Two requests naming different workspaces are a role's mistake."""
    merged = {key: [] for key in READ_LISTS + ("roles", "subscriptions")}
    merged.update(dict.fromkeys(READ_SWITCHES, False), workspace_id=None, workspace_alias=None)
    requests = plain_data(requests or {})
    for request in requests.values() if isinstance(requests, dict) else requests:
        if (request.get("region") or region) != region:
            continue
        for key in READ_LISTS + ("subscriptions",):
            merged[key] = _unique(merged[key] + list(request.get(key) or []))
        for role in request.get("roles") or []:
            same = next((r for r in merged["roles"] if r["name"] == role["name"]), None)
            if same is None:
                merged["roles"].append({"name": role["name"], "inline_policies": list(role.get("inline_policies") or [])})
            else:
                same["inline_policies"] = _unique(same["inline_policies"] + list(role.get("inline_policies") or []))
        for key in READ_SWITCHES:
            merged[key] = merged[key] or bool(request.get(key))
        for key in ("workspace_id", "workspace_alias"):
            if request.get(key):
                if merged[key] and merged[key] != request[key]:
                    raise AnsibleFilterError(f"chain_reads: two roles read different workspaces ({key} {merged[key]} "
                                             f"and {request[key]})")
                merged[key] = request[key]
    return merged


def chain_serves(found, wanted):
    """Whether FOUND (what amp.alerting.chain_info registered, or nothing) read everything of WANTED (a role's
    chain_info options, with its region), in the same region and of the same workspace - so that the role may
    gate on it instead of reading again. A read that found a stack of amp.alerting 0.2.0 serves no role: the
    handover from it changes what was read."""
    if not isinstance(found, dict) or not isinstance(found.get("read"), dict):
        return False
    # only what is compared is made plain: the whole read is large, and making it plain renders every value
    # (about 0.15 s for each of the roles' many references to it)
    read, wanted = plain_data(found["read"]), plain_data(wanted or {})
    if (wanted.get("region") or found.get("region")) != found.get("region"):
        return False
    if any(stack is not None for stack in (found.get("stacks") or {}).values()):
        return False
    if any(not set(wanted.get(key) or []) <= set(read.get(key) or []) for key in READ_LISTS):
        return False
    if any(wanted.get(key) and not read.get(key) for key in READ_SWITCHES):
        return False
    if any(s not in (read.get("subscriptions") or []) for s in wanted.get("subscriptions") or []):
        return False
    read_roles = {r["name"]: set(r.get("inline_policies") or []) for r in read.get("roles") or []}
    if any(r["name"] not in read_roles or not set(r.get("inline_policies") or []) <= read_roles[r["name"]]
           for r in wanted.get("roles") or []):
        return False
    if any(wanted.get(key) for key in WORKSPACE_READS):
        workspace_id = (found.get("workspace") or {}).get("workspace_id")
        if wanted.get("workspace_id"):
            # the workspace the role writes to must be the one whose resources were read
            return (read.get("workspace_id") or workspace_id) == wanted["workspace_id"]
        return not read.get("workspace_id") and read.get("workspace_alias") == wanted.get("workspace_alias")
    return True


def lambda_code_sha256(paths):
    """The CodeSha256 Lambda would report for the zip amp.alerting.lambda_package builds of PATHS (same code)."""
    paths = [paths] if isinstance(paths, str) else list(paths)
    missing = [path for path in paths if not os.path.exists(path)]
    if missing:
        raise AnsibleFilterError(f"lambda_code_sha256: not a file or directory: {', '.join(missing)}")
    return lambda_zip.code_sha256(lambda_zip.build_zip(paths)[0])


class FilterModule:
    """amp.alerting filters."""

    def filters(self):
        return {"managed_policy_differs": managed_policy_differs, "differs": differs, "differing": differing,
                "anything_differs": anything_differs,
                "lambda_code_sha256": lambda_code_sha256, "chain_reads": chain_reads, "chain_serves": chain_serves}
