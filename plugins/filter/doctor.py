# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""doctor.yml's verdicts: from what its read-only tasks found, each hop of a host's alerting chain
ok / broken / unknown, with the reason and the fix. Policies are evaluated as AWS evaluates them
(module_utils/policy_evaluation.py), the same evaluator the sandbox enforces them with."""

import datetime
import json

from ansible.errors import AnsibleFilterError

from ansible_collections.amp.alerting.plugins.module_utils.arns import secret_name
from ansible_collections.amp.alerting.plugins.module_utils.policy_evaluation import PolicyNotUnderstood
from ansible_collections.amp.alerting.plugins.module_utils.policy_evaluation import Principal
from ansible_collections.amp.alerting.plugins.module_utils.policy_evaluation import evaluate

OK = "ok"
BROKEN = "broken"
UNKNOWN = "unknown"
REDEPLOY = "run site.yml for this host (it repairs what it made)"
# Lines of the forwarder's log group that are failures: its own JSON line with outcome "failed",
# the runtime's error line, and Lambda's timeout line.
RUNTIME_FAILURES = ("[ERROR]", "Task timed out")


def _hop(name, status, detail, fix=""):
    return {"hop": name, "status": status, "detail": detail, "fix": fix if status != OK else ""}


def _by_item(results):
    """A loop's registered results, by the loop item."""
    return {result["item"]: result for result in results or [] if isinstance(result, dict)
            and isinstance(result.get("item"), str)}


def _name(arn):
    return arn.split(":")[-1] if arn else ""


def _decision(action, resource, principal, context, identity_policies=(), resource_policy=None, key_policy=False,
              label="resource policy"):
    try:
        return evaluate(action, resource, principal, context, identity_policies=identity_policies,
                        resource_policy=resource_policy, resource_label=label, key_policy=key_policy)
    except (PolicyNotUnderstood, ValueError) as exc:
        return exc


def _policy_hop(name, decisions, fix):
    """One hop from several (action, decision) pairs: broken on the first refusal; unknown when a policy
    could not be evaluated."""
    for action, decision in decisions:
        if isinstance(decision, Exception):
            return _hop(name, UNKNOWN, f"{action}: policy not evaluated ({decision})", "read the policy by hand")
        if not decision.allowed:
            return _hop(name, BROKEN, f"{action} refused: {decision.reason}", fix)
    return _hop(name, OK, "allows " + "; ".join(action for action, _decision in decisions))


# What each read returns when it succeeded. The reads run with failed_when: false (a missing or
# unreadable resource is a finding, not the end of the diagnosis), so a failure is a result without it.
ANSWERS = {"pagerduty_secrets": "secrets", "pagerduty_keys": "kms_keys",
           "topics": "topic", "topic_keys": "kms_keys", "subscriptions": "subscriptions", "function_configs": "functions",
           "function_policies": "exists", "roles": "iam_roles", "role_policies": "policies", "queues": "exists",
           "function_logs": "exists"}


def _failed_read(result, kind):
    """Why a read failed (its message), or None when it answered."""
    if not result or result.get("skipped"):
        return "not read"
    return None if ANSWERS[kind] in result else (result.get("msg") or "failed")


