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


class PlaybookRun:
    """The outcome of one ansible-playbook run, read from the ansible.posix.json callback."""

    def __init__(self, proc):
        self.returncode = proc.returncode
        self.stderr = proc.stderr
        self.stdout = proc.stdout
        try:
            self.output = json.loads(proc.stdout)
        except json.JSONDecodeError:
            self.output = None

    def __repr__(self):
        return (f"<PlaybookRun rc={self.returncode} failure={self.failure()!r}>\n"
                f"stderr: {self.stderr[-3000:]}")

    @property
    def stats(self):
        return self.output["stats"] if self.output else {}

    def total(self, key):
        return sum(host.get(key, 0) for host in self.stats.values())

    def task_results(self):
        """(play, task name, host, result) for every task result."""
        for play in (self.output or {}).get("plays", []):
            for task in play["tasks"]:
                for host, result in task["hosts"].items():
                    yield play["play"]["name"], task["task"]["name"], host, result

    def items_run(self, task):
        """host -> the loop items of TASK that ran (not skipped by their condition)."""
        return {host: [item.get("item") for item in result.get("results", []) if not item.get("skipped")]
                for _play, name, host, result in self.task_results() if name == task}

    def changed_tasks(self):
        return [(name, host) for _play, name, host, result in self.task_results() if result.get("changed")]

    def failure(self):
        """The first failed task's message, or None."""
        for _play, name, host, result in self.task_results():
            if result.get("failed"):
                message = result.get("msg")
                return f"{host}: {name}: " + ("\n".join(map(str, message)) if isinstance(message, list) else str(message))
        return None


def run_playbook(playbook, inventory, extra_vars=None, check=False, diff=False, env=None, limit=None, timeout=900,
                 extra_vars_files=(), principal=None, tags=None, skip_tags=None):
    """ansible-playbook PLAYBOOK -i INVENTORY as a user runs it (from the checkout, with ansible.cfg).

    PRINCIPAL: whose credentials the run has - ``deployer`` (default) or ``checker`` (default with
    ``check``), sandbox IAM users holding only the shipped files/iam/deploy-policy.json or
    check-policy.json (support/principals.py), or ``admin``: the environment's keys, which the sandbox
    does not authorize (for tests about something else than the deployer's rights). A test that gives
    AWS keys or a profile in ENV runs with those.

    No standard input: a playbook that prompts fails instead of waiting, as under AWX.
    """
    run_env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"), ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
                   ANSIBLE_STDOUT_CALLBACK="ansible.posix.json", ANSIBLE_FORCE_COLOR="0")
    principal = principal or ("checker" if check else "deployer")
    own_credentials = any(name in (env or {}) for name in ("AWS_ACCESS_KEY_ID", "AWS_PROFILE"))
    if principal != "admin" and not own_credentials and run_env.get("AWS_ENDPOINT_URL"):
        from support.principals import shipped_principal  # pylint: disable=import-outside-toplevel
        run_env.update(shipped_principal(run_env["AWS_ENDPOINT_URL"], principal))
    run_env.update(env or {})
    argv = [PLAYBOOK] + (["-i", inventory] if inventory else []) + [playbook]  # inventory None: no -i
    for path in extra_vars_files:
        argv += ["-e", "@" + path]
    if extra_vars:
        argv += ["-e", json.dumps(extra_vars)]
    argv += ["--check"] if check else []
    argv += ["--diff"] if diff else []
    argv += ["--limit", limit] if limit else []
    argv += ["--tags", tags] if tags else []
    argv += ["--skip-tags", skip_tags] if skip_tags else []
    proc = subprocess.run(argv, cwd=REPO, env=run_env, capture_output=True, text=True, timeout=timeout, check=False,
                          stdin=subprocess.DEVNULL)
    return PlaybookRun(proc)
