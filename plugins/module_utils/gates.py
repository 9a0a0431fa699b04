# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Write gates: whether a resource read once already is what a role asks for (issue 26's "read once,
write only what differs").

A role reads what it manages in one task, then runs a writing module only for what differs. Each gate
decides as the writing module would, with the writing module's own comparison, so that the two cannot
disagree: a gate that says "same" where the module would change something leaves drift unrepaired.
``amp_alerting_full_check=true`` runs every writing module as before.
"""

from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies


def managed_policy_differs(found, document):
    """Whether amazon.aws.iam_managed_policy (with ``only_version: true``) would change the customer-managed
    policy FOUND (an entry of iam_managed_policy_info's ``policies``) to hold DOCUMENT: it is missing, its
    default version's document is another (amazon.aws's compare_policies, as the module compares), or it
    keeps other versions (the module deletes them)."""
    if not found or not found.get("exists"):
        return True
    if len(found.get("version_ids") or []) != 1:
        return True
    return compare_policies(found.get("document") or {}, document)
