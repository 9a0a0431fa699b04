"""Every AMP module that waits refuses a negative wait_timeout, naming it, before any AWS call."""

import pytest

from ansible_collections.amp.alerting.plugins.modules import amp_alertmanager
from ansible_collections.amp.alerting.plugins.modules import amp_anomaly_detector
from ansible_collections.amp.alerting.plugins.modules import amp_resource_policy
from ansible_collections.amp.alerting.plugins.modules import amp_rule_namespace
from ansible_collections.amp.alerting.plugins.modules import amp_scraper
from ansible_collections.amp.alerting.plugins.modules import amp_workspace

WORKSPACE = {"workspace_id": "ws-11111111-2222-3333-4444-555555555555"}


@pytest.mark.parametrize("module, args", [
    (amp_workspace, {"alias": "prod"}),
    (amp_rule_namespace, dict(WORKSPACE, name="rules", state="absent")),
    (amp_alertmanager, dict(WORKSPACE, state="absent")),
    (amp_resource_policy, dict(WORKSPACE, state="absent")),
    (amp_anomaly_detector, dict(WORKSPACE, alias="requests", state="absent")),
    (amp_scraper, {"alias": "prod-eks", "state": "absent"}),
], ids=lambda value: getattr(value, "__name__", "").rsplit(".", 1)[-1] or None)
def test_a_negative_wait_timeout_is_refused_before_any_call(run_module, module, args):
    result = run_module(module)(wait_timeout=-1, **args)  # no AWS call stubbed: one would fail the test
    assert result["failed"] is True
    assert "wait_timeout: must be zero or more seconds" in result["msg"]
