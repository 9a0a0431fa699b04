"""site.yml and playbooks/teardown.yml against the sandbox, as a user runs them."""

import json
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml
from ansible_collections.amp.alerting.plugins.module_utils.policy_evaluation import Principal
from ansible_collections.amp.alerting.plugins.module_utils.policy_evaluation import evaluate

from support.ansible_run import REPO, run_playbook

INVENTORY = os.path.join(REPO, "tests", "integration", "inventories", "site")
APS, SNS = Principal.service("aps.amazonaws.com"), Principal.service("sns.amazonaws.com")
SITE = os.path.join(REPO, "site.yml")
TEARDOWN = os.path.join(REPO, "playbooks", "teardown.yml")
WEBHOOK = "http://127.0.0.1:9/services/T0/B0/it-secret-token"
REGIONS = {"it-dev": "eu-west-1", "it-prod": "us-east-1"}
READ_PREFIXES = ("Describe", "List", "Get")
CONFIRMED_TEARDOWN = {"target_environment": "all", "teardown_confirm": "it-dev,it-prod"}


def allowed(policy, action, resource, principal, context):
    return evaluate(action, resource, principal, context, resource_policy=policy).allowed


@pytest.fixture
def deploy_env(sandbox, monkeypatch):
    monkeypatch.setenv("TEST_SLACK_WEBHOOK_URL", WEBHOOK)
    return sandbox


def write_calls(sandbox):
    return [f"{r['service']}:{r['operation']}" for r in sandbox.requests()
            if not str(r.get("operation", "")).startswith(READ_PREFIXES)]


def ok(run):
    assert run.returncode == 0, run
    return run


def client(aws_client, service, host):
    import boto3
    return boto3.client(service, region_name=REGIONS[host])


def workspace_of(host):
    amp = client(None, "amp", host)
    matches = [w for w in amp.list_workspaces(alias=host)["workspaces"] if w.get("alias") == host]
    assert len(matches) == 1, matches
    return amp, matches[0]["workspaceId"]


