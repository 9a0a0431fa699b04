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
    every C(expr) parses as PromQL (promql-parser, and C(promtool check rules) when promtool is
    installed on the controller); valid label names; recording rule names valid metric names; the
    file within AMP's size limit.
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
  wait:
    description:
      - Wait until AMP reports the namespace C(ACTIVE) (or gone with O(state=absent)).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true).
    type: int
    default: 600
notes:
  - Supports check mode (no write API is called) and diff mode (the rule file before and after).
extends_documentation_fragment:
  - amp.alerting.workspace
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The blog's memory alert, threshold from the inventory
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

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_MUTUALLY_EXCLUSIVE
from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_REQUIRED_ONE_OF
from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpDocument
from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_client
from ansible_collections.amp.alerting.plugins.module_utils.amp import converge_document
from ansible_collections.amp.alerting.plugins.module_utils.amp import describe_or_none
from ansible_collections.amp.alerting.plugins.module_utils.amp import remove_document
from ansible_collections.amp.alerting.plugins.module_utils.amp import require_workspace
from ansible_collections.amp.alerting.plugins.module_utils.amp import status_of
from ansible_collections.amp.alerting.plugins.module_utils.amp import workspace_options
from ansible_collections.amp.alerting.plugins.module_utils.amp_rules import prepare_rules
from ansible_collections.amp.alerting.plugins.module_utils.amp_rules import same_rules


class RuleNamespace(AmpDocument):
    def __init__(self, client, workspace_id, name, tags):
        self.client = client
        self.workspace_id = workspace_id
        self.name = name
        self.tags = tags
        self.what = f"rule groups namespace {name} of workspace {workspace_id}"

    def describe(self):
        result = describe_or_none(self.client.describe_rule_groups_namespace, workspaceId=self.workspace_id, name=self.name)
        return result["ruleGroupsNamespace"] if result else None

    def create(self, data):
        extra = {"tags": self.tags} if self.tags else {}
        return self.client.create_rule_groups_namespace(aws_retry=True, workspaceId=self.workspace_id, name=self.name, data=data, **extra)

    def put(self, data):
        return self.client.put_rule_groups_namespace(aws_retry=True, workspaceId=self.workspace_id, name=self.name, data=data)

    def delete(self):
        return self.client.delete_rule_groups_namespace(aws_retry=True, workspaceId=self.workspace_id, name=self.name)


def text_of(resource):
    if not resource:
        return ""
    data = resource.get("data") or b""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def view(resource, workspace_id, fallback_name=None, fallback_data=None, tags=None):
    if resource is None:
        return {"name": fallback_name, "workspace_id": workspace_id, "status": None, "data": fallback_data, "tags": tags or {}}
    code, reason = status_of(resource)
    result = {
        "name": resource["name"],
        "arn": resource.get("arn"),
        "workspace_id": workspace_id,
        "status": code,
        "data": text_of(resource),
        "tags": resource.get("tags") or {},
    }
    if reason:
        result["status_reason"] = reason
    return result


def sync_tags(module, client, resource):
    """Bring the namespace's tags in line; True if they changed (or would)."""
    wanted = module.params["tags"]
    if wanted is None or resource is None:
        return False
    current = resource.get("tags") or {}
    to_set, to_remove = compare_aws_tags(current, wanted, module.params["purge_tags"])
    if not (to_set or to_remove):
        return False
    if not module.check_mode:
        if to_remove:
            client.untag_resource(aws_retry=True, resourceArn=resource["arn"], tagKeys=to_remove)
        if to_set:
            client.tag_resource(aws_retry=True, resourceArn=resource["arn"], tags=to_set)
    resource["tags"] = {k: v for k, v in current.items() if k not in to_remove}
    resource["tags"].update(to_set)
    return True


def ensure_present(module, client, namespace, body, document):
    params = module.params
    changed, before, after = converge_document(
        namespace, body, lambda current: same_rules(current, document),
        module.check_mode, params["wait"], params["wait_timeout"],
    )
    if after is None and not module.check_mode:
        after = namespace.describe()
    created = before is None
    tags_changed = False if created else sync_tags(module, client, after if after is not None else dict(before))
    result = view(after, namespace.workspace_id, namespace.name, body.decode("utf-8"), params["tags"])
    diff = {"before": text_of(before), "after": body.decode("utf-8") if changed else text_of(before),
            "before_header": namespace.what, "after_header": namespace.what}
    return changed or tags_changed, result, diff


def ensure_absent(module, namespace):
    changed, before = remove_document(namespace, module.check_mode, module.params["wait"], module.params["wait_timeout"])
    diff = {"before": text_of(before), "after": "", "before_header": namespace.what, "after_header": namespace.what}
    return changed, {}, diff


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        groups=dict(type="list", elements="dict"),
        data=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
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
    try:
        # Validate before any AWS call: a bad rule file must not cost a round trip.
        prepared = prepare_rules(groups=params["groups"], data=params["data"]) if params["state"] == "present" else None
        client = amp_client(module)
        workspace_id = require_workspace(client, params["workspace_id"], params["workspace_alias"])["workspaceId"]
        namespace = RuleNamespace(client, workspace_id, params["name"], params["tags"])
        if params["state"] == "present":
            changed, result, diff = ensure_present(module, client, namespace, *prepared)
        else:
            changed, result, diff = ensure_absent(module, namespace)
    except AmpError as exc:
        module.fail_json(msg=str(exc))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        module.fail_json_aws(exc, msg="AMP call failed")

    output = dict(changed=changed, namespace=result)
    if module._diff:
        output["diff"] = diff
    module.exit_json(**output)


if __name__ == "__main__":
    main()
