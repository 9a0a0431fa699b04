"""amp_rule_namespace and amp_alertmanager run by Ansible against the sandbox."""

import pytest
import yaml

from support.ansible_run import amp_snapshot, amp_write_calls, run_module

TOPIC = "arn:aws:sns:us-east-1:123456789012:amp-alerts"
SUMMARY = "Pod {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value }} bytes"
GROUPS = [{"name": "pods", "rules": [{
    "alert": "PodHighMemoryUsage",
    "expr": 'sum(container_memory_usage_bytes{container!="POD",container!=""}) by (pod) > 600000000',
    "for": "1m", "labels": {"severity": "error"}, "annotations": {"summary": SUMMARY}}]}]
CONFIG = {"route": {"receiver": "sns", "group_by": ["alertname"]},
          "receivers": [{"name": "sns", "sns_configs": [{"topic_arn": TOPIC, "sigv4": {"region": "us-east-1"}}]}]}


@pytest.fixture
def amp(aws_client):
    return aws_client("amp")


@pytest.fixture
def workspace_id(sandbox, amp):
    sandbox.set_amp_delay(0)
    workspace_id = amp.create_workspace(alias="it-rules")["workspaceId"]
    sandbox.set_amp_delay(0.3)
    return workspace_id


def namespace_args(**extra):
    """Module arguments; a None drops the argument (Ansible counts a null as given)."""
    args = dict({"workspace_alias": "it-rules", "name": "kubernetes", "groups": GROUPS}, **extra)
    return {key: value for key, value in args.items() if value is not None}


def test_rule_namespace_lifecycle(sandbox, amp, workspace_id):
    result = run_module("amp_rule_namespace", namespace_args(), check=True)
    assert result["changed"] is True
    assert amp.list_rule_groups_namespaces(workspaceId=workspace_id)["ruleGroupsNamespaces"] == []

    result = run_module("amp_rule_namespace", namespace_args(tags={"team": "sre"}))
    assert result["changed"] is True and result["namespace"]["status"] == "ACTIVE"
    uploaded = amp.describe_rule_groups_namespace(workspaceId=workspace_id, name="kubernetes")["ruleGroupsNamespace"]
    # Prometheus templates reach AMP byte for byte.
    assert f"summary: {SUMMARY}\n".encode() in uploaded["data"]
    assert uploaded["tags"] == {"team": "sre"}

    sandbox.clear_requests()
    assert run_module("amp_rule_namespace", namespace_args(tags={"team": "sre"}))["changed"] is False
    # The same rules as a hand-written file with a comment: no change either.
    text = "# managed elsewhere before\n" + yaml.safe_dump({"groups": GROUPS}, default_flow_style=True)
    assert run_module("amp_rule_namespace", namespace_args(groups=None, data=text, tags={"team": "sre"}))["changed"] is False
    assert amp_write_calls(sandbox) == []

    raised = [dict(GROUPS[0], rules=[dict(GROUPS[0]["rules"][0], expr=GROUPS[0]["rules"][0]["expr"].replace("600000000", "800000000"))])]
    result = run_module("amp_rule_namespace", namespace_args(groups=raised, tags={"team": "sre"}), diff=True)
    assert result["changed"] is True
    assert "600000000" in result["diff"]["before"] and "800000000" in result["diff"]["after"]
    assert b"800000000" in amp.describe_rule_groups_namespace(workspaceId=workspace_id, name="kubernetes")["ruleGroupsNamespace"]["data"]

    assert run_module("amp_rule_namespace", {"workspace_alias": "it-rules", "name": "kubernetes", "state": "absent"})["changed"] is True
    assert amp.list_rule_groups_namespaces(workspaceId=workspace_id)["ruleGroupsNamespaces"] == []
    assert run_module("amp_rule_namespace", {"workspace_alias": "it-rules", "name": "kubernetes", "state": "absent"})["changed"] is False


