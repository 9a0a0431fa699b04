"""The collection as Galaxy and ansible-builder ship it: the built tarball installs into an empty
collections path and runs site.yml / teardown from there against the sandbox, with this repository's
sandbox inventory (the tarball holds the product only: no tests, no sandbox inventory, no development
config); the execution environment's build context is created
offline and its introspection finds this collection's Python and system needs."""

import json
import os
import shutil
import subprocess
import sys
import tarfile

import boto3
import pytest
import yaml

from support.ansible_run import PlaybookRun, REPO

BIN = os.path.dirname(sys.executable)
WEBHOOK = "http://127.0.0.1:9/services/T0/B0/pkg-secret-token"


def run(argv, **kwargs):
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False, stdin=subprocess.DEVNULL, **kwargs)
    assert proc.returncode == 0, f"{argv}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("galaxy-build")
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", "--output-path", str(out), REPO], cwd=REPO)
    (built,) = out.glob("amp-alerting-*.tar.gz")
    return built


def test_the_tarball_holds_the_product_and_no_development_files(tarball):
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
        manifest = json.load(archive.extractfile("MANIFEST.json"))
    info = manifest["collection_info"]
    assert (info["namespace"], info["name"]) == ("amp", "alerting")
    assert set(info["dependencies"]) == {"amazon.aws", "community.aws", "ansible.utils"}
    for needed in ("playbooks/site.yml", "playbooks/teardown.yml", "playbooks/test_alert.yml", "meta/runtime.yml",
                   "meta/execution-environment.yml", "requirements.txt", "bindep.txt",
                   "files/lambda/slack_forwarder/handler.py", "files/lambda/amp_alerting_sns.tmpl",
                   "plugins/module_utils/amp.py", "roles/account/tasks/main.yml", "roles/alerting/meta/argument_specs.yml",
                   "inventories/example/group_vars/all.yml", "awx/survey_deploy.json", "changelogs/changelog.yaml", "CHANGELOG.rst"):
        assert needed in names, needed
    for absent in ("tests", "inventories/sandbox", "awx/answers", "ansible.cfg", "pytest.ini", "test-requirements.txt",
                   ".ansible-lint", ".yamllint", "changelogs/.plugin-cache.yaml", "benchmarks", ".venv", "build",
                   ".ansible", ".sandbox", "Makefile", "collections"):
        assert not any(name == absent or name.startswith(absent + "/") for name in names), absent


@pytest.fixture
def installed(tarball, sandbox, tmp_path):
    """The tarball installed into an empty collections path; the environment points at the sandbox."""
    collections = tmp_path / "collections"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_CONFIG=str(tmp_path / "none.cfg"))
    (tmp_path / "none.cfg").write_text("[defaults]\n")
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "-p", str(collections), str(tarball)],
        cwd=tmp_path, env=env)
    root = collections / "ansible_collections" / "amp" / "alerting"
    return root, env


def playbook(fqcn, inventory, env, cwd, extra_vars=None):
    argv = [os.path.join(BIN, "ansible-playbook"), "-i", str(inventory), fqcn]
    argv += ["-e", json.dumps(extra_vars)] if extra_vars else []
    env = dict(env, ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
               SANDBOX_SLACK_WEBHOOK_URL=WEBHOOK)
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False,
                          stdin=subprocess.DEVNULL)
    return PlaybookRun(proc)


