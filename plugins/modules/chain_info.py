#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: chain_info
version_added: 0.3.0
short_description: Read the alerting chain's resources in one process, for the roles' write gates
description:
  - Reads, with one boto3 session, every resource named - log groups, SQS queues, DynamoDB tables, IAM roles
    with their inline policies, customer-managed IAM policies, Lambda functions with their resource policies, SSM parameters, SNS topics and
    subscriptions, CloudWatch metric alarms, Secrets Manager secrets under a prefix, and a workspace's rule
    groups namespaces and alertmanager definition - and returns each as the write gates compare it (filter
    P(amp.alerting.differs#filter)).
  - What it is for - a role reads what it manages once, then runs a writing module only for a resource that
    differs. A run that changes nothing pays one module run instead of one per resource.
  - A resource that does not exist is returned as C(null), not as an error.
  - Makes only the reads the writing modules make already; the shipped deployer policies allow them.
  - The deploy preflight (playbooks/preflight.yml) runs it once per host for every role of the chain (the
    union of what each role reads); a role whose resources that read covers (filter
    P(amp.alerting.chain_serves#filter)) gates on it instead of reading again.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  log_groups:
    description: CloudWatch Logs log group names.
    type: list
    elements: str
    default: []
  queues:
    description: SQS queue names.
    type: list
    elements: str
    default: []
  tables:
    description: DynamoDB table names.
    type: list
    elements: str
    default: []
  roles:
    description: IAM roles, each with the names of the inline policies to read.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: The role's name.
        type: str
        required: true
      inline_policies:
        description: Names of its inline policies to read.
        type: list
        elements: str
        default: []
  managed_policies:
    description:
      - ARNs of customer-managed IAM policies, read as M(amp.alerting.iam_managed_policy_info) reads them (their
        versions and the default version's document).
    type: list
    elements: str
    default: []
  functions:
    description: Lambda function names.
    type: list
    elements: str
    default: []
  parameters:
    description:
      - SSM parameter names. Read with decryption to compare values; only the value's SHA-256 is returned.
    type: list
    elements: str
    default: []
  parameter_paths:
    description:
      - SSM parameter paths; the names of the parameters directly under each are listed (not their values).
    type: list
    elements: str
    default: []
  subscriptions:
    description: SNS subscriptions, each found by its topic, protocol and endpoint.
    type: list
    elements: dict
    default: []
    suboptions:
      topic_arn:
        description: The topic's ARN.
        type: str
        required: true
      protocol:
        description: The subscription's protocol.
        type: str
        required: true
      endpoint:
        description: The subscription's endpoint.
        type: str
        required: true
  topics:
    description: SNS topic ARNs.
    type: list
    elements: str
    default: []
  stacks:
    description: CloudFormation stack names.
    type: list
    elements: str
    default: []
  alarms:
    description: CloudWatch metric alarm names.
    type: list
    elements: str
    default: []
  secret_prefixes:
    description: Secrets Manager name prefixes; the secrets under each are listed (not those scheduled for deletion).
    type: list
    elements: str
    default: []
  workspace_id:
    description:
      - The AMP workspace of O(rule_namespaces), O(alertmanager_definition), O(resource_policy), O(scrapers) and
        O(workspace_configuration).
    type: str
  workspace_alias:
    description:
      - Without O(workspace_id) - the workspace with exactly this alias (none read when there is none, or several).
      - Given alone, the workspace is read (RV(workspace)); its namespaces, definition, policy, scrapers and
        configuration are then read as asked, or returned as C(null) when there is no such workspace.
    type: str
  workspace_configuration:
    description:
      - Whether to read the workspace's retention and limits per label set (C(DescribeWorkspaceConfiguration)),
        as M(amp.alerting.amp_workspace) does before refusing a shorter retention.
    type: bool
    default: false
  resource_policy:
    description: Whether to read the workspace's resource policy.
    type: bool
    default: false
  scrapers:
    description: Whether to list the scrapers writing to the workspace.
    type: bool
    default: false
  scraper_configurations:
    description:
      - With O(scrapers), whether to describe each scraper for its scrape configuration (one C(DescribeScraper)
        a scraper). C(ListScrapers) leaves the configuration out, and each of RV(scrapers) has C(scrape_configuration)
        C(null).
    type: bool
    default: false
  rule_namespaces:
    description: Names of the workspace's rule groups namespaces.
    type: list
    elements: str
    default: []
  alertmanager_definition:
    description: Whether to read the workspace's alertmanager definition.
    type: bool
    default: false
  workspace_settings:
    description:
      - Whether to read what M(amp.alerting.amp_workspace) compares - the workspace's description, its logging and
        query logging configurations and its configuration - for the workspace role's write gate, and the view
        of the workspace that module returns (C(view) in RV(workspace)).
    type: bool
    default: false
  diagnose:
    description:
      - Follow the host's chain as deployed, from the workspace (O(workspace_id), or else O(workspace_alias)) - its rule
        namespaces, alertmanager definition and logging configuration, each SNS topic the definition publishes to with
        its subscriptions and key, each PagerDuty key's secret and key, each forwarder subscribed with who may invoke
        it, its execution role and inline policies, its dead-letter queues and their oldest messages, its log, the
        heartbeat and AMP's failure metrics and log - and return it as RV(evidence), what the
        P(amp.alerting.chain_hops#filter) filter reads.
      - What playbooks/doctor.yml runs - one module run instead of one task a read.
      - A read AWS refuses is part of the evidence (C(failed), C(msg)), not a failure of the module; only a refused
        read of the workspace fails it.
    type: dict
    suboptions:
      since_minutes:
        description: How many minutes back the logs and metrics are read.
        type: int
        default: 60
      anomaly_detectors:
        description: Whether to read the workspace's anomaly detectors (the inventory alerts on one).
        type: bool
        default: false
      webhook_kms_key_arn:
        description: The key of the forwarder's webhook parameter, when it has a customer key; read with its policy.
        type: str
      heartbeat_alarm:
        description: The heartbeat's CloudWatch alarm; with it, the alarm and the heartbeats are read.
        type: str
      heartbeat_workspace_alias:
        description: The C(WorkspaceAlias) dimension of the heartbeat metric; O(workspace_alias) when not given.
        type: str
notes:
  - Supports check mode (it changes nothing either way).
  - RV(read) repeats what was asked for (and RV(region) where), so that a role can tell whether a read made for
    the whole chain covers its own resources.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The forwarder's resources as AWS has them
  amp.alerting.chain_info:
    log_groups: [/aws/lambda/amp-prod-slack-forwarder]
    queues: [amp-prod-slack-forwarder-dlq]
    roles:
      - name: amp-prod-slack-forwarder
        inline_policies: [slack-forwarder]
    functions: [amp-prod-slack-forwarder]
  register: found

- name: Only when it differs
  amazon.aws.cloudwatchlogs_log_group:
    log_group_name: /aws/lambda/amp-prod-slack-forwarder
    retention: 30
  when: >-
    found | amp.alerting.differs('log_group', '/aws/lambda/amp-prod-slack-forwarder', {'retention': 30})
"""

RETURN = r"""
log_groups:
  description: Each log group asked for, by name - C(arn), C(retention_in_days), C(kms_key_id) - or C(null).
  returned: always
  type: dict
  sample:
    /aws/lambda/amp-prod-slack-forwarder:
      arn: "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/amp-prod-slack-forwarder:*"
      retention_in_days: 30
      kms_key_id: null
queues:
  description: Each queue by name - C(url), C(arn), C(attributes) (SQS's, policies parsed), C(tags) - or C(null).
  returned: always
  type: dict
tables:
  description: >-
    Each table by name - C(arn), C(status), C(billing_mode), C(hash_key_name), C(hash_key_type), C(ttl)
    (C(TimeToLiveDescription)), C(tags) - or C(null).
  returned: always
  type: dict
roles:
  description: >-
    Each role by name - C(arn), C(path), C(trust_policy), C(attached_policy_arns), C(tags), C(inline_policies)
    (each asked for by name, its document or C(null)) - or C(null).
  returned: always
  type: dict
managed_policies:
  description: >-
    Each policy by ARN - C(arn), C(exists), C(version_ids), C(default_version_id), C(document) - as
    M(amp.alerting.iam_managed_policy_info) returns it.
  returned: always
  type: dict
functions:
  description: >-
    Each function by name - C(configuration) (Lambda's C(GetFunction) configuration), C(tags), C(statements)
    (of its resource policy) - or C(null).
  returned: always
  type: dict
parameters:
  description: >-
    Each parameter by name - C(type), C(description), C(version), C(value_sha256) (the SHA-256 of its
    decrypted value; never the value) - or C(null).
  returned: always
  type: dict
parameter_paths:
  description: Each path's parameters, their short names (the last part of the name), sorted.
  returned: always
  type: dict
  sample:
    /amp-alerting/prod/slack: [oncall, team-payments]
subscriptions:
  description: >-
    One entry per subscription asked for, in that order - C(topic_arn), C(protocol), C(endpoint),
    C(topic_exists), C(subscription_arn) (C(PendingConfirmation) for an unconfirmed one, C(null) when not
    subscribed) and C(attributes) (SNS's).
  returned: always
  type: list
  elements: dict
topics:
  description: Each topic by ARN - C(attributes) (SNS's), C(tags) - or C(null).
  returned: always
  type: dict
stacks:
  description: Each stack by name - C(status), C(status_reason) - or C(null) (none, or deleted).
  returned: always
  type: dict
alarms:
  description: Each alarm by name, as C(DescribeAlarms) answers it (timestamps as ISO 8601 text), or C(null).
  returned: always
  type: dict
secrets:
  description: >-
    Each prefix's secrets - C(name), C(arn), C(kms_key_id), C(deleted_date), C(tags) - as
    M(amp.alerting.secretsmanager_secret_info) lists them.
  returned: always
  type: dict
rule_namespaces:
  description: >-
    Each namespace by name - C(status), C(status_reason), C(data) (the rule file's text), C(tags) - or C(null).
  returned: always
  type: dict
alertmanager_definition:
  description: >-
    The workspace's alertmanager definition - C(status), C(status_reason), C(data) (AMP's YAML document) - or
    C(null) (none, or not asked for).
  returned: always
  type: dict
workspace:
  description: >-
    The workspace read - C(workspace_id), C(arn), C(alias), C(status), and with O(workspace_configuration)
    C(configuration) (C(retention_period_in_days), C(limits_per_label_set); C(null) while it failed to create or
    is being deleted), with O(workspace_settings) C(settings) (as AMP describes them) and C(view) (as
    M(amp.alerting.amp_workspace) returns the workspace) - or C(null) (not asked for, not found, or the alias
    names several).
  returned: always
  type: dict
resource_policy:
  description: The workspace's resource policy - C(document), C(status), C(revision_id) - or C(null).
  returned: always
  type: dict
scrapers:
  description: >-
    The scrapers writing to the workspace, as M(amp.alerting.amp_scraper) returns a scraper (C(scraper_id), C(alias),
    C(status), C(cluster_arn), C(subnet_ids), C(security_group_ids), C(workspace_arn), C(role_arn), C(source_role_arn),
    C(target_role_arn), C(tags)); C(scrape_configuration) is C(null) unless O(scraper_configurations).
  returned: always
  type: list
  elements: dict
workspace_id_read:
  description: >-
    The workspace whose rule namespaces and alertmanager definition were read (C(null) when they were not asked
    for, or when no workspace has the alias).
  returned: always
  type: str
evidence:
  description:
    - With O(diagnose), the chain as deployed, as the P(amp.alerting.chain_hops#filter) filter reads it - C(workspace)
      (as M(amp.alerting.amp_workspace_info) with O(amp.alerting.amp_workspace_info#module:include_rules) returns it;
      empty when there is none), then per resource, each C(item) (its ARN) with what was read, or C(failed) and
      C(msg) - C(topics) (C(topic), C(subscriptions)), C(topic_keys) and C(pagerduty_keys) (C(kms_keys)),
      C(pagerduty_secrets) (C(secrets)), C(function_configs) (C(functions)), C(function_policies) (C(exists),
      C(policy)), C(roles) (C(iam_roles)), C(role_policies) (C(policies)), C(queues) (C(exists), C(queue)),
      C(queue_ages) and C(heartbeats) (C(metrics)), C(function_logs) (C(exists), C(events)); and C(anomaly_detectors),
      C(webhook_key), C(heartbeat_alarm) (C(null) when not asked for), C(amp_failure_metrics), C(amp_log_events), and
      C(unread) (why the read of C(amp_failure_metrics), C(amp_log_events) or C(heartbeats) failed, by that name).
    - C(null) without O(diagnose).
  returned: always
  type: dict
read:
  description: What was asked for - the module's options, without the connection's.
  returned: always
  type: dict
region:
  description: The region read.
  returned: always
  type: str
"""

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.amp.alerting.plugins.module_utils import chain
from ansible_collections.amp.alerting.plugins.module_utils.amp import SessionClients
from ansible_collections.amp.alerting.plugins.module_utils.amp import find_workspace
from ansible_collections.amp.alerting.plugins.module_utils.amp import workspace_view
from ansible_collections.amp.alerting.plugins.module_utils.doctor_reads import ChainFollower
from ansible_collections.amp.alerting.plugins.module_utils.doctor_reads import add_rules
from ansible_collections.amp.alerting.plugins.module_utils.sns_attributes import PENDING
from ansible_collections.amp.alerting.plugins.module_utils.sns import find_subscription
from ansible_collections.amp.alerting.plugins.module_utils.sns import read_subscription_attributes


def read_subscription(client, wanted):
    summary, topic_exists = find_subscription(client, wanted["topic_arn"], wanted["protocol"], wanted["endpoint"])
    arn = summary["SubscriptionArn"] if summary else None
    attributes = read_subscription_attributes(client, arn) if arn and arn != PENDING else None
    if arn and arn != PENDING and attributes is None:
        arn = None  # unsubscribed between the two calls
    return dict(wanted, topic_exists=topic_exists, subscription_arn=arn, attributes=attributes or {})


# What a caller may ask to read (the module's options but the connection's).
READ_OPTIONS = ("log_groups", "queues", "tables", "functions", "managed_policies", "parameters", "parameter_paths", "roles", "subscriptions", "topics",
                "alarms", "stacks", "secret_prefixes", "workspace_id", "workspace_alias", "rule_namespaces",
                "resource_policy", "scrapers", "scraper_configurations", "alertmanager_definition", "workspace_configuration",
                "workspace_settings")


def diagnose(client, params):
    """What doctor.yml diagnoses (the amp.alerting.chain_hops filter's evidence): the chain followed from the workspace."""
    options = params["diagnose"]
    workspace = find_workspace(client("amp"), params["workspace_id"], params["workspace_alias"])
    view = workspace_view(workspace) if workspace else {}
    if view:
        add_rules(client("amp"), view)
    follower = ChainFollower(client, since_minutes=options["since_minutes"])
    return follower.follow(view, anomaly_detectors=options["anomaly_detectors"],
                           webhook_kms_key_arn=options["webhook_kms_key_arn"], heartbeat_alarm=options["heartbeat_alarm"],
                           heartbeat_workspace_alias=options["heartbeat_workspace_alias"] or params["workspace_alias"])


def read_chain(module):
    params = module.params
    client = SessionClients(module)

    workspace_id = params["workspace_id"]
    workspace = None
    workspace_documents = params["rule_namespaces"] or params["alertmanager_definition"]
    if params["resource_policy"] or params["scrapers"] or params["workspace_configuration"] or params["workspace_settings"] \
            or not workspace_id and params["workspace_alias"] and not params["diagnose"]:
        workspace = chain.read_workspace(client("amp"), workspace_id, params["workspace_alias"],
                                         settings=params["workspace_settings"], configuration=params["workspace_configuration"])
    # the namespaces and definition of the workspace named, or else of the one found by its alias
    documents_of = workspace_id or (workspace or {}).get("workspace_id")

    return {
        "log_groups": {name: chain.read_log_group(client("logs"), name) for name in params["log_groups"]},
        "queues": {name: chain.read_queue(client("sqs"), name) for name in params["queues"]},
        "tables": {name: chain.read_table(client("dynamodb"), name) for name in params["tables"]},
        "roles": {role["name"]: chain.read_role(client("iam"), role["name"], role["inline_policies"])
                  for role in params["roles"]},
        "functions": {name: chain.read_function(client("lambda"), name) for name in params["functions"]},
        "managed_policies": {arn: chain.read_managed_policy(client("iam"), arn) for arn in params["managed_policies"]},
        "parameter_paths": {path: chain.read_parameter_names(client("ssm"), path) for path in params["parameter_paths"]},
        "parameters": {name: chain.read_parameter(client("ssm"), name) for name in params["parameters"]},
        "subscriptions": [read_subscription(client("sns"), wanted) for wanted in params["subscriptions"]],
        "topics": {arn: chain.read_topic_attributes(client("sns"), arn) for arn in params["topics"]},
        "alarms": {name: chain.read_alarm(client("cloudwatch"), name) for name in params["alarms"]},
        "stacks": {name: chain.read_stack(client("cloudformation"), name) for name in params["stacks"]},
        "secrets": {prefix: chain.read_secrets(client("secretsmanager"), prefix) for prefix in params["secret_prefixes"]},
        "rule_namespaces": {name: chain.read_rule_namespace(client("amp"), documents_of, name) if documents_of else None
                            for name in params["rule_namespaces"]},
        "alertmanager_definition": (chain.read_alertmanager_definition(client("amp"), documents_of)
                                    if params["alertmanager_definition"] and documents_of else None),
        "workspace": workspace,
        "resource_policy": (chain.read_resource_policy(client("amp"), workspace["workspace_id"])
                            if workspace and params["resource_policy"] else None),
        "scrapers": (chain.read_scrapers(client("amp"), workspace["arn"], params["scraper_configurations"])
                     if workspace and params["scrapers"] else []),
        # whose definition that is: the gate refuses one read for another workspace
        "workspace_id_read": documents_of if workspace_documents else None,
        "evidence": diagnose(client, params) if params["diagnose"] else None,
        "read": {key: params[key] for key in READ_OPTIONS},
        "region": module.region,
    }


def main():
    names = dict(type="list", elements="str", default=[])
    module = AnsibleAWSModule(
        argument_spec=dict(
            log_groups=names, queues=names, tables=names, functions=names, parameters=names, managed_policies=names,
            parameter_paths=names,
            roles=dict(type="list", elements="dict", default=[], options=dict(
                name=dict(type="str", required=True),
                inline_policies=dict(type="list", elements="str", default=[]))),
            subscriptions=dict(type="list", elements="dict", default=[], options=dict(
                topic_arn=dict(type="str", required=True),
                protocol=dict(type="str", required=True),
                endpoint=dict(type="str", required=True))),
            topics=names, alarms=names, stacks=names,
            # names, not secrets
            secret_prefixes=dict(type="list", elements="str", default=[], no_log=False),
            workspace_id=dict(type="str"), workspace_alias=dict(type="str"), rule_namespaces=names,
            resource_policy=dict(type="bool", default=False), scrapers=dict(type="bool", default=False),
            scraper_configurations=dict(type="bool", default=False),
            alertmanager_definition=dict(type="bool", default=False),
            workspace_configuration=dict(type="bool", default=False),
            workspace_settings=dict(type="bool", default=False),
            diagnose=dict(type="dict", options=dict(
                since_minutes=dict(type="int", default=60),
                anomaly_detectors=dict(type="bool", default=False),
                webhook_kms_key_arn=dict(type="str", no_log=False),  # a key's ARN, not a secret
                heartbeat_alarm=dict(type="str"),
                heartbeat_workspace_alias=dict(type="str"))),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params["diagnose"] and not (params["workspace_id"] or params["workspace_alias"]):
        module.fail_json(msg="workspace_id: required (or workspace_alias) to diagnose the chain")
    if params["diagnose"] and params["diagnose"]["since_minutes"] < 1:
        module.fail_json(msg=f"diagnose.since_minutes: must be 1 or more, not {params['diagnose']['since_minutes']}")
    if (params["rule_namespaces"] or params["alertmanager_definition"]) and not (
            params["workspace_id"] or params["workspace_alias"]):
        module.fail_json(msg="workspace_id: required (or workspace_alias) to read rule_namespaces or the alertmanager "
                             "definition")
    try:
        found = read_chain(module)
    except AnsibleAWSError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, **found)


if __name__ == "__main__":
    main()
