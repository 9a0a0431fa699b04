"""The shape the code keeps (issue 29): task files a reader takes in at once, and one home for
Prometheus durations."""

import glob
import os
import re

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAX_TASK_FILE_LINES = 100


def text(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def test_no_role_task_file_is_over_a_hundred_lines():
    counts = {os.path.relpath(path, REPO): len(text(path).splitlines())
              for path in glob.glob(os.path.join(REPO, "roles", "*", "tasks", "*.yml"))}
    long_files = {path: count for path, count in counts.items() if count > MAX_TASK_FILE_LINES}
    assert long_files == {}, "split them by resource (ansible.builtin.import_tasks)"


def test_prometheus_durations_are_parsed_in_one_place():
    homes = [os.path.relpath(path, REPO) for path in glob.glob(os.path.join(REPO, "plugins", "**", "*.py"), recursive=True)
             if re.search(r"\(ms\|y\|w\|d\|h\|m\|s\)|\)y\)\?", text(path))]
    assert homes == ["plugins/module_utils/amp_base.py"]


def yaml_of(path):
    import yaml  # pylint: disable=import-outside-toplevel
    with open(os.path.join(REPO, path), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_the_chain_role_list_is_what_site_deploys_and_teardown_removes_in_reverse():
    chain = yaml_of("playbooks/vars/chain.yml")["amp_alerting_chain_roles"]
    (deploy,) = [play for play in yaml_of("playbooks/site.yml") if play.get("name") == "Deploy the AMP alerting chain"]
    imported = [task["ansible.builtin.import_role"] for task in deploy["tasks"]]
    deployed = [entry["name"].split(".")[-1] for entry in imported]
    # the account role runs in the preflight (playbooks/preflight.yml), before the deploy play
    assert ["account"] + deployed == chain
    # one tag per role, its name (site.yml --tags alerting)
    assert [task["tags"] for task in deploy["tasks"]] == [[role] for role in deployed]
    # each role's settings were checked by the preflight, against the same argument spec
    assert all(entry["rolespec_validate"] is False for entry in imported)
    (teardown,) = [play for play in yaml_of("playbooks/teardown.yml") if play.get("name") == "Tear down the AMP alerting chain"]
    removed = [task["ansible.builtin.include_role"]["name"].split(".")[-1] for task in teardown["tasks"]]
    assert removed == list(reversed(chain[1:]))


def test_roles_do_not_know_which_playbook_runs_them_and_share_one_settings_check():
    for path in glob.glob(os.path.join(REPO, "roles", "**", "*.yml"), recursive=True):
        assert "preflight_purpose" not in text(path), os.path.relpath(path, REPO)
    for role in yaml_of("playbooks/vars/chain.yml")["amp_alerting_chain_roles"]:
        shared = [task for task in yaml_of(f"roles/{role}/tasks/preflight.yml")
                  if "role_settings.yml" in str(task.get("ansible.builtin.import_tasks", ""))]
        assert [task["vars"]["role_settings_name"] for task in shared] == [role]
