# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The reads doctor.yml's diagnosis rests on: the chain as deployed, followed from the workspace.

The read-only modules (amp_workspace_info, amp_anomaly_detector_info, sqs_queue_info, cloudwatch_metric_info,
cloudwatchlogs_log_events_info, lambda_policy_info) make these reads one each; chain_info's ``diagnose`` makes
them all in one process (ChainFollower), and returns what the amp.alerting.chain_hops filter reads.
"""

import datetime
import json
import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.amp.alerting.plugins.module_utils import chain
from ansible_collections.amp.alerting.plugins.module_utils.amp import AMP_RETRY_CODES
from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpErrorHandler
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_describe
from ansible_collections.amp.alerting.plugins.module_utils.amp import paginated
from ansible_collections.amp.alerting.plugins.module_utils.amp import status_view
from ansible_collections.amp.alerting.plugins.module_utils.amp_alertmanager_config import pagerduty_secrets
from ansible_collections.amp.alerting.plugins.module_utils.amp_alertmanager_config import sns_receivers
from ansible_collections.amp.alerting.plugins.module_utils.amp_anomaly import detector_view
from ansible_collections.amp.alerting.plugins.module_utils.arns import secret_name
from ansible_collections.amp.alerting.plugins.module_utils.secrets import describe as describe_secret
from ansible_collections.amp.alerting.plugins.module_utils.secrets import list_secrets
from ansible_collections.amp.alerting.plugins.module_utils.secrets import resource_policy as secret_resource_policy
from ansible_collections.amp.alerting.plugins.module_utils.sns import read_topic
from ansible_collections.amp.alerting.plugins.module_utils.sns import read_topic_subscriptions
from ansible_collections.amp.alerting.plugins.module_utils.sns import topic_view


# Lambda
def read_function_policy(client, function_name, qualifier=None):
    """(exists, policy, revision id): (True, None, None) for a function without a policy."""
    request = {"FunctionName": function_name}
    if qualifier:
        request["Qualifier"] = qualifier
    try:
        answer = client.get_policy(aws_retry=True, **request)
    except is_boto3_error_code("ResourceNotFoundException"):
        # Lambda answers the same for "no such function" and "no policy": ask which.
        try:
            client.get_function_configuration(aws_retry=True, **request)
        except is_boto3_error_code("ResourceNotFoundException"):
            return False, None, None
        return True, None, None
    return True, json.loads(answer["Policy"]), answer.get("RevisionId")


# SQS
QUEUE_MISSING = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")
COUNTS = {"ApproximateNumberOfMessages": "approximate_number_of_messages",
          "ApproximateNumberOfMessagesNotVisible": "approximate_number_of_messages_not_visible",
          "ApproximateNumberOfMessagesDelayed": "approximate_number_of_messages_delayed",
          "MessageRetentionPeriod": "message_retention_period"}
POLICIES = {"Policy": "policy", "RedrivePolicy": "redrive_policy"}
TEXTS = {"QueueArn": "queue_arn", "KmsMasterKeyId": "kms_master_key_id"}


def queue_view(url, attributes):
    """GetQueueAttributes' answer as the module returns it."""
    queue = {"queue_url": url}
    queue.update({name: attributes.get(key) for key, name in TEXTS.items()})
    queue.update({name: int(attributes.get(key) or 0) for key, name in COUNTS.items()})
    for key, name in POLICIES.items():
        try:
            queue[name] = json.loads(attributes[key]) if attributes.get(key) else None
        except ValueError:
            queue[name] = attributes[key]  # shown as SQS has it
    return queue


def read_queue(client, name=None, url=None):
    """The queue's attributes, or None when it does not exist."""
    try:
        if url is None:
            url = client.get_queue_url(aws_retry=True, QueueName=name)["QueueUrl"]
        attributes = client.get_queue_attributes(aws_retry=True, QueueUrl=url, AttributeNames=["All"])["Attributes"]
    except is_boto3_error_code(QUEUE_MISSING):
        return None
    return queue_view(url, attributes)


# CloudWatch metrics
COMBINE = {"Sum": sum, "SampleCount": sum, "Maximum": max, "Minimum": min,
           "Average": lambda values: sum(values) / len(values)}


@AWSRetry.jittered_backoff()
def _list_metrics(client, request):
    return client.get_paginator("list_metrics").paginate(**request).build_full_result().get("Metrics", [])