def test_site_and_teardown_run_from_the_installed_collection(installed, sandbox, tmp_path):
    _root, env = installed
    inventory = tmp_path / "inventory"  # the user's own inventory: here the repository's sandbox one
    shutil.copytree(os.path.join(REPO, "inventories", "sandbox"), inventory)
    workdir = tmp_path / "elsewhere"  # not the checkout: no ansible.cfg, no relative paths into it
    workdir.mkdir()

    # with a key the sns role creates: the teardown schedules its deletion (AWS's 7-day minimum)
    first = playbook("amp.alerting.site", inventory, env, workdir, {"sns_kms_create_key": True})
    assert first.returncode == 0, first
    assert first.total("changed") > 0
    assert "pkg-secret-token" not in first.stdout + first.stderr
    workspaces = [w for w in boto3.client("amp").list_workspaces()["workspaces"] if w["alias"] == "sandbox-amp"]
    assert len(workspaces) == 1
    namespace = boto3.client("amp").describe_rule_groups_namespace(workspaceId=workspaces[0]["workspaceId"],
                                                                   name="amp-alerting")["ruleGroupsNamespace"]
    assert "PodHighMemoryUsage" in namespace["data"].decode()
    definition = boto3.client("amp").describe_alert_manager_definition(workspaceId=workspaces[0]["workspaceId"])
    assert "amp_alerting_sns.tmpl" in yaml.safe_load(definition["alertManagerDefinition"]["data"])["template_files"]
    function = boto3.client("lambda").get_function(FunctionName="amp-sandbox-amp-slack-forwarder")
    assert function["Configuration"]["Handler"] == "slack_forwarder.handler.forward_alerts_to_slack"

    # (No second run here: lambda_package's unit tests show the zip does not depend on file times or
    # modes, and test_site shows a re-run changes nothing.)
    key_arn = boto3.client("kms").describe_key(KeyId="alias/amp-sandbox-amp-alerts")["KeyMetadata"]["Arn"]
    gone = playbook("amp.alerting.teardown", inventory, env, workdir,
                    {"target_environment": "sandbox", "teardown_confirm": "sandbox-amp", "sns_kms_create_key": True})
    assert gone.returncode == 0, gone
    assert boto3.client("kms").describe_key(KeyId=key_arn)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    assert [w for w in boto3.client("amp").list_workspaces()["workspaces"] if w["alias"] == "sandbox-amp"] == []


def test_execution_environment_context_is_created_offline_and_finds_the_collections_needs(tarball, tmp_path):
    # what `make ee` does: the tarball where execution-environment.yml expects it, then ansible-builder create
    project = tmp_path / "project"
    shutil.copytree(REPO, project, ignore=shutil.ignore_patterns(".venv", ".git", "build", ".ansible", ".sandbox"))
    (project / "build" / "ee").mkdir(parents=True)
    shutil.copy(tarball, project / "build" / "ee" / "amp-alerting.tar.gz")
    context = tmp_path / "context"
    run([os.path.join(BIN, "ansible-builder"), "create", "-f", "execution-environment.yml", "-c", str(context),
         "--output-filename", "Containerfile"], cwd=project)
    containerfile = (context / "Containerfile").read_text()
    assert "ansible-galaxy collection install" in containerfile and "introspect" in containerfile
    # the installed collection's bytecode is in the image (a job's user may not write it)
    assert "-m compileall -q /usr/share/ansible/collections/ansible_collections/amp/alerting" in containerfile
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    (entry,) = requirements["collections"]
    assert entry["type"] == "file"
    assert (context / "_build" / entry["name"]).is_file(), "the collection tarball is in the build context"

    # The image's builder stage runs this introspection over the installed collections.
    collections = tmp_path / "installed"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections))
    run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", "--offline", "--no-deps", "-p", str(collections),
         str(context / "_build" / entry["name"])], env=env, cwd=tmp_path)
    proc = run([sys.executable, str(context / "_build" / "scripts" / "introspect.py"), "introspect", str(collections)])
    found = yaml.safe_load(proc.stdout)
    python = " ".join(found["python"])
    # PyYAML is left out by ansible-builder itself: ansible-core brings it.
    for package in ("boto3", "botocore", "promql-parser"):
        assert package in python, (package, found["python"])
    assert "# from collection amp.alerting" in python
    assert not any("==" in line or "<" in line for line in found["python"]), "no pins or upper bounds"
    assert any(line.startswith("prometheus ") for line in found["system"]), found["system"]
