"""Refuse what AWS refuses on the hops of the alerting chain, from the policies moto stores.

The policies are evaluated with the collection's own evaluator (plugins/module_utils/
policy_evaluation.py, tested against AWS's policy-evaluation examples), never by reading their text.

Hop enforced: **AMP alertmanager -> SNS Publish.** Each workspace's real Alertmanager signs its
publishes with the access key ``SANDBOXAPS-<workspace id>`` (dataplane.alertmanager_files), which
stands for AMP's service principal acting for that workspace, as on AWS:

- principal ``aps.amazonaws.com``, context ``aws:SourceArn`` = the workspace's ARN and
  ``aws:SourceAccount`` = its account, ``aws:SecureTransport`` = true;
- the topic policy must allow ``sns:Publish`` (a service principal has no identity policies);
- an encrypted topic's key policy must let the principal use the key (``kms:GenerateDataKey`` and
  ``kms:Decrypt``; SNS returns KMSAccessDenied otherwise).

A refused publish is answered as SNS answers it (403 AuthorizationError, or 400 KMSAccessDenied), so
nothing is delivered; it is recorded where AMP records it - an ERROR event of component alertmanager
in the workspace's logging configuration's log group, with the text of AMP's troubleshooting guide
("Notify for alerts failed, AMP is not authorized to perform: SNS:Publish on resource: ...") - and in
the sandbox's refusal list (GET /_sandbox/refusals) - and counted in CloudWatch, namespace
``AWS/Prometheus``: ``AlertManagerNotificationsFailedByIntegration``, the name AMP's alertmanager
troubleshooting docs give (configure-alertmanager-pagerduty: "SecretFetchFailure,
AlertManagerNotificationsThrottledByIntegration, AlertManagerNotificationsFailedByIntegration"), and
``AlertManagerNotificationsFailed``. The docs stored here name no dimensions: the sandbox uses
``Workspace`` (the workspace id, as public CloudWatch alarms on these metrics do) and ``Integration``
(``sns``) for the by-integration one; doctor.yml finds them by the ``Workspace`` dimension only.
"""

import importlib.util
import json
import logging
import os
import re
import threading
import time
from urllib.parse import parse_qs

# The evaluator is plain Python with no Ansible import: loaded from the checkout by path, as the
# sandbox process does not have the collection on its path.
_EVALUATOR = os.path.join(os.path.dirname(__file__), "..", "..", "plugins", "module_utils", "policy_evaluation.py")
_spec = importlib.util.spec_from_file_location("amp_alerting_policy_evaluation", _EVALUATOR)
policy_evaluation = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(policy_evaluation)
Principal = policy_evaluation.Principal
evaluate = policy_evaluation.evaluate

LOG = logging.getLogger("sandbox.authorization")

