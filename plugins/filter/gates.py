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


class FilterModule:
    """amp.alerting filters."""

    def filters(self):
        return {"managed_policy_differs": managed_policy_differs}
