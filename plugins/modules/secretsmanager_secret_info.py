#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: secretsmanager_secret_info
version_added: 0.2.0
short_description: List the Secrets Manager secrets under a name prefix, with their resource policies
description:
  - Lists the secrets whose names start with O(name_prefix) (ListSecrets), with their ARN, KMS key,
    tags and, when asked, their resource policy (GetResourcePolicy). Never reads a secret's value.
  - What it is for - M(community.aws.secretsmanager_secret) manages one secret by name but nothing lists
    secrets. The alerting role keeps each PagerDuty destination's key in a secret under one prefix
    and deletes those no destination names any more; C(doctor.yml) checks that each secret's policy
    still lets AMP read it.
  - Read only - it calls ListSecrets and GetResourcePolicy, nothing else.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  name_prefix:
    description:
      - The start of the secrets' names, for example C(amp-alerting/prod/pagerduty/). Matched exactly
        (case included) on the names ListSecrets returns.
    type: str
    required: true
  resource_policy:
    description:
      - Also read each secret's resource policy (one GetResourcePolicy call per secret).
    type: bool
    default: false
  include_planned_deletion:
    description:
      - Also list secrets scheduled for deletion (within their recovery window).
    type: bool
    default: false
notes:
  - Supports check mode (it changes nothing either way).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The PagerDuty keys the alerting role keeps for this host
  amp.alerting.secretsmanager_secret_info:
    name_prefix: "amp-alerting/{{ inventory_hostname }}/pagerduty/"
    resource_policy: true
  register: pagerduty_secrets
"""

RETURN = r"""
secrets:
  description: The secrets found, sorted by name.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The secret's name.
      type: str
      sample: amp-alerting/prod/pagerduty/payments-oncall
    arn:
      description: The secret's ARN (with the six characters Secrets Manager appends).
      type: str
      sample: arn:aws:secretsmanager:eu-west-1:123456789012:secret:amp-alerting/prod/pagerduty/payments-oncall-AbCdEf
    kms_key_id:
      description: The KMS key the secret is encrypted with; null for Secrets Manager's own key.
      type: str
      sample: arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9
    deleted_date:
      description: When the secret was scheduled for deletion; null for a live secret.
      type: str
      sample: "2026-12-05T10:00:00+00:00"
    tags:
      description: The secret's tags, name to value.
      type: dict
      sample: {"amp-alerting:destination": "payments-oncall"}
    resource_policy:
      description: The secret's resource policy, parsed; null when it has none.
      type: dict
      returned: when O(resource_policy=true)
      sample: {"Version": "2012-10-17", "Statement": []}
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.amp.alerting.plugins.module_utils.secrets import describe
from ansible_collections.amp.alerting.plugins.module_utils.secrets import list_secrets
from ansible_collections.amp.alerting.plugins.module_utils.secrets import resource_policy


def secretsmanager_client(module):
    return module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(name_prefix=dict(type="str", required=True),
                           resource_policy=dict(type="bool", default=False),
                           include_planned_deletion=dict(type="bool", default=False)),
        supports_check_mode=True,
    )
    params = module.params
    if not params["name_prefix"]:
        module.fail_json(msg="name_prefix must not be empty: it would list every secret of the account")
    client = secretsmanager_client(module)
    try:
        secrets = []
        for secret in list_secrets(client, params["name_prefix"], params["include_planned_deletion"]):
            entry = describe(secret)
            if params["resource_policy"]:
                entry["resource_policy"] = resource_policy(client, secret["ARN"])
            secrets.append(entry)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to list the secrets under {params['name_prefix']}")
    module.exit_json(changed=False, secrets=secrets)


if __name__ == "__main__":
    main()