def find_metrics(client, namespace, names, dimensions):
    """The metrics of NAMESPACE named NAMES that carry DIMENSIONS (each once)."""
    wanted = [{"Name": name, "Value": value} for name, value in sorted(dimensions.items())]
    found, seen = [], set()
    for name in names:
        request = {"Namespace": namespace, "MetricName": name}
        if wanted:
            request["Dimensions"] = wanted
        for metric in _list_metrics(client, request):
            key = (metric["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in metric.get("Dimensions", []))))
            if key not in seen:
                seen.add(key)
                found.append(metric)
    return found


def read_metric(client, metric, statistic, since_minutes, period, now, include_points=False):
    answer = client.get_metric_statistics(
        aws_retry=True, Namespace=metric["Namespace"], MetricName=metric["MetricName"],
        Dimensions=metric.get("Dimensions", []), StartTime=now - datetime.timedelta(minutes=since_minutes),
        EndTime=now, Period=period, Statistics=[statistic])
    points = sorted(((point["Timestamp"].timestamp() if point.get("Timestamp") else 0.0), float(point[statistic]))
                    for point in answer.get("Datapoints", []) if statistic in point)
    values = [value for _stamp, value in points]
    found = {"metric_name": metric["MetricName"],
             "dimensions": {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])},
             "datapoints": len(values), "value": float(COMBINE[statistic](values)) if values else None}
    if include_points:
        found["points"] = [{"timestamp": stamp, "value": value} for stamp, value in points]
    return found


# CloudWatch Logs
@AWSRetry.jittered_backoff()
def _filter_log_events(client, request, max_items):
    paginator = client.get_paginator("filter_log_events")
    config = {"MaxItems": max_items} if max_items else {}
    return paginator.paginate(**request, PaginationConfig=config).build_full_result()


def read_events(client, group, pattern, since_minutes, limit, newest=False, now=None):
    """(events, truncated), or (None, False) when the log group does not exist."""
    start = int(((now if now is not None else time.time()) - since_minutes * 60) * 1000)
    request = {"logGroupName": group, "startTime": start}
    if pattern:
        request["filterPattern"] = pattern
    try:
        found = _filter_log_events(client, request, None if newest else limit + 1).get("events", [])
    except is_boto3_error_code("ResourceNotFoundException"):
        return None, False
    kept = found[-limit:] if newest else found[:limit]
    events = [{"timestamp": event.get("timestamp"), "message": event.get("message", ""),
               "log_stream_name": event.get("logStreamName")} for event in kept]
    return events, len(found) > limit


# AMP
@AmpErrorHandler.list_error_handler("list the rule groups namespaces of a workspace", [])
@AWSRetry.jittered_backoff(catch_extra_error_codes=AMP_RETRY_CODES)
def list_namespaces(client, workspace_id):
    paginator = client.get_paginator("list_rule_groups_namespaces")
    return paginator.paginate(workspaceId=workspace_id).build_full_result().get("ruleGroupsNamespaces", [])


def add_rules(client, view):
    workspace_id = view["workspace_id"]
    view["rule_namespaces"] = [
        dict(name=namespace["name"], **status_view(namespace))
        for namespace in sorted(list_namespaces(client, workspace_id), key=lambda ns: ns["name"])
    ]
    definition = amp_describe(client.describe_alert_manager_definition,
                              f"describe the alertmanager definition of workspace {workspace_id}", workspaceId=workspace_id)
    if definition:
        view["alertmanager"] = status_view(definition["alertManagerDefinition"])
        data = definition["alertManagerDefinition"].get("data") or b""
        view["alertmanager"]["sns_topic_arns"] = sns_receivers(data)
        view["alertmanager"]["pagerduty_secret_arns"] = pagerduty_secrets(data)
    else:
        view["alertmanager"] = None
    logging = amp_describe(client.describe_logging_configuration,
                           f"describe the logging configuration of workspace {workspace_id}", workspaceId=workspace_id)
    logging = logging["loggingConfiguration"] if logging else None
    view["logging"] = {"log_group_arn": logging["logGroupArn"], "status": status_view(logging)["status"]} if logging else None


def list_detectors(client, workspace_id, alias=None):
    """Every detector of the workspace (with ALIAS only, when given), described; ones deleted meanwhile are left out."""
    summaries = paginated(client.list_anomaly_detectors, f"list the anomaly detectors of workspace {workspace_id}",
                          "anomalyDetectors", workspaceId=workspace_id, **({"alias": alias} if alias else {}))
    detectors = []
    for summary in summaries:
        if alias and summary.get("alias") != alias:
            continue
        described = amp_describe(client.describe_anomaly_detector,
                                 f"describe anomaly detector {summary['anomalyDetectorId']} of workspace {workspace_id}",
                                 workspaceId=workspace_id, anomalyDetectorId=summary["anomalyDetectorId"])
        if described:
            detectors.append(described["anomalyDetector"])
    return sorted(detectors, key=lambda d: (d.get("alias") or "", d["anomalyDetectorId"]))


