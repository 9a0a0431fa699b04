"""The collection as AWX / AAP runs it: project synced with collections/requirements.yml, credentials
only in the environment (AWS) or injected as extra vars (the Slack webhook credential type), survey
answers as extra vars, no prompts, no AWS config files, in Run and in Check mode; plus the survey
specs and credential type checked the way AWX checks them."""

import json
import os
import subprocess
import sys

import pytest
import yaml

from support.ansible_run import REPO, run_playbook

AWX = os.path.join(REPO, "awx")
SITE = os.path.join(REPO, "site.yml")
TEARDOWN = os.path.join(REPO, "playbooks", "teardown.yml")
TEST_ALERT = os.path.join(REPO, "playbooks", "test_alert.yml")
DEV_INVENTORY = os.path.join(REPO, "inventories", "example", "dev.yml")  # one AWX inventory per environment
WEBHOOK = "https://hooks.slack.com/services/T0/B0/awx-secret-token"
SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}
SURVEYS = {"deploy": "survey_deploy.json", "teardown": "survey_teardown.json", "test_alert": "survey_test_alert.json",
           "maintenance": "survey_maintenance.json", "doctor": "survey_doctor.json"}
MAINTENANCE = os.path.join(REPO, "playbooks", "maintenance.yml")
DOCTOR = os.path.join(REPO, "playbooks", "doctor.yml")


def load(name):
    with open(os.path.join(AWX, name), encoding="utf-8") as handle:
        return json.load(handle)


def answer_errors(spec, answers):
    """What AWX would refuse in ANSWERS to SPEC (a survey spec), as messages."""
    errors = []
    questions = {q["variable"]: q for q in spec["spec"]}
    errors += [f"{name}: not a survey question" for name in answers if name not in questions]
    for name, question in questions.items():
        value = answers.get(name, question.get("default"))
        if question["required"] and value in (None, ""):
            errors.append(f"{name}: required")
        elif question["type"] in ("text", "textarea", "password") and not isinstance(value, str):
            errors.append(f"{name}: must be text")
        elif question["type"] in ("text", "textarea", "password") and value and not (
                question.get("min", 0) <= len(value) <= question.get("max", 1024)):
            errors.append(f"{name}: length outside {question.get('min')}..{question.get('max')}")
        elif question["type"] == "multiplechoice" and value not in question["choices"]:
            errors.append(f"{name}: {value!r} is not one of {question['choices']}")
    return errors


@pytest.mark.parametrize("job", sorted(SURVEYS))
def test_survey_specs_are_valid_and_their_answers_fit(job):
    spec = load(SURVEYS[job])
    assert spec["name"] and spec["description"] and spec["spec"]
    variables = [q["variable"] for q in spec["spec"]]
    assert len(variables) == len(set(variables))
    for question in spec["spec"]:
        assert question["type"] in SURVEY_TYPES, question
        assert isinstance(question["required"], bool) and question["question_name"], question
        if question["type"] == "multiplechoice":
            assert question["default"] in question["choices"], question
    assert answer_errors(spec, load(f"answers/{job}.json")) == []
    # the checker itself refuses what AWX refuses
    assert answer_errors(spec, {"no_such_question": 1})[0] == "no_such_question: not a survey question"


def test_survey_variables_are_ones_the_playbooks_read():
    documented = yaml.safe_load(open(os.path.join(REPO, "roles", "alerting", "meta", "argument_specs.yml"),
                                     encoding="utf-8"))["argument_specs"]["main"]["options"]
    assert "alerting_threshold_overrides" in documented
    site_playbook = os.path.join(REPO, "playbooks", "site.yml")  # what the root site.yml imports
    for job, playbook in (("deploy", site_playbook), ("teardown", TEARDOWN), ("test_alert", TEST_ALERT),
                          ("maintenance", MAINTENANCE), ("doctor", DOCTOR)):
        text = open(playbook, encoding="utf-8").read()
        for question in load(SURVEYS[job])["spec"]:
            if question["variable"] != "alerting_threshold_overrides":
                assert question["variable"] in text, (job, question["variable"])


def test_the_webhook_credential_type_injects_the_lambda_roles_variable_as_a_secret():
    credential_type = load("credential_type_slack_webhook.json")
    fields = {f["id"]: f for f in credential_type["inputs"]["fields"]}
    assert fields["webhook_url"]["secret"] is True
    assert credential_type["injectors"]["extra_vars"] == {"lambda_slack_webhook_url": "{{ webhook_url }}"}
    lambda_spec = yaml.safe_load(open(os.path.join(REPO, "roles", "lambda", "meta", "argument_specs.yml"),
                                      encoding="utf-8"))["argument_specs"]["main"]["options"]
    assert "lambda_slack_webhook_url" in lambda_spec


def test_the_slack_app_credential_type_injects_a_secret_bot_token_the_inventory_can_name():
    credential_type = load("credential_type_slack_app.json")
    fields = {f["id"]: f for f in credential_type["inputs"]["fields"]}
    assert fields["bot_token"]["secret"] is True and credential_type["inputs"]["required"] == ["bot_token"]
    assert credential_type["injectors"]["extra_vars"] == {"amp_alerting_slack_bot_token": "{{ bot_token }}"}
    documented = open(os.path.join(REPO, "docs", "awx.md"), encoding="utf-8").read()
    assert 'bot_token: "{{ amp_alerting_slack_bot_token' in documented


def test_no_playbook_or_role_prompts():
    for top, _dirs, files in os.walk(REPO):
        if any(part in top for part in (".venv", ".git", "build", ".ansible", os.path.join("tests", ""))):
            continue
        for name in files:
            if name.endswith(".yml"):
                text = open(os.path.join(top, name), encoding="utf-8").read()
                assert "vars_prompt" not in text and "ansible.builtin.pause" not in text, os.path.join(top, name)


