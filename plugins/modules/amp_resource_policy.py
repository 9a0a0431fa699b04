#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: amp_resource_policy
version_added: 0.2.0
short_description: Manage the resource-based policy of an AMP workspace
description:
  - Puts, compares and deletes the resource-based policy of an Amazon Managed Service for Prometheus
    workspace - the policy that lets principals of other accounts (or services) remote-write to the
    workspace or query it, for example the EKS clusters of many accounts sending to one central workspace.
  - The policy is compared semantically (statement and list order, a single value or a one-item
    list, the default policy version), so a run that asks for the policy in force writes nothing.
  - Changes are made with AMP's C(revisionId) - the revision read by this task, or C(NO_POLICY) when
    there was none - so a change made by someone else between the read and the write is reported, not
    overwritten. O(revision_id) makes the task also refuse when the policy in force is not the
    revision the caller last saw.
  - Validated before any AWS call - a JSON object with a C(Statement) list whose entries have an
    C(Effect) of C(Allow) or C(Deny), a C(Principal) (a resource-based policy names who it lets in),
    and an C(Action).
  - AMP honours only the Prometheus-compatible APIs in a workspace policy (for example
    C(aps:RemoteWrite), C(aps:QueryMetrics), C(aps:GetSeries), C(aps:GetLabels),
    C(aps:GetMetricMetadata)); others are accepted and ignored. When the workspace is encrypted with a
    customer-managed KMS key, the principals also need KMS grants on that key.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  policy:
    description:
      - The policy document, as a dictionary or JSON text.
      - Required with O(state=present).
    type: json
  revision_id:
    description:
      - The revision of the policy the caller expects to be in force (C(revision_id) returned by an
        earlier run, or C(NO_POLICY)). When the policy in force is another revision, the task fails
        without writing.
    type: str
  state:
    description:
      - Whether the workspace should have this policy (C(present)) or none (C(absent)).
    type: str
    choices: [present, absent]
    default: present
notes:
  - Supports check mode (no write API is called) and diff mode (the policy before and after, as
    indented JSON).
  - The policy passes through C(CREATING) / C(UPDATING); with O(wait=true) the module returns once it
    is C(ACTIVE).
extends_documentation_fragment:
  - amp.alerting.workspace
  - amp.alerting.wait
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Let the EKS clusters of two workload accounts remote-write to the central workspace
  amp.alerting.amp_resource_policy:
    workspace_alias: central
    policy:
      Version: "2012-10-17"
      Statement:
        - Sid: RemoteWriteFromWorkloadAccounts
          Effect: Allow
          Principal:
            AWS:
              - arn:aws:iam::111122223333:root
              - arn:aws:iam::444455556666:role/amp-ingest
          Action: aps:RemoteWrite
          Resource: "{{ workspace.workspace.arn }}"

- name: Remove the policy, unless someone changed it since revision 3f1c…
  amp.alerting.amp_resource_policy:
    workspace_alias: central
    revision_id: "{{ earlier.policy.revision_id }}"
    state: absent
"""

RETURN = r"""
policy:
  description: The policy as it is after the task (as predicted in check mode). Empty when absent.
  returned: always
  type: dict
  contains:
    workspace_id:
      description: The workspace id.
      type: str
    document:
      description: The policy document.
      type: dict
    revision_id:
      description: AMP's revision of the policy (empty in check mode for a policy not yet written).
      type: str
    status:
      description: The policy's status (C(CREATING), C(ACTIVE), C(UPDATING), C(DELETING)).
      type: str