APS_KEY_PREFIX = "SANDBOXAPS-"
# Authorization: AWS4-HMAC-SHA256 Credential=<access key>/<date>/<region>/<service>/aws4_request, ...
_CREDENTIAL_SCOPE = re.compile(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/aws4_request")
_LOCK = threading.Lock()
REFUSALS = []


def aps_access_key(workspace_id):
    """The access key a workspace's Alertmanager signs with: AMP acting for that workspace."""
    return APS_KEY_PREFIX + workspace_id


def credential_scope(environ):
    """(access key, region, signing name) of a SigV4-signed request; (None, None, None) when unsigned."""
    match = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return match.groups() if match else (None, None, None)


def _signing_key(environ):
    return credential_scope(environ)[0]


def _publish_params(environ, body):
    params = parse_qs(environ.get("QUERY_STRING", ""))
    params.update(parse_qs(body.decode("utf-8", "replace")))
    return {key: values[0] for key, values in params.items()}


def _topic(topic_arn):
    from moto.sns.exceptions import TopicNotFound  # pylint: disable=import-outside-toplevel
    from moto.sns.models import sns_backends  # pylint: disable=import-outside-toplevel

    parts = topic_arn.split(":")
    if len(parts) < 6:
        return None
    try:
        return sns_backends[parts[4]][parts[3]].get_topic(topic_arn)
    except (TopicNotFound, KeyError):
        return None


def _key(account, region, key_id):
    from moto.kms.models import kms_backends  # pylint: disable=import-outside-toplevel

    try:
        return kms_backends[account][region].describe_key(key_id)
    except Exception:  # pylint: disable=broad-except  # moto raises NotFoundException / KeyError
        return None


def _remember_refusal(hop, principal, action, resource, reason, workspace_id, logged_as=None):
    """One refusal for GET /_sandbox/refusals and the server log (LOGGED_AS names the refused, default PRINCIPAL)."""
    with _LOCK:
        REFUSALS.append({"time": time.time(), "hop": hop, "principal": principal, "action": action,
                         "resource": resource, "reason": reason, "workspace_id": workspace_id})
    LOG.info("refused %s: %s on %s (%s)", logged_as or principal, action, resource, reason)


def _record(workspace, hop, action, resource, reason, log_text, integration="sns"):
    _remember_refusal(hop, "aps.amazonaws.com", action, resource, reason, workspace.workspace_id, logged_as=hop)
    _log_to_workspace(workspace, log_text)
    _count_failed_notification(workspace, integration)


def _count_failed_notification(workspace, integration):
    from moto.cloudwatch.models import cloudwatch_backends  # pylint: disable=import-outside-toplevel

    region, account = workspace.arn.split(":")[3], workspace.arn.split(":")[4]
    workspace_dimension = {"Name": "Workspace", "Value": workspace.workspace_id}
    data = [{"MetricName": "AlertManagerNotificationsFailed", "Value": 1.0, "Unit": "Count",
             "Dimensions": [workspace_dimension]},
            {"MetricName": "AlertManagerNotificationsFailedByIntegration", "Value": 1.0, "Unit": "Count",
             "Dimensions": [workspace_dimension, {"Name": "Integration", "Value": integration}]}]
    if integration == "pagerduty":  # the name AMP's PagerDuty troubleshooting gives an unreadable secret
        data.append({"MetricName": "SecretFetchFailure", "Value": 1.0, "Unit": "Count", "Dimensions": [workspace_dimension]})
    cloudwatch_backends[account][region].put_metric_data("AWS/Prometheus", data)


def _log_to_workspace(workspace, text):
    """AMP's vended alertmanager log event, when the workspace has a logging configuration."""
    from moto.logs.models import logs_backends  # pylint: disable=import-outside-toplevel

    if not workspace.logging:
        return
    arn = workspace.logging[0]["logGroupArn"]
    parts = arn.split(":")
    group = parts[6] if len(parts) > 6 else None
    backend = logs_backends[parts[4]][parts[3]]
    if group not in backend.groups:
        return  # AMP cannot write to a log group that is gone either
    event = {"workspaceId": workspace.workspace_id, "message": {"log": text, "level": "ERROR"},
             "component": "alertmanager"}
    stream = "alertmanager"
    if stream not in backend.groups[group].streams:
        backend.create_log_stream(group, stream)
    backend.put_log_events(group, stream, [{"timestamp": int(time.time() * 1000), "message": json.dumps(event)}])


def _error(status, code, message):
    payload = (f'<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type>'
               f"<Code>{code}</Code><Message>{message}</Message></Error>"
               "<RequestId>sandbox-authorization</RequestId></ErrorResponse>").encode()
    return status, [("Content-Type", "text/xml"), ("Content-Length", str(len(payload)))], payload


def refuse_aps_publish(environ, body, find_workspace):
    """(status, headers, payload) of SNS's refusal when AMP may not publish this message; else None."""
    key = _signing_key(environ)
    if not key or not key.startswith(APS_KEY_PREFIX):
        return None
    workspace = find_workspace(key[len(APS_KEY_PREFIX):])
    topic_arn = _publish_params(environ, body).get("TopicArn", "")
    topic = _topic(topic_arn)
    if workspace is None or topic is None:
        return None  # SNS answers NotFound itself
    account = workspace.arn.split(":")[4]
    principal = Principal.service("aps.amazonaws.com")
    context = {"aws:SourceArn": workspace.arn, "aws:SourceAccount": account, "aws:SecureTransport": "true"}
    decision = evaluate("sns:Publish", topic_arn, principal, context, resource_policy=topic.policy,
                        resource_label="topic policy")
    if not decision.allowed:
        message = (f"AMP is not authorized to perform: SNS:Publish on resource: {topic_arn} because "
                   + ("an explicit deny in a resource-based policy denies the SNS:Publish action"
                      if decision.reason.startswith("explicit deny")
                      else "no resource-based policy allows the SNS:Publish action"))
        _record(workspace, "alertmanager->sns", "sns:Publish", topic_arn, decision.reason,
                f"Notify for alerts failed, {message}")
        return _error(403, "AuthorizationError", message)
    if topic.kms_master_key_id:
        key_found = _key(topic_arn.split(":")[4], topic_arn.split(":")[3], topic.kms_master_key_id)
        if key_found is None:
            return None
        for action in ("kms:GenerateDataKey", "kms:Decrypt"):
            decision = evaluate(action, key_found.arn, principal, context, resource_policy=key_found.policy,
                                resource_label="key policy", key_policy=True)
            if not decision.allowed:
                message = (f"User: aps.amazonaws.com is not authorized to perform: {action} on resource: "
                           f"{key_found.arn} (SNS could not use the topic's key)")
                _record(workspace, "alertmanager->sns (kms)", action, key_found.arn, decision.reason,
                        f"Notify for alerts failed, {message}")
                return _error(400, "KMSAccessDenied", message)
    return None


# -- AMP reading a PagerDuty receiver's key from Secrets Manager ------------------------------------
#
# AMP reads ``aws_secrets_manager.secret_arn`` as its service principal for the workspace: the
# secret's resource policy must allow ``secretsmanager:GetSecretValue`` (a service principal has no
# identity policies), and a secret under a customer key needs the key policy to allow ``kms:Decrypt``.
# The value is the secret's JSON; ``secret_key`` names the field holding the PagerDuty key.

def _secret(secret_arn):
    from moto.secretsmanager.models import secretsmanager_backends  # pylint: disable=import-outside-toplevel

    parts = secret_arn.split(":")
    if len(parts) < 7:
        return None
    try:
        store = secretsmanager_backends[parts[4]][parts[3]].secrets
    except KeyError:
        return None
    secret = store.get(secret_arn)
    return None if secret is None or secret.is_deleted() else secret


def secret_for_aps(workspace, reference):
    """(value, None) when AMP may read the key REFERENCE names for WORKSPACE; (None, failure) otherwise,
    FAILURE being what to record once a notification needs the key (record_secret_failure)."""
    secret_arn, field = reference.get("secret_arn", ""), reference.get("secret_key", "")
    secret = _secret(secret_arn)
    if secret is None:
        return None, ("secretsmanager:GetSecretValue", secret_arn, "the secret does not exist",
                      f"Secrets Manager can't find the specified secret {secret_arn}")
    principal = Principal.service("aps.amazonaws.com")
    context = {"aws:SourceArn": workspace.arn, "aws:SourceAccount": workspace.arn.split(":")[4],
               "aws:SecureTransport": "true"}
    policy = json.loads(secret.policy) if secret.policy else None
    decision = evaluate("secretsmanager:GetSecretValue", secret.arn, principal, context, resource_policy=policy,
                        resource_label="secret policy")
    if not decision.allowed:
        return None, ("secretsmanager:GetSecretValue", secret.arn, decision.reason,
                      f"AMP is not authorized to perform: secretsmanager:GetSecretValue on resource: {secret.arn}")
    key_id = secret.kms_key_id
    if key_id and key_id != "alias/aws/secretsmanager":
        key = _key(secret.arn.split(":")[4], secret.arn.split(":")[3], key_id)
        if key is not None:
            decision = evaluate("kms:Decrypt", key.arn, principal, context, resource_policy=key.policy,
                                resource_label="key policy", key_policy=True)
            if not decision.allowed:
                return None, ("kms:Decrypt", key.arn, decision.reason,
                              f"AMP is not authorized to perform: kms:Decrypt on resource: {key.arn} "
                              f"(the key of secret {secret.arn})")
    try:
        value = json.loads(secret.secret_string or "")[field]
    except (ValueError, KeyError, TypeError):
        return None, ("secretsmanager:GetSecretValue", secret.arn, f"no JSON field {field!r}",
                      f"the secret {secret.arn} holds no JSON field {field!r}")
    return str(value), None


def record_secret_failure(workspace, failure):
    """Record, where AMP records it, a PagerDuty notification that failed on its secret."""
    action, resource, reason, text = failure
    _record(workspace, "alertmanager->pagerduty (secret)", action, resource, reason,
            f"Notify for alerts failed, SecretFetchFailure: {text}", integration="pagerduty")


def refusals():
    with _LOCK:
        return list(REFUSALS)


_GENERATION = [0]


def clear():
    """Forget the refusals; a function still running from before (its key names the old generation)
    is still refused, but no longer recorded into the next test's list."""
    with _LOCK:
        REFUSALS.clear()
        _GENERATION[0] += 1


# -- the forwarder at run time: its execution role ------------------------------------------------
#
# Lambda runs a function with its execution role's credentials (an AssumeRole session). The sandbox
# gives the function's process the access key ``SANDBOXROLE<role ARN, hex>`` (lambda_runner), and
# authorizes what the forwarder calls against the role's identity policies (inline and attached):
# SSM GetParameter (and, WithDecryption of a parameter under a customer key, kms:Decrypt against the
# role and the key policy), DynamoDB item calls, CloudWatch PutMetricData (its cloudwatch:namespace). A refusal is answered as AWS answers it (400
# AccessDeniedException). Lambda's own calls for the function - its dead-letter queue, its log
# group - are checked with role_decision() by lambda_runner.

ROLE_KEY_PREFIX = "SANDBOXROLE"
_DYNAMODB_ITEM_CALLS = ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan", "BatchGetItem",
                        "BatchWriteItem", "TransactWriteItems")