# One stack for the whole life cycle (check, converge, re-run, change, teardown): each phase starts
# from the state the previous one left, as a user's runs do, and site.yml converges once, not four times.
def test_site_life_cycle_converge_drift_check_change_rerun_teardown(deploy_env, tmp_path):
    sandbox = deploy_env
    # (check mode on an empty account: test_awx_jobs' check job, which writes nothing either)
    first = ok(run_playbook(SITE, INVENTORY))
    assert first.total("changed") >= 20
    assert WEBHOOK not in first.stdout and "it-secret-token" not in first.stdout + first.stderr
    assert_deployed_as_the_inventory_says()
    # the summary names each scraper's role, the principal of the cluster's EKS access entry
    summary = {host: result["msg"] for _play, name, host, result in first.task_results() if name == "Summary"}
    scraper = client(None, "amp", "it-prod").list_scrapers()["scrapers"][0]
    assert summary["it-prod"]["scraper_role_arns"] == {scraper["source"]["eksConfiguration"]["clusterArn"]: scraper["roleArn"]}
    assert summary["it-dev"]["scraper_role_arns"] == {}

    # Drift: dev's forwarder is unsubscribed by hand, and prod's scraper given a tag by hand. Check mode
    # names the repairs - nothing else of the converged deployment would change - and writes nothing. (The
    # scraper's write gate found the tag in AMP's list of scrapers: amp_scraper ran for it alone.)
    dev_sns = client(None, "sns", "it-dev")
    (dev_subscription,) = forwarder_subscriptions("it-dev")
    dev_sns.unsubscribe(SubscriptionArn=dev_subscription["SubscriptionArn"])
    client(None, "amp", "it-prod").tag_resource(resourceArn=scraper["arn"], tags={"set-by": "hand"})
    sandbox.clear_requests()
    again_check = ok(run_playbook(SITE, INVENTORY, check=True))
    assert sorted(again_check.changed_tasks()) == sorted([(SUBSCRIBE, "it-dev"), (SCRAPERS_TASK, "it-prod")])
    assert write_calls(sandbox) == [], "check mode wrote to AWS (a change set?)"
    assert forwarder_subscriptions("it-dev") == []

    # Changing one prod threshold changes only prod's namespace; moving prod's scraper to another
    # cluster makes the new scraper and deletes the one no longer listed.
    inventory = tmp_path / "inventory"
    shutil.copytree(INVENTORY, inventory)
    prod_vars = inventory / "group_vars" / "prod.yml"
    prod_vars.write_text(prod_vars.read_text().replace("value: 800000000", "value: 900000000")
                         .replace("cluster/it-prod", "cluster/it-prod-2").replace("  - {alias: api-latency", "  # - {alias: api-latency"))
    # The same run repairs dev's subscription, and prod's, whose redrive policy was removed by hand.
    (prod_subscription,) = forwarder_subscriptions("it-prod")
    client(None, "sns", "it-prod").set_subscription_attributes(
        SubscriptionArn=prod_subscription["SubscriptionArn"], AttributeName="RedrivePolicy", AttributeValue="")
    # And prod's query policy, given a broader version by hand (the old one kept): the iam role's write
    # gate finds it differs and runs amazon.aws.iam_managed_policy for that policy alone.
    prod_iam = client(None, "iam", "it-prod")
    prod_iam.create_policy_version(PolicyArn=QUERY_POLICY % "it-prod", SetAsDefault=True, PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "aps:*", "Resource": "*"}]}))
    # And the lambda role's resources, each found by its write gate (issue 26): prod's function given another
    # environment variable, dev's execution-role inline policy replaced by a broader one, prod's webhook
    # parameter deleted.
    prod_lambda = client(None, "lambda", "it-prod")
    variables = prod_lambda.get_function_configuration(FunctionName=FUNCTION % "it-prod")["Environment"]["Variables"]
    prod_lambda.update_function_configuration(FunctionName=FUNCTION % "it-prod", Environment={
        "Variables": dict(variables, SLACK_ALLOWED_HOSTS="hooks.attacker.example")})
    client(None, "iam", "it-dev").put_role_policy(RoleName=FUNCTION % "it-dev", PolicyName="slack-forwarder", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
    client(None, "ssm", "it-prod").delete_parameter(Name=WEBHOOK_PARAMETER % "it-prod")
    # And dev's alertmanager definition, replaced by hand by one that routes nowhere.
    dev_amp, dev_id = workspace_of("it-dev")
    dev_amp.put_alert_manager_definition(workspaceId=dev_id, data=yaml.safe_dump({"alertmanager_config": yaml.safe_dump(
        {"route": {"receiver": "nowhere"}, "receivers": [{"name": "nowhere"}]})}).encode())
    # And dev's workspace, given a tag by hand: the workspace role's gate finds it and amp_workspace (purge_tags)
    # takes it off.
    dev_workspace_arn = dev_amp.describe_workspace(workspaceId=dev_id)["workspace"]["arn"]
    dev_amp.tag_resource(resourceArn=dev_workspace_arn, tags={"set-by": "hand"})
    sandbox.clear_requests()
    rerun = ok(run_playbook(SITE, str(inventory)))
    rerun_requests = sandbox.requests()
    assert sorted(rerun.changed_tasks()) == sorted([
        (SCRAPERS_TASK, "it-prod"),
        ("amp.alerting.workspace : Delete the scrapers no longer in workspace_scrapers", "it-prod"),
        ("amp.alerting.workspace : Delete the anomaly detectors no longer in workspace_anomaly_detectors", "it-prod"),
        (SUBSCRIBE, "it-dev"), (SUBSCRIBE, "it-prod"), (MANAGED_POLICIES, "it-prod"),
        (FORWARDER, "it-prod"), (INLINE_POLICY, "it-dev"), (WEBHOOK_TASK, "it-prod"), (ALERTMANAGER, "it-dev"),
        (WORKSPACE_TASK, "it-dev"),
        ("amp.alerting.alerting : Rule groups namespace with the inventory's thresholds", "it-prod")])
    assert "set-by" not in dev_amp.describe_workspace(workspaceId=dev_id)["workspace"].get("tags", {})
    assert prod_lambda.get_function_configuration(FunctionName=FUNCTION % "it-prod")["Environment"]["Variables"] == variables
    assert "*" not in json.dumps(client(None, "iam", "it-dev").get_role_policy(
        RoleName=FUNCTION % "it-dev", PolicyName="slack-forwarder")["PolicyDocument"]["Statement"][0]["Action"])
    assert "nowhere" not in dev_amp.describe_alert_manager_definition(workspaceId=dev_id)["alertManagerDefinition"]["data"].decode()
    assert client(None, "ssm", "it-prod").get_parameter(Name=WEBHOOK_PARAMETER % "it-prod", WithDecryption=True)[
        "Parameter"]["Value"] == WEBHOOK
    for host in REGIONS:
        (subscription,) = forwarder_subscriptions(host)
        redrive = client(None, "sns", host).get_subscription_attributes(
            SubscriptionArn=subscription["SubscriptionArn"])["Attributes"]["RedrivePolicy"]
        assert json.loads(redrive)["deadLetterTargetArn"].endswith(f":amp-{host}-slack-forwarder-delivery-dlq")
    # A re-run after a converge changes nothing and writes nothing.
    sandbox.clear_requests()
    repaired = ok(run_playbook(SITE, str(inventory)))
    assert repaired.total("changed") == 0, repaired.changed_tasks()
    assert write_calls(sandbox) == [], "a no-change re-run wrote to AWS"
    # only it-prod's edited policy was written; it-dev's policies all matched, so its iam writers were not included
    assert rerun.items_run(MANAGED_POLICIES) == {"it-prod": ["query"]}
    versions = prod_iam.list_policy_versions(PolicyArn=QUERY_POLICY % "it-prod")["Versions"]
    assert len(versions) == 1 and "aps:*" not in json.dumps(prod_iam.get_policy_version(
        PolicyArn=QUERY_POLICY % "it-prod", VersionId=versions[0]["VersionId"])["PolicyVersion"]["Document"])
    # The no-change run read the chain once and ran no writer: each role left all of its writers out at once, one
    # skipped include per role and host - except prod's workspace writers: prod lists anomaly detectors, which their
    # module compares (the read does not cover them) - and it did not list the account's policies.
    writers_included = {(name.split(" : ")[0], host): not result.get("skipped") for _play, name, host, result in repaired.task_results()
                        if name.endswith(" : What differs from what AWS has, written")}
    assert writers_included == {(f"amp.alerting.{role}", host): (role, host) == ("workspace", "it-prod")
                                for role in ("workspace", "iam", "sns", "lambda", "alerting") for host in REGIONS}
    assert [r for r in sandbox.requests() if r["operation"] == "ListPolicies"] == []
    # For dev (no anomaly detectors), one module process in the whole run: the read. The account came from a lookup
    # and the rest ran in Ansible's own workers (set_fact, include, assert, validate_argument_spec, debug).
    dev_actions = [result["action"] for _play, _name, host, result in repaired.task_results()
                   if host == "it-dev" and not result.get("skipped")]
    assert set(dev_actions) - {"amp.alerting.chain_info"} <= CONTROLLER_ACTIONS, dev_actions
    assert dev_actions.count("amp.alerting.chain_info") == 1, dev_actions
    # the policy, lambda and alerting writers that repaired the drift above did not run again, not even to be skipped
    repaired_tasks = {name for _play, name, _host, _result in repaired.task_results()}
    gated_writers = {name for name, _host in rerun.changed_tasks()
                     if name.startswith(("amp.alerting.iam : ", "amp.alerting.lambda : ", "amp.alerting.alerting : "))}
    assert MANAGED_POLICIES in gated_writers and len(gated_writers) == 7 and not gated_writers & repaired_tasks, gated_writers
    # in prod's workspace writers, amp_workspace and amp_scraper skipped: the read found nothing of them to change
    assert [(host, result.get("skipped")) for _play, name, host, result in repaired.task_results()
            if name in (WORKSPACE_TASK, SCRAPERS_TASK)] == [("it-prod", True), ("it-prod", True)]
    amp, prod_id = workspace_of("it-prod")
    # the detector kept (never put again: a Put is a retrain) and the dropped one deleted
    assert [d["alias"] for d in amp.list_anomaly_detectors(workspaceId=prod_id)["anomalyDetectors"]] == ["api-request-rate"]
    assert [r for r in rerun_requests if r["operation"] in ("CreateAnomalyDetector", "PutAnomalyDetector")] == []
    data = amp.describe_rule_groups_namespace(workspaceId=prod_id, name="amp-alerting")["ruleGroupsNamespace"]["data"]
    assert b"> 900000000" in data
    assert [s["alias"] for s in amp.list_scrapers()["scrapers"]] == ["it-prod-it-prod-2"]

    # Two roles again (--tags lambda,alerting): prod's namespace, deleted by hand, is made again by the
    # alerting role, on the workspace and topic the skipped roles made; the preflight still runs. And dev's
    # dead-letter queue, deleted by hand just before: SQS refuses its name for 60 s after (AWS's
    # QueueDeletedRecently), which the lambda role waits out. How soon the run reaches the queue depends
    # on the machine, so the sandbox keeps the name until SQS has refused the role's create once, then
    # frees it a few seconds later, as 60 s after a deletion would.
    amp.delete_rule_groups_namespace(workspaceId=prod_id, name="amp-alerting")
    dev_sqs = client(None, "sqs", "it-dev")
    sandbox.set_sqs_deleted_name_seconds(3600)
    dev_sqs.delete_queue(QueueUrl=dev_sqs.get_queue_url(QueueName=DEAD_LETTER_QUEUE % "it-dev")["QueueUrl"])
    sandbox.clear_requests()
    with ThreadPoolExecutor(max_workers=1) as background:
        alerting_run = background.submit(run_playbook, SITE, str(inventory), tags="lambda,alerting")
        while not alerting_run.done() and not any(
                r["operation"] == "CreateQueue" and r["status"] == 400 for r in sandbox.requests()):
            time.sleep(1)
        sandbox.set_sqs_deleted_name_seconds(0)
        alerting_only = ok(alerting_run.result())
    queue_creates = [r["status"] for r in sandbox.requests() if r["operation"] == "CreateQueue"]
    assert 400 in queue_creates and queue_creates[-1] == 200, queue_creates  # refused, waited out, made
    dev_sqs.get_queue_url(QueueName=DEAD_LETTER_QUEUE % "it-dev")
    assert sorted(alerting_only.changed_tasks()) == sorted([
        (RECREATE_DEAD_LETTER_QUEUE, "it-dev"),
        ("amp.alerting.alerting : Rule groups namespace with the inventory's thresholds", "it-prod")])
    deployed_by = {task.split(" : ")[0] for play, task, _host, _result in alerting_only.task_results()
                   if play == "Deploy the AMP alerting chain" and " : " in task
                   and not task.split(" : ")[1].startswith("Validating arguments")}
    assert deployed_by == {"amp.alerting.lambda", "amp.alerting.alerting"}
    assert any(task == "Every setting is one AWS accepts" for _play, task, _host, _result in alerting_only.task_results())
    assert b"> 900000000" in amp.describe_rule_groups_namespace(workspaceId=prod_id, name="amp-alerting")["ruleGroupsNamespace"]["data"]

    # Teardown leaves nothing behind.
    ok(run_playbook(TEARDOWN, INVENTORY, extra_vars=CONFIRMED_TEARDOWN))
    for host, region in REGIONS.items():
        assert client(None, "amp", host).list_workspaces()["workspaces"] == []
        assert client(None, "amp", host).list_scrapers()["scrapers"] == []
        assert client(None, "sns", host).list_topics()["Topics"] == []
        assert client(None, "lambda", host).list_functions()["Functions"] == []
        assert client(None, "sqs", host).list_queues().get("QueueUrls", []) == []
        assert client(None, "ssm", host).describe_parameters()["Parameters"] == []
        log_groups = client(None, "logs", host).describe_log_groups()["logGroups"]
        assert [g["logGroupName"] for g in log_groups] == [], region
        stacks = client(None, "cloudformation", host).list_stacks()["StackSummaries"]
        assert [st["StackName"] for st in stacks if st["StackStatus"] != "DELETE_COMPLETE"] == []
    iam = client(None, "iam", "it-prod")
    # (the test users the playbooks ran as hold policies under /test/: support/principals.py)
    assert [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"] if p["Path"] != "/test/"] == []
    assert [r["RoleName"] for r in iam.list_roles()["Roles"] if r["Path"] == "/amp/"] == []


DEAD_LETTER_QUEUE = "amp-%s-slack-forwarder-dlq"
CONTROLLER_ACTIONS = {f"ansible.builtin.{name}" for name in (
    "set_fact", "include_tasks", "include_role", "assert", "fail", "debug", "validate_argument_spec")}
RECREATE_DEAD_LETTER_QUEUE = "amp.alerting.lambda : Dead-letter queue for events the function failed (after Lambda's two retries)"
MANAGED_POLICIES = "amp.alerting.iam : Customer-managed policies scoped to the workspace"
QUERY_POLICY = "arn:aws:iam::123456789012:policy/amp/amp-%s-query"
SUBSCRIBE = "amp.alerting.lambda : Subscribe the function to the topic, with a redrive policy to that queue"
FUNCTION = "amp-%s-slack-forwarder"
FORWARDER = "amp.alerting.lambda : The forwarder function"
INLINE_POLICY = "amp.alerting.lambda : Least-privilege inline policy of the execution role"
WEBHOOK_PARAMETER = "/amp-alerting/%s/slack-webhook"
WEBHOOK_TASK = "amp.alerting.lambda : Slack webhook URL as an SSM SecureString"
ALERTMANAGER = "amp.alerting.alerting : Alertmanager definition routing to SNS, with the forwarder's message template"
WORKSPACE_TASK = "amp.alerting.workspace : AMP workspace"
SCRAPERS_TASK = "amp.alerting.workspace : Managed scrapers of the inventory's EKS clusters"


def topic_of(host):
    return f"arn:aws:sns:{REGIONS[host]}:123456789012:amp-{host}-alerts"


def forwarder_subscriptions(host):
    listed = client(None, "sns", host).list_subscriptions_by_topic(TopicArn=topic_of(host))["Subscriptions"]
    return [s for s in listed if s["Protocol"] == "lambda"]


def assert_deployed_as_the_inventory_says():
    for host in REGIONS:
        amp, workspace_id = workspace_of(host)
        workspace_arn = amp.describe_workspace(workspaceId=workspace_id)["workspace"]["arn"]
        rules = amp.describe_rule_groups_namespace(workspaceId=workspace_id, name="amp-alerting")["ruleGroupsNamespace"]
        rules = yaml.safe_load(rules["data"])
        by_alert = {rule["alert"]: rule for group in rules["groups"] for rule in group["rules"]}
        if host == "it-prod":  # the anomaly alert on its detector's series, over two of its evaluations
            assert by_alert["AnomalyApiRequestRate"]["expr"] == (
                'max_over_time((anomaly_detector:score{alias="api-request-rate"} and anomaly_detector:value'
                '{alias="api-request-rate"} > anomaly_detector:upper_band{alias="api-request-rate"})[120s:30s]) > 0.6')
            assert by_alert["AnomalyApiRequestRate"]["labels"] == {"severity": "critical", "anomaly_detector": "api-request-rate"}
            assert "{{ $value" in by_alert["AnomalyApiRequestRate"]["annotations"]["summary"]
            detectors = amp.list_anomaly_detectors(workspaceId=workspace_id)["anomalyDetectors"]
            assert sorted((d["alias"], d["tags"]["amp-alerting-workspace"]) for d in detectors) == [
                ("api-latency", "it-prod"), ("api-request-rate", "it-prod")]
        # Prometheus templates reach AMP byte for byte
        assert by_alert["PodHighMemoryUsage"]["annotations"]["summary"] == \
            "Pod {{ $labels.namespace }}/{{ $labels.pod }} uses {{ $value | humanize1024 }}B of memory"
        definition = yaml.safe_load(amp.describe_alert_manager_definition(workspaceId=workspace_id)
                                    ["alertManagerDefinition"]["data"])
        config = yaml.safe_load(definition["alertmanager_config"])
        assert "sns.default.message" in definition["template_files"]["amp_alerting_sns.tmpl"]
        assert config["templates"] == ["amp_alerting_sns.tmpl"]
        topic_arn = config["receivers"][0]["sns_configs"][0]["topic_arn"]
        assert topic_arn.endswith(f":amp-{host}-alerts") and f":{REGIONS[host]}:" in topic_arn
        assert config["receivers"][0]["sns_configs"][0]["attributes"]["severity"] == '{{ or .CommonLabels.severity "none" }}'

        # the topic lets only this workspace's alertmanager publish (evaluated as AWS does; that the
        # sandbox then delivers or refuses accordingly is test_chain_sns_lambda_slack's and test_e2e_chain's)
        sns = client(None, "sns", host)
        policy = json.loads(sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]["Policy"])
        other_workspace = workspace_arn.replace(workspace_arn.split("/")[-1], "ws-00000000-0000-0000-0000-000000000000")
        assert [allowed(policy, "sns:Publish", topic_arn, APS, {"aws:SourceArn": source, "aws:SourceAccount": account})
                for source, account in ((workspace_arn, "123456789012"), (other_workspace, "123456789012"),
                                        (workspace_arn, "210987654321"))] == [True, False, False]

        # the forwarder: configuration, dead-letter queue, subscription with the unversioned ARN
        function = client(None, "lambda", host).get_function(FunctionName=f"amp-{host}-slack-forwarder")["Configuration"]
        assert function["Runtime"] == "python3.12"
        assert function["Handler"] == "slack_forwarder.handler.forward_alerts_to_slack"
        assert function["Environment"]["Variables"] == {"SLACK_WEBHOOK_SSM_PARAMETER": f"/amp-alerting/{host}/slack-webhook",
                                                        "SLACK_ALLOWED_HOSTS": "127.0.0.1",
                                                        "SLACK_STATE_TABLE": f"amp-{host}-slack-forwarder-state"}
        # the table through which its invocations share Slack's rate limit
        table = client(None, "dynamodb", host).describe_table(TableName=f"amp-{host}-slack-forwarder-state")["Table"]
        assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
        assert function["DeadLetterConfig"]["TargetArn"].endswith(f":amp-{host}-slack-forwarder-dlq")
        subscriptions = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
        assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("lambda", function["FunctionArn"])]
        assert not function["FunctionArn"].endswith(":1")
        # what SNS cannot hand to the function at all goes to a queue only this topic may write to
        redrive = json.loads(sns.get_subscription_attributes(SubscriptionArn=subscriptions[0]["SubscriptionArn"])
                             ["Attributes"]["RedrivePolicy"])
        assert redrive["deadLetterTargetArn"].endswith(f":amp-{host}-slack-forwarder-delivery-dlq")
        sqs = client(None, "sqs", host)
        queue_url = sqs.get_queue_url(QueueName=f"amp-{host}-slack-forwarder-delivery-dlq")["QueueUrl"]
        queue_policy = json.loads(sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["Policy"])
                                  ["Attributes"]["Policy"])
        queue_arn = redrive["deadLetterTargetArn"]
        assert [allowed(queue_policy, "sqs:SendMessage", queue_arn, SNS, {"aws:SourceArn": source})
                for source in (topic_arn, topic_arn + "-other")] == [True, False]

        # the webhook is a SecureString holding the inventory's URL
        parameter = client(None, "ssm", host).get_parameter(Name=f"/amp-alerting/{host}/slack-webhook",
                                                            WithDecryption=True)["Parameter"]
        assert (parameter["Type"], parameter["Value"]) == ("SecureString", WEBHOOK)

        # least privilege for the function; the IAM policies scoped to the workspace
        iam = client(None, "iam", host)
        inline = iam.get_role_policy(RoleName=f"amp-{host}-slack-forwarder", PolicyName="slack-forwarder")["PolicyDocument"]
        role = Principal.iam(function["Role"])
        parameter_arn = f"arn:aws:ssm:{REGIONS[host]}:123456789012:parameter/amp-alerting/{host}/slack-webhook"
        may = {(action, resource): evaluate(action, resource, role, {}, identity_policies=[inline]).allowed
               for action, resource in (("ssm:GetParameter", parameter_arn),
                                        ("ssm:GetParameter", parameter_arn.replace(host, "someone-else")),
                                        ("sqs:SendMessage", function["DeadLetterConfig"]["TargetArn"]),
                                        ("sqs:SendMessage", queue_arn),
                                        ("ssm:PutParameter", parameter_arn))}
        assert [action for (action, _resource), allowed_ in may.items() if allowed_] == ["ssm:GetParameter", "sqs:SendMessage"]
        rules_policy = next(p for p in iam.list_policies(Scope="Local", PathPrefix="/amp/")["Policies"]
                            if p["PolicyName"] == f"amp-{host}-rules")
        document = iam.get_policy_version(PolicyArn=rules_policy["Arn"], VersionId=rules_policy["DefaultVersionId"])
        resources = document["PolicyVersion"]["Document"]["Statement"][0]["Resource"]
        assert resources == [workspace_arn, workspace_arn.replace(":workspace/", ":rulegroupsnamespace/") + "/*"]

    # rule and query logs: prod only, each to the log group the role made (its ARN, ':*' included)
    _amp, prod_id = workspace_of("it-prod")
    log_groups = {group["logGroupName"]: group["arn"] for group in client(None, "logs", "it-prod").describe_log_groups(
        logGroupNamePrefix="/aws/vendedlogs/prometheus/it-prod")["logGroups"]}
    logging = _amp.describe_logging_configuration(workspaceId=prod_id)["loggingConfiguration"]
    assert logging["logGroupArn"] == log_groups["/aws/vendedlogs/prometheus/it-prod"]
    query_logging = _amp.describe_query_logging_configuration(workspaceId=prod_id)["queryLoggingConfiguration"]
    assert query_logging["destinations"] == [
        {"cloudWatchLogs": {"logGroupArn": log_groups["/aws/vendedlogs/prometheus/it-prod/queries"]},
         "filters": {"qspThreshold": 250000000}}]
    assert (logging["status"]["statusCode"], query_logging["status"]["statusCode"]) == ("ACTIVE", "ACTIVE")
    # prod's cluster is scraped into prod's workspace by a scraper the role tagged as its own
    scrapers = _amp.list_scrapers()["scrapers"]
    assert [(s["alias"], s["destination"]["ampConfiguration"]["workspaceArn"], s["tags"]["amp-alerting-workspace"])
            for s in scrapers] == [("it-prod-it-prod", _amp.describe_workspace(workspaceId=prod_id)["workspace"]["arn"], "it-prod")]

    # prod lets two other accounts' principals remote-write, through its resource policy
    workspace_arn = _amp.describe_workspace(workspaceId=prod_id)["workspace"]["arn"]
    policy = json.loads(_amp.describe_resource_policy(workspaceId=prod_id)["policyDocument"])
    assert policy == {"Version": "2012-10-17", "Statement": [{
        "Sid": "RemoteWrite", "Effect": "Allow", "Action": ["aps:RemoteWrite"], "Resource": workspace_arn,
        "Principal": {"AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:role/eks-ingest"]}}]}
    dev_amp, dev_id = workspace_of("it-dev")
    with pytest.raises(dev_amp.exceptions.ResourceNotFoundException):
        dev_amp.describe_resource_policy(workspaceId=dev_id)
    with pytest.raises(dev_amp.exceptions.ResourceNotFoundException):
        dev_amp.describe_logging_configuration(workspaceId=dev_id)
    with pytest.raises(dev_amp.exceptions.ResourceNotFoundException):
        dev_amp.describe_query_logging_configuration(workspaceId=dev_id)

    # thresholds: role defaults <- environment <- host, merged per key
    rules = yaml.safe_load(_amp.describe_rule_groups_namespace(workspaceId=prod_id, name="amp-alerting")
                           ["ruleGroupsNamespace"]["data"])
    prod = {rule["alert"]: rule for group in rules["groups"] for rule in group["rules"]}
    assert prod["PodHighMemoryUsage"]["expr"].endswith("> 800000000")
    assert (prod["PodHighMemoryUsage"]["for"], prod["PodHighMemoryUsage"]["labels"]["severity"]) == ("1m", "critical")
    assert prod["HostHighCpuUsage"]["expr"].endswith("> 70")
    assert (prod["HostHighCpuUsage"]["for"], prod["HostHighCpuUsage"]["labels"]["severity"]) == ("2m", "critical")
    assert prod["HostDiskAlmostFull"]["expr"].endswith("< 10")  # untouched default


