"""amp.alerting.amp_workspace and amp_workspace_info run by Ansible against the sandbox, as a user runs them."""

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSIBLE = os.path.join(os.path.dirname(sys.executable), "ansible")
LOG_GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/prometheus/it:*"


def run_module(args, check=False, diff=False, module="amp.alerting.amp_workspace"):
    """One ad-hoc run of the module, as `ansible localhost -m ...` would; returns its result dict."""
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
               ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    argv = [ANSIBLE, "localhost", "-c", "local", "-m", module, "-a", json.dumps(args)]
    argv += ["--check"] if check else []
    argv += ["--diff"] if diff else []
    proc = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    try:
        output = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"ansible printed no JSON (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return output["plays"][0]["tasks"][0]["hosts"]["localhost"]


def amp_state(aws_client):
    """Everything the sandbox holds for AMP, as comparable data."""
    amp = aws_client("amp")
    state = []
    for summary in sorted(amp.list_workspaces()["workspaces"], key=lambda w: w["workspaceId"]):
        ws = amp.describe_workspace(workspaceId=summary["workspaceId"])["workspace"]
        try:
            logging = amp.describe_logging_configuration(workspaceId=ws["workspaceId"])["loggingConfiguration"]["logGroupArn"]
        except amp.exceptions.ResourceNotFoundException:
            logging = None
        state.append((ws["workspaceId"], ws.get("alias"), ws["status"]["statusCode"], ws.get("tags"), ws.get("kmsKeyArn"), logging))
    return state


def write_calls(sandbox):
    return [r for r in sandbox.requests() if r["service"] == "amp" and not r["operation"].startswith(("Describe", "List"))]


def test_lifecycle_check_create_rerun_update_delete(sandbox, aws_client):
    args = {"alias": "it-prod", "tags": {"team": "sre"}}

    result = run_module(args, check=True)
    assert result["changed"] is True
    assert amp_state(aws_client) == []  # check mode created nothing
    assert write_calls(sandbox) == []

    result = run_module(args)
    assert result["changed"] is True
    workspace = result["workspace"]
    assert workspace["status"] == "ACTIVE" and workspace["alias"] == "it-prod"
    assert workspace["remote_write_url"] == workspace["prometheus_endpoint"] + "api/v1/remote_write"

    sandbox.clear_requests()
    result = run_module(args)
    assert result["changed"] is False
    assert write_calls(sandbox) == []

    result = run_module(dict(args, tags={"team": "sre", "env": "prod"}, log_group_arn=LOG_GROUP), diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"]["tags"] == {"team": "sre"}
    assert result["diff"]["after"]["tags"] == {"team": "sre", "env": "prod"}
    assert result["workspace"]["logging"] == {"log_group_arn": LOG_GROUP, "status": "ACTIVE"}
    assert amp_state(aws_client) == [(workspace["workspace_id"], "it-prod", "ACTIVE", {"team": "sre", "env": "prod"}, None, LOG_GROUP)]

    result = run_module({"workspace_id": workspace["workspace_id"], "alias": "it-prod-renamed"})
    assert result["changed"] is True and result["workspace"]["alias"] == "it-prod-renamed"

    result = run_module({"alias": "it-prod-renamed", "log_group_arn": ""})
    assert result["changed"] is True and result["workspace"]["logging"] is None

    result = run_module({"alias": "it-prod-renamed", "state": "absent"}, check=True)
    assert result["changed"] is True and len(amp_state(aws_client)) == 1

    result = run_module({"alias": "it-prod-renamed", "state": "absent"})
    assert result["changed"] is True
    assert amp_state(aws_client) == []
    result = run_module({"alias": "it-prod-renamed", "state": "absent"})
    assert result["changed"] is False


def test_throttling_and_server_errors_are_retried(sandbox, aws_client):
    sandbox.inject_fault("ListWorkspaces", kind="throttle", count=2)
    sandbox.inject_fault("CreateWorkspace", kind="server_error", count=1)
    result = run_module({"alias": "it-faults"})
    assert result["changed"] is True and result["workspace"]["status"] == "ACTIVE"
    assert len(amp_state(aws_client)) == 1  # retried, not duplicated


def test_creation_failed_is_reported(sandbox):
    sandbox.inject_fault("CreateWorkspace", kind="creation_failed")
    result = run_module({"alias": "it-doomed"})
    assert result["failed"] is True
    assert "CREATION_FAILED" in result["msg"]


@pytest.mark.parametrize(
    "args, field",
    [
        ({"alias": ""}, "alias:"),
        ({"alias": "it-prod", "log_group_arn": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/prometheus/it"}, "log_group_arn:"),
        ({"alias": "it-prod", "kms_key_arn": "alias/amp"}, "kms_key_arn:"),
        ({"alias": "it-prod", "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/other"}, "kms_key_arn:"),
        ({"workspace_id": "ws-00000000-0000-0000-0000-000000000000", "alias": "it-prod"}, "workspace_id:"),
        ({"alias": "it-dup"}, "workspace_alias 'it-dup' matches 2 workspaces"),
    ],
    ids=["empty-alias", "log-group-without-suffix", "kms-not-an-arn", "kms-change", "unknown-id", "duplicate-alias"],
)
def test_bad_input_fails_naming_the_field_and_changes_nothing(sandbox, aws_client, args, field):
    sandbox.set_amp_delay(0)
    amp = aws_client("amp")
    amp.create_workspace(alias="it-prod", tags={"team": "sre"})
    amp.create_workspace(alias="it-dup")
    amp.create_workspace(alias="it-dup")
    before = amp_state(aws_client)
    sandbox.clear_requests()

    result = run_module(args)

    assert result["failed"] is True
    assert field in result["msg"], result["msg"]
    assert write_calls(sandbox) == []
    assert amp_state(aws_client) == before


def test_info_lists_workspaces_with_rules(sandbox, aws_client):
    sandbox.set_amp_delay(0)
    amp = aws_client("amp")
    prod = amp.create_workspace(alias="it-prod-eu")["workspaceId"]
    amp.create_workspace(alias="it-dev")
    amp.create_rule_groups_namespace(workspaceId=prod, name="pods", data=b"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n")

    result = run_module({"alias_prefix": "it-prod", "include_rules": True}, module="amp.alerting.amp_workspace_info")

    assert result["changed"] is False
    assert [(ws["workspace_id"], ws["alias"]) for ws in result["workspaces"]] == [(prod, "it-prod-eu")]
    assert result["workspaces"][0]["rule_namespaces"] == [{"name": "pods", "status": "ACTIVE"}]
    assert result["workspaces"][0]["alertmanager"] is None
    assert run_module({"alias_prefix": "nothing-"}, module="amp.alerting.amp_workspace_info")["workspaces"] == []
