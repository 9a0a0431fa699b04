# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Policies for the roles and the deployer playbook: whether a resource policy lets an AWS service
principal make a request, evaluated as AWS does (module_utils/policy_evaluation.py), for the roles'
read-only checks before a write; and the shipped deployer policies (files/iam/) narrowed to a
partition, region and account, and cut into parts that fit IAM's managed-policy quota."""

import copy
import json
import re

from ansible.errors import AnsibleFilterError

from ansible_collections.amp.alerting.plugins.module_utils.policy_evaluation import PolicyNotUnderstood
from ansible_collections.amp.alerting.plugins.module_utils.policy_evaluation import Principal
from ansible_collections.amp.alerting.plugins.module_utils.policy_evaluation import evaluate


def service_denials(policy, service, actions, resource, context=None, key_policy=False):
    """One sentence per action of ACTIONS that POLICY does not let SERVICE do on RESOURCE; [] when all are allowed."""
    denials = []
    for action in actions if isinstance(actions, list) else [actions]:
        try:
            decision = evaluate(action, resource, Principal.service(service), context or {}, resource_policy=policy,
                                resource_label="key policy" if key_policy else "resource policy", key_policy=key_policy)
        except (PolicyNotUnderstood, ValueError) as exc:
            raise AnsibleFilterError(f"cannot evaluate the policy of {resource}: {exc}") from exc
        if not decision.allowed:
            denials.append(f"{service} may not {action}: {decision.reason}")
    return denials


# IAM User Guide, "IAM and AWS STS quotas": a managed policy holds 6,144 characters, white space not
# counted; a role's inline policies 10,240 together.
MANAGED_POLICY_SIZE = 6144


def policy_size(document):
    """The characters IAM counts in a policy document (white space is not counted)."""
    return len(re.sub(r"\s", "", json.dumps(document, separators=(",", ":"))))


def _narrow_arn(arn, partition, region, account):
    """ARN with its partition, region and account put in where they are ``*``; other values kept."""
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        return arn
    fields = arn.split(":", 5)
    if len(fields) < 6:
        return arn
    for index, value in ((1, partition), (3, region), (4, account)):
        # IAM and other global services leave the region empty; an empty field stays empty
        if value and fields[index] == "*":
            fields[index] = str(value)
    return ":".join(fields)


def _narrow_value(value, partition, region, account):
    if isinstance(value, list):
        return [_narrow_value(item, partition, region, account) for item in value]
    if isinstance(value, dict):
        return {key: _narrow_value(item, partition, region, account) for key, item in value.items()}
    return _narrow_arn(value, partition, region, account)


def narrowed_policy(document, partition="", region="", account=""):
    """DOCUMENT (a shipped deployer policy) with every ``*`` partition, region and account of its
    Resource ARNs and ARN conditions replaced by the given ones (an empty one keeps ``*``)."""
    if isinstance(document, str):
        document = json.loads(document)
    if account and not re.fullmatch(r"\d{12}", str(account)):
        raise AnsibleFilterError(f"narrowed_policy: account must be a 12-digit AWS account id, got {account!r}")
    narrowed = copy.deepcopy(document)
    for statement in narrowed.get("Statement", []):
        for element in ("Resource", "NotResource"):
            if element in statement:
                statement[element] = _narrow_value(statement[element], partition, region, account)
        for operator, keys in (statement.get("Condition") or {}).items():
            if "Arn" in operator:
                statement["Condition"][operator] = _narrow_value(keys, partition, region, account)
    return narrowed


def policy_parts(document, limit=MANAGED_POLICY_SIZE):
    """DOCUMENT cut at statement boundaries into documents of at most LIMIT characters (IAM's count),
    in order, as few as the statements allow."""
    if isinstance(document, str):
        document = json.loads(document)
    version = document.get("Version", "2012-10-17")
    parts, current = [], []
    for statement in document.get("Statement", []):
        candidate = {"Version": version, "Statement": current + [statement]}
        if current and policy_size(candidate) > limit:
            parts.append({"Version": version, "Statement": current})
            current = [statement]
        else:
            current = candidate["Statement"]
        if policy_size({"Version": version, "Statement": [statement]}) > limit:
            raise AnsibleFilterError(f"policy_parts: statement {statement.get('Sid', '')!r} alone is over {limit} characters")
    if current:
        parts.append({"Version": version, "Statement": current})
    return parts


class FilterModule:
    """amp.alerting filters."""

    def filters(self):
        return {"service_denials": service_denials, "narrowed_policy": narrowed_policy, "policy_parts": policy_parts}
