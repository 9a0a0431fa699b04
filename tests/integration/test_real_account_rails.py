"""What stands between the collection and a real account (issue 25), against the sandbox:

- the shipped deploy policy is all the deploy needs: removing any one of five actions it lists makes the
  run fail for that host, naming the action (the proof that the sandbox enforces the caller; the other
  integration tests run every playbook under the shipped policies - support/principals.py);
- playbooks/deployer.yml makes the policies and roles for a team, narrowed to its account;
- no run reaches AWS without a named inventory, and teardown.yml deletes nothing unless the run names
  its target and confirms the workspaces, listing what would go (ids, rule namespaces, undelivered
  alerts) before any write.
"""

import json
import os

import boto3
import pytest
import yaml

from support.ansible_run import REPO, run_playbook
from support.principals import shipped_policy, user_with_policies

SITE = os.path.join(REPO, "site.yml")
TEARDOWN = os.path.join(REPO, "playbooks", "teardown.yml")
DEPLOYER = os.path.join(REPO, "playbooks", "deployer.yml")
SANDBOX_INVENTORY = os.path.join(REPO, "inventories", "sandbox")
WEBHOOK = "https://hooks.slack.com/services/T0/B0/rails-secret"
READS = ("Describe", "List", "Get", "Filter")
ACCOUNT = "123456789012"


def writes(sandbox):
    return [f"{r['service']}:{r['operation']}" for r in sandbox.requests()
            if not str(r.get("operation", "")).startswith(READS) and r["service"] != "sts"]


def without(document, action):
    """DOCUMENT with ACTION taken out of every statement that lists it (statements left empty dropped)."""
    statements = []
    for statement in document["Statement"]:
        actions = [a for a in statement["Action"] if a != action]
        if actions:
            statements.append(dict(statement, Action=actions))
    assert sum(len(s["Action"]) for s in statements) < sum(len(s["Action"]) for s in document["Statement"]), action
    return dict(document, Statement=statements)


# host -> the one action its deployer lacks; each fails the host at another step of site.yml
MUTANTS = {
    "mutant-aps": "aps:CreateWorkspace",             # the workspace role
    "mutant-sns": "sns:CreateTopic",                 # the sns role's topic
    "mutant-logs": "logs:CreateLogGroup",            # the forwarder's log group
    "mutant-sqs": "sqs:CreateQueue",                 # the forwarder's dead-letter queue
    "mutant-iam": "iam:PassRole",                    # Lambda's CreateFunction passing the execution role
}


def test_each_action_the_deploy_policy_lists_is_needed_and_a_refusal_names_it(sandbox, tmp_path, monkeypatch):
    deploy = shipped_policy("deploy-policy.json")
    config = tmp_path / "aws-config"
    profiles, hosts = [], {}
    for host, action in MUTANTS.items():
        key = user_with_policies(sandbox.endpoint, host, [without(deploy, action)])
        profiles.append(f"[profile {host}]\naws_access_key_id = {key['AWS_ACCESS_KEY_ID']}\n"
                        f"aws_secret_access_key = {key['AWS_SECRET_ACCESS_KEY']}\nregion = us-east-1\n")
        hosts[host] = {"aws_region": "us-east-1", "aws_profile": host}
    config.write_text("\n".join(profiles))
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(yaml.safe_dump({"all": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                 "lambda_slack_webhook_url": WEBHOOK, "lambda_slack_webhook_stand_in": True,
                 "lambda_slack_allowed_hosts": ["127.0.0.1"]},
        "children": {"mutants": {"hosts": hosts}}}}))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))

    run = run_playbook(SITE, str(inventory), principal="admin", env={"ANSIBLE_FORKS": "5"})
    assert run.returncode != 0
    failed = {host: json.dumps(result) for _play, _task, host, result in run.task_results()
              if result.get("failed") and not result.get("ignore_errors")}
    assert sorted(failed) == sorted(MUTANTS), failed
    for host, action in MUTANTS.items():
        assert f"is not authorized to perform: {action} on resource: " in failed[host], (host, failed[host][:2000])
    refused = {(r["principal"].rsplit("/", 1)[-1], r["action"]) for r in sandbox.refusals() if r["hop"].startswith("caller")}
    assert refused >= set(MUTANTS.items())