class Diagnosis:
    """The hops of one host's chain, in the order an alert travels them."""

    def __init__(self, evidence):
        self.evidence = evidence
        self.hops = []
        self.workspace = evidence.get("workspace") or None

    def unread(self, kind):
        """Why the read of KIND (amp_failure_metrics, amp_log_events, heartbeats) failed, or None."""
        return (self.evidence.get("unread") or {}).get(kind)

    def add(self, *args, **kwargs):
        self.hops.append(_hop(*args, **kwargs))

    def absent(self, hop, what, result, kind, exists, fix=REDEPLOY):
        """Add the hop when the read failed (unknown) or found nothing (broken); True when added."""
        failure = _failed_read(result, kind)
        if failure:
            self.add(hop, UNKNOWN, f"{what}: not read: {failure}", "give the caller the read permission the message names")
            return True
        if not exists(result):
            self.add(hop, BROKEN, f"{what} does not exist", fix)
            return True
        return False

    def run(self):
        if self.workspace_hops():
            self.anomaly_detector_hop()
            for topic_arn in self.topic_arns():
                self.topic_hops(topic_arn)
            for secret_arn in self.pagerduty_secret_arns():
                self.pagerduty_secret_hops(secret_arn)
        self.heartbeat_hop()
        self.amp_failure_hop()
        return self.hops

    # AMP: workspace, rules, alertmanager
    def workspace_hops(self):
        workspace = self.workspace
        alias = self.evidence.get("alias", "")
        if not workspace:
            self.add("workspace", BROKEN, f"no workspace with alias {alias}", REDEPLOY)
            return False
        status = workspace.get("status")
        where = f"{workspace.get('workspace_id')} ({alias})"
        if status != "ACTIVE":
            self.add("workspace", BROKEN, f"{where} is {status}", "wait for ACTIVE, or " + REDEPLOY)
            return False
        self.add("workspace", OK, f"{where} ACTIVE")
        namespaces = workspace.get("rule_namespaces") or []
        failing = [ns for ns in namespaces if ns.get("status") != "ACTIVE"]
        if not namespaces:
            self.add("rule namespaces", BROKEN, "none: no rule can fire", REDEPLOY)
        elif failing:
            self.add("rule namespaces", BROKEN, "; ".join(
                f"{ns['name']} {ns.get('status')}: {ns.get('status_reason') or 'no reason given'}" for ns in failing),
                "fix the rules AMP refused (the reason above), then " + REDEPLOY)
        else:
            self.add("rule namespaces", OK, f"{len(namespaces)} ACTIVE: " + ", ".join(ns["name"] for ns in namespaces))
        definition = workspace.get("alertmanager")
        if not definition:
            self.add("alertmanager definition", BROKEN, "none: AMP sends no notification", REDEPLOY)
            return False
        if definition.get("status") != "ACTIVE":
            self.add("alertmanager definition", BROKEN,
                     f"{definition.get('status')}: {definition.get('status_reason') or 'no reason given'}",
                     "fix what AMP refused (the reason above), then " + REDEPLOY)
            return False
        self.add("alertmanager definition", OK, "ACTIVE")
        return True

    # The detectors the inventory's anomaly alerts read: one not ACTIVE writes no score, its alert never fires
    def anomaly_detector_hop(self):
        alerts = self.evidence.get("anomaly_alerts") or {}
        aliases = sorted(alias for alias, settings in alerts.items() if not isinstance(settings, dict) or settings.get("enabled", True))
        read = self.evidence.get("anomaly_detectors")
        if not aliases or read is None:
            return
        if "anomaly_detectors" not in read:
            self.add("anomaly detectors", UNKNOWN, f"not read: {read.get('msg') or 'failed'}",
                     "give the caller aps:ListAnomalyDetectors and aps:DescribeAnomalyDetector")
            return
        found = {detector.get("alias"): detector for detector in read["anomaly_detectors"]}
        problems, waiting = [], []
        for alias in aliases:
            detector = found.get(alias)
            status = (detector or {}).get("status")
            if detector is None:
                problems.append(f"{alias} does not exist")
            elif status in ("CREATING", "UPDATING"):
                waiting.append(f"{alias} {status} (training)")
            elif status != "ACTIVE":
                problems.append(f"{alias} {status}: {detector.get('status_reason') or 'no reason given'}")
        if problems:
            self.add("anomaly detectors", BROKEN, "; ".join(problems) + ": its anomaly alert can never fire",
                     "fix what AMP refused (the reason above), then " + REDEPLOY)
        elif waiting:
            self.add("anomaly detectors", UNKNOWN, "; ".join(waiting) + ": its alert fires once the detector is ACTIVE",
                     "run the doctor again when the training is done")
        else:
            self.add("anomaly detectors", OK, f"{len(aliases)} ACTIVE: " + ", ".join(aliases))

    def topic_arns(self):
        receivers = (self.workspace.get("alertmanager") or {}).get("sns_topic_arns") or {}
        arns = sorted({arn for topics in receivers.values() for arn in topics})
        if not arns:
            self.add("sns receivers", BROKEN, "no receiver publishes to SNS", REDEPLOY)
        else:
            self.add("sns receivers", OK, f"{len(arns)} topic(s), from receivers " + ", ".join(sorted(
                name for name, topics in receivers.items() if topics)))
        return arns

    def aps_context(self):
        """The request context of AMP acting for this workspace (what AWS gives the policies it meets)."""
        workspace_arn = self.workspace["arn"]
        return {"aws:SourceArn": workspace_arn, "aws:SourceAccount": workspace_arn.split(":")[4],
                "aws:SecureTransport": "true"}

    # PagerDuty: the secret AMP reads each key from, its policy and key
    def pagerduty_secret_arns(self):
        receivers = (self.workspace.get("alertmanager") or {}).get("pagerduty_secret_arns") or {}
        return sorted({arn for secrets in receivers.values() for arn in secrets})

    def pagerduty_secret_hops(self, secret_arn):
        name = secret_name(secret_arn)
        hop = f"pagerduty secret {name.rsplit('/', 1)[-1]}"
        found = _by_item(self.evidence.get("pagerduty_secrets")).get(secret_arn, {})
        given = secret_arn.split(":secret:", 1)[-1]  # a partial ARN ends in the name itself
        secret = next((s for s in found.get("secrets") or [] if s.get("arn") == secret_arn or s.get("name") in (given, name)),
                      None)
        if self.absent(hop, secret_arn, found, "pagerduty_secrets", lambda r: secret is not None,
                       REDEPLOY + " (the alerting role keeps the key of each destination given a routing_key); a "
                       "secret_arn of yours must name a secret that exists"):
            return
        workspace_arn = self.workspace["arn"]
        context = self.aps_context()
        aps = Principal.service("aps.amazonaws.com")
        self.hops.append(_policy_hop(hop, [("secretsmanager:GetSecretValue", _decision(
            "secretsmanager:GetSecretValue", secret["arn"], aps, context, resource_policy=secret.get("resource_policy"),
            label="secret policy"))],
            f"let aps.amazonaws.com read the secret with aws:SourceArn {workspace_arn} and aws:SourceAccount "
            f"{context['aws:SourceAccount']} (the alerting role writes this policy on the secrets it keeps): "
            + REDEPLOY))
        key_id = secret.get("kms_key_id")
        if key_id and key_id != "alias/aws/secretsmanager":
            read = _by_item(self.evidence.get("pagerduty_keys")).get(secret_arn, {})
            if self.absent(f"{hop} key", key_id, read, "pagerduty_keys", lambda r: r.get("kms_keys"),
                           "give the secret a key that exists"):
                return
            key = read["kms_keys"][0]
            self.hops.append(_policy_hop(f"{hop} key", [("kms:Decrypt", _decision(
                "kms:Decrypt", key["key_arn"], aps, context, resource_policy=(key.get("key_policies") or [None])[0],
                key_policy=True, label="key policy"))],
                "let aps.amazonaws.com use kms:Decrypt in the key policy (with the same aws:SourceArn condition)"))

    # SNS: the topic, its policy and key, the subscription
    def topic_hops(self, topic_arn):
        name = _name(topic_arn)
        workspace_arn = self.workspace["arn"]
        account, region = workspace_arn.split(":")[4], workspace_arn.split(":")[3]
        if topic_arn.split(":")[4] != account:
            self.add(f"topic {name}", BROKEN, f"in account {topic_arn.split(':')[4]}, the workspace in {account}: "
                     "AMP publishes only to topics of the workspace's account", "use a topic of the workspace's account")
            return
        found = _by_item(self.evidence.get("topics")).get(topic_arn, {})
        if self.absent(f"topic {name}", topic_arn, found, "topics", lambda r: (r.get("topic") or {}).get("topic_arn"),
                       REDEPLOY + " (the sns role makes the topic again)"):
            return
        topic = found.get("topic") or {}
        self.add(f"topic {name}", OK, f"exists in {account} / {topic_arn.split(':')[3]}"
                 + (" (another region than the workspace's)" if topic_arn.split(":")[3] != region else ""))
        policy = topic.get("policy")
        context = self.aps_context()
        aps = Principal.service("aps.amazonaws.com")
        self.hops.append(_policy_hop(
            "topic policy", [("sns:Publish", _decision("sns:Publish", topic_arn, aps, context,
                                                       resource_policy=policy or None,
                                                       label="topic policy"))],
            f"let aps.amazonaws.com publish with aws:SourceArn {workspace_arn} and aws:SourceAccount {account}: "
            + REDEPLOY))
        key_id = topic.get("kms_master_key_id")
        if key_id:
            self.key_hop(topic_arn, key_id, aps, context)
        self.subscription_hops(topic_arn)

    def key_hop(self, topic_arn, key_id, aps, context):
        found = _by_item(self.evidence.get("topic_keys")).get(topic_arn, {})
        if self.absent("topic key", key_id, found, "topic_keys", lambda r: r.get("kms_keys"),
                       "give the topic a key that exists (sns_kms_key_arn), then " + REDEPLOY):
            return
        key = found["kms_keys"][0]
        if key.get("key_state") not in (None, "Enabled"):
            self.add("topic key", BROKEN, f"{key.get('key_arn')} is {key.get('key_state')}", "enable the key")
            return
        policy = (key.get("key_policies") or [None])[0]
        self.hops.append(_policy_hop("topic key", [
            (action, _decision(action, key["key_arn"], aps, context, resource_policy=policy, key_policy=True,
                               label="key policy")) for action in ("kms:GenerateDataKey", "kms:Decrypt")],
            "let aps.amazonaws.com use the key in its key policy (see docs/preflight.md)"))

    def subscription_hops(self, topic_arn):
        # sns_alert_topic_info reads a topic with its subscriptions: one result serves both hops
        subscriptions = _by_item(self.evidence.get("topics")).get(topic_arn, {})
        if self.absent("forwarder subscription", "subscriptions", subscriptions, "subscriptions", lambda r: True):
            return
        lambdas = [s for s in subscriptions.get("subscriptions") or [] if s.get("protocol") == "lambda"]
        if not lambdas:
            self.add("forwarder subscription", BROKEN, f"{_name(topic_arn)} has no Lambda subscription: SNS delivers to nobody",
                     REDEPLOY + " (the lambda role subscribes the forwarder again)")
            return
        for subscription in lambdas:
            if subscription.get("pending_confirmation"):
                self.add("forwarder subscription", BROKEN, f"{subscription.get('endpoint')} waits for confirmation", REDEPLOY)
                continue
            self.add("forwarder subscription", OK, f"to {_name(subscription['endpoint'])}")
            self.function_hops(topic_arn, subscription)

    # Lambda: the function, who may invoke it, its role, its queues, its log
    def function_hops(self, topic_arn, subscription):
        function_arn = subscription["endpoint"]
        function_name = function_arn.split(":")[6]
        config = _by_item(self.evidence.get("function_configs")).get(function_arn, {})
        if self.absent("function", function_name, config, "function_configs",
                       lambda r: (r.get("functions") or [{}])[0].get("function_arn")):
            self.delivery_queue_hop(topic_arn, subscription)
            return
        functions = config["functions"]
        function = functions[0]
        state, update = function.get("state"), function.get("last_update_status")
        if state != "Active" or update not in (None, "Successful"):
            reason = function.get("state_reason") or function.get("last_update_status_reason") or "no reason given"
            self.add("function", BROKEN, f"{function_name}: state {state}, last update {update}: {reason}", REDEPLOY)
        else:
            self.add("function", OK, f"{function_name} Active, last update Successful")
        policy = _by_item(self.evidence.get("function_policies")).get(function_arn, {})
        if not self.absent("invoke permission", "the function policy", policy, "function_policies", lambda r: True):
            context = {"aws:SourceArn": topic_arn, "aws:SourceAccount": topic_arn.split(":")[4]}
            self.hops.append(_policy_hop("invoke permission", [("lambda:InvokeFunction", _decision(
                "lambda:InvokeFunction", function_arn, Principal.service("sns.amazonaws.com"), context,
                resource_policy=policy.get("policy"), label="function policy"))],
                f"let sns.amazonaws.com invoke {function_name} with aws:SourceArn {topic_arn}: " + REDEPLOY))
        self.delivery_queue_hop(topic_arn, subscription)
        self.role_hop(function_arn, function)
        self.function_queue_hop(function)
        self.function_log_hop(function_arn)

    def _queue(self, queue_arn):
        queue = _by_item(self.evidence.get("queues")).get(queue_arn, {})
        age = _by_item(self.evidence.get("queue_ages")).get(queue_arn, {})
        ages = [m["value"] for m in age.get("metrics") or [] if m.get("value") is not None]
        return queue, (max(ages) if ages else None)

    @staticmethod
    def _backlog(queue, age, what):
        count = queue["queue"].get("approximate_number_of_messages", 0) + \
            queue["queue"].get("approximate_number_of_messages_not_visible", 0)
        oldest = f", the oldest {int(age)} s old" if age is not None else ", age of the oldest: no CloudWatch data"
        return count, f"{count} {what}{oldest if count else ''}"

    def delivery_queue_hop(self, topic_arn, subscription):
        queue_arn = (subscription.get("redrive_policy") or {}).get("deadLetterTargetArn")
        if not queue_arn:
            self.add("delivery dead-letter queue", BROKEN, "the subscription has no redrive policy: what SNS cannot "
                     "hand to the function is lost", REDEPLOY)
            return
        queue, age = self._queue(queue_arn)
        if self.absent("delivery dead-letter queue", _name(queue_arn), queue, "queues", lambda r: r.get("exists")):
            return
        decision = _decision("sqs:SendMessage", queue_arn, Principal.service("sns.amazonaws.com"),
                             {"aws:SourceArn": topic_arn, "aws:SourceAccount": topic_arn.split(":")[4]},
                             resource_policy=queue["queue"].get("policy"), label="queue policy")
        policy_hop = _policy_hop("delivery dead-letter queue", [("sqs:SendMessage", decision)],
                                 f"let sns.amazonaws.com send to {_name(queue_arn)} with aws:SourceArn {topic_arn}: " + REDEPLOY)
        if policy_hop["status"] != OK:
            self.hops.append(policy_hop)
            return
        count, text = self._backlog(queue, age, "alerts SNS could not hand to the function")
        self.add("delivery dead-letter queue", BROKEN if count else OK, f"{_name(queue_arn)}: {text}",
                 "fix the hop that refused them, then publish them to the topic again and purge the queue")

    def role_hop(self, function_arn, function):
        role_arn = function.get("role") or ""
        described = _by_item(self.evidence.get("roles")).get(role_arn, {})
        role = _by_item(self.evidence.get("role_policies")).get(role_arn, {})
        if self.absent("execution role", role_arn.split("/")[-1], described, "roles", lambda r: r.get("iam_roles"),
                       REDEPLOY + " (Lambda cannot run the function without it)") \
                or self.absent("execution role", role_arn.split("/")[-1] + "'s inline policies", role, "role_policies",
                               lambda r: True):
            return
        account, region = function_arn.split(":")[4], function_arn.split(":")[3]
        # (amazon.aws.lambda_info keeps the variables' names as they are; lower-cased here either way)
        variables = {str(k).lower(): v for k, v in ((function.get("environment") or {}).get("variables") or {}).items()}
        partition = function_arn.split(":")[1]
        parameter_arn = f"arn:{partition}:ssm:{region}:{account}:parameter/"
        needs = []  # (action, resource, what the table calls it)
        webhook = variables.get("slack_webhook_ssm_parameter")
        if webhook:
            needs.append(("ssm:GetParameter", parameter_arn + webhook.lstrip("/"), webhook))
        prefix = variables.get("slack_destination_ssm_prefix")
        for destination in filter(None, (variables.get("slack_destinations") or "").split(",")):
            if prefix:
                needs.append(("ssm:GetParameter", parameter_arn + prefix.lstrip("/") + destination, prefix + destination))
        table = variables.get("slack_state_table")
        if table:  # Slack app destinations: threads and deliveries in the state table
            for action in ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"):
                needs.append((action, f"arn:{partition}:dynamodb:{region}:{account}:table/{table}", table))
        target = (function.get("dead_letter_config") or {}).get("target_arn")
        if target:
            needs.append(("sqs:SendMessage", target, _name(target)))
        log_group = f"/aws/lambda/{function_arn.split(':')[6]}"
        needs.append(("logs:PutLogEvents", f"arn:{partition}:logs:{region}:{account}:log-group:{log_group}:log-stream:x",
                      log_group))
        policies = [p.get("policy_document") for p in role.get("policies") or []]
        principal = Principal.iam(role_arn)
        decisions = [(f"{action} on {what}", _decision(action, resource, principal, {}, identity_policies=policies,
                                                       label="role policy"))
                     for action, resource, what in needs]
        key_arn = self.evidence.get("webhook_kms_key_arn")
        key = ((self.evidence.get("webhook_key") or {}).get("kms_keys") or [None])[0]
        if key_arn:
            decisions.append(("kms:Decrypt of the webhook", _decision(
                "kms:Decrypt", key["key_arn"] if key else key_arn, principal, {}, identity_policies=policies,
                resource_policy=(key.get("key_policies") or [None])[0] if key else None, key_policy=bool(key),
                label="key policy")))
        hop = _policy_hop("execution role", decisions, f"give {role_arn.split('/')[-1]} the permission: " + REDEPLOY)
        attached = [p.get("policy_name") for p in described["iam_roles"][0].get("attached_policies") or []]
        if hop["status"] == BROKEN and attached:
            hop.update(status=UNKNOWN, detail=hop["detail"] + f" by its inline policies; managed policies "
                       f"{', '.join(attached)} not evaluated", fix="read the managed policies by hand")
        self.hops.append(hop)

    def function_queue_hop(self, function):
        target = (function.get("dead_letter_config") or {}).get("target_arn")
        if not target:
            self.add("function dead-letter queue", BROKEN, "none: an event the function failed 3 times is lost", REDEPLOY)
            return
        queue, age = self._queue(target)
        if self.absent("function dead-letter queue", _name(target), queue, "queues", lambda r: r.get("exists")):
            return
        count, text = self._backlog(queue, age, "events the function failed after Lambda's retries")
        self.add("function dead-letter queue", BROKEN if count else OK, f"{_name(target)}: {text}",
                 "the forwarder errors say why; fix it, then publish the events' messages to the topic again "
                 "and purge the queue")

    def function_log_hop(self, function_arn):
        found = _by_item(self.evidence.get("function_logs")).get(function_arn, {})
        minutes = self.evidence.get("since_minutes", 60)
        if self.absent("forwarder errors", f"log group /aws/lambda/{function_arn.split(':')[6]}", found, "function_logs",
                       lambda r: r.get("exists"), REDEPLOY + " (the lambda role makes the log group)"):
            return
        # Failures followed by a delivery are history (shown, not broken): the chain works again.
        # The runtime's error line that follows the forwarder's own failed line (same stream: same
        # invocation) is the same failure, counted once.
        failures, last_failed, explained = [], False, set()
        for event in found.get("events") or []:
            message, stream = event.get("message") or "", event.get("log_stream_name")
            try:
                line = json.loads(message)
            except ValueError:
                line = None
            if isinstance(line, dict):
                if line.get("outcome") == "failed":
                    failures.append(line.get("error") or f"Slack answered {line.get('slack_status')}")
                    last_failed = True
                    explained.add(stream)
                elif line.get("outcome") in ("delivered", "duplicate"):
                    last_failed = False
            elif message.lstrip().startswith(RUNTIME_FAILURES[0]) or RUNTIME_FAILURES[1] in message:
                if stream not in explained:
                    failures.append(message.strip())
                last_failed = True
        if last_failed:
            self.add("forwarder errors", BROKEN, f"the last delivery failed ({len(failures)} failure(s) in the last "
                     f"{minutes} min): {failures[-1][:300]}",
                     "fix what the error names (webhook, bot token, channel, Slack's answer)")
        elif failures:
            self.add("forwarder errors", OK, f"{len(failures)} failure(s) in the last {minutes} min, then deliveries: "
                     f"the last failure: {failures[-1][:200]}")
        else:
            self.add("forwarder errors", OK, f"none in the last {minutes} min")

    # The heartbeat: its alarm's state, and when the forwarder last recorded one
    def heartbeat_hop(self):
        read = self.evidence.get("heartbeat_alarm")
        if read is None:  # the heartbeat is off (alerting_heartbeat_enabled: false)
            return
        name = self.evidence.get("heartbeat_alarm_name", "")
        stamps = [point.get("timestamp") for metric in self.evidence.get("heartbeats") or []
                  for point in metric.get("points") or [] if point.get("value")]
        now = self.evidence.get("now")
        unread = self.unread("heartbeats")
        if unread:
            last = f"the heartbeats not read: {unread}"
        elif stamps and now:
            # the newest minute with a heartbeat: at most a minute older than the heartbeat itself
            last = f"the last heartbeat {max(0, int(now - max(stamps)))} s ago (to the minute)"
        else:
            last = f"no heartbeat in the last {self.evidence.get('since_minutes', 60)} min"
        if not read or read.get("skipped") or "metric_alarms" not in read:
            self.add("heartbeat", UNKNOWN, f"alarm {name}: not read: {(read or {}).get('msg') or 'not read'}; {last}",
                     "give the caller cloudwatch:DescribeAlarms")
            return
        alarms = read.get("metric_alarms") or []
        if not alarms:
            self.add("heartbeat", BROKEN, f"no alarm {name}: a silent chain would page no one; {last}", REDEPLOY)
            return
        alarm = alarms[0]
        state = alarm.get("state_value")
        detail = f"alarm {name} {state}; {last}"
        made = _epoch(alarm.get("alarm_configuration_updated_timestamp"))
        settle = (alarm.get("period") or 300) * (alarm.get("evaluation_periods") or 1) + 120
        if state != "OK" and not stamps and made and now and now - made < settle:
            # CloudWatch treats a new alarm's missing data as breaching: it is ALARM until the first heartbeats
            self.add("heartbeat", UNKNOWN, f"{detail}: the alarm is {int(now - made)} s old, the first heartbeats "
                     f"arrive within {settle} s of it", "run the doctor again in a few minutes")
            return
        if state == "OK":
            self.add("heartbeat", OK, detail)
        elif state == "ALARM":
            self.add("heartbeat", BROKEN, detail + ": the chain is silent somewhere from the rules to the forwarder",
                     "the hops above name where; the alarm returns to OK with the next heartbeat")
        else:
            self.add("heartbeat", UNKNOWN, detail + " (a new alarm, or no heartbeat yet)",
                     "wait one alarm period after site.yml, then run the doctor again")

    # AMP's own account of failed notifications
    def last_delivery(self):
        """When the forwarder last delivered or recorded a heartbeat (epoch seconds, from its log lines); None
        when unknown."""
        stamps = []
        for found in self.evidence.get("function_logs") or []:
            for event in (found or {}).get("events") or [] if isinstance(found, dict) else []:
                try:
                    line = json.loads(event.get("message") or "")
                except ValueError:
                    continue
                # a heartbeat the forwarder recorded came through AMP, SNS and Lambda as well
                if isinstance(line, dict) and line.get("outcome") in ("delivered", "duplicate", "heartbeat") \
                        and event.get("timestamp"):
                    stamps.append(event["timestamp"] / 1000.0)
        return max(stamps) if stamps else None

    def amp_failure_hop(self):
        """AMP's failed notifications: those since the chain last delivered make the hop broken; older ones
        are history (a repaired chain reads ok at once, a still-broken one keeps failing after)."""
        if not self.workspace:
            return
        minutes = self.evidence.get("since_minutes", 60)
        metrics = self.evidence.get("amp_failure_metrics") or []
        delivered = self.last_delivery()

        def after(stamp):
            # a period that began before the delivery counts as before it (the delivery shows the chain
            # worked within it); a failure of unknown time counts as now
            return delivered is None or stamp is None or stamp >= delivered

        def total(name, since_delivery):
            count = 0.0
            for metric in metrics:
                if metric.get("metric_name") != name:
                    continue
                points = metric.get("points")
                if points is None:  # no timestamps: all of the window counts
                    count += (metric.get("value") or 0) if since_delivery else 0
                else:
                    count += sum(p.get("value") or 0 for p in points if after(p.get("timestamp")) == since_delivery)
            return count

        def failed(since_delivery):
            # the total and its split by integration count the same notifications
            return max(total("AlertManagerNotificationsFailed", since_delivery),
                       total("AlertManagerNotificationsFailedByIntegration", since_delivery))
        throttled = total("AlertManagerNotificationsThrottledByIntegration", True)
        logged, older_logged = [], []
        for event in self.evidence.get("amp_log_events") or []:
            try:
                entry = json.loads(event.get("message") or "")
                text = entry["message"]["log"] if entry.get("component") == "alertmanager" and \
                    entry["message"].get("level") == "ERROR" else None
            except (ValueError, KeyError, TypeError, AttributeError):
                text = None
            if text:
                stamp = event.get("timestamp")
                (logged if after(stamp / 1000.0 if stamp else None) else older_logged).append(text)
        now_failed, before = failed(True), failed(False)
        since = (f"since the last delivery ({_clock(delivered)})" if delivered is not None
                 else f"in the last {minutes} min")
        history = ""
        if before or older_logged:
            history = (f"; history: {int(before)} failed before the last delivery ({_clock(delivered)})"
                       + (f", AMP's log then: {older_logged[-1][:200]}" if older_logged else ""))
        if now_failed or throttled or logged:
            detail = f"{int(now_failed)} failed, {int(throttled)} throttled {since} (CloudWatch AWS/Prometheus)"
            if logged:
                detail += f"; AMP's alertmanager log: {logged[-1][:300]}"
            self.add("AMP notifications", BROKEN, detail + history, "the hop named by AMP's log (above) refuses AMP")
        else:
            unread = [f"{what}: {self.unread(kind)}" for kind, what in (
                ("amp_failure_metrics", "AMP's failure metrics"), ("amp_log_events", "AMP's alertmanager log"))
                if self.unread(kind)]
            if unread:  # no failure seen where one could not look: not a verdict
                self.add("AMP notifications", UNKNOWN, "not read: " + "; ".join(unread),
                         "give the caller cloudwatch:GetMetricStatistics, cloudwatch:ListMetrics and logs:FilterLogEvents")
                return
            logging = " (no logging configuration: AMP's log is not kept)" if not self.workspace.get("logging") else ""
            self.add("AMP notifications", OK, f"no failure counted {since}{logging}{history}")