@pytest.mark.parametrize("thresholds, message", [
    ({"PodHighMemUsage": {"value": 1}}, "alerting_thresholds.PodHighMemUsage names no alert"),
    ({"PodHighMemoryUsage": {"value": "600MB"}}, "alert 'PodHighMemoryUsage': alerting_thresholds.PodHighMemoryUsage.value must be a number"),
    ({"PodHighMemoryUsage": {"for": "one minute"}}, "alerting_thresholds.PodHighMemoryUsage.for must be a Prometheus duration"),
    ({"PodHighMemoryUsage": {"severity": ""}}, "alerting_thresholds.PodHighMemoryUsage.severity must be a non-empty string"),
], ids=["unknown-alert", "value-not-a-number", "bad-for", "empty-severity"])
def test_bad_thresholds_fail_before_any_aws_call(deploy_env, thresholds, message):
    deploy_env.clear_requests()
    run = run_playbook(SITE, INVENTORY, extra_vars={"alerting_thresholds": thresholds})
    assert run.returncode != 0
    assert message in run.failure(), run.failure()
    assert deploy_env.requests() == []


def test_alert_without_threshold_fails_naming_alert_and_variable(deploy_env):
    deploy_env.clear_requests()
    alerts = {"QueueBacklog": {"group": "queues", "expr": "sum(queue_depth)"}}
    run = run_playbook(SITE, INVENTORY, extra_vars={"alerting_alerts": alerts, "alerting_default_thresholds": {},
                                                    "alerting_thresholds": {}, "alerting_host_thresholds": {}})
    assert "alert 'QueueBacklog' has no threshold: set alerting_thresholds.QueueBacklog" in run.failure()
    assert deploy_env.requests() == []


