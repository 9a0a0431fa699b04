"""Load a selection of AWS-managed IAM policies instead of all 1,500.

moto re-creates every AWS-managed policy for each IAM backend it builds, which costs over a second
after every reset. The sandbox keeps the policies an alerting stack attaches (Lambda execution
roles, AMP's own policies, a few broad ones); ``SANDBOX_IAM_MANAGED_POLICIES=all`` loads them all,
or give a comma-separated list of names.
"""

import json
import os

import moto.iam.models

DEFAULT_POLICIES = (
    "AWSLambdaBasicExecutionRole", "AWSLambdaSQSQueueExecutionRole", "AWSLambdaVPCAccessExecutionRole",
    "AWSLambdaRole", "AWSLambda_FullAccess", "AWSLambda_ReadOnlyAccess",
    "AmazonPrometheusFullAccess", "AmazonPrometheusQueryAccess", "AmazonPrometheusRemoteWriteAccess",
    "AmazonPrometheusConsoleFullAccess", "AmazonSNSFullAccess", "AmazonSNSReadOnlyAccess",
    "AmazonSQSFullAccess", "CloudWatchLogsFullAccess", "AmazonSSMReadOnlyAccess",
    "AdministratorAccess", "ReadOnlyAccess", "PowerUserAccess",
)


def install():
    wanted = os.environ.get("SANDBOX_IAM_MANAGED_POLICIES", ",".join(DEFAULT_POLICIES))
    if wanted.strip() == "all":
        return
    names = {name.strip() for name in wanted.split(",") if name.strip()}
    every = json.loads(moto.iam.models.aws_managed_policies_data)
    moto.iam.models.aws_managed_policies_data = json.dumps({k: v for k, v in every.items() if k in names})
