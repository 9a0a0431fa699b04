"""The iam role's users mode: one access key per user, created once, its secret stored and never shown."""

import json
import os
import stat

import boto3

from support.ansible_run import REPO, run_playbook

INVENTORY = os.path.join(REPO, "inventories", "sandbox")
PLAYBOOK = os.path.join(REPO, "tests", "integration", "playbooks", "iam_users.yml")
USERS = [{"name": "amp-it-remote-write", "policies": ["remote_write"]},
         {"name": "amp-it-grafana", "policies": ["query"]},
         {"name": "amp-it-ci", "policies": ["rules", "query"]}]


def active_keys(iam, user):
    return [k for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"] if k["Status"] == "Active"]


def test_users_get_one_key_created_once_stored_in_ssm(sandbox):
    iam, ssm = boto3.client("iam"), boto3.client("ssm")
    runs = [run_playbook(PLAYBOOK, INVENTORY, extra_vars={"iam_users": USERS}) for _run in range(2)]
    for run in runs:
        assert run.returncode == 0, run
    assert runs[1].total("changed") == 0, runs[1].changed_tasks()
    for user in USERS:
        (key,) = active_keys(iam, user["name"])
        stored = json.loads(ssm.get_parameter(Name=f"/amp-alerting/sandbox-amp/access-keys/{user['name']}",
                                              WithDecryption=True)["Parameter"]["Value"])
        assert stored["aws_access_key_id"] == key["AccessKeyId"]
        for run in runs:
            assert stored["aws_secret_access_key"] not in run.stdout + run.stderr
        groups = sorted(g["GroupName"] for g in iam.list_groups_for_user(UserName=user["name"])["Groups"])
        suffix = {"remote_write": "remote-write", "query": "query", "rules": "rules"}
        assert groups == sorted(f"amp-sandbox-amp-{suffix[p]}" for p in user["policies"])


def test_keys_can_go_to_a_0600_file_on_the_controller(sandbox, tmp_path):
    extra = {"iam_users": USERS[:1], "iam_access_key_store": "file", "iam_access_key_file_dir": str(tmp_path)}
    run = run_playbook(PLAYBOOK, INVENTORY, extra_vars=extra)
    assert run.returncode == 0, run
    path = tmp_path / "sandbox-amp-amp-it-remote-write.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())
    (key,) = active_keys(boto3.client("iam"), "amp-it-remote-write")
    assert stored["aws_access_key_id"] == key["AccessKeyId"]
    assert stored["aws_secret_access_key"] not in run.stdout + run.stderr


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
    again = run_playbook(PLAYBOOK, INVENTORY, extra_vars={"iam_users": USERS[:1]})
    assert again.total("changed") == 0, again.changed_tasks()


def test_a_key_file_directory_that_does_not_exist_stops_the_run_before_any_key_is_made(sandbox, tmp_path):
    missing = tmp_path / "no-such-dir"
    extra = {"iam_users": USERS[:1], "iam_access_key_store": "file", "iam_access_key_file_dir": str(missing)}
    run = run_playbook(PLAYBOOK, INVENTORY, extra_vars=extra)
    assert run.returncode != 0
    assert "iam_access_key_file_dir" in run.failure() and "not a writable directory" in run.failure()
    assert active_keys(boto3.client("iam"), "amp-it-remote-write") == []
    assert not [r for r in sandbox.requests() if r["operation"] == "CreateAccessKey"]


def test_a_lost_key_file_is_replaced_by_a_rotated_key(sandbox, tmp_path):
    extra = {"iam_users": USERS[:1], "iam_access_key_store": "file", "iam_access_key_file_dir": str(tmp_path)}
    assert run_playbook(PLAYBOOK, INVENTORY, extra_vars=extra).returncode == 0
    path = tmp_path / "sandbox-amp-amp-it-remote-write.json"
    first = json.loads(path.read_text())["aws_access_key_id"]
    path.unlink()  # the secret is lost
    run = run_playbook(PLAYBOOK, INVENTORY, extra_vars=extra)
    assert run.returncode == 0, run
    (key,) = active_keys(boto3.client("iam"), "amp-it-remote-write")
    assert key["AccessKeyId"] != first and json.loads(path.read_text())["aws_access_key_id"] == key["AccessKeyId"]
    assert "the key was rotated" in run.stdout
