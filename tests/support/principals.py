"""The principals the tests run the playbooks as: IAM users of the sandbox that hold only the policies
the collection ships (files/iam/), attached as a team would attach them (the deploy policy cut into
managed policies that fit IAM's quota, by the same filter playbooks/deployer.yml uses).

The sandbox authorizes every call such a user signs (tests/sandbox/caller.py), so a playbook that needs
an action the shipped policy lacks fails the test, naming the action. The users are made behind the
API (POST /_sandbox/principal): their set-up is not in the request log the tests read."""

import json
import os
import urllib.request

from ansible_collections.amp.alerting.plugins.filter.policies import policy_parts

from support import REPO_ROOT

POLICY_DIR = os.path.join(REPO_ROOT, "files", "iam")
# principal -> the shipped documents it holds
SHIPPED = {"deployer": ("deploy-policy.json",), "checker": ("check-policy.json",)}


def shipped_policy(name):
    with open(os.path.join(POLICY_DIR, name), encoding="utf-8") as handle:
        return json.load(handle)


def user_with_policies(sandbox_endpoint, name, documents, path="/test/"):
    """AWS_* variables of an IAM user NAME of the sandbox holding DOCUMENTS, each cut to managed-policy
    size; made behind the API (no call in the request log), again after a reset."""
    parts = [part for document in documents for part in policy_parts(document)]
    request = urllib.request.Request(f"{sandbox_endpoint}/_sandbox/principal", method="POST",
                                     data=json.dumps({"name": name, "path": path, "documents": parts}).encode())
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (the local sandbox)
        key = json.loads(answer.read())
    return {"AWS_ACCESS_KEY_ID": key["access_key_id"], "AWS_SECRET_ACCESS_KEY": key["secret_access_key"]}


def shipped_principal(sandbox_endpoint, kind):
    """AWS_* variables of the sandbox user that holds only the shipped policies of KIND (deployer, checker)."""
    return user_with_policies(sandbox_endpoint, f"amp-alerting-{kind}", [shipped_policy(name) for name in SHIPPED[kind]])
