# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: caller_identity
author:
  - amp.alerting maintainers (@amp-alerting)
short_description: The AWS account, ARN and user ID of the credentials in use
version_added: "0.3.0"
description:
  - One call, C(sts:GetCallerIdentity), which AWS allows to every caller. No permission is needed, and an
    explicit deny cannot refuse it (U(https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html)).
  - What M(amazon.aws.aws_caller_info) returns of STS, without its C(iam:ListAccountAliases) call (which
    needs that permission) and without a module process. The account role asks it once per host.
  - Like every lookup, it does not read C(module_defaults) - give the host's connection as options (the
    account role's C(account_lookup_credentials) and the host's region).
extends_documentation_fragment:
  - amazon.aws.boto3
  - amazon.aws.common.plugins
  - amazon.aws.region.plugins
"""

EXAMPLES = r"""
- name: The account the host's tasks act in
  ansible.builtin.set_fact:
    account_caller: "{{ lookup('amp.alerting.caller_identity', region=aws_region, **account_lookup_credentials) }}"

- name: Its partition (aws, aws-cn, aws-us-gov)
  ansible.builtin.debug:
    msg: "{{ account_caller.arn.split(':')[1] }}"
"""

RETURN = r"""
_raw:
  description: One mapping, the identity STS answers with.
  type: list
  elements: dict
  contains:
    account:
      description: The account ID.
      type: str
      sample: "123456789012"
    arn:
      description: The ARN of the caller (a user, or an assumed role's session).
      type: str
      sample: arn:aws:sts::123456789012:assumed-role/amp-alerting-deployer/ci
    user_id:
      description: The caller's unique ID.
      type: str
      sample: AROAEXAMPLE:ci
"""

try:
    import botocore
except ImportError:
    pass  # AWSLookupBase reports a missing SDK

from ansible.errors import AnsibleLookupError

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.plugin_utils.lookup import AWSLookupBase


class LookupModule(AWSLookupBase):
    def run(self, terms, variables, **kwargs):
        super().run(terms, variables, **kwargs)
        client = self.client("sts", AWSRetry.jittered_backoff())
        try:
            identity = client.get_caller_identity(aws_retry=True)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            raise AnsibleLookupError(f"Failed to retrieve the caller identity (sts:GetCallerIdentity): {e}") from e
        return [{"account": identity["Account"], "arn": identity["Arn"], "user_id": identity["UserId"]}]
