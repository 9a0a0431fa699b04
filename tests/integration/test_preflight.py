"""The preflight: every mistake of preflight/cases.yml is refused before the first AWS write, naming the field.

The cases run against the sandbox as a user runs site.yml. Those a host's variables express run
together, one inventory host per case (one failing host stops them all, and each is told its own
problems); the others get a run of their own. After each run the sandbox's request log must hold no
write: the only calls allowed before the preflight passes are reads.
"""

import json
import os

import pytest
import yaml

from support.ansible_run import REPO, run_playbook

SITE = os.path.join(REPO, "site.yml")
CASES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "preflight", "cases.yml")
READ_PREFIXES = ("Describe", "List", "Get")
WEBHOOK = "https://hooks.slack.com/services/T0/B0/preflight-secret"
REGION = "us-east-1"

with open(CASES_FILE, encoding="utf-8") as _handle:
    CASES = yaml.safe_load(_handle)


def host_of(case):
    return case.get("host", case["id"])


def write_inventory(tmp_path, cases, name="hosts.yml"):
    hosts = {}
    for case in cases:
        host_vars = {"aws_region": REGION}
        host_vars.update(case.get("vars", {}))
        if host_vars.get("aws_region") is None:
            del host_vars["aws_region"]
        hosts[host_of(case)] = host_vars
    inventory = {"all": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                 "lambda_slack_webhook_url": WEBHOOK},
        "children": {"preflight": {"hosts": hosts}}}}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(inventory, sort_keys=False))
    return str(path)


def writes(sandbox):
    return [f"{r['service']}:{r['operation']}" for r in sandbox.requests()
            if not str(r.get("operation", "")).startswith(READ_PREFIXES) and r["service"] != "sts"]


REFUSING_TASKS = ("Every setting is one AWS accepts", "Everything the first write needs is there")


def refusals(run):
    """host -> the message the preflight refused it with (what the user reads at the end of the run): its
    problems, one per line."""
    return {host: "\n".join(result.get("msg") or []) for _play, task, host, result in run.task_results()
            if task in REFUSING_TASKS and result.get("failed")}


def check_each_host_named_its_field(run, cases):
    assert run.returncode != 0, run
    messages = refusals(run)
    unnamed = {case["id"]: messages.get(host_of(case), "(no failure)")[:300]
               for case in cases if case["names"] not in messages.get(host_of(case), "")}
    assert unnamed == {}, "these refusals do not name the field"


def test_host_cases_are_refused_before_any_write_each_naming_its_field(sandbox, tmp_path):
    cases = [case for case in CASES if case.get("run", "hosts") == "hosts"]
    assert len(cases) >= 34
    sandbox.clear_requests()
    run = run_playbook(SITE, write_inventory(tmp_path, cases))
    check_each_host_named_its_field(run, cases)
    assert sandbox.requests() == [], "the preflight asked AWS before refusing what needs no AWS call"
    assert WEBHOOK not in run.stdout + run.stderr and "preflight-secret" not in run.stdout + run.stderr


def test_cases_needing_the_account_are_refused_after_reads_only(sandbox, tmp_path):
    cases = [case for case in CASES if case.get("run") == "account"]
    sandbox.clear_requests()
    run = run_playbook(SITE, write_inventory(tmp_path, cases))
    check_each_host_named_its_field(run, cases)
    assert writes(sandbox) == []


@pytest.mark.parametrize("case", [case for case in CASES if case.get("run") == "extra_vars"], ids=lambda case: case["id"])
def test_extra_var_cases_are_refused_before_any_aws_call(sandbox, tmp_path, case):
    sandbox.clear_requests()
    run = run_playbook(SITE, write_inventory(tmp_path, [{"id": "only-host"}]), extra_vars=case["vars"])
    assert run.returncode != 0, run
    assert case["names"] in run.failure(), run.failure()
    assert sandbox.requests() == []


