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
