"""doctor.yml's verdicts (filters chain_hops, probe_hop, hop_table) from the evidence its reads return:
a healthy chain, then one break per hop, each named with its reason."""

import copy
import json

import pytest

from ansible_collections.amp.alerting.plugins.filter.doctor import chain_hops
from ansible_collections.amp.alerting.plugins.filter.doctor import hop_table
from ansible_collections.amp.alerting.plugins.filter.doctor import probe_hop

ACCOUNT, REGION = "123456789012", "eu-west-1"
WS_ID = "ws-11111111-1111-1111-1111-111111111111"
WS_ARN = f"arn:aws:aps:{REGION}:{ACCOUNT}:workspace/{WS_ID}"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:amp-prod-alerts"
FUNCTION = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:amp-prod-slack-forwarder"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/amp/amp-prod-slack-forwarder"
FUNCTION_DLQ = f"arn:aws:sqs:{REGION}:{ACCOUNT}:amp-prod-slack-forwarder-dlq"
DELIVERY_DLQ = f"arn:aws:sqs:{REGION}:{ACCOUNT}:amp-prod-slack-forwarder-delivery-dlq"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0f1e2d3c-0000-0000-0000-000000000000"
ORDER = ["workspace", "rule namespaces", "alertmanager definition", "sns receivers", "topic amp-prod-alerts",
         "topic policy", "forwarder subscription", "function", "invoke permission", "delivery dead-letter queue",
         "execution role", "function dead-letter queue", "forwarder errors", "AMP notifications"]


def allow(principal, action, resource, condition=None):
    statement = {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def queue(arn, messages=0, policy=None):
    return {"item": arn, "exists": True,
            "queue": {"queue_arn": arn, "approximate_number_of_messages": messages,
                      "approximate_number_of_messages_not_visible": 0, "policy": policy}}


def healthy():
    """What doctor.yml's reads return for a chain site.yml deployed."""
    topic_policy = allow({"Service": "aps.amazonaws.com"}, ["sns:Publish", "sns:GetTopicAttributes"], TOPIC,
                         {"ArnEquals": {"aws:SourceArn": WS_ARN}, "StringEquals": {"aws:SourceAccount": ACCOUNT}})
    function_policy = allow({"Service": "sns.amazonaws.com"}, "lambda:InvokeFunction", FUNCTION,
                            {"ArnLike": {"AWS:SourceArn": TOPIC}})
    role_policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": [f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/amp-prod-slack-forwarder:*"]},
        {"Effect": "Allow", "Action": ["ssm:GetParameter"],
         "Resource": [f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/amp-alerting/prod/slack-webhook"]},
        {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [FUNCTION_DLQ]}]}
    return {
        "alias": "prod", "since_minutes": 60,
        "workspace": {"workspace_id": WS_ID, "arn": WS_ARN, "status": "ACTIVE",
                      "rule_namespaces": [{"name": "amp-alerting", "status": "ACTIVE"}],
                      "alertmanager": {"status": "ACTIVE", "sns_topic_arns": {"sns-default": [TOPIC]}},
                      "logging": {"log_group_arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/vendedlogs/prometheus/prod:*",
                                  "status": "ACTIVE"}},
        # sns_alert_topic_info: the topic and its subscriptions, one read per topic for both
        "topics": [{"item": TOPIC, "topic": {"topic_arn": TOPIC, "policy": topic_policy, "kms_master_key_id": ""},
                    "subscriptions": [
                        {"protocol": "lambda", "endpoint": FUNCTION, "pending_confirmation": False, "topic_arn": TOPIC,
                         "redrive_policy": {"deadLetterTargetArn": DELIVERY_DLQ}}]}],
        "topic_keys": [{"item": TOPIC, "skipped": True}],
        "function_configs": [{"item": FUNCTION, "functions": [
            {"function_arn": FUNCTION, "state": "Active", "last_update_status": "Successful", "role": ROLE,
             "dead_letter_config": {"target_arn": FUNCTION_DLQ},
             "environment": {"variables": {"SLACK_WEBHOOK_SSM_PARAMETER": "/amp-alerting/prod/slack-webhook"}}}]}],
        "function_policies": [{"item": FUNCTION, "exists": True, "policy": function_policy}],
        "roles": [{"item": ROLE, "iam_roles": [{"arn": ROLE, "attached_policies": []}]}],
        "role_policies": [{"item": ROLE, "policies": [{"policy_name": "slack-forwarder", "policy_document": role_policy}]}],
        "queues": [queue(DELIVERY_DLQ, policy=allow({"Service": "sns.amazonaws.com"}, "sqs:SendMessage", DELIVERY_DLQ,
                                                    {"ArnEquals": {"aws:SourceArn": TOPIC}})),
                   queue(FUNCTION_DLQ)],
        "queue_ages": [],
        "function_logs": [{"item": FUNCTION, "exists": True, "events": [
            {"timestamp": 1, "log_stream_name": "a", "message": json.dumps({"outcome": "delivered"})}]}],
        "webhook_kms_key_arn": "", "webhook_key": {"skipped": True},
        "amp_failure_metrics": [], "amp_log_events": [],
    }


