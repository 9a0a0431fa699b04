"""chain_info's own checks of what it is asked, made before any AWS call (boto3 is never reached)."""

import json

import pytest
from ansible.module_utils import _internal as module_utils_internal
from ansible.module_utils.testing import patch_module_args

from ansible_collections.amp.alerting.plugins.modules import chain_info


def run(monkeypatch, capsys, **args):
    monkeypatch.setattr(module_utils_internal, "is_controller", False)
    monkeypatch.setattr(chain_info, "read_chain", lambda module: pytest.fail("chain_info read AWS"))
    with patch_module_args(dict(args, region="eu-west-1")), pytest.raises(SystemExit):
        chain_info.main()
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("args, message", [
    ({"diagnose": {}}, "workspace_id: required (or workspace_alias) to diagnose the chain"),
    ({"workspace_alias": "prod", "diagnose": {"since_minutes": 0}}, "diagnose.since_minutes: must be 1 or more, not 0"),
    ({"rule_namespaces": ["amp-alerting"]}, "workspace_id: required (or workspace_alias) to read rule_namespaces"),
])
def test_a_request_it_cannot_answer_fails_naming_the_option(monkeypatch, capsys, args, message):
    result = run(monkeypatch, capsys, **args)
    assert result["failed"] is True and result["msg"].startswith(message), result