"""

import json

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies

from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_MUTUALLY_EXCLUSIVE
from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_REQUIRED_ONE_OF
from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp import Outcome
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_call
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_client
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_delete
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_describe
from ansible_collections.amp.alerting.plugins.module_utils.amp import exit_with
from ansible_collections.amp.alerting.plugins.module_utils.amp import fail_on_problems
from ansible_collections.amp.alerting.plugins.module_utils.amp import require_workspace
from ansible_collections.amp.alerting.plugins.module_utils.amp import wait_for
from ansible_collections.amp.alerting.plugins.module_utils.amp import wait_options
from ansible_collections.amp.alerting.plugins.module_utils.amp import wait_problems
from ansible_collections.amp.alerting.plugins.module_utils.amp import workspace_options

NO_POLICY = "NO_POLICY"  # AMP's revisionId for "there is no policy yet"


def policy_problems(policy):
    """What AMP or IAM would refuse in a resource-based policy, each naming where."""
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError as exc:
            return [f"policy: not JSON ({exc})"], None
    if not isinstance(policy, dict):
        return ["policy: must be a JSON object with a Statement list"], None
    statements = policy.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        return ["policy.Statement: must be a non-empty list of statements"], None
    problems = []
    for index, statement in enumerate(statements):
        where = f"policy.Statement[{index}]"
        if not isinstance(statement, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        if statement.get("Effect") not in ("Allow", "Deny"):
            problems.append(f"{where}.Effect: {statement.get('Effect')!r} is neither Allow nor Deny")
        if "Principal" not in statement and "NotPrincipal" not in statement:
            problems.append(f"{where}.Principal: a resource-based policy must say whom it applies to")
        if not statement.get("Action") and not statement.get("NotAction"):
            problems.append(f"{where}.Action: missing")
    return problems, policy


class ResourcePolicy:
    def __init__(self, module, client, workspace_id):
        self.module = module
        self.client = client
        self.workspace_id = workspace_id
        self.what = f"the resource policy of workspace {workspace_id}"
        self.wait = module.params["wait"]
        self.wait_timeout = module.params["wait_timeout"]

    def describe(self):
        """The policy with its status in AMP's usual shape (status.statusCode), or None."""
        result = amp_describe(self.client.describe_resource_policy, f"describe {self.what}", workspaceId=self.workspace_id)
        if not result:
            return None
        return {"document": json.loads(result["policyDocument"]), "revision_id": result.get("revisionId", ""),
                "status": {"statusCode": result.get("policyStatus")}}

    def view(self, policy):
        if not policy:
            return {}
        return {"workspace_id": self.workspace_id, "document": policy["document"], "revision_id": policy["revision_id"],
                "status": policy["status"]["statusCode"]}

    def diff(self, before, after):
        def text(policy):
            return json.dumps(policy["document"], indent=2, sort_keys=True) + "\n" if policy else ""
        return {"before": text(before), "after": text(after), "before_header": self.what, "after_header": self.what}

    def settled(self):
        current = wait_for(self.describe, self.what, self.wait_timeout, until="settled") if self.wait else self.describe()
        expected = self.module.params["revision_id"]
        found = current["revision_id"] if current else NO_POLICY
        if expected and expected != found:
            raise AmpError(f"revision_id: {self.what} is revision {found}, not {expected}: it changed since it was "
                           "read; look at it and run again with the revision in force")
        return current

    def write(self, method, description, revision, delete=False, **kwargs):
        """A Put or Delete made with REVISION: AMP refuses it (ConflictException) when the policy changed since."""
        try:
            return (amp_delete if delete else amp_call)(method, description, workspaceId=self.workspace_id,
                                                        revisionId=revision, **kwargs)
        except AmpError as exc:
            code = (getattr(exc.exception, "response", None) or {}).get("Error", {}).get("Code")
            if code == "ConflictException":
                raise AmpError(f"{self.what} changed while this task ran (it read revision {revision}); nothing was "
                               "overwritten - run again to compare with the policy now in force",
                               exception=exc.exception) from exc
            raise

    def outcome(self, changed, before, after):
        return Outcome(changed, self.view(before), self.view(after), self.diff(before, after))

    def ensure_present(self, wanted):
        current = self.settled()
        if current and not compare_policies(current["document"], wanted):
            return self.outcome(False, current, current)
        if self.module.check_mode:
            status = "UPDATING" if current else "CREATING"
            return self.outcome(True, current, {"document": wanted, "revision_id": "", "status": {"statusCode": status}})
        revision = current["revision_id"] if current else NO_POLICY
        self.write(self.client.put_resource_policy, f"put {self.what}", revision,
                   policyDocument=json.dumps(wanted, sort_keys=True))
        after = wait_for(self.describe, self.what, self.wait_timeout) if self.wait else self.describe()
        return self.outcome(True, current, after)

    def ensure_absent(self):
        current = self.settled()
        if current is None:
            return self.outcome(False, None, None)
        if self.module.check_mode or current["status"]["statusCode"] == "DELETING":
            return self.outcome(True, current, None)
        self.write(self.client.delete_resource_policy, f"delete {self.what}", current["revision_id"], delete=True)
        if self.wait:
            wait_for(self.describe, self.what, self.wait_timeout, until="gone")
        return self.outcome(True, current, None)


def main():
    argument_spec = dict(
        policy=dict(type="json"),
        revision_id=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        **wait_options(),
        **workspace_options(),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=WORKSPACE_MUTUALLY_EXCLUSIVE,
        required_one_of=WORKSPACE_REQUIRED_ONE_OF,
        required_if=[("state", "present", ("policy",))],
        supports_check_mode=True,
    )
    params = module.params
    problems, wanted = policy_problems(params["policy"]) if params["state"] == "present" else ([], None)
    fail_on_problems(module, problems + wait_problems(params))
    try:
        client = amp_client(module)
        workspace = require_workspace(client, params["workspace_id"], params["workspace_alias"])
        policy = ResourcePolicy(module, client, workspace["workspaceId"])
        outcome = policy.ensure_present(wanted) if wanted is not None else policy.ensure_absent()
    except AmpError as e:
        module.fail_json_aws_error(e)

    exit_with(module, outcome, policy=outcome.after)


if __name__ == "__main__":
    main()