def verdicts(evidence):
    return {hop["hop"]: (hop["status"], hop["detail"]) for hop in chain_hops(evidence)}


def broken(evidence):
    return [(hop["hop"], hop["detail"]) for hop in chain_hops(evidence) if hop["status"] != "ok"]


def test_a_healthy_chain_is_ok_on_every_hop_in_the_order_an_alert_travels():
    hops = chain_hops(healthy())
    assert [hop["hop"] for hop in hops] == ORDER
    assert {hop["status"] for hop in hops} == {"ok"}, hops
    assert all(hop["fix"] == "" for hop in hops)
    assert dict((h["hop"], h["detail"]) for h in hops)["execution role"] == (
        "allows ssm:GetParameter on /amp-alerting/prod/slack-webhook; sqs:SendMessage on amp-prod-slack-forwarder-dlq; "
        "logs:PutLogEvents on /aws/lambda/amp-prod-slack-forwarder")


def test_no_workspace_ends_the_diagnosis_at_the_first_hop():
    evidence = dict(healthy(), workspace={})
    assert chain_hops(evidence) == [{"hop": "workspace", "status": "broken", "detail": "no workspace with alias prod",
                                     "fix": "run site.yml for this host (it repairs what it made)"}]


def test_a_rule_namespace_amp_refused_is_named_with_amps_reason():
    evidence = healthy()
    evidence["workspace"]["rule_namespaces"] = [{"name": "amp-alerting", "status": "UPDATE_FAILED",
                                                 "status_reason": "parse error at line 3"}]
    assert broken(evidence) == [("rule namespaces", "amp-alerting UPDATE_FAILED: parse error at line 3")]


def test_a_failed_alertmanager_definition_stops_before_sns():
    evidence = healthy()
    evidence["workspace"]["alertmanager"] = {"status": "CREATION_FAILED", "status_reason": "bad route"}
    hops = chain_hops(evidence)
    assert hops[-2] == {"hop": "alertmanager definition", "status": "broken", "detail": "CREATION_FAILED: bad route",
                        "fix": "fix what AMP refused (the reason above), then run site.yml for this host (it repairs what it made)"}
    assert hops[-1]["hop"] == "AMP notifications"


def test_a_definition_without_sns_receivers_is_broken():
    evidence = healthy()
    evidence["workspace"]["alertmanager"]["sns_topic_arns"] = {"pager": []}
    assert broken(evidence) == [("sns receivers", "no receiver publishes to SNS")]


def test_a_topic_of_another_account_is_broken_without_reading_it():
    evidence = healthy()
    other = TOPIC.replace(ACCOUNT, "210987654321")
    evidence["workspace"]["alertmanager"]["sns_topic_arns"] = {"sns-default": [other]}
    assert broken(evidence)[0][1].startswith("in account 210987654321, the workspace in 123456789012")


def test_a_deleted_topic_is_broken():
    evidence = dict(healthy(), topics=[{"item": TOPIC, "topic": {}, "subscriptions": []}])
    assert broken(evidence) == [("topic amp-prod-alerts", f"{TOPIC} does not exist")]


def test_an_unreadable_topic_is_unknown_not_broken():
    evidence = dict(healthy(), topics=[{"item": TOPIC, "msg": "AuthorizationError: not authorized"}])
    ((hop, detail),) = broken(evidence)
    assert (hop, verdicts(evidence)[hop][0]) == ("topic amp-prod-alerts", "unknown")
    assert "not read: AuthorizationError" in detail