@pytest.fixture(scope="module")
def project_collections(tmp_path_factory):
    """What an AWX project sync installs from collections/requirements.yml (here offline: amazon.aws
    and community.aws are the ones ansible 12.3.0 bundles)."""
    path = tmp_path_factory.mktemp("awx-collections")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(path), ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"))
    galaxy = os.path.join(os.path.dirname(sys.executable), "ansible-galaxy")
    proc = subprocess.run([galaxy, "collection", "install", "-r", "collections/requirements.yml", "-p", str(path),
                           "--offline"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert os.path.isfile(path / "ansible_collections" / "amp" / "alerting" / "MANIFEST.json")
    return str(path)


@pytest.fixture
def awx_job(sandbox, project_collections, tmp_path):
    """Run a job template: AWS keys only in the environment, no AWS config or credentials files, an
    empty HOME, the webhook credential's extra vars in a file, survey answers in another."""
    credential_vars = tmp_path / "credential_extravars.json"
    credential_vars.write_text(json.dumps({"lambda_slack_webhook_url": WEBHOOK}))
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "ANSIBLE_COLLECTIONS_PATH": project_collections,
           "AWS_CONFIG_FILE": str(home / "no-aws-config"), "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-aws-credentials"),
           "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp")}

    def launch(playbook, answers, check=False):
        run = run_playbook(playbook, DEV_INVENTORY, check=check, env=env,
                           extra_vars_files=[str(credential_vars), os.path.join(AWX, "answers", answers)])
        assert WEBHOOK not in run.stdout + run.stderr and "awx-secret-token" not in run.stdout + run.stderr
        return run

    return launch


def test_check_deploy_doctor_and_teardown_as_awx_runs_them(awx_job, sandbox):
    import boto3

    amp = boto3.client("amp", region_name="eu-central-1")  # dev's region in the example inventory
    sandbox.clear_requests()
    predicted = awx_job(SITE, "deploy.json", check=True)
    assert predicted.returncode == 0, predicted
    assert predicted.total("changed") > 0
    assert [r for r in sandbox.requests() if not r["operation"].startswith(("Describe", "List", "Get", "AssumeRole"))] == []

    deployed = awx_job(SITE, "deploy.json")
    assert deployed.returncode == 0, deployed
    # localhost checks the host pattern (playbooks/preflight.yml); of the inventory's hosts only dev's ran
    assert {host for _p, _t, host, _r in deployed.task_results()} - {"localhost"} == {"dev-eks"}, "the survey's environment is dev"
    workspace = [w for w in amp.list_workspaces()["workspaces"] if w["alias"] == "dev-eks"]
    assert len(workspace) == 1
    rules = yaml.safe_load(amp.describe_rule_groups_namespace(workspaceId=workspace[0]["workspaceId"], name="amp-alerting")
                           ["ruleGroupsNamespace"]["data"])
    by_alert = {rule["alert"]: rule for group in rules["groups"] for rule in group["rules"]}
    # the survey's overrides, over dev's group_vars, over the role's defaults: merged per key
    assert by_alert["HostHighCpuUsage"]["expr"].endswith("> 90") and by_alert["HostHighCpuUsage"]["for"] == "10m"
    assert by_alert["TargetDown"]["labels"]["severity"] == "critical" and by_alert["TargetDown"]["for"] == "5m"
    assert by_alert["PodHighMemoryUsage"]["expr"].endswith("> 1000000000")  # dev's group_vars
    assert "PodNotReady" not in by_alert  # disabled in dev's group_vars

    # (a check job after the deploy changes nothing: test_site's check run after its converge shows it)

    # the workflow's step after deploy, here as a check job: every hop of the deployed chain ok (the
    # test alert job is run for real in test_chain_sns_lambda_slack)
    diagnosed = awx_job(DOCTOR, "doctor.json", check=True)
    assert diagnosed.returncode == 0, diagnosed
    (table,) = [result["msg"] for _p, name, _h, result in diagnosed.task_results() if name.startswith("The chain, hop by hop")]
    lines = [line for line in table if not line.startswith(" ")]
    heartbeat = [line for line in lines if line.split()[1] == "heartbeat"]
    assert [line.split()[0] for line in lines if line not in heartbeat] == ["ok"] * 14, table
    # the heartbeat's alarm was made a moment ago and no rule is evaluated here (the sandbox's data plane is
    # off): not yet a verdict, and not a failed job (test_pagerduty_and_heartbeat shows it beating)
    assert len(heartbeat) == 1 and heartbeat[0].startswith("unknown"), table

    removed = awx_job(TEARDOWN, "teardown.json")
    assert removed.returncode == 0, removed
    assert [w for w in amp.list_workspaces()["workspaces"] if w["alias"] == "dev-eks"] == []
    # Every call of the four jobs was one the shipped policies allow: none left an AccessDenied in CloudTrail
    # (the account role asks only sts:GetCallerIdentity, which needs no permission; no iam:ListAccountAliases).
    assert [(r["principal"], r["action"]) for r in sandbox.refusals() if r["hop"].startswith("caller")] == []


def test_bad_survey_overrides_fail_before_any_aws_call(sandbox):
    sandbox.clear_requests()
    answers = {"target_environment": "dev", "alerting_threshold_overrides": "HostHighCPU: {value: 90}"}
    run = run_playbook(SITE, DEV_INVENTORY, extra_vars=answers)
    assert run.returncode != 0
    assert "alerting_threshold_overrides must map alert names" in run.failure()
    assert sandbox.requests() == []