def role_access_key(role_arn):
    """The access key a function's code signs with: its execution role's session (of this generation)."""
    return f"{ROLE_KEY_PREFIX}{_GENERATION[0]}G{role_arn.encode().hex().upper()}"


def _role_key(environ):
    """(role ARN, generation) of a function's key; (None, None) for any other key."""
    key = _signing_key(environ)
    if not key or not key.startswith(ROLE_KEY_PREFIX):
        return None, None
    generation, _g, hexed = key[len(ROLE_KEY_PREFIX):].partition("G")
    try:
        return bytes.fromhex(hexed).decode(), int(generation)
    except ValueError:
        return None, None


def _role_of(environ):
    return _role_key(environ)[0]


def _identity_documents(holder):
    """The policy documents of a moto IAM role, user or group: inline, then each attached policy's default version."""
    documents = [json.loads(text) if isinstance(text, str) else text for text in holder.policies.values()]
    for policy in holder.managed_policies.values():
        documents += [json.loads(version.document) for version in policy.versions
                      if version.version_id == policy.default_version_id]
    return documents


def _role_policies(role_arn):
    """The role's identity policies (inline, then the default version of each attached one); None when
    the role does not exist."""
    from moto.iam.models import iam_backends  # pylint: disable=import-outside-toplevel

    backend = iam_backends[role_arn.split(":")[4]]["global"]
    try:
        role = backend.get_role(role_arn.split("/")[-1])
    except Exception:  # pylint: disable=broad-except  # moto's NotFoundException
        return None
    return _identity_documents(role)


