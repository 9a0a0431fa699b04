#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: iam_managed_policy_info
version_added: 0.3.0
short_description: Read customer-managed IAM policies by ARN - their versions and the default version's document
description:
  - Reads each customer-managed policy named - its versions (C(ListPolicyVersions)) and the document of its
    default version (C(GetPolicyVersion)) - two calls a policy, in one process.
  - What it is for - the iam role's write gate. M(amazon.aws.iam_managed_policy) finds a policy by name by
    listing every customer-managed policy of the account, then reads it and its versions (five calls a
    policy on an account with a few policies, more on one with many); the role reads its policies once with
    this module and runs M(amazon.aws.iam_managed_policy) only for a policy that differs.
  - A policy that does not exist is returned with RV(policies[].exists=false), not as an error.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  policy_arns:
    description:
      - The policies' ARNs (C(arn:aws:iam::123456789012:policy/<path>/<name>)).
    type: list
    elements: str
    required: true
notes:
  - Supports check mode (it changes nothing either way).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The workspace's policies as IAM has them
  amp.alerting.iam_managed_policy_info:
    policy_arns:
      - arn:aws:iam::123456789012:policy/amp/amp-prod-query
      - arn:aws:iam::123456789012:policy/amp/amp-prod-rules
  register: found
"""

RETURN = r"""
policies:
  description: One entry per ARN asked for, in that order.
  returned: always
  type: list
  elements: dict
  contains:
    arn:
      description: The policy's ARN.
      type: str
    exists:
      description: Whether the policy exists.
      type: bool
    version_ids:
      description: Its versions (IAM keeps up to five).
      type: list
      elements: str
    default_version_id:
      description: The version in force.
      type: str
    document:
      description: The document of the version in force.
      type: dict
  sample: [{"arn": "arn:aws:iam::123456789012:policy/amp/amp-prod-query", "exists": true, "version_ids": ["v3"],
            "default_version_id": "v3", "document": {"Version": "2012-10-17", "Statement": []}}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.iam import AnsibleIAMError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.amp.alerting.plugins.module_utils.chain import read_managed_policy


def iam_client(module):
    return module.client("iam", retry_decorator=AWSRetry.jittered_backoff())


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(policy_arns=dict(type="list", elements="str", required=True)),
        supports_check_mode=True,
    )
    client = iam_client(module)
    try:
        policies = [read_managed_policy(client, arn) for arn in module.params["policy_arns"]]
    except AnsibleIAMError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, policies=policies)


if __name__ == "__main__":
    main()
