"""Fixtures for the module_utils tests that run against moto in process."""

import boto3
import botocore.loaders
import pytest
from ansible.module_utils import _internal as module_utils_internal

from sandbox import awslambda as sandbox_lambda
from sandbox import dynamodb as sandbox_dynamodb

REGION = "eu-west-1"


# botocore's JSON models, parsed once for every test here: each module run makes a session of its own, which
# parsed endpoints.json and each service's model again (half of these tests' time: 60 s -> 21 s). botocore reads
# them, and deep-merges its SDK extras into a service model: the same merge each time, so sharing is safe.
_PARSED = {}


def _load_file_once(loader, file_path, _load_file=botocore.loaders.JSONFileLoader.load_file):
    if file_path not in _PARSED:
        _PARSED[file_path] = _load_file(loader, file_path)
    return _PARSED[file_path]


@pytest.fixture
def aws(monkeypatch):
    """aws(service) -> a boto3 client of moto's AWS, in process (REGION)."""
    moto = pytest.importorskip("moto")
    for name, value in (("AWS_ACCESS_KEY_ID", "x"), ("AWS_SECRET_ACCESS_KEY", "x"), ("AWS_DEFAULT_REGION", REGION)):
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    # modules run on a target: their warnings stay in their result
    monkeypatch.setattr(module_utils_internal, "is_controller", False)
    # AWS as the sandbox makes moto answer it: DescribeTable's TableId (community.aws reads it), a function's
    # DeadLetterConfig (moto drops it)
    sandbox_dynamodb.install()
    sandbox_lambda.install()
    monkeypatch.setattr(botocore.loaders.JSONFileLoader, "load_file", _load_file_once)
    with moto.mock_aws():
        yield lambda service: boto3.client(service, region_name=REGION)