def role_decision(role_arn, action, resource, resource_policy=None, key_policy=False, context=None):
    """Decision for the role calling ACTION on RESOURCE (same account: its identity policies suffice,
    except for a KMS key, whose key policy must delegate)."""
    policies = _role_policies(role_arn)
    if policies is None:
        return policy_evaluation.Decision(False, f"role {role_arn} does not exist")
    return evaluate(action, resource, Principal.iam(role_arn), dict(context or {}, **{"aws:SecureTransport": "true"}),
                    identity_policies=policies, resource_policy=resource_policy,
                    resource_label="key policy" if key_policy else "resource policy", key_policy=key_policy,
                    # an action without a resource type (PutMetricData) is the caller's own account's
                    resource_account=role_arn.split(":")[4] if resource == "*" else None)


def _parameter_key(account, region, name):
    """The ARN of the customer key a SecureString parameter is encrypted with; None for SSM's own key."""
    from moto.ssm.models import ssm_backends  # pylint: disable=import-outside-toplevel

    try:
        parameter = ssm_backends[account][region].get_parameter(name)
    except Exception:  # pylint: disable=broad-except  # SSM answers ParameterNotFound itself
        return None
    key_id = getattr(parameter, "keyid", None) if parameter is not None else None
    if not key_id or getattr(parameter, "parameter_type", "") != "SecureString" or key_id in ("alias/aws/ssm",):
        return None
    return _key(account, region, key_id)


