"""Shared pytest fixtures: the AWS sandbox and boto3 clients pointed at it."""

import os
import sys

import pytest

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

from sandbox.control import Sandbox  # noqa: E402
from support import TEST_AMP_DELAY  # noqa: E402


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
