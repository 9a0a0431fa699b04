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
    receiver named in the route tree defined; receivers carry only C(name), C(sns_configs) and
    C(pagerduty_configs) (AMP delivers to SNS and PagerDuty only); each C(sns_configs) entry has a
    Standard SNS topic ARN in the workspace's account, C(sigv4.region) matching the topic's region,
    and no C(api_url) or C(http_config); each C(pagerduty_configs) entry exactly one of
    C(routing_key) (Events API v2) and C(service_key) (v1), given only as an C(aws_secrets_manager)
    mapping of C(secret_arn), C(secret_key) and C(refresh_interval) (AMP reads the key from Secrets
    Manager, which must let C(aps.amazonaws.com) read the secret), no C(url), C(routing_key_file),
    C(service_key_file) or C(http_config), and its templated fields parse; route durations valid; C(match_re), C(matchers) and the inhibit rules' matchers
    well formed, their regexps valid in Go's RE2 syntax (google-re2); the template files the
    C(templates) globs load parse as Alertmanager templates (known functions, balanced actions);
    the document within AMP's size limit. C(amtool check-config) runs too when amtool is installed
    on the controller.
  - Warnings, not errors, as AMP accepts them - a C(repeat_interval) above 5 days (AMP caps it); a
    C(templates) glob that matches none of O(template_files) (it loads nothing).
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
requirements:
  - google-re2 >= 1.1 (recommended - matchers are checked with Go's RE2 syntax, as Alertmanager reads them;
    without it Python's re checks them, which accepts patterns Alertmanager refuses)
notes:
  - Supports check mode (no write API is called) and diff mode (the document before and after).
extends_documentation_fragment:
  - amp.alerting.workspace
  - amp.alerting.wait
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
                # SNS refuses an empty attribute value: a default for groups without a common severity
                severity: !unsafe '{{ or .CommonLabels.severity "none" }}'
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
from ansible_collections.amp.alerting.plugins.module_utils.amp import text_of
from ansible_collections.amp.alerting.plugins.module_utils.amp import wait_options
from ansible_collections.amp.alerting.plugins.module_utils.amp import wait_problems
from ansible_collections.amp.alerting.plugins.module_utils.amp import warn
from ansible_collections.amp.alerting.plugins.module_utils.amp import workspace_account
from ansible_collections.amp.alerting.plugins.module_utils.amp import workspace_options
from ansible_collections.amp.alerting.plugins.module_utils.amp_alertmanager_config import check_topic_accounts
from ansible_collections.amp.alerting.plugins.module_utils.amp_alertmanager_config import parse_definition
from ansible_collections.amp.alerting.plugins.module_utils.amp_alertmanager_config import prepare_definition


class AlertmanagerDefinition(AmpDocument):
    def __init__(self, module, client, workspace_id):
        super().__init__(module, client, workspace_id)
        self.what = f"alertmanager definition of workspace {workspace_id}"

    def describe(self):
        result = amp_describe(self.client.describe_alert_manager_definition, f"describe {self.what}",
                              workspaceId=self.workspace_id)
        return result["alertManagerDefinition"] if result else None

    def create(self, data):
        return amp_call(self.client.create_alert_manager_definition, f"create {self.what}",
                        workspaceId=self.workspace_id, data=data)

    def put(self, data):
        return amp_call(self.client.put_alert_manager_definition, f"put {self.what}",
                        workspaceId=self.workspace_id, data=data)

    def delete(self):
        return amp_delete(self.client.delete_alert_manager_definition, f"delete {self.what}",
                          workspaceId=self.workspace_id)

    def fields(self, resource, predicted_text):
        return {"definition": predicted_text if resource is None else text_of(resource)}


def main():
    argument_spec = dict(
        config=dict(type="dict"),
        template_files=dict(type="dict"),
        definition=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        **wait_options(),
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
    fail_on_problems(module, wait_problems(params))  # before any AWS call, as the definition's checks below
    try:
        # Validate before any AWS call; only the topics' account needs the workspace's ARN.
        if present:
            body, wanted, warnings = prepare_definition(params["config"], params["template_files"], params["definition"])
        client = amp_client(module)
        workspace = require_workspace(client, params["workspace_id"], params["workspace_alias"])
        definition = AlertmanagerDefinition(module, client, workspace["workspaceId"])
        if present:
            check_topic_accounts(wanted["config"], workspace_account(workspace))
            for warning in warnings:
                warn(module, warning)
            outcome = definition.ensure_present(body, lambda current: parse_definition(current) == wanted)
        else:
            outcome = definition.ensure_absent()
    except AmpError as e:
        module.fail_json_aws_error(e)

    exit_with(module, outcome, alertmanager=outcome.after)


if __name__ == "__main__":
    main()