def _role_checks(service, operation, params, account, region):
    """(action, resource, key) the call needs of the role; [] for calls not enforced."""
    if service == "ssm" and operation == "GetParameter":
        name = params.get("Name", "")
        resource = name if name.startswith("arn:") else f"arn:aws:ssm:{region}:{account}:parameter/{name.lstrip('/')}"
        checks = [("ssm:GetParameter", resource, None)]
        key = _parameter_key(account, region, name) if params.get("WithDecryption") else None
        if key is not None:
            checks.append(("kms:Decrypt", key.arn, key))
        return checks
    if service == "dynamodb" and operation in _DYNAMODB_ITEM_CALLS and params.get("TableName"):
        return [(f"dynamodb:{operation}", f"arn:aws:dynamodb:{region}:{account}:table/{params['TableName']}", None)]
    if service == "cloudwatch" and operation == "PutMetricData":
        # no resource type: the namespace is the condition key that scopes it
        return [("cloudwatch:PutMetricData", "*", None, {"cloudwatch:namespace": params.get("Namespace", "")})]
    return []


def refuse_role_call(environ, body, service, operation, region):
    """(status, headers, payload) of AWS's AccessDeniedException when the calling function's execution
    role may not make this call (REGION: the request's signing region, as the gateway read it); else None."""
    role_arn, generation = _role_key(environ)
    if role_arn is None or not operation:
        return None
    region, account = region or "us-east-1", role_arn.split(":")[4]
    try:
        params = json.loads(body or b"{}")
    except ValueError:
        params = {}
    for action, resource, key, *context in _role_checks(service, operation, params, account, region):
        decision = role_decision(role_arn, action, resource, key.policy if key else None, key_policy=key is not None,
                                 context=context[0] if context else None)
        if not decision.allowed:
            session = f"arn:aws:sts::{account}:assumed-role/{role_arn.split('/')[-1]}/sandbox-lambda"
            message = (f"User: {session} is not authorized to perform: {action} on resource: {resource} because "
                       + ("no identity-based policy allows" if not decision.reason.startswith("explicit deny")
                          else "an explicit deny in a policy denies") + f" the {action} action")
            if generation == _GENERATION[0]:
                _remember_refusal("forwarder->" + service, role_arn, action, resource, decision.reason, None)
            payload = json.dumps({"__type": "AccessDeniedException", "message": message}).encode()
            return 400, [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", "AccessDeniedException"),
                         ("Content-Length", str(len(payload)))], payload
    return None


# -- the workspace data plane: who signs the request ------------------------------------------------
#
# remote_write, queries and the alertmanager API are authorized against the signing principal's
# identity policies (and, across accounts, the workspace's resource policy too), as AMP does: an IAM
# user (its access key) or an assumed role (a key STS issued for it). A key that belongs to neither
# is the sandbox's administrator - the Ansible caller and the tests' own keys - and unsigned requests
# are the tests' direct reads of the data plane; both keep full rights.

