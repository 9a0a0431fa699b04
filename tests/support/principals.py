"""The principals the tests run the playbooks as: IAM users of the sandbox that hold only the policies
the collection ships (files/iam/), attached as a team would attach them (the deploy policy cut into
managed policies that fit IAM's quota, by the same filter playbooks/deployer.yml uses).

The sandbox authorizes every call such a user signs (tests/sandbox/caller.py), so a playbook that needs
an action the shipped policy lacks fails the test, naming the action."""

import json
import os

import boto3
from ansible_collections.amp.alerting.plugins.filter.policies import policy_parts

from support import REPO_ROOT

POLICY_DIR = os.path.join(REPO_ROOT, "files", "iam")
# principal -> the shipped documents it holds
SHIPPED = {"deployer": ("deploy-policy.json",), "checker": ("check-policy.json",)}


def shipped_policy(name):
    with open(os.path.join(POLICY_DIR, name), encoding="utf-8") as handle:
        return json.load(handle)


def user_with_policies(name, documents, path="/test/"):
    """An IAM user NAME of the sandbox holding DOCUMENTS (each cut to managed-policy size); its access key
    as AWS_* variables. Made again when a reset removed it."""
    iam = boto3.client("iam")
    try:
        iam.get_user(UserName=name)
        for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    except iam.exceptions.NoSuchEntityException:
        iam.create_user(UserName=name, Path=path)
        for number, document in enumerate((part for document in documents for part in policy_parts(document)), 1):
            arn = iam.create_policy(PolicyName=f"{name}-{number}", Path=path,
                                    PolicyDocument=json.dumps(document))["Policy"]["Arn"]
            iam.attach_user_policy(UserName=name, PolicyArn=arn)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def shipped_principal(kind):
    """AWS_* variables of the sandbox user that holds only the shipped policies of KIND (deployer, checker)."""
    return user_with_policies(f"amp-alerting-{kind}", [shipped_policy(name) for name in SHIPPED[kind]])