def test_update_failed_in_amp_is_reported_with_its_reason(sandbox, amp, workspace_id):
    assert run_module("amp_rule_namespace", namespace_args())["changed"] is True
    sandbox.inject_fault("PutRuleGroupsNamespace", kind="update_failed")
    raised = [dict(GROUPS[0], interval="30s")]
    result = run_module("amp_rule_namespace", namespace_args(groups=raised))
    assert result["failed"] is True
    assert "is UPDATE_FAILED: injected PutRuleGroupsNamespace failure" in result["msg"]
    # AMP keeps the previous rules; the next run tries again and succeeds.
    assert b"interval" not in amp.describe_rule_groups_namespace(workspaceId=workspace_id, name="kubernetes")["ruleGroupsNamespace"]["data"]
    assert run_module("amp_rule_namespace", namespace_args(groups=raised))["changed"] is True


def test_alertmanager_lifecycle(sandbox, amp, workspace_id):
    args = {"workspace_alias": "it-rules", "config": CONFIG}
    assert run_module("amp_alertmanager", args, check=True)["changed"] is True
    with pytest.raises(amp.exceptions.ResourceNotFoundException):
        amp.describe_alert_manager_definition(workspaceId=workspace_id)

    result = run_module("amp_alertmanager", args)
    assert result["changed"] is True and result["alertmanager"]["status"] == "ACTIVE"
    document = yaml.safe_load(amp.describe_alert_manager_definition(workspaceId=workspace_id)["alertManagerDefinition"]["data"])
    assert yaml.safe_load(document["alertmanager_config"]) == CONFIG

    sandbox.clear_requests()
    assert run_module("amp_alertmanager", args)["changed"] is False
    assert amp_write_calls(sandbox) == []

    templated = dict(CONFIG, templates=["sns.tmpl"])
    result = run_module("amp_alertmanager", dict(args, config=templated, template_files={"sns.tmpl": '{{ define "sns.x" }}{{ .Status }}{{ end }}'}),
                        diff=True)
    assert result["changed"] is True and "sns.tmpl" in result["diff"]["after"] and "sns.tmpl" not in result["diff"]["before"]

    assert run_module("amp_alertmanager", {"workspace_alias": "it-rules", "state": "absent"})["changed"] is True
    with pytest.raises(amp.exceptions.ResourceNotFoundException):
        amp.describe_alert_manager_definition(workspaceId=workspace_id)


def bad_rule(**changes):
    return [dict(GROUPS[0], rules=[dict(GROUPS[0]["rules"][0], **changes)])]


def bad_receiver(**sns):
    return dict(CONFIG, receivers=[{"name": "sns", "sns_configs": [dict(CONFIG["receivers"][0]["sns_configs"][0], **sns)]}])