def test_a_pattern_that_selects_no_host_lists_what_the_inventory_has(sandbox, tmp_path):
    run = run_playbook(SITE, write_inventory(tmp_path, [{"id": "dev-eu"}, {"id": "prod-eu"}]),
                       extra_vars={"target_environment": "staging"})
    assert run.returncode != 0
    assert "target_environment 'staging' selects no host" in run.failure()
    assert "Groups: preflight." in run.failure() and "Hosts: dev-eu, prod-eu." in run.failure()


def test_a_plain_text_webhook_is_accepted_with_a_warning(sandbox, tmp_path):
    # Valid input (the issue asks to warn, not to refuse): the run is stopped by another case so that
    # nothing is deployed, and the warning must be there, without the webhook itself.
    inventory = write_inventory(tmp_path, [{"id": "plain-webhook", "vars": {"lambda_timeout": 1000}}])
    run = run_playbook(SITE, inventory, extra_vars={"lambda_slack_webhook_url": WEBHOOK})
    assert "lambda_slack_webhook_url is plain text" in run.stdout + run.stderr
    assert WEBHOOK not in run.stdout + run.stderr


def test_a_retention_the_log_group_module_mishandles_never_reaches_it(sandbox, aws_client, tmp_path):
    # amazon.aws' cloudwatchlogs_log_group deletes the log group, logs and all, when given a retention it
    # does not know (1096 is one CloudWatch accepts): the preflight stops the run before it is called.
    logs = aws_client("logs")
    group = "/aws/lambda/amp-retention-slack-forwarder"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="kept")
    sandbox.clear_requests()
    run = run_playbook(SITE, write_inventory(tmp_path, [{"id": "retention", "vars": {"lambda_log_retention_days": 1096}}]))
    assert run.returncode != 0 and "lambda_log_retention_days" in run.failure()
    assert [r for r in sandbox.requests() if r["operation"] == "DeleteLogGroup"] == []
    assert [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"]] == ["kept"]


def test_under_ansibles_own_output_settings_the_refusal_reads_one_problem_per_line(sandbox, tmp_path):
    """An installed collection runs with the user's ansible.cfg, often ansible-core's defaults (the
    default callback, results as JSON): the problems arrive as a list, one per line, not one escaped text."""
    inventory = write_inventory(tmp_path, [{"id": "two", "vars": {"lambda_log_retention_days": 1096,
                                                                  "lambda_runtime": "python3.9"}}])
    run = run_playbook(SITE, inventory, env={"ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.default",
                                             "ANSIBLE_CALLBACK_RESULT_FORMAT": "json"})
    assert run.returncode != 0
    (fatal,) = [line for line in run.stdout.splitlines() if line.startswith("fatal: [two]")]
    problems = json.loads(fatal.split("=> ", 1)[1])["msg"]
    assert any(p.startswith("lambda_log_retention_days") for p in problems), problems
    assert any("lambda_runtime" in p for p in problems), problems
    assert "\\n" not in fatal


def test_a_role_run_alone_checks_its_own_settings_by_the_same_steps_before_its_first_write(sandbox, tmp_path):
    """A play of the roles without playbooks/preflight.yml (tests/integration/playbooks/iam_users.yml: account,
    workspace, iam): each role checks its settings as the preflight would, and the workspace role's mistake
    stops the run before anything is written."""
    case = next(case for case in CASES if case["id"] == "workspace-scraper-cluster-name")
    run = run_playbook(os.path.join(REPO, "tests", "integration", "playbooks", "iam_users.yml"),
                       write_inventory(tmp_path, [case]), principal="admin")
    assert run.returncode != 0
    assert case["names"] in run.failure()
    assert writes(sandbox) == []


@pytest.mark.parametrize("limit", [{"tags": "alerting"}, {"skip_tags": "workspace"}])
def test_one_role_alone_on_an_account_without_the_chain_names_the_run_that_makes_it(sandbox, tmp_path, limit):
    """site.yml --tags alerting (or --skip-tags workspace) reads the workspace the workspace role would have
    made: where there is none, the run says so and what to run, before any write."""
    run = run_playbook(SITE, write_inventory(tmp_path, [{"id": "fresh"}]), **limit)
    assert run.returncode != 0
    assert "No workspace fresh in account" in run.failure() and "--tags workspace" in run.failure()
    assert writes(sandbox) == []


def active_workspace(aws_client, alias, retention=None):
    """A workspace made by hand (another run, the console), ACTIVE, with RETENTION days when given."""
    from support import eventually  # pylint: disable=import-outside-toplevel
    amp = aws_client("amp")
    workspace_id = amp.create_workspace(alias=alias)["workspaceId"]
    eventually(lambda: amp.describe_workspace(workspaceId=workspace_id)["workspace"]["status"]["statusCode"] == "ACTIVE",
               what=f"workspace {alias} ACTIVE")
    if retention is not None:
        amp.update_workspace_configuration(workspaceId=workspace_id, retentionPeriodInDays=retention)
        eventually(lambda: amp.describe_workspace_configuration(workspaceId=workspace_id)["workspaceConfiguration"]
                   ["status"]["statusCode"] == "ACTIVE", what=f"workspace {alias}'s configuration ACTIVE")
    return amp.describe_workspace(workspaceId=workspace_id)["workspace"]


def test_a_retention_shorter_than_the_workspace_keeps_is_refused_from_the_one_read(sandbox, aws_client, tmp_path):
    # The preflight's read of the chain (chain_info, workspace_configuration) gives the retention AMP keeps now:
    # without it, the shorter one would reach UpdateWorkspaceConfiguration and AMP would delete the older samples.
    workspace = active_workspace(aws_client, "shrink", retention=400)
    sandbox.clear_requests()
    run = run_playbook(SITE, write_inventory(tmp_path, [{"id": "shrink", "vars": {"workspace_retention_period_in_days": 90}}]))
    assert run.returncode != 0
    assert (f"workspace_retention_period_in_days: 90 is shorter than the 400 days workspace {workspace['workspaceId']} "
            "(shrink) keeps now") in refusals(run)["shrink"]
    assert "set workspace_allow_retention_decrease: true" in refusals(run)["shrink"]
    assert writes(sandbox) == []
    assert "DescribeWorkspaceConfiguration" in [r["operation"] for r in sandbox.requests()]
    allowed = run_playbook(SITE, write_inventory(tmp_path, [{"id": "shrink", "vars": {
        "workspace_retention_period_in_days": 90, "workspace_allow_retention_decrease": True}}]), check=True, tags="workspace")
    assert allowed.returncode == 0 and "shrink" not in refusals(allowed), allowed.failure()


def test_an_alias_changed_on_a_converged_host_is_refused_from_the_one_read(sandbox, aws_client, tmp_path):
    # The host's topic serves workspace 'first'; its alias is now another, which matches no workspace: a run would
    # make a second workspace and move the topic to it. The preflight's read finds no workspace by the new alias,
    # then reads the topic and the workspace its policy names.
    first = active_workspace(aws_client, "first")
    aws_client("sns").create_topic(Name="amp-renamed-alerts", Attributes={"Policy": json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Sid": "AmpWorkspacePublish", "Effect": "Allow", "Principal": {"Service": "aps.amazonaws.com"},
            "Action": ["sns:Publish", "sns:GetTopicAttributes"], "Resource": "*",
            "Condition": {"ArnEquals": {"aws:SourceArn": first["arn"]}}}]})})
    sandbox.clear_requests()
    run = run_playbook(SITE, write_inventory(tmp_path, [{"id": "renamed"}]))
    assert run.returncode != 0
    assert (f"workspace_alias: renamed matches no workspace, but topic amp-renamed-alerts serves workspace "
            f"{first['workspaceId']} (alias first)") in refusals(run)["renamed"]
    assert writes(sandbox) == []
