"""Helpers for module unit tests: run a module's main() with a stubbed boto3 amp client (botocore Stubber)."""

import json
from datetime import datetime, timezone

import boto3
import pytest
from ansible.module_utils import _internal as module_utils_internal
from ansible.module_utils.testing import patch_module_args
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from botocore.stub import Stubber

from ansible_collections.amp.alerting.plugins.module_utils import amp as amp_utils

ACCOUNT = "123456789012"
REGION = "eu-west-1"
NOW = datetime(2026, 11, 24, tzinfo=timezone.utc)


def workspace(workspace_id="ws-11111111-1111-1111-1111-111111111111", alias="prod", status="ACTIVE", **extra):
    data = {
        "workspaceId": workspace_id,
        "alias": alias,
        "arn": f"arn:aws:aps:{REGION}:{ACCOUNT}:workspace/{workspace_id}",
        "status": {"statusCode": status},
        "prometheusEndpoint": f"https://aps-workspaces.{REGION}.amazonaws.com/workspaces/{workspace_id}/",
        "createdAt": NOW,
        "tags": {},
    }
    data.update(extra)
    return data


def summary(ws):
    """What ListWorkspaces returns for a workspace."""
    return {k: ws[k] for k in ("workspaceId", "alias", "arn", "status", "createdAt", "tags")}


class ModuleRun:
    """Runs one module invocation; ``stub`` lists the AWS calls it must make, in order."""

    def __init__(self, monkeypatch, capsys, module, service="amp"):
        self.module = module
        self.capsys = capsys
        client = boto3.client(service, region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
        self.stub = Stubber(client)
        wrapped = RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff(catch_extra_error_codes=amp_utils.AMP_RETRY_CODES))
        self.sleeps = []
        # Each module makes its client with <service>_client(module): amp_client, sns_client.
        monkeypatch.setattr(module, f"{service}_client", lambda _module: wrapped)
        # Modules run on a target, never in the controller process. Once a test module imports
        # controller code (the filter plugins do), ansible-core sends module warnings to the
        # controller's Display instead of the module result; keep the module's view.
        monkeypatch.setattr(module_utils_internal, "is_controller", False)
        # Polling and backoff sleeps are recorded, not slept.
        monkeypatch.setattr(amp_utils.time, "sleep", self.sleeps.append)

    def __call__(self, **args):
        args.setdefault("region", REGION)
        self.stub.activate()
        with patch_module_args(args), pytest.raises(SystemExit):
            self.module.main()
        self.stub.assert_no_pending_responses()
        self.stub.deactivate()
        return json.loads(self.capsys.readouterr().out)

    def not_found(self, operation, params=None):
        self.stub.add_client_error(operation, "ResourceNotFoundException", "not found", 404, expected_params=params)
