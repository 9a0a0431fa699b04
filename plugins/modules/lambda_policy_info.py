#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: lambda_policy_info
version_added: 0.2.0
short_description: Read a Lambda function's resource-based policy as Lambda has it
description:
  - Reads the resource-based policy of a Lambda function (GetPolicy) - who may invoke it - exactly
    as Lambda returns it. M(amazon.aws.lambda_info) with C(query=policy) returns the policy with its
    keys converted to snake_case (C(arn_like), C(aws:_source_arn)), which no policy evaluation can read.
  - What it is for - the collection's C(doctor.yml) evaluates whether the alerts topic may invoke the
    forwarder (M(amp.alerting.service_denials)).
  - Read only - it calls GetPolicy, nothing else.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  function_name:
    description:
      - The function's name or ARN.
    type: str
    required: true
  qualifier:
    description:
      - A version or alias; the unqualified function when omitted.
    type: str
notes:
  - Supports check mode (it changes nothing either way).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Who may invoke the forwarder
  amp.alerting.lambda_policy_info:
    function_name: amp-prod-slack-forwarder
  register: forwarder_policy
"""

RETURN = r"""
exists:
  description: Whether the function exists.
  returned: always
  type: bool
policy:
  description: The policy document, as Lambda has it; null when the function has none (nobody else may invoke it).
  returned: always
  type: dict
  sample: {"Version": "2012-10-17", "Statement": [{"Sid": "sns", "Effect": "Allow",
           "Principal": {"Service": "sns.amazonaws.com"}, "Action": "lambda:InvokeFunction",
           "Resource": "arn:aws:lambda:eu-west-1:123456789012:function:amp-prod-slack-forwarder",
           "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:sns:eu-west-1:123456789012:amp-prod-alerts"}}}]}
revision_id:
  description: The policy's revision, or null.
  returned: always
  type: str
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.amp.alerting.plugins.module_utils.doctor_reads import read_function_policy


def lambda_client(module):
    return module.client("lambda", retry_decorator=AWSRetry.jittered_backoff())


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(function_name=dict(type="str", required=True), qualifier=dict(type="str")),
        supports_check_mode=True,
    )
    client = lambda_client(module)
    name = module.params["function_name"]
    try:
        exists, policy, revision = read_function_policy(client, name, module.params["qualifier"])
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Failed to read the policy of function {name}")
    module.exit_json(changed=False, exists=exists, policy=policy, revision_id=revision)


if __name__ == "__main__":
    main()
