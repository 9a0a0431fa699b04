#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: amp_rule_namespace
version_added: 0.1.0
short_description: Manage rule groups namespaces (alerting and recording rules) of an AMP workspace
description:
  - Uploads a Prometheus rule file to an Amazon Managed Service for Prometheus workspace as a rule
    groups namespace, and deletes it.
  - The rules are validated before any AWS call; the error names the group, the rule and the
    problem. Checks - only C(groups) at the top level; unique group names; C(interval), C(for),
    C(keep_firing_for) valid Prometheus durations; each rule exactly one of C(alert) / C(record);
    every C(expr) parses as PromQL (promql-parser); label and annotation names valid (C(__name__)
    reserved); the labels and annotations of alerting rules parse as Prometheus templates (defined
    variables such as C($labels) and C($value), known functions, balanced actions); recording rule
    names valid metric names; the file within AMP's size limit. C(promtool check rules) runs too
    when promtool is installed on the controller; the own checks alone agree with it on the
    real-world rule files of the collection's conformance corpus.
  - A rule file (O(data)) with several YAML documents is read as AMP and Prometheus read it, the
    first document only, with a warning.
  - Comparison is semantic - a file that differs only in formatting or comments is no change.
  - AMP validates asynchronously. With O(wait=true) the module waits for C(ACTIVE) and fails with
    AMP's C(statusReason) on C(CREATION_FAILED) or C(UPDATE_FAILED); after a failed update AMP keeps
    the previous rules in effect.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  name:
    description:
      - The namespace name.
    type: str
    required: true
  groups:
    description:
      - The rule groups, with the structure of a Prometheus rule file's C(groups).
      - Prometheus templates such as C({{ $labels.pod }}) in annotations must reach the module
        untemplated; mark such values C(!unsafe) or wrap them in C({% raw %}).
      - Mutually exclusive with O(data).
    type: list
    elements: dict
  data:
    description:
      - The whole rule file as YAML text, uploaded byte for byte.
      - Mutually exclusive with O(groups).
    type: str
  state:
    description:
      - Whether the namespace should exist.
    type: str
    choices: [present, absent]
    default: present