BAD_INPUTS = [
    ("amp_rule_namespace", namespace_args(groups=bad_rule(expr="sum(up")), "rule 1 (alert 'PodHighMemoryUsage'): expr does not parse as PromQL"),
    ("amp_rule_namespace", namespace_args(groups=bad_rule(**{"for": "5 minutes"})), "for '5 minutes' is not a Prometheus duration"),
    ("amp_rule_namespace", namespace_args(groups=GROUPS + GROUPS), "group 'pods': group names must be unique"),
    ("amp_rule_namespace", namespace_args(groups=bad_rule(record="also_a_record")), "exactly one of 'alert' or 'record'"),
    ("amp_rule_namespace", namespace_args(groups=[{"name": "rec", "rules": [{"record": "bad name", "expr": "up"}]}]),
     "record 'bad name' is not a valid metric name"),
    ("amp_rule_namespace", namespace_args(groups=bad_rule(labels={"team-name": "sre"})), "labels name 'team-name' is not a valid label name"),
    ("amp_rule_namespace", namespace_args(groups=[dict(GROUPS[0], interval="often")]), "group 'pods': interval 'often'"),
    ("amp_rule_namespace", namespace_args(groups=None, data="groups: []\nalerts: []\n"), "only 'groups' is allowed at the top level"),
    ("amp_rule_namespace", namespace_args(groups=None, data="groups: [unclosed"), "data: not valid YAML"),
    ("amp_rule_namespace", dict(namespace_args(), workspace_alias="no-such-workspace"), "workspace_alias 'no-such-workspace' matches no AMP workspace"),
    ("amp_alertmanager", {"workspace_alias": "it-rules", "config": dict(CONFIG, receivers=[{"name": "sns", "webhook_configs": [{"url": "http://x"}]}])},
     "receivers[sns]: webhook_configs not supported"),
    ("amp_alertmanager", {"workspace_alias": "it-rules", "config": bad_receiver(api_url="https://sns.us-east-1.amazonaws.com")},
     "sns_configs[0].api_url: not allowed"),
    ("amp_alertmanager", {"workspace_alias": "it-rules", "config": bad_receiver(sigv4={})}, "sns_configs[0].sigv4.region: required"),
    ("amp_alertmanager", {"workspace_alias": "it-rules", "config": bad_receiver(topic_arn=TOPIC.replace("123456789012", "210987654321"))},
     "topic is in account 210987654321, the workspace in 123456789012"),
    ("amp_alertmanager", {"workspace_alias": "it-rules", "config": bad_receiver(topic_arn=TOPIC + ".fifo")}, "FIFO topic"),
    ("amp_alertmanager", {"workspace_alias": "it-rules", "config": dict(CONFIG, route={"receiver": "sns", "routes": [{"receiver": "pager"}]})},
     "route.routes[0].receiver: receiver 'pager' is not defined"),
    ("amp_alertmanager", {"workspace_alias": "it-rules", "config": dict(CONFIG, route={"receiver": "sns", "routes": [
        {"receiver": "sns", "matchers": ['team=~"(payments"']}]})}, "route.routes[0].matchers[0]: invalid regexp '(payments'"),
    ("amp_alertmanager", {"workspace_alias": "it-rules", "config": dict(CONFIG, route={"receiver": "sns", "group_wait": "soon"})},
     "route.group_wait: 'soon' is not a duration"),
    ("amp_alertmanager", {"workspace_alias": "it-rules", "definition": "alertmanager_config:\n  route: {receiver: sns}\n"},
     "definition: must be a mapping whose 'alertmanager_config' is a string"),
    ("amp_alertmanager", {"workspace_alias": "it-rules", "config": dict(CONFIG, templates=["x.tmpl"]), "template_files": {"x.tmpl": '{{ define "x" }}'}},
     "template_files[x.tmpl]: line 1: unexpected EOF"),
]


@pytest.mark.parametrize("module, args, message", BAD_INPUTS, ids=[f"{i:02d}-{m}" for i, (m, _a, _e) in enumerate(BAD_INPUTS, start=1)])
def test_bad_input_fails_naming_the_field_and_leaves_amp_untouched(sandbox, amp, workspace_id, module, args, message):
    # Something already deployed, which the bad run must leave exactly as it is.
    sandbox.set_amp_delay(0)
    amp.create_rule_groups_namespace(workspaceId=workspace_id, name="kubernetes", data=yaml.safe_dump({"groups": GROUPS}).encode())
    amp.create_alert_manager_definition(workspaceId=workspace_id, data=yaml.safe_dump({"alertmanager_config": yaml.safe_dump(CONFIG)}).encode())
    before = amp_snapshot(amp)
    assert [ns[1]["statusCode"] for ns in before[0]["namespaces"]] == ["ACTIVE"]
    assert before[0]["alertmanager"][0]["statusCode"] == "ACTIVE"
    sandbox.clear_requests()

    result = run_module(module, args)

    assert result["failed"] is True
    assert message in result["msg"], result["msg"]
    assert amp_write_calls(sandbox) == []
    assert amp_snapshot(amp) == before