# IAM, KMS, Lambda, CloudWatch alarms: the fields of amazon.aws' *_info modules that the diagnosis reads
def read_key(client, key_id):
    """[the key as amazon.aws.kms_key_info returns it: key_arn, key_id, key_state, key_policies], or [] when KMS
    knows no such key."""
    try:
        metadata = client.describe_key(aws_retry=True, KeyId=key_id)["KeyMetadata"]
    except is_boto3_error_code("NotFoundException"):
        return []
    # GetKeyPolicy takes a key id or ARN, not an alias (a topic may name its key by alias)
    policy = client.get_key_policy(aws_retry=True, KeyId=metadata["KeyId"], PolicyName="default").get("Policy")
    return [{"key_arn": metadata["Arn"], "key_id": metadata["KeyId"], "key_state": metadata.get("KeyState"),
             "key_policies": [json.loads(policy)] if policy else []}]


def read_function_configuration(client, function_arn):
    """[the function as amazon.aws.lambda_info (query config) returns what the diagnosis reads of it], or []."""
    try:
        configuration = client.get_function_configuration(aws_retry=True, FunctionName=function_arn)
    except is_boto3_error_code("ResourceNotFoundException"):
        return []
    return [{"function_arn": configuration.get("FunctionArn"), "function_name": configuration.get("FunctionName"),
             "role": configuration.get("Role"), "state": configuration.get("State"),
             "state_reason": configuration.get("StateReason"), "last_update_status": configuration.get("LastUpdateStatus"),
             "last_update_status_reason": configuration.get("LastUpdateStatusReason"),
             # the variables' names as Lambda has them (lambda_info keeps them too)
             "environment": {"variables": (configuration.get("Environment") or {}).get("Variables") or {}},
             "dead_letter_config": {"target_arn": (configuration.get("DeadLetterConfig") or {}).get("TargetArn")}}]


def read_role(client, role_name):
    """[the role as amazon.aws.iam_role_info returns what the diagnosis reads of it: arn, role_name, attached_policies],
    or []: chain_info's read of a role, without its inline policies."""
    role = chain.read_role(client, role_name, [])
    if role is None:
        return []
    # a managed policy's ARN ends in its path and name
    return [{"arn": role["arn"], "role_name": role_name,
             "attached_policies": [{"policy_name": arn.rsplit("/", 1)[-1], "policy_arn": arn} for arn in role["attached_policy_arns"]]}]


def read_role_policies(client, role_name):
    """The role's inline policies as amazon.aws.iam_policy_info returns them: policy_name, policy_document."""
    names = client.get_paginator("list_role_policies").paginate(RoleName=role_name).build_full_result().get("PolicyNames") or []
    return [{"policy_name": name, "policy_document": client.get_role_policy(
        aws_retry=True, RoleName=role_name, PolicyName=name)["PolicyDocument"]} for name in names]


def read_metric_alarms(client, name):
    """[the metric alarm NAME as amazon.aws.cloudwatch_metric_alarm_info returns what the diagnosis reads of it], or []:
    chain_info's read of an alarm."""
    alarm = chain.read_alarm(client, name)
    if alarm is None:
        return []
    return [{"alarm_name": alarm["AlarmName"], "state_value": alarm.get("StateValue"), "period": alarm.get("Period"),
             "evaluation_periods": alarm.get("EvaluationPeriods"),
             "alarm_configuration_updated_timestamp": alarm.get("AlarmConfigurationUpdatedTimestamp")}]


# Following the chain
# The forwarder's log lines the diagnosis reads: terms only, so that the runtime's lines match too; failures
# followed by deliveries are history, not a broken hop, so the deliveries are read as well.
FORWARDER_LOG_PATTERN = '?failed ?delivered ?duplicate ?heartbeat ?"Task timed out" ?ERROR'
FORWARDER_LOG_LIMIT = 200
AMP_FAILURE_METRICS = ["AlertManagerNotificationsFailed", "AlertManagerNotificationsFailedByIntegration",
                       "AlertManagerNotificationsThrottledByIntegration"]
SECRETS_MANAGER_DEFAULT_KEY = "alias/aws/secretsmanager"


