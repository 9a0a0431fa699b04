# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reads of the chain's resources in one process (issue 26's "read once"), for amp.alerting.chain_info.

Each ``read_*`` returns the resource as the write gates (module_utils/gates.py) compare it, or None when
AWS says it does not exist. Only reads the writing modules make already: the deployer policies need
nothing new. A failure raises ChainError "Failed to <what>: <AWS error>".
"""

import json

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.iam import IAMErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_describe
from ansible_collections.amp.alerting.plugins.module_utils.amp import describe_workspace
from ansible_collections.amp.alerting.plugins.module_utils.amp import paginated
from ansible_collections.amp.alerting.plugins.module_utils.amp import status_of
from ansible_collections.amp.alerting.plugins.module_utils.amp import text_of
from ansible_collections.amp.alerting.plugins.module_utils.amp import workspaces_with_alias
from ansible_collections.amp.alerting.plugins.module_utils import workspace_settings
from ansible_collections.amp.alerting.plugins.module_utils.scraper_settings import scraper_view
from ansible_collections.amp.alerting.plugins.module_utils.gates import value_digest
from ansible_collections.amp.alerting.plugins.module_utils.secrets import describe as describe_secret
from ansible_collections.amp.alerting.plugins.module_utils.secrets import list_secrets
from ansible_collections.amp.alerting.plugins.module_utils.sns import read_topic

# The error codes by which each service says "no such resource".
MISSING = ("ResourceNotFoundException", "NoSuchEntity", "AWS.SimpleQueueService.NonExistentQueue",
           "QueueDoesNotExist", "ParameterNotFound", "NotFound")


class ChainError(AnsibleAWSError):
    pass


class ChainErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = ChainError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(list(MISSING))


def read(method, description, **kwargs):
    """One read (retried on throttling and 5xx); None when the resource does not exist."""
    return ChainErrorHandler.list_error_handler(description)(method)(aws_retry=True, **kwargs)


def read_log_group(client, name):
    """The log group NAME: arn, retention_in_days (None: never expire), kms_key_id."""
    answer = read(client.describe_log_groups, f"read log group {name}", logGroupNamePrefix=name)
    group = next((g for g in (answer or {}).get("logGroups", []) if g.get("logGroupName") == name), None)
    if group is None:
        return None
    return {"arn": group.get("arn"), "retention_in_days": group.get("retentionInDays"),
            "kms_key_id": group.get("kmsKeyId")}


def read_queue(client, name):
    """The queue NAME: url, arn, attributes (SQS's texts, Policy parsed), tags."""
    located = read(client.get_queue_url, f"find queue {name}", QueueName=name)
    if located is None:
        return None
    url = located["QueueUrl"]
    attributes = read(client.get_queue_attributes, f"read the attributes of queue {name}",
                      QueueUrl=url, AttributeNames=["All"])
    if attributes is None:
        return None
    attributes = dict(attributes.get("Attributes") or {})
    for document in ("Policy", "RedrivePolicy"):
        if attributes.get(document):
            attributes[document] = json.loads(attributes[document])
    tags = read(client.list_queue_tags, f"read the tags of queue {name}", QueueUrl=url) or {}
    return {"url": url, "arn": attributes.get("QueueArn"), "attributes": attributes, "tags": tags.get("Tags") or {}}


def read_table(client, name):
    """The DynamoDB table NAME: arn, billing_mode, hash key (name, type S/N/B), ttl, tags."""
    described = read(client.describe_table, f"read table {name}", TableName=name)
    if described is None:
        return None
    table = described["Table"]
    types = {a["AttributeName"]: a["AttributeType"] for a in table.get("AttributeDefinitions", [])}
    hash_key = next((k["AttributeName"] for k in table.get("KeySchema", []) if k.get("KeyType") == "HASH"), None)
    ttl = read(client.describe_time_to_live, f"read the time to live of table {name}", TableName=name) or {}
    tags = read(client.list_tags_of_resource, f"read the tags of table {name}",
                ResourceArn=table["TableArn"]) or {}
    return {"arn": table["TableArn"], "status": table.get("TableStatus"),
            # as community.aws.dynamodb_table reads it: no summary means provisioned
            "billing_mode": (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED"),
            "hash_key_name": hash_key, "hash_key_type": types.get(hash_key),
            "ttl": ttl.get("TimeToLiveDescription") or {},
            "tags": boto3_tag_list_to_ansible_dict(tags.get("Tags") or [])}


def read_role(client, name, inline_policy_names):
    """The IAM role NAME: arn, path, trust policy, attached policy ARNs, tags, and the documents of its
    inline policies INLINE_POLICY_NAMES (None for one it does not have)."""
    found = read(client.get_role, f"read role {name}", RoleName=name)
    if found is None:
        return None
    role = found["Role"]
    attached = read(client.list_attached_role_policies, f"list the policies attached to role {name}",
                    RoleName=name) or {}
    inline = {}
    for policy_name in inline_policy_names:
        document = read(client.get_role_policy, f"read inline policy {policy_name} of role {name}",
                        RoleName=name, PolicyName=policy_name)
        inline[policy_name] = document["PolicyDocument"] if document else None
    return {"arn": role["Arn"], "path": role.get("Path"), "trust_policy": role.get("AssumeRolePolicyDocument"),
            "attached_policy_arns": [p["PolicyArn"] for p in attached.get("AttachedPolicies", [])],
            "tags": boto3_tag_list_to_ansible_dict(role.get("Tags") or []), "inline_policies": inline}


def read_managed_policy(client, arn):
    """The customer-managed policy ARN as amazon.aws.iam_managed_policy (only_version) decides: exists,
    version_ids, default_version_id and the default version's document (read by iam_managed_policy_info too)."""
    versions = IAMErrorHandler.list_error_handler(f"list the versions of policy {arn}")(
        client.list_policy_versions)(aws_retry=True, PolicyArn=arn)
    if versions is None:
        return {"arn": arn, "exists": False, "version_ids": [], "default_version_id": None, "document": None}
    listed = versions.get("Versions") or []
    default = next((v["VersionId"] for v in listed if v.get("IsDefaultVersion")), None)
    document = None
    if default:
        answer = IAMErrorHandler.common_error_handler(f"read version {default} of policy {arn}")(
            client.get_policy_version)(aws_retry=True, PolicyArn=arn, VersionId=default)
        document = answer["PolicyVersion"].get("Document")  # botocore decodes IAM's URL-encoded JSON
    return {"arn": arn, "exists": True, "version_ids": [v["VersionId"] for v in listed],
            "default_version_id": default, "document": document}


def read_function(client, name):
    """The Lambda function NAME: its configuration (Lambda's keys), tags, and its resource policy's statements."""
    found = read(client.get_function, f"read function {name}", FunctionName=name)
    if found is None:
        return None
    configuration = dict(found["Configuration"])
    tags = found.get("Tags")
    if tags is None:  # GetFunction leaves tags out for a caller without lambda:ListTags
        tags = (read(client.list_tags, f"read the tags of function {name}",
                     Resource=configuration["FunctionArn"]) or {}).get("Tags") or {}
    policy = read(client.get_policy, f"read the resource policy of function {name}", FunctionName=name)
    statements = json.loads(policy["Policy"]).get("Statement", []) if policy else []
    return {"configuration": configuration, "tags": tags, "statements": statements}


def read_parameter(client, name):
    """The SSM parameter NAME: type, description and the SHA-256 of its value (never the value)."""
    found = read(client.get_parameter, f"read parameter {name}", Name=name, WithDecryption=True)
    if found is None:
        return None
    parameter = found["Parameter"]
    described = read(client.describe_parameters, f"describe parameter {name}",
                     ParameterFilters=[{"Key": "Name", "Values": [name]}]) or {}
    description = next((p.get("Description") for p in described.get("Parameters", []) if p.get("Name") == name), None)
    return {"type": parameter["Type"], "description": description, "version": parameter.get("Version"),
            "value_sha256": value_digest(parameter.get("Value") or "")}


def read_parameter_names(client, path):
    """The short names of the SSM parameters directly under PATH (not below), as the amazon.aws.ssm_parameter
    lookup lists them (bypath, shortnames); values are not read."""
    try:
        pages = client.get_paginator("get_parameters_by_path").paginate(Path=path, Recursive=False, WithDecryption=False)
        listed = pages.build_full_result().get("Parameters") or []
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        raise ChainError(message=f"Failed to list the parameters under {path}", exception=e) from e
    return sorted(parameter["Name"].rsplit("/", 1)[-1] for parameter in listed)


def read_rule_namespace(client, workspace_id, name):
    """The rule groups namespace NAME of the workspace: status, status_reason, data (the rule file's text), tags."""
    found = amp_describe(client.describe_rule_groups_namespace, f"describe rule groups namespace {name} of workspace "
                         f"{workspace_id}", workspaceId=workspace_id, name=name)
    return _amp_document(found["ruleGroupsNamespace"], tags=True) if found else None


def read_alertmanager_definition(client, workspace_id):
    """The alertmanager definition of the workspace: status, status_reason, data (AMP's YAML document)."""
    found = amp_describe(client.describe_alert_manager_definition, "describe the alertmanager definition of workspace "
                         f"{workspace_id}", workspaceId=workspace_id)
    return _amp_document(found["alertManagerDefinition"]) if found else None


def _amp_document(resource, tags=False):
    code, reason = status_of(resource)
    document = {"status": code, "status_reason": reason, "data": text_of(resource)}
    if tags:
        document["tags"] = resource.get("tags") or {}
    return document


def read_alarm(client, name):
    """The CloudWatch metric alarm NAME as DescribeAlarms answers it (timestamps as ISO 8601 text)."""
    found = read(client.describe_alarms, f"read alarm {name}", AlarmNames=[name], AlarmTypes=["MetricAlarm"])
    alarm = next(iter((found or {}).get("MetricAlarms") or []), None)
    if alarm is None:
        return None
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in alarm.items()}


def read_topic_attributes(client, topic_arn):
    """The SNS topic: its attributes and tags, or None."""
    found = read_topic(client, topic_arn)
    return {"attributes": found[0], "tags": found[1]} if found is not None else None


def read_secrets(client, name_prefix):
    """The Secrets Manager secrets under NAME_PREFIX, as secretsmanager_secret_info lists them."""
    try:
        return [describe_secret(secret) for secret in list_secrets(client, name_prefix, False)]
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        raise ChainError(message=f"Failed to list the secrets under {name_prefix}", exception=e) from e


def read_stack(client, name):
    """The CloudFormation stack NAME: its status; None when it does not exist (or was deleted)."""
    found = ChainErrorHandler.common_error_handler(f"read stack {name}")(_describe_stack)(client, name)
    stack = next(iter((found or {}).get("Stacks") or []), None)
    if stack is None or stack.get("StackStatus") == "DELETE_COMPLETE":
        return None
    return {"status": stack.get("StackStatus"), "status_reason": stack.get("StackStatusReason")}


def _describe_stack(client, name):
    # CloudFormation says "no such stack" with a ValidationError ("Stack with id <name> does not exist")
    try:
        return client.describe_stacks(aws_retry=True, StackName=name)
    except botocore.exceptions.ClientError as e:
        error = e.response.get("Error", {})
        if error.get("Code") == "ValidationError" and "does not exist" in error.get("Message", ""):
            return None
        raise


def read_workspace(client, workspace_id=None, alias=None, settings=False, configuration=False):
    """The workspace named by id, or else by its exact alias: workspace_id, arn, alias, status. None when there
    is none, or when the alias names several (the writing module then says which).

    CONFIGURATION adds its retention_period_in_days and limits_per_label_set (``configuration``; None while it
    failed to create or is being deleted). SETTINGS adds what amp_workspace compares (``settings``: its
    description, both log configurations and its configuration, as AMP describes them) and what it returns
    (``view``), so that the workspace role's gate and the module decide alike (module_utils/workspace_settings.py).
    """
    if workspace_id:
        found = describe_workspace(client, workspace_id)
    else:
        matches = workspaces_with_alias(client, alias)
        found = matches[0] if len(matches) == 1 else None
        if found and settings:  # a list gives summaries: the endpoint is in the description
            found = describe_workspace(client, found["workspaceId"])
    if not found:
        return None
    workspace = {"workspace_id": found["workspaceId"], "arn": found["arn"], "alias": found.get("alias"),
                 "status": status_of(found)[0]}
    if not (settings or configuration):
        return workspace
    described = None
    if workspace["status"] not in ("CREATION_FAILED", "DELETING"):
        described = _amp_read(client.describe_workspace_configuration, "workspaceConfiguration",
                              f"describe the configuration of workspace {workspace['workspace_id']}", found["workspaceId"])
    workspace["configuration"] = described and {
        "retention_period_in_days": described.get("retentionPeriodInDays"),
        "limits_per_label_set": described.get("limitsPerLabelSet") or []}
    if settings:
        workspace_id = found["workspaceId"]
        logging = _amp_read(client.describe_logging_configuration, "loggingConfiguration",
                            f"describe the logging configuration of workspace {workspace_id}", workspace_id)
        query_logging = _amp_read(client.describe_query_logging_configuration, "queryLoggingConfiguration",
                                  f"describe the query logging configuration of workspace {workspace_id}", workspace_id)
        workspace["settings"] = {
            "workspace": {key: found.get(key) for key in ("alias", "status", "kmsKeyArn", "tags")},
            "logging": _keep(logging, "logGroupArn", "status"),
            "query_logging": _keep(query_logging, "destinations", "status"),
            "configuration": _keep(described, "retentionPeriodInDays", "limitsPerLabelSet", "status")}
        workspace["view"] = workspace_settings.summarize(found, logging, query_logging, described, query_logs_read=True)
    return workspace


def _amp_read(method, key, description, workspace_id):
    found = amp_describe(method, description, workspaceId=workspace_id)
    return found[key] if found else None


def _keep(described, *keys):
    """What a gate compares of a description (its timestamps left out: the result is JSON)."""
    return {key: described[key] for key in keys if key in described} if described else None


def read_resource_policy(client, workspace_id):
    """The workspace's resource policy: document (parsed), status, revision_id; None when it has none."""
    found = amp_describe(client.describe_resource_policy, f"describe the resource policy of workspace {workspace_id}",
                         workspaceId=workspace_id)
    if not found:
        return None
    return {"document": json.loads(found["policyDocument"]), "status": found.get("policyStatus"),
            "revision_id": found.get("revisionId")}


def read_scrapers(client, workspace_arn, configurations=False):
    """The scrapers writing to the workspace, as amp_scraper's view (scraper_settings.scraper_view) of
    ListScrapers' summaries - which leave the scrape configuration out (API_ScraperSummary), so each is described
    when CONFIGURATIONS is asked for."""
    summaries = paginated(client.list_scrapers, "list scrapers", "scrapers", filters={"destinationArn": [workspace_arn]})
    found = []
    for summary in summaries:
        if ((summary.get("destination") or {}).get("ampConfiguration") or {}).get("workspaceArn") != workspace_arn:
            continue
        if configurations:
            described = amp_describe(client.describe_scraper, f"describe scraper {summary['scraperId']}", scraperId=summary["scraperId"])
            if not described:
                continue  # deleted between the two calls
            summary = described["scraper"]
        found.append(scraper_view(summary))
    return found
