"""Sandbox: AMP API calls signed by an IAM user are authorized as AMP authorizes them (issue 13).

Each action against the resource the Service Authorization Reference (aps) names for it: the
namespace calls against rulegroupsnamespace/<workspace-id>/<name>, a create with tags for
aps:TagResource as well, ListWorkspaces against "*". The administrator's keys keep full rights.
"""

import json

import boto3
import botocore.exceptions
import pytest


def user_client(aws_client, policy):
    """An amp client signing with the key of a new IAM user whose only policy is POLICY (statements)."""
    iam = aws_client("iam")
    iam.create_user(UserName="ci")
    iam.put_user_policy(UserName="ci", PolicyName="amp",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": policy}))
    key = iam.create_access_key(UserName="ci")["AccessKey"]
    return boto3.client("amp", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])


def refused(call, **params):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(**params)
    error = caught.value.response
    assert (error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"]) == (403, "AccessDeniedException")
    return error["Error"]["Message"].split(" because ")[0]


def test_namespace_calls_need_the_namespace_arn_and_tags_need_tag_resource(sandbox, aws_client):
    workspace = aws_client("amp").create_workspace(alias="ci")
    workspace_arn, workspace_id = workspace["arn"], workspace["workspaceId"]
    namespaces = workspace_arn.replace(":workspace/", ":rulegroupsnamespace/") + "/*"
    rules = b"groups: []\n"
    actions = ["aps:DescribeWorkspace", "aps:CreateRuleGroupsNamespace", "aps:DescribeRuleGroupsNamespace"]

    # the workspace's ARN only: the namespace calls are refused, on the namespace's own ARN
    amp = user_client(aws_client, [{"Effect": "Allow", "Action": actions, "Resource": workspace_arn}])
    assert amp.describe_workspace(workspaceId=workspace_id)["workspace"]["arn"] == workspace_arn
    assert refused(amp.create_rule_groups_namespace, workspaceId=workspace_id, name="r", data=rules) == (
        f"User: arn:aws:iam::123456789012:user/ci is not authorized to perform: aps:CreateRuleGroupsNamespace "
        f"on resource: {namespaces[:-1]}r")
    assert "aps:ListWorkspaces on resource: *" in refused(amp.list_workspaces)

    # with the namespaces' ARN (and ListWorkspaces on "*"): created untagged; with tags, aps:TagResource too
    aws_client("iam").put_user_policy(UserName="ci", PolicyName="amp", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": [workspace_arn, namespaces]},
                                               {"Effect": "Allow", "Action": "aps:ListWorkspaces", "Resource": "*"}]}))
    assert [w["workspaceId"] for w in amp.list_workspaces(alias="ci")["workspaces"]] == [workspace_id]
    amp.create_rule_groups_namespace(workspaceId=workspace_id, name="r", data=rules)
    assert "aps:TagResource on resource: " in refused(amp.create_rule_groups_namespace, workspaceId=workspace_id,
                                                      name="tagged", data=rules, tags={"team": "ci"})
    assert [r["action"] for r in sandbox.refusals() if r["hop"] == "caller"] == [
        "aps:CreateRuleGroupsNamespace", "aps:ListWorkspaces", "aps:TagResource"]
    names = [n["name"] for n in aws_client("amp").list_rule_groups_namespaces(workspaceId=workspace_id)["ruleGroupsNamespaces"]]
    assert names == ["r"]  # the refused calls made nothing; the administrator sees everything
