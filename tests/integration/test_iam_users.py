"""The iam role's users mode: one access key per user, created once, its secret stored and never shown;
each user's policies enough for its job on the workspace and refused the others'."""

import json
import os
import stat

import boto3

from support.ansible_run import REPO, run_module, run_playbook
from support.sigv4 import signed_request

INVENTORY = os.path.join(REPO, "inventories", "sandbox")
PLAYBOOK = os.path.join(REPO, "tests", "integration", "playbooks", "iam_users.yml")
USERS = [{"name": "amp-it-remote-write", "policies": ["remote_write"]},
         {"name": "amp-it-grafana", "policies": ["query"]},
         {"name": "amp-it-ci", "policies": ["rules", "query"]},
         {"name": "amp-it-oncall", "policies": ["operate"]}]


FULL_CHECK = {"amp_alerting_full_check": True}

def active_keys(iam, user):
    return [k for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"] if k["Status"] == "Active"]


def signed_status(method, url, key, body=b""):
    """The status AMP's data plane answers a request signed (SigV4, service aps) with an access key."""
    return signed_request(method, url, key["aws_access_key_id"], key["aws_secret_access_key"], body=body,
                          content_type="application/x-protobuf")[0]


def test_users_get_one_key_created_once_stored_in_ssm_each_enough_for_its_job_and_no_other(sandbox):
    iam, ssm = boto3.client("iam"), boto3.client("ssm")
    # the second run with every writing module, as before the write gates (amp_alerting_full_check)
    runs = [run_playbook(PLAYBOOK, INVENTORY, extra_vars=dict({"iam_users": USERS}, **full)) for full in ({}, FULL_CHECK)]
    for run in runs:
        assert run.returncode == 0, run
    assert runs[1].total("changed") == 0, runs[1].changed_tasks()
    assert runs[1].items_run("amp.alerting.iam : Customer-managed policies scoped to the workspace") == {
        "sandbox-amp": ["query", "remote_write", "rules", "operate"]}
    keys = {}
    for user in USERS:
        (key,) = active_keys(iam, user["name"])
        stored = json.loads(ssm.get_parameter(Name=f"/amp-alerting/sandbox-amp/access-keys/{user['name']}",
                                              WithDecryption=True)["Parameter"]["Value"])
        assert stored["aws_access_key_id"] == key["AccessKeyId"]
        for run in runs:
            assert stored["aws_secret_access_key"] not in run.stdout + run.stderr
        groups = sorted(g["GroupName"] for g in iam.list_groups_for_user(UserName=user["name"])["Groups"])
        suffix = {"remote_write": "remote-write", "query": "query", "rules": "rules", "operate": "operate"}
        assert groups == sorted(f"amp-sandbox-amp-{suffix[p]}" for p in user["policies"])
        keys[user["name"]] = stored

    # Each key signs its own job on the workspace's data plane, and AMP refuses it the others' (403,
    # evaluated against the user's group policies as AWS does; other answers are the data plane's own).
    amp = boto3.client("amp")
    (workspace,) = amp.list_workspaces(alias="sandbox-amp")["workspaces"]
    endpoint = amp.describe_workspace(workspaceId=workspace["workspaceId"])["workspace"]["prometheusEndpoint"]
    calls = {"remote write": ("POST", endpoint + "api/v1/remote_write"), "query": ("GET", endpoint + "api/v1/query?query=up"),
             "test alert": ("POST", endpoint + "alertmanager/api/v2/alerts"),
             "silences": ("GET", endpoint + "alertmanager/api/v2/silences"),
             "silence": ("POST", endpoint + "alertmanager/api/v2/silences")}
    sandbox.set_data_plane(True)
    try:
        answers = {user: {call: signed_status(method, url, keys[user], {"test alert": b"[]", "silence": b"{}"}.get(call, b""))
                          for call, (method, url) in calls.items()} for user in keys}
    finally:
        sandbox.set_data_plane(False)
    refused = {user: sorted(call for call, status in answers[user].items() if status == 403) for user in answers}
    assert refused == {"amp-it-remote-write": ["query", "silence", "silences", "test alert"],
                       "amp-it-grafana": ["remote write", "silence", "silences", "test alert"],
                       "amp-it-ci": ["remote write"], "amp-it-oncall": ["query", "remote write"]}, answers
    assert answers["amp-it-grafana"]["query"] == 200
    assert {r["action"] for r in sandbox.refusals() if r["hop"] == "data plane"} == \
        {"aps:RemoteWrite", "aps:QueryMetrics", "aps:CreateAlertManagerAlerts", "aps:ListAlertManagerSilences",
         "aps:PutAlertManagerSilences"}

    # The CI user's key runs the collection's AMP modules itself (the control plane, authorized as AMP
    # does): a tagged rule namespace (aps:TagResource besides aps:CreateRuleGroupsNamespace) in the
    # workspace found by its alias (aps:ListWorkspaces, granted on "*" only), then its tags changed and
    # the namespace deleted. The Grafana and on-call users' keys are refused, and nothing is made.
    rules = "groups:\n- name: ci\n  rules:\n  - alert: CiDeployed\n    expr: vector(1) > 2\n"
    namespace = {"workspace_alias": "sandbox-amp", "name": "ci-rules", "data": rules, "tags": {"team": "ci"}}

    def as_user(user, **args):
        credentials = {"access_key": keys[user]["aws_access_key_id"], "secret_key": keys[user]["aws_secret_access_key"]}
        result = run_module("amp_rule_namespace", dict(namespace, **args, **credentials))
        assert keys[user]["aws_secret_access_key"] not in json.dumps(result)
        return result

    sandbox.clear_requests()
    steps = [as_user("amp-it-ci"), as_user("amp-it-ci", tags={"team": "platform"}), as_user("amp-it-ci", state="absent")]
    assert [(step.get("failed", False), step["changed"]) for step in steps] == [(False, True)] * 3, [s.get("msg") for s in steps]
    refused = as_user("amp-it-grafana", name="grafana-rules")
    assert refused.get("failed") and "is not authorized to perform: aps:ListWorkspaces on resource: *" in refused["msg"], refused
    refused = as_user("amp-it-oncall", name="oncall-rules")
    assert refused.get("failed") and "is not authorized to perform: aps:DescribeRuleGroupsNamespace" in refused["msg"], refused
    assert amp.list_rule_groups_namespaces(workspaceId=workspace["workspaceId"])["ruleGroupsNamespaces"] == []
    control_plane_refusals = [r["action"] for r in sandbox.refusals() if r["hop"] == "caller"]
    assert control_plane_refusals == ["aps:ListWorkspaces", "aps:DescribeRuleGroupsNamespace"]


def test_a_user_whose_key_secret_is_not_stored_gets_the_key_rotated_not_a_second_one(sandbox):
    iam = boto3.client("iam")
    iam.create_user(UserName="amp-it-remote-write", Path="/amp/")
    lost = iam.create_access_key(UserName="amp-it-remote-write")["AccessKey"]["AccessKeyId"]  # made elsewhere: no secret stored
    run = run_playbook(PLAYBOOK, INVENTORY, extra_vars={"iam_users": USERS[:1]})
    assert run.returncode == 0, run
    (key,) = active_keys(iam, "amp-it-remote-write")
    assert key["AccessKeyId"] != lost
    assert [k["AccessKeyId"] for k in iam.list_access_keys(UserName="amp-it-remote-write")["AccessKeyMetadata"]] == [key["AccessKeyId"]]
    stored = json.loads(boto3.client("ssm").get_parameter(Name="/amp-alerting/sandbox-amp/access-keys/amp-it-remote-write",
                                                          WithDecryption=True)["Parameter"]["Value"])
    assert stored["aws_access_key_id"] == key["AccessKeyId"]
    assert "the key was rotated" in run.stdout
    # The json callback (what AWX's job events carry) holds every task result, loop items included.
    assert stored["aws_secret_access_key"] not in run.stdout + run.stderr
    again = run_playbook(PLAYBOOK, INVENTORY, extra_vars={"iam_users": USERS[:1]})
    assert again.total("changed") == 0, again.changed_tasks()


def test_a_key_file_directory_that_does_not_exist_stops_the_run_before_any_key_is_made(sandbox, tmp_path):
    missing = tmp_path / "no-such-dir"
    extra = {"iam_users": USERS[:1], "iam_access_key_store": "file", "iam_access_key_file_dir": str(missing)}
    run = run_playbook(PLAYBOOK, INVENTORY, extra_vars=extra)
    assert run.returncode != 0
    # the role's settings check (the preflight's, run by the role alone) names it before the role's tasks
    assert "iam_access_key_file_dir" in run.failure() and "is not a directory on the controller" in run.failure()
    # nothing of the iam role is made: no user, no key
    assert not [r for r in sandbox.requests() if r["operation"] in ("CreateUser", "CreateAccessKey")]


def test_keys_go_to_a_0600_file_on_the_controller_and_a_lost_file_is_replaced_by_a_rotated_key(sandbox, tmp_path):
    extra = {"iam_users": USERS[:1], "iam_access_key_store": "file", "iam_access_key_file_dir": str(tmp_path)}
    made = run_playbook(PLAYBOOK, INVENTORY, extra_vars=extra)
    assert made.returncode == 0, made
    path = tmp_path / "sandbox-amp-amp-it-remote-write.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    (key,) = active_keys(boto3.client("iam"), "amp-it-remote-write")
    assert stored["aws_access_key_id"] == key["AccessKeyId"]
    assert stored["aws_secret_access_key"] not in made.stdout + made.stderr
    first = stored["aws_access_key_id"]
    path.unlink()  # the secret is lost
    run = run_playbook(PLAYBOOK, INVENTORY, extra_vars=extra)
    assert run.returncode == 0, run
    (key,) = active_keys(boto3.client("iam"), "amp-it-remote-write")
    assert key["AccessKeyId"] != first and json.loads(path.read_text())["aws_access_key_id"] == key["AccessKeyId"]
    assert "the key was rotated" in run.stdout