requirements:
  - promql-parser >= 0.5.0 (the rules' PromQL is parsed before any call)
notes:
  - Supports check mode (no write API is called) and diff mode (the rule file before and after).
extends_documentation_fragment:
  - amp.alerting.workspace
  - amp.alerting.wait
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The memory alert of Playing with alertmanager, threshold from the inventory
  amp.alerting.amp_rule_namespace:
    workspace_alias: prod-eu
    name: kubernetes
    groups:
      - name: pods
        rules:
          - alert: PodHighMemoryUsage
            expr: 'sum(container_memory_usage_bytes{container!="POD",container!=""}) by (pod) > {{ pod_memory_bytes }}'
            for: 1m
            labels:
              severity: error
            annotations:
              summary: !unsafe "Pod {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | humanize1024 }}B of memory."

- name: Upload an existing rule file as it is
  amp.alerting.amp_rule_namespace:
    workspace_id: ws-0123abcd-0123-4567-89ab-0123456789ab
    name: node
    data: "{{ lookup('ansible.builtin.file', 'rules/node.yml') }}"

- name: Remove a namespace
  amp.alerting.amp_rule_namespace:
    workspace_alias: prod-eu
    name: legacy
    state: absent
"""

RETURN = r"""
namespace:
  description: The namespace after the task (as predicted in check mode). Empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: The namespace name.
      type: str
      sample: kubernetes
    arn:
      description: The namespace ARN (what IAM policies for rule management name).
      type: str
      sample: arn:aws:aps:eu-west-1:123456789012:rulegroupsnamespace/ws-0123abcd-0123-4567-89ab-0123456789ab/kubernetes
    workspace_id:
      description: The workspace id.
      type: str
    status:
      description: AMP's status code for the namespace.
      type: str
      sample: ACTIVE
    status_reason:
      description: AMP's reason for a failed status, when there is one.
      type: str
    data:
      description: The rule file as uploaded.
      type: str
    tags:
      description: The namespace tags.
      type: dict
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_MUTUALLY_EXCLUSIVE
from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_REQUIRED_ONE_OF
from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpDocument
from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_call
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_client
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_delete
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_describe
from ansible_collections.amp.alerting.plugins.module_utils.amp import exit_with
from ansible_collections.amp.alerting.plugins.module_utils.amp import fail_on_problems
from ansible_collections.amp.alerting.plugins.module_utils.amp import require_workspace
from ansible_collections.amp.alerting.plugins.module_utils.amp import sync_tags
from ansible_collections.amp.alerting.plugins.module_utils.amp import text_of
from ansible_collections.amp.alerting.plugins.module_utils.amp import wait_options
from ansible_collections.amp.alerting.plugins.module_utils.amp import wait_problems
from ansible_collections.amp.alerting.plugins.module_utils.amp import warn
from ansible_collections.amp.alerting.plugins.module_utils.amp import workspace_options
from ansible_collections.amp.alerting.plugins.module_utils.amp_rules import prepare_rules
from ansible_collections.amp.alerting.plugins.module_utils.amp_rules import same_rules


class RuleNamespace(AmpDocument):
    def __init__(self, module, client, workspace_id):
        super().__init__(module, client, workspace_id)
        self.name = module.params["name"]
        self.tags = module.params["tags"]
        self.purge_tags = module.params["purge_tags"]
        self.what = f"rule groups namespace {self.name} of workspace {workspace_id}"
        self.ids = dict(workspaceId=workspace_id, name=self.name)

    def describe(self):
        result = amp_describe(self.client.describe_rule_groups_namespace, f"describe {self.what}", **self.ids)
        return result["ruleGroupsNamespace"] if result else None

    def create(self, data):
        extra = {"tags": self.tags} if self.tags else {}
        return amp_call(self.client.create_rule_groups_namespace, f"create {self.what}", data=data, **self.ids, **extra)

    def put(self, data):
        return amp_call(self.client.put_rule_groups_namespace, f"put {self.what}", data=data, **self.ids)

    def delete(self):
        return amp_delete(self.client.delete_rule_groups_namespace, f"delete {self.what}", **self.ids)

    def fields(self, resource, predicted_text):
        if resource is None:
            return {"name": self.name, "data": predicted_text, "tags": self.tags or {}}
        return {"name": resource["name"], "arn": resource.get("arn"), "data": text_of(resource),
                "tags": resource.get("tags") or {}}

    def sync_tags(self, resource):
        tags = sync_tags(self.client, resource["arn"], resource.get("tags"), self.tags, self.purge_tags, self.what, self.check_mode)
        if tags is None:
            return False
        resource["tags"] = tags
        return True


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        groups=dict(type="list", elements="dict"),
        data=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        **wait_options(),
        **workspace_options(),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=WORKSPACE_MUTUALLY_EXCLUSIVE + [("groups", "data")],
        required_one_of=WORKSPACE_REQUIRED_ONE_OF,
        required_if=[("state", "present", ("groups", "data"), True)],
        supports_check_mode=True,
    )
    params = module.params
    fail_on_problems(module, wait_problems(params))  # before any AWS call, as the rule file's checks below
    try:
        # Validate before any AWS call: a bad rule file must not cost a round trip.
        if params["state"] == "present":
            body, document, warnings = prepare_rules(groups=params["groups"], data=params["data"])
            for warning in warnings:
                warn(module, warning)
        client = amp_client(module)
        workspace = require_workspace(client, params["workspace_id"], params["workspace_alias"])
        namespace = RuleNamespace(module, client, workspace["workspaceId"])
        if params["state"] == "present":
            outcome = namespace.ensure_present(body, lambda current: same_rules(current, document))
        else:
            outcome = namespace.ensure_absent()
    except AmpError as e:
        module.fail_json_aws_error(e)

    exit_with(module, outcome, namespace=outcome.after)


if __name__ == "__main__":
    main()
