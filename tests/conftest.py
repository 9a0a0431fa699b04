"""Shared pytest fixtures: the AWS sandbox and boto3 clients pointed at it."""

import os
import sys

import pytest

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

from sandbox.control import Sandbox  # noqa: E402
from support import TEST_AMP_DELAY  # noqa: E402
from support import TEST_SQS_DELETED_NAME_SECONDS  # noqa: E402


# The modules whose tests take minutes, with their rough seconds on a 2-core machine.
# pytest-xdist's worksteal gives each worker a contiguous share of the collection and lets an idle
# worker steal from the end of another's: a 7-minute test that a worker reaches last decides when the
# run ends (it did: 1514 s, the second worker idle at the end). So each worker's share starts with
# its part of these, shared out longest first; whole modules, as some have module-scoped stacks.
SLOW_MODULES = {  # seconds, from the --durations of a CI run (.ci/run prints them)
    "integration/test_site.py": 390, "integration/test_sns_kms.py": 255, "integration/test_slack_destinations.py": 230,
    "integration/test_e2e_chain.py": 205, "integration/test_real_account_rails.py": 180,
    "integration/test_pagerduty_and_heartbeat.py": 175, "integration/test_chain_sns_lambda_slack.py": 170,
    "integration/test_awx_jobs.py": 165, "integration/test_packaging.py": 155, "integration/test_preflight.py": 150,
    "integration/test_multi_account.py": 145, "integration/test_iam_users.py": 120, "integration/test_concurrent_runs.py": 60,
}


def pytest_collection_modifyitems(config, items):
    workers = int(getattr(config, "workerinput", {}).get("workercount", 1))
    if workers < 2:
        return

    def module_of(item):
        return next((name for name in SLOW_MODULES if item.nodeid.startswith("tests/" + name)), None)
    shares = [[] for _share in range(workers)]
    loads = [0] * workers
    for name in sorted(SLOW_MODULES, key=SLOW_MODULES.get, reverse=True):
        share = loads.index(min(loads))
        shares[share] += [item for item in items if module_of(item) == name]
        loads[share] += SLOW_MODULES[name]
    rest = [item for item in items if module_of(item) is None]
    # xdist hands worker i the i-th contiguous slice of len(items) // workers (the last one the rest).
    size = len(items) // workers
    ordered = []
    for index, share in enumerate(shares):
        room = (size if index < workers - 1 else len(items)) - len(ordered) - len(share)
        taken, rest = rest[:max(room, 0)], rest[max(room, 0):]
        ordered += share + taken
    items[:] = ordered + rest


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory):
    """One sandbox server for the whole test session; it stops at the end, or when pytest dies."""
    server = Sandbox(str(tmp_path_factory.mktemp("sandbox")))
    server.start(follow_pid=os.getpid(), lifetime=3 * 3600)
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_server, monkeypatch):
    """The sandbox with a clean state, and AWS_* variables pointing at it for this test."""
    sandbox_server.reset()
    sandbox_server.set_amp_delay(TEST_AMP_DELAY)
    sandbox_server.set_sqs_deleted_name_seconds(TEST_SQS_DELETED_NAME_SECONDS)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    for name, value in sandbox_server.env().items():
        monkeypatch.setenv(name, value)
    return sandbox_server


@pytest.fixture
def aws_client(sandbox):
    """boto3 client factory without retries, so every injected fault is visible to the test."""
    import boto3
    from botocore.config import Config

    def make(service, retries=False):
        config = Config(retries={"total_max_attempts": 1} if not retries else {"mode": "standard", "total_max_attempts": 5})
        return boto3.client(service, config=config)

    return make
