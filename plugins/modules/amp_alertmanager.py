#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: amp_alertmanager
version_added: 0.1.0
short_description: Manage the alertmanager definition of an AMP workspace
description:
  - Writes the alertmanager definition of an Amazon Managed Service for Prometheus workspace from
    an Alertmanager configuration (O(config)) and its templates (O(template_files)), producing AMP's
    document (C(alertmanager_config) as a literal block, and C(template_files)); or uploads AMP's whole
    document (O(definition)) as it is.
  - Validated before any AWS call, naming the field - a top-level route with a receiver; every
    receiver named in the route tree defined; receivers carry only C(name) and C(sns_configs)
    (AMP delivers to SNS only); each C(sns_configs) entry has a Standard SNS topic ARN in the
    workspace's account, C(sigv4.region) matching the topic's region, and no C(api_url) or
    C(http_config); every C(templates) entry matches a file of O(template_files); route durations
    valid; the document within AMP's size limit. C(amtool check-config) runs too when amtool is
    installed on the controller (it catches template syntax errors).
  - A C(repeat_interval) above 5 days gives a warning - AMP caps it.
  - Comparison is semantic - formatting differences are no change.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  config:
    description:
      - The Alertmanager configuration (C(route), C(receivers), C(inhibit_rules), C(templates), ...).
      - Mutually exclusive with O(definition).
    type: dict
  template_files:
    description:
      - Notification templates, file name to template text, referenced from C(templates) in O(config).
      - Go templates such as C({{ .Status }}) must reach the module untemplated; mark them C(!unsafe)
        or read the files with C(lookup('file')), whose result Ansible does not template again.
    type: dict
  definition:
    description:
      - AMP's whole alertmanager document as YAML text, uploaded byte for byte.
      - Mutually exclusive with O(config) and O(template_files).
    type: str
  state:
    description:
      - Whether the workspace should have an alertmanager definition.
    type: str
    choices: [present, absent]
    default: present
  wait:
    description:
      - Wait until AMP reports the definition C(ACTIVE) (or gone with O(state=absent)).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait with O(wait=true).
    type: int
    default: 600
notes:
  - Supports check mode (no write API is called) and diff mode (the document before and after).
extends_documentation_fragment:
  - amp.alerting.workspace
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Route everything to one SNS topic, critical alerts repeated hourly
  amp.alerting.amp_alertmanager:
    workspace_alias: prod-eu
    config:
      route:
        receiver: sns
        group_by: [alertname, namespace]
        repeat_interval: 4h
        routes:
          - receiver: sns
            matchers: ['severity="critical"']
            repeat_interval: 1h
      receivers:
        - name: sns
          sns_configs:
            - topic_arn: arn:aws:sns:eu-west-1:123456789012:amp-alerts
              sigv4:
                region: eu-west-1
              attributes:
                severity: !unsafe '{{ .CommonLabels.severity }}'
      templates: [slack.tmpl]
    template_files:
      slack.tmpl: "{{ lookup('ansible.builtin.file', 'slack.tmpl') }}"

- name: Remove the definition
  amp.alerting.amp_alertmanager:
    workspace_alias: prod-eu
    state: absent
"""

RETURN = r"""
alertmanager:
  description: The definition after the task (as predicted in check mode). Empty when absent.
  returned: always
  type: dict
  contains:
    workspace_id:
      description: The workspace id.
      type: str
    status:
      description: AMP's status code for the definition.
      type: str
      sample: ACTIVE
    status_reason:
      description: AMP's reason for a failed status, when there is one.
      type: str
    definition:
      description: AMP's document as uploaded.
      type: str
