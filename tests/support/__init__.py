"""Test helpers shared by the suites (on sys.path through pytest.ini's pythonpath)."""

import importlib.util
import os

# Short enough to keep the suite fast, long enough that CREATING/UPDATING are observable.
TEST_AMP_DELAY = 0.3

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FORWARDER_PATH = os.path.join(REPO_ROOT, "files", "lambda", "slack_forwarder.py")


def load_forwarder():
    """A fresh copy of the Lambda module, as a new Lambda container would load it (empty caches)."""
    spec = importlib.util.spec_from_file_location("slack_forwarder", FORWARDER_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