@pytest.mark.parametrize("settings, message", [
    ({"alerting_anomaly_alerts": {"api-rate": {"score": 0.6}}},
     "alerting_anomaly_alerts.api-rate: no anomaly detector 'api-rate' in workspace_anomaly_detectors "
     "(known: api-latency, api-request-rate)"),
    ({"workspace_anomaly_detectors": [{"alias": "api-request-rate", "query": "rate(http_requests_total[5m])"}]},
     "workspace_anomaly_detectors[0].query: AMP models only a query wrapped in one of avg"),
], ids=["alert-on-no-detector", "detector-query-without-aggregation"])
def test_bad_anomaly_settings_fail_before_any_aws_write_naming_them(deploy_env, settings, message):
    deploy_env.clear_requests()
    run = run_playbook(SITE, INVENTORY, extra_vars=settings, limit="it-prod")
    assert run.returncode != 0
    assert message in run.stdout, run.failure()
    assert write_calls(deploy_env) == []


def test_teardown_of_an_ambiguous_alias_deletes_nothing_and_names_both_workspaces(deploy_env):
    amp = client(None, "amp", "it-dev")
    ids = sorted(amp.create_workspace(alias="it-dev")["workspaceId"] for _twice in range(2))
    rules = yaml.safe_dump({"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0"}]}]}).encode()
    for workspace_id in ids:
        amp.create_rule_groups_namespace(workspaceId=workspace_id, name="amp-alerting", data=rules)
    deploy_env.clear_requests()

    run = run_playbook(TEARDOWN, INVENTORY, extra_vars={"target_environment": "it-dev", "teardown_confirm": "it-dev"})
    assert run.returncode != 0
    assert "alias 'it-dev' matches 2 workspaces" in run.failure() and all(ws in run.failure() for ws in ids), run.failure()
    assert write_calls(deploy_env) == [], "teardown wrote to AWS before refusing the ambiguous alias"
    for workspace_id in ids:
        names = [ns["name"] for ns in amp.list_rule_groups_namespaces(workspaceId=workspace_id)["ruleGroupsNamespaces"]]
        assert names == ["amp-alerting"], workspace_id
