#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: amp_workspace_info
version_added: 0.1.0
short_description: List Amazon Managed Service for Prometheus (AMP) workspaces
description:
  - Lists AMP workspaces, all of them or those named by ids, by exact alias or by alias prefix.
  - AMP aliases are not unique. With O(alias) the module fails, naming the workspace ids, when the
    alias matches more than one workspace, so that a playbook never acts on one of them at random.
  - Optionally adds, per workspace, its rule groups namespaces (names and statuses) and the status
    of its alertmanager definition.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  workspace_ids:
    description:
      - Only these workspaces. Ids that do not exist are left out of the result.
    type: list
    elements: str
  alias:
    description:
      - The workspace whose alias is exactly this text; an empty list when there is none.
      - Fails, naming their ids, when several workspaces (other than ones being deleted) have it.
      - Mutually exclusive with O(workspace_ids) and O(alias_prefix).
    type: str
  alias_prefix:
    description:
      - Only workspaces whose alias starts with this text (AMP's own filter).
    type: str
  include_rules:
    description:
      - Add each workspace's rule groups namespaces, alertmanager definition status, the SNS topics
        its receivers publish to (no other part of the definition, which may hold secrets), and
        its logging configuration (where AMP writes alertmanager and rule errors).
      - Costs one list call and two describe calls per workspace.
    type: bool
    default: false
notes:
  - Read-only; runs the same in check mode.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Every workspace of the region
  amp.alerting.amp_workspace_info:
  register: amp_workspaces

- name: The one workspace of this inventory host (fails when the alias is ambiguous)
  amp.alerting.amp_workspace_info:
    alias: "{{ inventory_hostname }}"
  register: host_workspace

- name: The prod workspaces with their rules and alertmanager status
  amp.alerting.amp_workspace_info:
    alias_prefix: prod-
    include_rules: true
  register: prod_workspaces

- name: Fail when a namespace did not become active
  ansible.builtin.assert:
    that: item.rule_namespaces | rejectattr('status', 'equalto', 'ACTIVE') | list | length == 0
  loop: "{{ prod_workspaces.workspaces }}"
"""

RETURN = r"""
workspaces:
  description: The matching workspaces, sorted by alias then id. Empty when nothing matches; at most one with O(alias).
  returned: always
  type: list
  elements: dict
  contains:
    workspace_id:
      description: The workspace id.
      type: str
      sample: ws-0123abcd-0123-4567-89ab-0123456789ab
    arn:
      description: The workspace ARN.
      type: str
    alias:
      description: The workspace alias.
      type: str
    status:
      description: The workspace status code.
      type: str
      sample: ACTIVE
    prometheus_endpoint:
      description: The workspace's Prometheus-compatible endpoint.
      type: str
    remote_write_url:
      description: The remote-write URL.
      type: str
    query_url:
      description: The PromQL instant-query URL.
      type: str
    alertmanager_url:
      description: The URL of the workspace alertmanager's alerts API.
      type: str
    kms_key_arn:
      description: The customer-managed KMS key, if any.
      type: str
    tags:
      description: The workspace tags.
      type: dict
    created_at:
      description: When the workspace was created.
      type: str
    rule_namespaces:
      description: The rule groups namespaces (with O(include_rules=true)).
      returned: when include_rules is true
      type: list
      elements: dict
      contains:
        name:
          description: The namespace name.
          type: str
        status:
          description: The namespace status code.
          type: str
        status_reason:
          description: AMP's reason for a failed status.
          type: str
    alertmanager:
      description: The alertmanager definition's status, or null when the workspace has none (with O(include_rules=true)).
      returned: when include_rules is true
      type: dict
      contains:
        status:
          description: The definition's status code.
          type: str
        status_reason:
          description: AMP's reason for a failed status.
          type: str
        sns_topic_arns:
          description: Each receiver's SNS topics (receiver name to topic ARNs), from the stored definition.
          type: dict
          sample: {"slack": ["arn:aws:sns:eu-west-1:123456789012:amp-prod-alerts"]}
        pagerduty_secret_arns:
          description:
            - Each PagerDuty receiver's Secrets Manager secrets (receiver name to secret ARNs), from the
              stored definition - the secrets AMP reads the integration keys from; never a key.
          type: dict
          sample: {"page-payments": ["arn:aws:secretsmanager:eu-west-1:123456789012:secret:amp-alerting/prod/pagerduty/payments-AbCdEf"]}
    logging:
      description: The logging configuration (rule and alertmanager logs), or null when there is none (with O(include_rules=true)).
      returned: when include_rules is true
      type: dict
      contains:
        log_group_arn:
          description: The CloudWatch Logs log group, as AMP has it (ends in C(:*)).
          type: str
        status:
          description: The logging configuration's status code.
          type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_client
from ansible_collections.amp.alerting.plugins.module_utils.amp import describe_workspace
from ansible_collections.amp.alerting.plugins.module_utils.amp import find_workspace
from ansible_collections.amp.alerting.plugins.module_utils.amp import list_workspaces
from ansible_collections.amp.alerting.plugins.module_utils.amp import workspace_view
from ansible_collections.amp.alerting.plugins.module_utils.doctor_reads import add_rules


def find_workspaces(client, workspace_ids, alias, alias_prefix):
    if alias is not None:
        workspace = find_workspace(client, alias=alias, alias_field="alias")
        return [workspace] if workspace else []
    if workspace_ids:
        found = [describe_workspace(client, workspace_id) for workspace_id in dict.fromkeys(workspace_ids)]
        found = [ws for ws in found if ws is not None]
        if alias_prefix:
            found = [ws for ws in found if (ws.get("alias") or "").startswith(alias_prefix)]
        return found
    filters = {"alias": alias_prefix} if alias_prefix else {}
    # Summaries lack the endpoint and KMS key: describe each one.
    return [ws for ws in (describe_workspace(client, s["workspaceId"]) for s in list_workspaces(client, **filters)) if ws]


def main():
    argument_spec = dict(
        workspace_ids=dict(type="list", elements="str"),
        alias=dict(type="str"),
        alias_prefix=dict(type="str"),
        include_rules=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=[("alias", "workspace_ids"), ("alias", "alias_prefix")],
        supports_check_mode=True,
    )
    params = module.params
    if params["alias"] is not None and not params["alias"].strip():
        module.fail_json(msg="alias: give the workspace alias to look for (not an empty string)")
    client = amp_client(module)
    try:
        found = find_workspaces(client, params["workspace_ids"], params["alias"], params["alias_prefix"])
        workspaces = sorted((workspace_view(ws) for ws in found), key=lambda ws: (ws["alias"] or "", ws["workspace_id"]))
        if params["include_rules"]:
            for view in workspaces:
                add_rules(client, view)
    except AmpError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, workspaces=workspaces)


if __name__ == "__main__":
    main()
