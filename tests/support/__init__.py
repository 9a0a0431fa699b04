"""Test helpers shared by the suites (on sys.path through pytest.ini's pythonpath)."""

import importlib
import os
import sys
import time

# Short enough to keep the suite fast, long enough that CREATING/UPDATING are observable.
TEST_AMP_DELAY = 0.3
# SQS keeps a deleted queue's name 60 s; the tests' sandbox keeps it long enough that a role re-creating
# a queue deleted just before meets the refusal, short enough that waiting it out costs one retry.
TEST_SQS_DELETED_NAME_SECONDS = 4

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAMBDA_DIR = os.path.join(REPO_ROOT, "files", "lambda")
FORWARDER_PACKAGE = os.path.join(LAMBDA_DIR, "slack_forwarder")


def load_forwarder():
    """A fresh copy of the forwarder package, as a new Lambda container would load it (empty caches)."""
    for name in [name for name in sys.modules if name == "slack_forwarder" or name.startswith("slack_forwarder.")]:
        del sys.modules[name]
    if LAMBDA_DIR not in sys.path:
        sys.path.insert(0, LAMBDA_DIR)
    return importlib.import_module("slack_forwarder")


def eventually(predicate, timeout=30, what="the expected state", interval=0.2):
    """Poll ``predicate()`` until it returns something truthy, and return that; AssertionError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"no {what} after {timeout}s")
        time.sleep(interval)
