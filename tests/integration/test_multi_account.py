"""One inventory across accounts and regions: aws_role_arn (assumed by the account role) and
aws_profile (a profile that assumes a role), against the sandbox, whose STS hands out credentials
of the role's account (moto keeps each account's resources apart)."""

import os

import boto3
import pytest
import yaml

from support.ansible_run import REPO, run_playbook

INVENTORY = os.path.join(REPO, "tests", "integration", "inventories", "multi_account")
SITE = os.path.join(REPO, "site.yml")
TEARDOWN = os.path.join(REPO, "playbooks", "teardown.yml")
WEBHOOK = "http://127.0.0.1:9/services/T0/B0/ma-secret-token"
HOME_ACCOUNT = "123456789012"
EXPECTED = {  # host: (account, region)
    "ma-assumed": ("111111111111", "eu-west-1"),
    "ma-profile": ("222222222222", "eu-central-1"),
}


@pytest.fixture
def accounts_env(sandbox, monkeypatch, tmp_path):
    """A shell user's set-up: an AWS config whose default profile holds the keys (amazon.aws refuses a
    profile together with keys in the environment), and a profile that assumes a role in a third account."""
    config = tmp_path / "aws-config"
    config.write_text(
        "[default]\n"
        f"aws_access_key_id = {os.environ['AWS_ACCESS_KEY_ID']}\n"
        f"aws_secret_access_key = {os.environ['AWS_SECRET_ACCESS_KEY']}\n"
        "[profile amp-base]\n"
        "aws_access_key_id = AKIAEXAMPLEBASE00001\n"
        "aws_secret_access_key = amp-base-secret\n"
        "[profile amp-prod]\n"
        "role_arn = arn:aws:iam::222222222222:role/amp-alerting-deployer\n"
        "source_profile = amp-base\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("TEST_SLACK_WEBHOOK_URL", WEBHOOK)
    return sandbox


def session_for(account):
    """A boto3 session in ACCOUNT: the home keys, or a role assumed there."""
    if account == HOME_ACCOUNT:
        return boto3.Session()
    creds = boto3.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/inspector",
                                            RoleSessionName="test")["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"])


def workspaces(account, region):
    amp = session_for(account).client("amp", region_name=region)
    return {w["alias"]: w for w in amp.list_workspaces()["workspaces"]}, amp


def test_each_host_deploys_in_its_own_account_and_region(accounts_env):
    # The base credentials come from the profiles of AWS_CONFIG_FILE (principal "admin": run_playbook
    # keeps them); in each account the deployer is a role STS lends.
    first = run_playbook(SITE, INVENTORY, principal="admin")
    assert first.returncode == 0, first
    assert WEBHOOK not in first.stdout + first.stderr and "amp-base-secret" not in first.stdout + first.stderr

    for host, (account, region) in EXPECTED.items():
        found, amp = workspaces(account, region)
        assert list(found) == [host], f"{account}/{region} holds {list(found)}"
        workspace_id = found[host]["workspaceId"]
        assert found[host]["arn"].startswith(f"arn:aws:aps:{region}:{account}:workspace/")
        # The alertmanager routes to the topic of the same account and region.
        definition = yaml.safe_load(amp.describe_alert_manager_definition(workspaceId=workspace_id)
                                    ["alertManagerDefinition"]["data"])
        config = yaml.safe_load(definition["alertmanager_config"])
        topic = config["receivers"][0]["sns_configs"][0]["topic_arn"]
        assert topic == f"arn:aws:sns:{region}:{account}:amp-{host}-alerts"
        sns = session_for(account).client("sns", region_name=region)
        assert topic in [t["TopicArn"] for t in sns.list_topics()["Topics"]]

    # Nothing leaked into the caller's own account, in any of the regions.
    for region in ("us-east-1", "eu-west-1", "eu-central-1"):
        assert workspaces(HOME_ACCOUNT, region)[0] == {}

    summary = {host: result["msg"] for _play, name, host, result in first.task_results() if name == "Summary"}
    assert {host: (s["aws_account"], s["aws_region"]) for host, s in summary.items()} == EXPECTED

    # No second site.yml run here (test_site shows a re-run changes nothing): the teardown finds each
    # host's workspace, topic and function by name, so it fails unless every lookup goes to the
    # host's own account and region - what a re-run would show.
    gone = run_playbook(TEARDOWN, INVENTORY, principal="admin",
                        extra_vars={"target_environment": "all", "teardown_confirm": ",".join(sorted(EXPECTED))})
    assert gone.returncode == 0, gone
    for host, (account, region) in EXPECTED.items():
        assert workspaces(account, region)[0] == {}, host
        session = session_for(account)
        assert session.client("sns", region_name=region).list_topics()["Topics"] == [], host
        assert session.client("lambda", region_name=region).list_functions()["Functions"] == [], host


def test_when_the_role_cannot_be_assumed_the_host_stops_before_any_change(accounts_env):
    accounts_env.clear_requests()
    # More failures than botocore's own retries: STS stays down for this run.
    accounts_env.inject_fault("AssumeRole", "server_error", count=20, service="sts")
    run = run_playbook(SITE, INVENTORY, limit="ma-assumed", principal="admin")
    assert run.returncode != 0
    assert "Assume the host's role" in run.failure()
    writes = [r for r in accounts_env.requests() if r["service"] != "sts"
              and not r["operation"].startswith(("Describe", "List", "Get"))]
    assert writes == []
