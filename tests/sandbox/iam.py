"""IAM as the sandbox needs it: fewer AWS-managed policies loaded, AWS's policy size quotas enforced.

Managed policies: moto re-creates every AWS-managed policy for each IAM backend it builds, which costs
over a second after every reset. The sandbox keeps the policies an alerting stack attaches (Lambda
execution roles, AMP's own policies, a few broad ones); ``SANDBOX_IAM_MANAGED_POLICIES=all`` loads
them all, or give a comma-separated list of names.

Policy sizes: moto 5.2.5 reports IAM's quotas (GetAccountSummary) but does not enforce them. AWS does
(IAM User Guide, "IAM and AWS STS quotas": managed policy 6,144 characters, a role's inline policies
10,240 together, a user's 2,048, a group's 5,120; white space not counted): a policy over its quota is
refused with LimitExceeded, so a document the collection ships must fit where it is put.
"""

import json
import os
import re

import moto.iam.models
from moto.iam.exceptions import LimitExceededException

DEFAULT_POLICIES = (
    "AWSLambdaBasicExecutionRole", "AWSLambdaSQSQueueExecutionRole", "AWSLambdaVPCAccessExecutionRole",
    "AWSLambdaRole", "AWSLambda_FullAccess", "AWSLambda_ReadOnlyAccess",
    "AmazonPrometheusFullAccess", "AmazonPrometheusQueryAccess", "AmazonPrometheusRemoteWriteAccess",
    "AmazonPrometheusConsoleFullAccess", "AmazonSNSFullAccess", "AmazonSNSReadOnlyAccess",
    "AmazonSQSFullAccess", "CloudWatchLogsFullAccess", "AmazonSSMReadOnlyAccess",
    "AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess",
)
MANAGED_POLICY_QUOTA = 6144
INLINE_POLICY_QUOTAS = {"role": 10240, "user": 2048, "group": 5120}


def policy_size(document):
    """The size IAM counts: the document's characters without white space."""
    text = document if isinstance(document, str) else json.dumps(document)
    return len(re.sub(r"\s", "", text))


def _managed(original):
    def method(self, *args, **kwargs):
        document = kwargs.get("policy_document", args[2] if len(args) > 2 else "")
        if original.__name__ == "create_policy_version":
            document = kwargs.get("policy_document", args[1] if len(args) > 1 else "")
        if policy_size(document) > MANAGED_POLICY_QUOTA:
            raise LimitExceededException(f"Cannot exceed quota for PolicySize: {MANAGED_POLICY_QUOTA}")
        return original(self, *args, **kwargs)
    method.__wrapped__ = original
    return method


def _inline(kind, original):
    def method(self, name, policy_name, policy_json):
        holder = getattr(self, f"get_{kind}")(name)
        others = [text for other, text in holder.policies.items() if other != policy_name]
        total = policy_size(policy_json) + sum(policy_size(text) for text in others)
        if total > INLINE_POLICY_QUOTAS[kind]:
            raise LimitExceededException(f"Maximum policy size of {INLINE_POLICY_QUOTAS[kind]} bytes exceeded for "
                                         f"{kind} {name}")
        return original(self, name, policy_name, policy_json)
    method.__wrapped__ = original
    return method


def install():
    wanted = os.environ.get("SANDBOX_IAM_MANAGED_POLICIES", ",".join(DEFAULT_POLICIES))
    if wanted.strip() != "all":
        names = {name.strip() for name in wanted.split(",") if name.strip()}
        every = json.loads(moto.iam.models.aws_managed_policies_data)
        moto.iam.models.aws_managed_policies_data = json.dumps({k: v for k, v in every.items() if k in names})
    backend = moto.iam.models.IAMBackend
    if hasattr(backend.create_policy, "__wrapped__"):
        return
    backend.create_policy = _managed(backend.create_policy)
    backend.create_policy_version = _managed(backend.create_policy_version)
    for kind in INLINE_POLICY_QUOTAS:
        setattr(backend, f"put_{kind}_policy", _inline(kind, getattr(backend, f"put_{kind}_policy")))
