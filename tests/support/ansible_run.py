"""Run the collection's modules the way users do (ansible-playbook) and snapshot the sandbox."""

import json
import os
import subprocess
import sys
import tempfile

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLAYBOOK = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")


class _UnsafeDumper(yaml.SafeDumper):
    """Marks strings holding Jinja-like text !unsafe, as users must for Prometheus/Go templates."""


def _represent_str(dumper, value):
    if any(mark in value for mark in ("{{", "{%", "{#")):
        return dumper.represent_scalar("!unsafe", value)
    return dumper.represent_str(value)


_UnsafeDumper.add_representer(str, _represent_str)


def run_module(module, args, check=False, diff=False):
    """Run one task of amp.alerting.MODULE with ARGS through ansible-playbook; return its result dict."""
    play = [{"hosts": "localhost", "gather_facts": False, "connection": "local",
             "tasks": [{f"amp.alerting.{module}": args}]}]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
               ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    with tempfile.NamedTemporaryFile("w", suffix=".yml", prefix="amp-task-") as playbook:
        yaml.dump(play, playbook, Dumper=_UnsafeDumper, sort_keys=False)
        playbook.flush()
        argv = [PLAYBOOK, "-i", "localhost,", playbook.name]
        argv += ["--check"] if check else []
        argv += ["--diff"] if diff else []
        proc = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=180, check=False)
    try:
        output = json.loads(proc.stdout)
        return output["plays"][0]["tasks"][0]["hosts"]["localhost"]
    except (json.JSONDecodeError, KeyError, IndexError):
        pytest.fail(f"ansible-playbook gave no task result (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
        raise


def amp_snapshot(amp):
    """Everything the sandbox holds for AMP, byte for byte, as comparable data."""
    state = []
    for summary in sorted(amp.list_workspaces()["workspaces"], key=lambda w: w["workspaceId"]):
        ws_id = summary["workspaceId"]
        ws = amp.describe_workspace(workspaceId=ws_id)["workspace"]
        try:
            logging = amp.describe_logging_configuration(workspaceId=ws_id)["loggingConfiguration"]["logGroupArn"]
        except amp.exceptions.ResourceNotFoundException:
            logging = None
        namespaces = []
        for ns in amp.list_rule_groups_namespaces(workspaceId=ws_id)["ruleGroupsNamespaces"]:
            described = amp.describe_rule_groups_namespace(workspaceId=ws_id, name=ns["name"])["ruleGroupsNamespace"]
            namespaces.append((described["name"], described["status"], described["data"], described.get("tags")))
        try:
            definition = amp.describe_alert_manager_definition(workspaceId=ws_id)["alertManagerDefinition"]
            definition = (definition["status"], definition["data"])
        except amp.exceptions.ResourceNotFoundException:
            definition = None
        state.append({"workspace": (ws_id, ws.get("alias"), ws["status"]["statusCode"], ws.get("tags"), ws.get("kmsKeyArn"), logging),
                      "namespaces": sorted(namespaces), "alertmanager": definition})
    return state


def amp_write_calls(sandbox):
    """The AMP calls in the sandbox's request log that could change something."""
    return [r for r in sandbox.requests() if r["service"] == "amp" and not r["operation"].startswith(("Describe", "List"))]
