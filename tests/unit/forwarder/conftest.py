"""Fixtures for the Slack forwarder (files/lambda): a fresh module per test, a Slack sink."""

import pytest

from support import load_forwarder
from support.slack_sink import SlackSink


@pytest.fixture
def forwarder(monkeypatch):
    for name in ("SLACK_WEBHOOK_URL", "SLACK_WEBHOOK_SSM_PARAMETER", "SLACK_CHANNEL", "SLACK_USERNAME",
                 "SLACK_ICON_EMOJI", "SLACK_ICON_URL", "SLACK_TIMEOUT_SECONDS", "SLACK_MAX_ATTEMPTS",
                 "SLACK_DESTINATION_SSM_PREFIX", "SLACK_DESTINATIONS", "SLACK_STATE_TABLE", "SLACK_API_URL",
                 "SLACK_ALLOWED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    return load_forwarder()


@pytest.fixture
def slack(monkeypatch):
    """The stand-in, on 127.0.0.1: a host the forwarder posts to only when SLACK_ALLOWED_HOSTS names it."""
    monkeypatch.setenv("SLACK_ALLOWED_HOSTS", "127.0.0.1")
    with SlackSink() as sink:
        yield sink


@pytest.fixture
def webhook_env(monkeypatch, slack):
    monkeypatch.setenv("SLACK_WEBHOOK_URL", slack.url)
    return slack.url


@pytest.fixture
def state_table(sandbox, aws_client, monkeypatch):
    """The forwarder's state table in the sandbox (as the lambda role makes it), named by SLACK_STATE_TABLE."""
    name = "amp-test-slack-state"
    aws_client("dynamodb").create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    monkeypatch.setenv("SLACK_STATE_TABLE", name)
    return name
