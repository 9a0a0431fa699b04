# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whether a resource policy lets an AWS service principal make a request, evaluated as AWS does
(module_utils/policy_evaluation.py), for the roles' read-only checks before a write."""

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


class FilterModule:
    """amp.alerting filters."""

    def filters(self):
        return {"service_denials": service_denials}