_DATA_PLANE_ACTIONS = [(method, re.compile(f"^{path}$"), action) for method, path, action in (
    ("POST", r"api/v1/remote_write", "aps:RemoteWrite"),
    (None, r"api/v1/(query|query_range|query_exemplars)", "aps:QueryMetrics"),
    (None, r"api/v1/(labels|label/[^/]+/values)", "aps:GetLabels"),
    (None, r"api/v1/series", "aps:GetSeries"),
    (None, r"api/v1/metadata", "aps:GetMetricMetadata"),
    (None, r"api/v1/rules", "aps:ListRules"),
    (None, r"api/v1/alerts", "aps:ListAlerts"),
    (None, r"anomalydetectors/preview", "aps:PreviewAnomalyDetector"),
    ("POST", r"alertmanager/api/v2/alerts", "aps:CreateAlertManagerAlerts"),
    ("GET", r"alertmanager/api/v2/alerts", "aps:ListAlertManagerAlerts"),
    ("GET", r"alertmanager/api/v2/alerts/groups", "aps:ListAlertManagerAlertGroups"),
    ("POST", r"alertmanager/api/v2/silences", "aps:PutAlertManagerSilences"),
    ("GET", r"alertmanager/api/v2/silences", "aps:ListAlertManagerSilences"),
    ("GET", r"alertmanager/api/v2/silence/[^/]+", "aps:GetAlertManagerSilence"),
    ("DELETE", r"alertmanager/api/v2/silence/[^/]+", "aps:DeleteAlertManagerSilence"),
    ("GET", r"alertmanager/api/v2/status", "aps:GetAlertManagerStatus"),
    ("GET", r"alertmanager/api/v2/receivers", "aps:ListAlertManagerReceivers"),
)]


def data_plane_action(method, path):
    """The aps action of a data-plane request (PATH after /workspaces/<id>/), or None."""
    return next((action for wanted, pattern, action in _DATA_PLANE_ACTIONS
                 if wanted in (None, method) and pattern.match(path)), None)


def _signing_principal(key):
    """(ARN, identity policies) of the IAM user or assumed role an access key belongs to (policies None
    for a role STS lent without the sandbox's IAM holding it); None for any other key (the sandbox's
    administrator)."""
    from moto.iam.models import iam_backends  # pylint: disable=import-outside-toplevel
    from moto.sts.models import sts_backends  # pylint: disable=import-outside-toplevel

    for account in list(sts_backends.keys()):
        assumed = sts_backends[account]["global"].get_assumed_role_from_access_key(key)
        if assumed is not None:
            return assumed.role_arn, _role_policies(assumed.role_arn)
    for account in list(iam_backends.keys()):
        backend = iam_backends[account]["global"]
        user = backend.get_user_from_access_key_id(key)
        if user is not None:  # its own policies and those of its groups
            holders = [user] + backend.get_groups_for_user(user.name)
            return user.arn, [document for holder in holders for document in _identity_documents(holder)]
    return None


def refuse_data_plane_call(environ, workspace, path):
    """(status, content type, payload) of AMP's 403 when the request's signer may not make it; else None."""
    key = _signing_key(environ)
    action = data_plane_action(environ.get("REQUEST_METHOD", "GET"), path)
    if not key or key.startswith((APS_KEY_PREFIX, ROLE_KEY_PREFIX)) or action is None:
        return None
    principal = _signing_principal(key)
    if principal is None:
        return None
    arn, policies = principal[0], principal[1] or []  # a role IAM does not hold has no rights here
    stored = getattr(workspace, "resource_policy", None)
    resource_policy = json.loads(stored[0]["policyDocument"]) if stored else None
    decision = evaluate(action, workspace.arn, Principal.iam(arn), {"aws:SecureTransport": "true"},
                        identity_policies=policies, resource_policy=resource_policy, resource_label="workspace policy")
    if decision.allowed:
        return None
    _remember_refusal("data plane", arn, action, workspace.arn, decision.reason, workspace.workspace_id)
    message = f"User: {arn} is not authorized to perform: {action} on resource: {workspace.arn}"
    return 403, "application/json", json.dumps({"message": message}).encode()