def test_a_topic_policy_for_another_workspace_is_broken_naming_the_condition():
    evidence = healthy()
    policy = evidence["topics"][0]["topic"]["policy"]
    policy["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"] = WS_ARN.replace("1111", "2222")
    ((hop, detail),) = broken(evidence)
    assert hop == "topic policy" and detail.startswith("sns:Publish refused: ")
    assert "needs ArnEquals aws:SourceArn" in detail


def test_an_explicit_deny_in_the_topic_policy_wins():
    evidence = healthy()
    policy = evidence["topics"][0]["topic"]["policy"]
    policy["Statement"].append({"Sid": "NoAmp", "Effect": "Deny", "Principal": "*", "Action": "sns:Publish", "Resource": TOPIC})
    assert broken(evidence) == [("topic policy", "sns:Publish refused: explicit deny: statement NoAmp of the topic policy")]


def encrypted(key_policy, state="Enabled"):
    evidence = healthy()
    evidence["topics"][0]["topic"]["kms_master_key_id"] = KEY
    evidence["topic_keys"] = [{"item": TOPIC, "kms_keys": [{"key_arn": KEY, "key_state": state,
                                                            "key_policies": [key_policy]}]}]
    return evidence


def test_an_encrypted_topic_needs_a_key_policy_that_lets_amp_use_the_key():
    account_only = allow({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "kms:*", "*")
    ((hop, detail),) = broken(encrypted(account_only))
    assert hop == "topic key" and detail.startswith("kms:GenerateDataKey refused")
    with_aps = copy.deepcopy(account_only)
    with_aps["Statement"].append({"Effect": "Allow", "Principal": {"Service": "aps.amazonaws.com"},
                                  "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": "*"})
    assert verdicts(encrypted(with_aps))["topic key"] == ("ok", "allows kms:GenerateDataKey; kms:Decrypt")
    assert broken(encrypted(with_aps, state="Disabled")) == [("topic key", f"{KEY} is Disabled")]


def test_a_topic_without_the_forwarders_subscription_ends_the_chain_there():
    evidence = healthy()
    evidence["topics"][0]["subscriptions"] = []
    hops = chain_hops(evidence)
    assert [hop["hop"] for hop in hops] == ORDER[:7] + ["AMP notifications"]
    assert hops[6]["status"] == "broken" and "has no Lambda subscription" in hops[6]["detail"]


def test_a_deleted_function_is_broken_and_the_delivery_queue_still_read():
    evidence = dict(healthy(), function_configs=[{"item": FUNCTION, "functions": [{"function": {}}]}])
    evidence["queues"][0] = queue(DELIVERY_DLQ, 2, evidence["queues"][0]["queue"]["policy"])
    assert broken(evidence) == [
        ("function", "amp-prod-slack-forwarder does not exist"),
        ("delivery dead-letter queue", "amp-prod-slack-forwarder-delivery-dlq: 2 alerts SNS could not hand to the "
                                       "function, age of the oldest: no CloudWatch data")]


def test_a_failed_function_update_is_broken_with_lambdas_reason():
    evidence = healthy()
    evidence["function_configs"][0]["functions"][0].update(last_update_status="Failed",
                                                           last_update_status_reason="The role cannot be assumed")
    assert broken(evidence) == [("function", "amp-prod-slack-forwarder: state Active, last update Failed: "
                                             "The role cannot be assumed")]


def test_a_function_permission_for_another_topic_does_not_let_this_one_invoke():
    evidence = healthy()
    evidence["function_policies"][0]["policy"]["Statement"][0]["Condition"]["ArnLike"]["AWS:SourceArn"] = TOPIC + "-old"
    ((hop, detail),) = broken(evidence)
    assert hop == "invoke permission" and detail.startswith("lambda:InvokeFunction refused")
    assert broken(dict(healthy(), function_policies=[{"item": FUNCTION, "exists": True, "policy": None}]))[0][0] == \
        "invoke permission"


def test_the_delivery_queue_must_exist_and_let_sns_write():
    evidence = healthy()
    evidence["topics"][0]["subscriptions"][0]["redrive_policy"] = None
    assert broken(evidence)[0] == ("delivery dead-letter queue", "the subscription has no redrive policy: what SNS "
                                                                 "cannot hand to the function is lost")
    evidence = healthy()
    evidence["queues"][0]["queue"]["policy"] = None
    ((hop, detail),) = broken(evidence)
    assert hop == "delivery dead-letter queue" and detail.startswith("sqs:SendMessage refused")


def test_a_role_without_the_parameter_permission_is_broken_naming_the_parameter():
    evidence = healthy()
    evidence["role_policies"][0]["policies"][0]["policy_document"]["Statement"].pop(1)
    ((hop, detail),) = broken(evidence)
    assert hop == "execution role" and detail.startswith("ssm:GetParameter on /amp-alerting/prod/slack-webhook refused")


def test_managed_policies_not_evaluated_make_a_refusal_unknown():
    evidence = healthy()
    evidence["role_policies"][0]["policies"] = []
    evidence["roles"][0]["iam_roles"][0]["attached_policies"] = [{"policy_name": "ForwarderAccess"}]
    assert verdicts(evidence)["execution role"][0] == "unknown"
    assert "managed policies ForwarderAccess not evaluated" in verdicts(evidence)["execution role"][1]


def test_a_deleted_role_is_broken():
    evidence = dict(healthy(), roles=[{"item": ROLE, "iam_roles": []}])
    assert broken(evidence) == [("execution role", "amp-prod-slack-forwarder does not exist")]


def test_the_webhook_key_must_let_the_role_decrypt():
    evidence = dict(healthy(), webhook_kms_key_arn=KEY, webhook_key={"kms_keys": [
        {"key_arn": KEY, "key_policies": [allow({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "kms:*", "*")]}]})
    ((hop, detail),) = broken(evidence)
    assert hop == "execution role" and detail.startswith("kms:Decrypt of the webhook refused")
    statements = evidence["role_policies"][0]["policies"][0]["policy_document"]["Statement"]
    statements.append({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY})
    assert broken(evidence) == []


def test_events_in_the_function_dead_letter_queue_are_broken_with_the_age_of_the_oldest():
    evidence = healthy()
    evidence["queues"][1] = queue(FUNCTION_DLQ, 3)
    evidence["queue_ages"] = [{"item": FUNCTION_DLQ, "metrics": [{"metric_name": "ApproximateAgeOfOldestMessage",
                                                                  "value": 420.0}]}]
    assert broken(evidence) == [("function dead-letter queue", "amp-prod-slack-forwarder-dlq: 3 events the function "
                                                               "failed after Lambda's retries, the oldest 420 s old")]


def log(*messages, stream="a"):
    return [{"item": FUNCTION, "exists": True, "events": [
        {"timestamp": n, "log_stream_name": stream, "message": m if isinstance(m, str) else json.dumps(m)}
        for n, m in enumerate(messages)]}]


def test_a_last_failed_delivery_is_broken_and_failures_followed_by_deliveries_are_history():
    failed = {"outcome": "failed", "error": "HTTP 404 'no_service'"}
    evidence = dict(healthy(), function_logs=log({"outcome": "delivered"}, failed,
                                                 "[ERROR] ForwardError: 1 of 1 SNS record(s) not delivered"))
    assert broken(evidence) == [("forwarder errors", "the last delivery failed (1 failure(s) in the last 60 min): "
                                                     "HTTP 404 'no_service'")]
    evidence = dict(healthy(), function_logs=log(failed, {"outcome": "delivered"}))
    assert verdicts(evidence)["forwarder errors"] == (
        "ok", "1 failure(s) in the last 60 min, then deliveries: the last failure: HTTP 404 'no_service'")
    timeout = dict(healthy(), function_logs=log("2026-11-26T07:00:00Z 0f1e Task timed out after 8.01 seconds"))
    assert broken(timeout)[0][1].endswith("Task timed out after 8.01 seconds")


def test_no_log_group_is_unknown():
    evidence = dict(healthy(), function_logs=[{"item": FUNCTION, "exists": False, "events": []}])
    assert verdicts(evidence)["forwarder errors"] == ("broken", "log group /aws/lambda/amp-prod-slack-forwarder does not exist")


def test_amps_failure_metrics_and_log_name_the_refusal():
    evidence = dict(healthy(), amp_failure_metrics=[
        {"metric_name": "AlertManagerNotificationsFailed", "value": 4.0},
        {"metric_name": "AlertManagerNotificationsFailedByIntegration", "value": 4.0}],
        amp_log_events=[{"message": json.dumps({"workspaceId": WS_ID, "component": "alertmanager", "message": {
            "level": "ERROR", "log": f"Notify for alerts failed, AMP is not authorized to perform: SNS:Publish on "
                                     f"resource: {TOPIC}"}})}])
    assert broken(evidence) == [("AMP notifications", "4 failed, 0 throttled since the last delivery (1970-01-01 "
                                 "00:00:00 UTC) (CloudWatch AWS/Prometheus); AMP's alertmanager log: Notify for alerts "
                                 f"failed, AMP is not authorized to perform: SNS:Publish on resource: {TOPIC}")]
    evidence["function_logs"] = [{"item": FUNCTION, "exists": True, "events": []}]  # no delivery known: the whole window
    assert broken(evidence)[-1][1].startswith("4 failed, 0 throttled in the last 60 min")


def test_amps_failures_not_read_are_unknown_unless_a_failure_was_seen():
    refused = "Failed to read AMP's failure metrics: An error occurred (AccessDenied) when calling the ListMetrics operation"
    evidence = dict(healthy(), unread={"amp_failure_metrics": refused})
    assert verdicts(evidence)["AMP notifications"] == ("unknown", f"not read: AMP's failure metrics: {refused}")
    evidence["amp_log_events"] = [{"message": json.dumps({"component": "alertmanager", "message": {
        "level": "ERROR", "log": "Notify for alerts failed"}})}]
    assert verdicts(evidence)["AMP notifications"][0] == "broken"


def test_failures_before_the_last_delivery_are_history_and_those_after_it_break_the_hop():
    delivered_at = 1_764_930_000  # the forwarder's last delivery, after the repair
    refusal = {"message": json.dumps({"workspaceId": WS_ID, "component": "alertmanager", "message": {
        "level": "ERROR", "log": "Notify for alerts failed, AMP is not authorized to perform: SNS:Publish"}})}
    repaired = dict(healthy(), function_logs=[{"item": FUNCTION, "exists": True, "events": [
        {"timestamp": delivered_at * 1000, "log_stream_name": "a", "message": json.dumps({"outcome": "delivered"})}]}],
        amp_failure_metrics=[{"metric_name": "AlertManagerNotificationsFailed", "value": 3.0, "points": [
            {"timestamp": delivered_at - 600, "value": 2.0}, {"timestamp": delivered_at - 30, "value": 1.0}]}],
        amp_log_events=[dict(refusal, timestamp=(delivered_at - 20) * 1000)])
    status, detail = verdicts(repaired)["AMP notifications"]
    assert status == "ok", detail
    assert detail.startswith("no failure counted since the last delivery (2025-12-05 10:20:00 UTC)")
    assert "history: 3 failed before the last delivery" in detail and "not authorized" in detail
    # still broken: AMP keeps failing after that delivery
    repaired["amp_failure_metrics"][0]["points"].append({"timestamp": delivered_at + 60, "value": 1.0})
    assert broken(repaired) == [("AMP notifications", "1 failed, 0 throttled since the last delivery (2025-12-05 "
                                 "10:20:00 UTC) (CloudWatch AWS/Prometheus); history: 3 failed before the last delivery "
                                 "(2025-12-05 10:20:00 UTC), AMP's log then: Notify for alerts failed, AMP is not "
                                 "authorized to perform: SNS:Publish")]


def test_the_test_alert_is_timed_from_the_forwarders_line_that_carries_its_probe():
    events = [{"timestamp": 1_000_000_004_500, "message": json.dumps({"outcome": "delivered", "probe": "doctor-a"})},
              {"timestamp": 1_000_000_009_000, "message": json.dumps({"outcome": "delivered", "probe": "doctor-b"})}]
    assert probe_hop(events, "doctor-a", "1000000000.0", 180) == {
        "hop": "test alert", "status": "ok", "detail": "delivered to Slack 4.5 s after it was sent (probe doctor-a)", "fix": ""}
    failed = [{"timestamp": 1, "message": json.dumps({"outcome": "failed", "probe": "doctor-a", "error": "HTTP 410"})}]
    assert probe_hop(failed, "doctor-a", 0, 180)["detail"] == "the forwarder failed it: HTTP 410"
    assert probe_hop([], "doctor-a", 0, 180)["detail"] == "no delivery logged within 180 s (probe doctor-a)"


def test_the_table_aligns_the_hops_and_puts_each_fix_under_its_hop():
    lines = hop_table([{"hop": "workspace", "status": "ok", "detail": "ws-1 ACTIVE", "fix": ""},
                       {"hop": "topic policy", "status": "broken", "detail": "refused", "fix": "let AMP publish"}])
    assert lines == ["ok      workspace     ws-1 ACTIVE",
                     "broken  topic policy  refused",
                     "                      fix: let AMP publish"]


def test_slack_app_destinations_need_the_state_table():
    evidence = healthy()
    evidence["function_configs"][0]["functions"][0]["environment"]["variables"]["SLACK_STATE_TABLE"] = "amp-prod-state"
    ((hop, detail),) = broken(evidence)
    assert hop == "execution role" and detail.startswith("dynamodb:GetItem on amp-prod-state refused")
    evidence["role_policies"][0]["policies"][0]["policy_document"]["Statement"].append(
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
         "Resource": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/amp-prod-state"})
    assert broken(evidence) == []


SECRET = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:amp-alerting/prod/pagerduty/payments-AbCdEf"


def paging(policy="allow", kms_key_id=None, key_policy=None):
    evidence = healthy()
    evidence["workspace"]["alertmanager"]["pagerduty_secret_arns"] = {"page-payments": [SECRET]}
    document = allow({"Service": "aps.amazonaws.com"}, "secretsmanager:GetSecretValue", "*",
                     {"ArnEquals": {"aws:SourceArn": WS_ARN}, "StringEquals": {"aws:SourceAccount": ACCOUNT}})
    secret = {"name": "amp-alerting/prod/pagerduty/payments", "arn": SECRET, "kms_key_id": kms_key_id,
              "resource_policy": document if policy == "allow" else policy}
    evidence["pagerduty_secrets"] = [{"item": SECRET, "secrets": [secret]}]
    evidence["pagerduty_keys"] = [{"item": SECRET, "kms_keys": [{"key_arn": kms_key_id, "key_policies": [key_policy]}]}
                                  if kms_key_id else {"item": SECRET, "skipped": True}]
    return evidence


def test_a_pagerduty_secret_amp_may_read_for_this_workspace_is_ok():
    assert verdicts(paging())["pagerduty secret payments"] == ("ok", "allows secretsmanager:GetSecretValue")


def test_a_pagerduty_secret_without_policy_or_gone_names_the_secret_hop_and_the_fix():
    ((hop, detail),) = broken(paging(policy=None))
    assert (hop, detail) == ("pagerduty secret payments", "secretsmanager:GetSecretValue refused: no statement allows "
                             f"secretsmanager:GetSecretValue on {SECRET} for aps.amazonaws.com")
    fixes = [h["fix"] for h in chain_hops(paging(policy=None)) if h["status"] == "broken"]
    assert fixes[0].startswith(f"let aps.amazonaws.com read the secret with aws:SourceArn {WS_ARN}")
    gone = paging()
    gone["pagerduty_secrets"] = [{"item": SECRET, "secrets": []}]
    assert broken(gone) == [("pagerduty secret payments", f"{SECRET} does not exist")]


def test_a_pagerduty_secret_under_a_customer_key_needs_the_key_policy_to_let_amp_decrypt():
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/0f1e"
    root_only = allow({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "kms:*", "*")
    ((hop, detail),) = broken(paging(kms_key_id=key, key_policy=root_only))
    assert hop == "pagerduty secret payments key" and detail.startswith("kms:Decrypt refused")
    amp_may = allow({"Service": "aps.amazonaws.com"}, "kms:Decrypt", "*")
    assert broken(paging(kms_key_id=key, key_policy=amp_may)) == []


def heartbeat(state, points=(), now=1_764_930_000):
    evidence = healthy()
    evidence.update(heartbeat_alarm_name="amp-prod-heartbeat", now=now,
                    heartbeat_alarm={"metric_alarms": [{"alarm_name": "amp-prod-heartbeat", "state_value": state}]
                                     if state else []},
                    heartbeats=[{"metric_name": "Heartbeat", "points": [{"timestamp": t, "value": 1.0} for t in points]}])
    return evidence


def test_the_heartbeat_hop_tells_the_alarm_state_and_the_last_heartbeats_age():
    assert verdicts(heartbeat("OK", [1_764_929_880, 1_764_929_940]))["heartbeat"] == (
        "ok", "alarm amp-prod-heartbeat OK; the last heartbeat 60 s ago (to the minute)")
    assert broken(heartbeat("ALARM", [1_764_929_000])) == [("heartbeat", (
        "alarm amp-prod-heartbeat ALARM; the last heartbeat 1000 s ago (to the minute): the chain is silent somewhere "
        "from the rules to the forwarder"))]
    assert broken(heartbeat(None)) == [("heartbeat", "no alarm amp-prod-heartbeat: a silent chain would page no one; "
                                                     "no heartbeat in the last 60 min")]
    assert verdicts(heartbeat("INSUFFICIENT_DATA"))["heartbeat"][0] == "unknown"
    # a new alarm is ALARM until the first heartbeats (CloudWatch: missing data breaching): not yet a verdict
    new = heartbeat("ALARM")
    new["heartbeat_alarm"]["metric_alarms"][0].update(alarm_configuration_updated_timestamp="2025-12-05T10:19:00+00:00",
                                                      period=300, evaluation_periods=3)
    assert verdicts(new)["heartbeat"] == ("unknown", "alarm amp-prod-heartbeat ALARM; no heartbeat in the last 60 min: the "
                                                     "alarm is 60 s old, the first heartbeats arrive within 1020 s of it")
    assert "heartbeat" not in verdicts(healthy())  # the heartbeat off: no hop
    unread = dict(heartbeat("OK"), unread={"heartbeats": "Failed to read the heartbeats: AccessDenied"})
    assert verdicts(unread)["heartbeat"] == ("ok", "alarm amp-prod-heartbeat OK; the heartbeats not read: Failed to read "
                                                   "the heartbeats: AccessDenied")


def test_a_recorded_heartbeat_counts_as_the_chains_last_delivery():
    evidence = dict(healthy(), function_logs=[{"item": FUNCTION, "exists": True, "events": [
        {"timestamp": 1_764_930_000_000, "log_stream_name": "a", "message": json.dumps({"outcome": "heartbeat"})}]}],
        amp_failure_metrics=[{"metric_name": "AlertManagerNotificationsFailed", "value": 2.0,
                              "points": [{"timestamp": 1_764_929_000, "value": 2.0}]}])
    assert verdicts(evidence)["AMP notifications"][0] == "ok"


def detectors(*found):
    return {"anomaly_detectors": [dict(zip(("alias", "status", "status_reason"), entry)) for entry in found]}


@pytest.mark.parametrize("read, status, detail", [
    (detectors(("api-rate", "ACTIVE", None)), "ok", "1 ACTIVE: api-rate"),
    (detectors(), "broken", "api-rate does not exist: its anomaly alert can never fire"),
    (detectors(("api-rate", "CREATION_FAILED", "query timed out")), "broken",
     "api-rate CREATION_FAILED: query timed out: its anomaly alert can never fire"),
    (detectors(("api-rate", "UPDATING", None)), "unknown", "api-rate UPDATING (training): its alert fires once the detector is ACTIVE"),
    ({"msg": "User: x is not authorized to perform: aps:ListAnomalyDetectors"}, "unknown",
     "not read: User: x is not authorized to perform: aps:ListAnomalyDetectors"),
], ids=["active", "deleted", "failed", "training", "unreadable"])
def test_the_detector_of_each_anomaly_alert_must_be_active(read, status, detail):
    evidence = dict(healthy(), anomaly_alerts={"api-rate": {"score": 0.6}, "off": {"score": 0.5, "enabled": False}},
                    anomaly_detectors=read)
    hops = chain_hops(evidence)
    (hop,) = [hop for hop in hops if hop["hop"] == "anomaly detectors"]
    assert (hop["status"], hop["detail"]) == (status, detail)
    assert [h["hop"] for h in hops].index("anomaly detectors") == ORDER.index("alertmanager definition") + 1


def test_without_anomaly_alerts_no_detector_hop():
    assert "anomaly detectors" not in verdicts(dict(healthy(), anomaly_alerts={}, anomaly_detectors=None))