def test_the_deployer_playbook_makes_the_policies_and_roles_a_team_assumes(sandbox):
    ci = f"arn:aws:iam::{ACCOUNT}:role/ci"
    run = run_playbook(DEPLOYER, None, principal="admin",  # no inventory: the implicit localhost
                       extra_vars={"deployer_trusted_principal": ci, "deployer_external_id": "amp-ci",
                                   "deployer_region": "us-east-1"})
    assert run.returncode == 0, run
    iam = boto3.client("iam")
    policies = {p["PolicyName"]: p for p in iam.list_policies(Scope="Local", PathPrefix="/amp-alerting/")["Policies"]}
    assert sorted(policies) == ["amp-alerting-check", "amp-alerting-deploy-1", "amp-alerting-deploy-2"]
    role = iam.get_role(RoleName="amp-alerting-deployer")["Role"]
    assert role["Path"] == "/amp-alerting/"
    trust = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert trust["Principal"] == {"AWS": ci} and trust["Condition"] == {"StringEquals": {"sts:ExternalId": "amp-ci"}}
    attached = sorted(p["PolicyName"] for p in iam.list_attached_role_policies(RoleName="amp-alerting-deployer")["AttachedPolicies"])
    assert attached == ["amp-alerting-deploy-1", "amp-alerting-deploy-2"]

    # a session of the role may do what the deploy needs here, and only here
    creds = boto3.client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="ci", ExternalId="amp-ci")["Credentials"]
    session = boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                            aws_session_token=creds["SessionToken"])
    assert session.client("sns", region_name="us-east-1").create_topic(Name="amp-ci-alerts")["TopicArn"]
    for region, name in (("eu-west-1", "amp-ci-alerts"), ("us-east-1", "orders")):
        with pytest.raises(session.client("sns").exceptions.AuthorizationErrorException):
            session.client("sns", region_name=region).create_topic(Name=name)
    # the deployer cannot change its own permissions: they are outside the /amp/ path it manages
    with pytest.raises(iam.exceptions.ClientError, match="AccessDenied"):
        session.client("iam").put_role_policy(RoleName="amp-alerting-deployer", PolicyName="more",
                                              PolicyDocument=json.dumps(shipped_policy("check-policy.json")))


@pytest.mark.skipif(os.path.exists("/etc/ansible/hosts"), reason="/etc/ansible/hosts is ansible's fallback inventory here")
def test_a_run_without_an_inventory_calls_nothing_and_says_how_to_name_one(sandbox, monkeypatch):
    monkeypatch.delenv("ANSIBLE_INVENTORY", raising=False)
    sandbox.clear_requests()
    run = run_playbook(SITE, None)
    assert run.returncode != 0
    assert "No inventory: name one with -i" in run.failure() and "inventories/sandbox" in run.failure()
    assert sandbox.requests() == []


def deployed_look_alike(aws_client):
    """What a deployment of the sandbox host leaves that teardown must list: its workspace and rule
    namespace, and two undelivered alerts in the forwarder's dead-letter queue."""
    amp = aws_client("amp")
    workspace_id = amp.create_workspace(alias="sandbox-amp")["workspaceId"]
    rules = yaml.safe_dump({"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0"}]}]}).encode()
    amp.create_rule_groups_namespace(workspaceId=workspace_id, name="amp-alerting", data=rules)
    sqs = aws_client("sqs")
    queue = sqs.create_queue(QueueName="amp-sandbox-amp-slack-forwarder-dlq")["QueueUrl"]
    for number in range(2):
        sqs.send_message(QueueUrl=queue, MessageBody=f"alert {number}")
    return workspace_id


def test_teardown_deletes_nothing_unless_its_target_and_the_workspaces_are_named(sandbox, aws_client):
    sandbox.clear_requests()
    untargeted = run_playbook(TEARDOWN, SANDBOX_INVENTORY)
    assert untargeted.returncode != 0
    assert "name the target with -e target_environment=" in untargeted.failure()
    assert "sandbox-amp (workspace sandbox-amp, in sandbox)" in untargeted.failure()
    assert sandbox.requests() == [], "no AWS call without a target"

    workspace_id = deployed_look_alike(aws_client)
    what_goes = (f"sandbox-amp: workspace sandbox-amp ({workspace_id}) with its rule namespaces (amp-alerting) - ALL ITS "
                 "METRICS ARE DELETED WITH IT; undelivered alerts deleted with the dead-letter queues: 2 in "
                 "amp-sandbox-amp-slack-forwarder-dlq.")
    for confirmation in (None, "sandbox-amp,prod-eu"):
        sandbox.clear_requests()
        extra = {"target_environment": "sandbox", **({"teardown_confirm": confirmation} if confirmation else {})}
        unconfirmed = run_playbook(TEARDOWN, SANDBOX_INVENTORY, extra_vars=extra)
        assert unconfirmed.returncode != 0
        assert "Not confirmed: teardown_confirm must name the workspaces this run deletes" in unconfirmed.failure()
        assert "-e teardown_confirm=sandbox-amp " in unconfirmed.failure() and what_goes in unconfirmed.failure()
        assert writes(sandbox) == [], "reads only before the confirmation"

    # --check lists the same and predicts the deletions, as the read-only checker, writing nothing
    sandbox.clear_requests()
    checked = run_playbook(TEARDOWN, SANDBOX_INVENTORY, check=True, extra_vars={"target_environment": "sandbox"})
    assert checked.returncode == 0, checked
    (plan,) = [r["msg"] for _p, name, _h, r in checked.task_results() if name == "What teardown.yml deletes"]
    assert plan == [what_goes]
    assert ("amp.alerting.workspace : Delete the AMP workspace (its rule namespaces and alertmanager definition go with it)",
            "sandbox-amp") in checked.changed_tasks()
    assert writes(sandbox) == []
    assert {r["principal"] for r in sandbox.requests()} == {f"arn:aws:iam::{ACCOUNT}:user/test/amp-alerting-checker"}
    assert [w["workspaceId"] for w in aws_client("amp").list_workspaces()["workspaces"]] == [workspace_id]