"""

try:
    import botocore
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_MUTUALLY_EXCLUSIVE
from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_REQUIRED_ONE_OF
from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpDocument
from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_client
from ansible_collections.amp.alerting.plugins.module_utils.amp import converge_document
from ansible_collections.amp.alerting.plugins.module_utils.amp import describe_or_none
from ansible_collections.amp.alerting.plugins.module_utils.amp import require_workspace
from ansible_collections.amp.alerting.plugins.module_utils.amp import remove_document
from ansible_collections.amp.alerting.plugins.module_utils.amp import status_of
from ansible_collections.amp.alerting.plugins.module_utils.amp import workspace_options
from ansible_collections.amp.alerting.plugins.module_utils.amp_alertmanager_config import parse_definition
from ansible_collections.amp.alerting.plugins.module_utils.amp_alertmanager_config import prepare_definition


class AlertmanagerDefinition(AmpDocument):
    def __init__(self, client, workspace_id):
        self.client = client
        self.workspace_id = workspace_id
        self.what = f"alertmanager definition of workspace {workspace_id}"

    def describe(self):
        result = describe_or_none(self.client.describe_alert_manager_definition, workspaceId=self.workspace_id)
        return result["alertManagerDefinition"] if result else None

    def create(self, data):
        return self.client.create_alert_manager_definition(aws_retry=True, workspaceId=self.workspace_id, data=data)

    def put(self, data):
        return self.client.put_alert_manager_definition(aws_retry=True, workspaceId=self.workspace_id, data=data)

    def delete(self):
        return self.client.delete_alert_manager_definition(aws_retry=True, workspaceId=self.workspace_id)


def text_of(resource):
    data = (resource or {}).get("data") or b""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def view(resource, workspace_id, predicted_text):
    if resource is None:
        return {"workspace_id": workspace_id, "status": None, "definition": predicted_text}
    code, reason = status_of(resource)
    result = {"workspace_id": workspace_id, "status": code, "definition": text_of(resource)}
    if reason:
        result["status_reason"] = reason
    return result


def workspace_account(workspace):
    # arn:aws:aps:REGION:ACCOUNT:workspace/ID
    return workspace["arn"].split(":")[4]


def main():
    argument_spec = dict(
        config=dict(type="dict"),
        template_files=dict(type="dict"),
        definition=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
        **workspace_options(),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=WORKSPACE_MUTUALLY_EXCLUSIVE + [("config", "definition"), ("template_files", "definition")],
        required_one_of=WORKSPACE_REQUIRED_ONE_OF,
        required_if=[("state", "present", ("config", "definition"), True)],
        supports_check_mode=True,
    )
    params = module.params
    present = params["state"] == "present"
    try:
        if present:
            # Everything that needs no AWS call first; the account check needs the workspace's ARN.
            prepare_definition(params["config"], params["template_files"], params["definition"])
        client = amp_client(module)
        workspace = require_workspace(client, params["workspace_id"], params["workspace_alias"])
        definition = AlertmanagerDefinition(client, workspace["workspaceId"])
        if present:
            body, wanted, warnings = prepare_definition(params["config"], params["template_files"], params["definition"],
                                                        account_id=workspace_account(workspace))
            for warning in warnings:
                # The plain AnsibleModule.warn: amazon.aws 10.1.2's wrapper also copies warnings into the
                # result, which ansible-core 2.19 reports as a deprecation on every run.
                module._module.warn(warning)  # pylint: disable=protected-access
            changed, before, after = converge_document(
                definition, body, lambda current: parse_definition(current) == wanted,
                module.check_mode, params["wait"], params["wait_timeout"],
            )
            if after is None and not module.check_mode:
                after = definition.describe()
            result = view(after, definition.workspace_id, body.decode("utf-8"))
            after_text = body.decode("utf-8") if changed else text_of(before)
        else:
            changed, before = remove_document(definition, module.check_mode, params["wait"], params["wait_timeout"])
            result, after_text = {}, ""
    except AmpError as exc:
        module.fail_json(msg=str(exc))
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        module.fail_json_aws(exc, msg="AMP call failed")

    output = dict(changed=changed, alertmanager=result)
    if module._diff:
        output["diff"] = {"before": text_of(before), "after": after_text,
                          "before_header": definition.what, "after_header": definition.what}
    module.exit_json(**output)


if __name__ == "__main__":
    main()