class ChainFollower:
    """Follows one host's chain as deployed and gathers what amp.alerting.chain_hops reads, in the shape doctor.yml's
    read-only tasks registered it: per resource of a loop ``{"item": <ARN>, <what was read>}``, or ``{"item": <ARN>,
    "failed": true, "msg": "Failed to ..."}`` when AWS refused the read - a finding of the diagnosis, not its end.

    CLIENT(service, region) gives a client whose calls retry (aws_retry=True); region None is the module's."""

    def __init__(self, client, since_minutes=60, now=None):
        self.client = client
        self.since_minutes = since_minutes
        self.now = now if now is not None else time.time()

    def attempt(self, item, what, read):
        """{"item": ITEM, **READ()}, or the failure of it, naming WHAT was read."""
        try:
            return dict(read(), item=item)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
            return {"item": item, "failed": True, "msg": f"Failed to {what}: {e}"}
        except AnsibleAWSError as e:  # the AMP and SNS helpers' own errors, which name the read ("Failed to ...: ...")
            return {"item": item, "failed": True, "msg": str(e)}

    def follow(self, workspace, anomaly_detectors=False, webhook_kms_key_arn=None, heartbeat_alarm=None,
               heartbeat_workspace_alias=None):
        """The evidence for the workspace view WORKSPACE (amp_workspace_info's, with add_rules; {} when none)."""
        definition = workspace.get("alertmanager") or {}
        topic_arns = sorted({arn for arns in (definition.get("sns_topic_arns") or {}).values() for arn in arns})
        secret_arns = sorted({arn for arns in (definition.get("pagerduty_secret_arns") or {}).values() for arn in arns})
        # unread: why a read of AMP's failures, its log or the heartbeats failed (chain_hops says unknown, not ok)
        evidence = {"workspace": workspace, "anomaly_detectors": None, "webhook_key": None, "heartbeat_alarm": None,
                    "heartbeats": [], "amp_failure_metrics": [], "amp_log_events": [], "unread": {}}
        if anomaly_detectors and workspace.get("workspace_id"):
            evidence["anomaly_detectors"] = self.anomaly_detectors(workspace["workspace_id"])
        evidence["topics"] = [self.topic(arn) for arn in topic_arns]
        evidence["topic_keys"] = [self.key(topic["item"], key_id) for topic in evidence["topics"]
                                  for key_id in [(topic.get("topic") or {}).get("kms_master_key_id")] if key_id]
        evidence["pagerduty_secrets"] = [self.secret(arn) for arn in secret_arns]
        evidence["pagerduty_keys"] = [self.key(found["item"], key_id) for found in evidence["pagerduty_secrets"]
                                      for key_id in [self.secret_key(found)] if key_id]
        subscriptions = [s for topic in evidence["topics"] for s in topic.get("subscriptions") or [] if s.get("protocol") == "lambda"]
        function_arns = sorted({s["endpoint"] for s in subscriptions if s.get("endpoint")})
        evidence["function_configs"] = [self.attempt(arn, f"read function {arn}", lambda arn=arn: {
            "functions": read_function_configuration(self.client("lambda", _region(arn)), arn)}) for arn in function_arns]
        evidence["function_policies"] = [self.attempt(arn, f"read the policy of function {arn}", lambda arn=arn: dict(zip(
            ("exists", "policy", "revision_id"), read_function_policy(self.client("lambda", _region(arn)), arn))))
            for arn in function_arns]
        functions = [f for found in evidence["function_configs"] for f in found.get("functions") or []]
        role_arns = sorted({f["role"] for f in functions if f.get("role")})
        evidence["roles"] = [self.attempt(arn, f"read role {arn}", lambda arn=arn: {
            "iam_roles": read_role(self.client("iam", None), arn.split("/")[-1])}) for arn in role_arns]
        evidence["role_policies"] = [self.attempt(arn, f"read the inline policies of role {arn}", lambda arn=arn: {
            "policies": read_role_policies(self.client("iam", None), arn.split("/")[-1])}) for arn in role_arns]
        if webhook_kms_key_arn:
            # (an SSM parameter's key is in the parameter's region: the ARN's, or the module's for a key id)
            evidence["webhook_key"] = self.key(webhook_kms_key_arn, webhook_kms_key_arn)
        queue_arns = sorted({arn for arn in [(s.get("redrive_policy") or {}).get("deadLetterTargetArn") for s in subscriptions]
                             + [(f.get("dead_letter_config") or {}).get("target_arn") for f in functions] if arn})
        evidence["queues"] = [self.queue(arn) for arn in queue_arns]
        evidence["queue_ages"] = [self.attempt(arn, f"read the age of the oldest message of queue {arn}", lambda arn=arn: {
            "metrics": self.metrics(_region(arn), "AWS/SQS", ["ApproximateAgeOfOldestMessage"], {"QueueName": arn.split(":")[5]},
                                    "Maximum", since_minutes=15)}) for arn in queue_arns]
        evidence["function_logs"] = [self.log_events(arn, f"/aws/lambda/{arn.split(':')[6]}", FORWARDER_LOG_PATTERN,
                                                     FORWARDER_LOG_LIMIT, newest=True) for arn in function_arns]
        if workspace.get("workspace_id"):
            # by the minute, with times: failures before the chain's last delivery are history
            found = self.attempt(None, "read AMP's failure metrics", lambda: {"metrics": self.metrics(
                None, "AWS/Prometheus", AMP_FAILURE_METRICS, {"Workspace": workspace["workspace_id"]}, "Sum", period=60, points=True)})
            self.keep(evidence, "amp_failure_metrics", found, "metrics")
        if heartbeat_alarm:
            evidence["heartbeat_alarm"] = self.attempt(heartbeat_alarm, f"read alarm {heartbeat_alarm}", lambda: {
                "metric_alarms": read_metric_alarms(self.client("cloudwatch", None), heartbeat_alarm)})
            found = self.attempt(None, "read the heartbeats", lambda: {"metrics": self.metrics(
                None, "AmpAlerting", ["Heartbeat"], {"WorkspaceAlias": heartbeat_workspace_alias}, "SampleCount", period=60, points=True)})
            self.keep(evidence, "heartbeats", found, "metrics")
        log_group_arn = (workspace.get("logging") or {}).get("log_group_arn") or ""
        if log_group_arn:
            found = self.log_events(log_group_arn, log_group_arn.split(":")[6], "alertmanager", 1000)
            self.keep(evidence, "amp_log_events", found, "events")
        return evidence

    @staticmethod
    def keep(evidence, kind, found, answer):
        """EVIDENCE[KIND]: what FOUND read (its ANSWER), or [] with why it was not read in evidence["unread"]."""
        evidence[kind] = found.get(answer) or []
        if found.get("failed"):
            evidence["unread"][kind] = found["msg"]

    def key(self, item, key_id):
        """The key KEY_ID, read in the region of ITEM's ARN (the module's, when ITEM is no ARN)."""
        return self.attempt(item, f"read key {key_id}", lambda: {"kms_keys": read_key(self.client("kms", _region(item)), key_id)})

    def anomaly_detectors(self, workspace_id):
        return self.attempt(workspace_id, f"list the anomaly detectors of workspace {workspace_id}", lambda: {
            "anomaly_detectors": [detector_view(d, workspace_id) for d in list_detectors(self.client("amp", None), workspace_id)]})

    def topic(self, arn):
        def read():
            client = self.client("sns", _region(arn))
            found = read_topic(client, arn)
            return {"topic": topic_view(*found) if found is not None else {},
                    "subscriptions": read_topic_subscriptions(client, arn) if found is not None else []}
        return self.attempt(arn, f"read topic {arn}", read)

    def secret(self, arn):
        def read():
            client = self.client("secretsmanager", _region(arn))
            return {"secrets": [dict(describe_secret(s), resource_policy=secret_resource_policy(client, s["ARN"]))
                                for s in list_secrets(client, secret_name(arn), False)]}
        return self.attempt(arn, f"list the secrets under {secret_name(arn)}", read)

    @staticmethod
    def secret_key(found):
        """The customer key of the secret FOUND names (as doctor.yml picked it), or None."""
        keys = [s.get("kms_key_id") for s in found.get("secrets") or []]
        return next((key for key in keys if key and key != SECRETS_MANAGER_DEFAULT_KEY), None)

    def queue(self, arn):
        def read():
            found = read_queue(self.client("sqs", _region(arn)), name=arn.split(":")[5])
            return {"exists": found is not None, "queue": found or {}}
        return self.attempt(arn, f"read the attributes of queue {arn.split(':')[5]}", read)

    def metrics(self, region, namespace, names, dimensions, statistic, since_minutes=None, period=300, points=False):
        client = self.client("cloudwatch", region)
        now = datetime.datetime.fromtimestamp(self.now, datetime.timezone.utc)
        return [read_metric(client, metric, statistic, since_minutes or self.since_minutes, period, now, include_points=points)
                for metric in find_metrics(client, namespace, names, dimensions)]

    def log_events(self, item, group, pattern, limit, newest=False):
        def read():
            events, truncated = read_events(self.client("logs", _region(item)), group, pattern, self.since_minutes, limit,
                                            newest=newest, now=self.now)
            return {"exists": events is not None, "events": events or [], "truncated": truncated}
        return self.attempt(item, f"read the events of log group {group}", read)


def _region(arn):
    return arn.split(":")[3] if arn and arn.startswith("arn:") else None