def _epoch(value):
    """Epoch seconds of an ISO 8601 time (as the AWS modules return datetimes), or None."""
    if not value:
        return None
    try:
        stamp = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=datetime.timezone.utc)).timestamp()


def _clock(stamp):
    return datetime.datetime.fromtimestamp(stamp, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def chain_hops(evidence):
    """The hops of one host's chain (see Diagnosis), from the evidence doctor.yml gathered."""
    if not isinstance(evidence, dict):
        raise AnsibleFilterError("chain_hops: the evidence must be a mapping")
    return Diagnosis(evidence).run()


def probe_hop(events, probe, sent_at, timeout):
    """The test alert's hop: the forwarder's log line that carries PROBE (from events) and how long after
    SENT_AT (epoch seconds) it was delivered."""
    lines = []
    for event in events or []:
        try:
            line = json.loads(event.get("message") or "")
        except ValueError:
            continue
        if isinstance(line, dict) and probe in str(line.get("probe", "")).split(","):
            lines.append((event.get("timestamp") or 0, line))
    delivered = [(stamp, line) for stamp, line in lines if line.get("outcome") in ("delivered", "duplicate")]
    if delivered:
        seconds = max(0.0, delivered[0][0] / 1000.0 - float(sent_at))
        return _hop("test alert", OK, f"delivered to Slack {seconds:.1f} s after it was sent (probe {probe})")
    if lines:
        last = lines[-1][1]
        return _hop("test alert", BROKEN, f"the forwarder failed it: {last.get('error') or last.get('slack_status')}",
                    "fix what the error names")
    return _hop("test alert", BROKEN, f"no delivery logged within {timeout} s (probe {probe})",
                "look at the hops above; an alert AMP could not publish shows in AMP's alertmanager log")


def hop_table(hops):
    """The hops as lines of a table: status, hop, detail, then the fix of a hop that is not ok."""
    width = max([len(hop["hop"]) for hop in hops] + [3])
    lines = []
    for hop in hops:
        lines.append(f"{hop['status']:<8}{hop['hop']:<{width + 2}}{hop['detail']}")
        if hop.get("fix"):
            lines.append(f"{'':<8}{'':<{width + 2}}fix: {hop['fix']}")
    return lines


class FilterModule:
    """amp.alerting filters."""

    def filters(self):
        return {"chain_hops": chain_hops, "probe_hop": probe_hop, "hop_table": hop_table}
