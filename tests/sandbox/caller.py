"""The caller's rights: every AWS call signed by an IAM user or role the sandbox's IAM holds is
authorized against that principal's policies, as AWS authorizes it.

Why not moto's own IAM access control (``INITIAL_NO_AUTH_ACTION_COUNT``): in moto 5.2.5 it checks the
action against resource ``*`` for every service but S3, SQS, IAM roles and STS (``call_action``
passes ``_determine_resource()`` only where a service defines one; moto/iam/access_control.py opens
with "TODO add support for the Resource and Condition parts of IAM policies"), so a policy scoped to
the collection's resource names would be refused everywhere; and it refuses every key it does not
hold, the tests' administrator keys included. So the resource of each call is named here, from the
Service Authorization Reference (docs.aws.amazon.com/service-authorization/latest/reference/), and
decided by the collection's evaluator (plugins/module_utils/policy_evaluation.py): identity policies,
the KMS key policy for key calls, conditions such as ``iam:PassedToService`` and ``kms:ViaService``.

What a call needs (``needs``): the action of the operation on its resource (``*`` where the reference
lists no resource type), plus the dependent actions AWS checks with the caller's rights:

- tags given at creation: the service's tag action (``aps:TagResource``, ``iam:TagRole``, ...);
- ``lambda:CreateFunction`` / ``UpdateFunctionConfiguration``: ``iam:PassRole`` on the execution role,
  with ``iam:PassedToService`` = ``lambda.amazonaws.com``;
- SSM SecureStrings under a customer key: ``kms:Encrypt`` (PutParameter) / ``kms:Decrypt``
  (GetParameter WithDecryption), via SSM (``kms:ViaService``), against the key policy too; Secrets
  Manager secrets under a customer key likewise (``kms:GenerateDataKey`` and ``kms:Decrypt`` when a
  value is written, ``kms:Decrypt`` for GetSecretValue), and ``secretsmanager:TagResource`` for tags
  given to CreateSecret;
- AMP: a workspace with a customer key (``kms:DescribeKey``, ``kms:CreateGrant`` via AMP); a scraper
  (``iam:CreateServiceLinkedRole`` for ``scraper.aps.amazonaws.com``, ``eks:DescribeCluster``,
  ``ec2:DescribeSubnets`` / ``DescribeSecurityGroups`` with ``aws:CalledVia`` AMP - the statements of
  AWS's managed policy AmazonPrometheusFullAccess); logging to CloudWatch Logs (vended logs:
  ``logs:CreateLogDelivery`` and the log group's resource policy);
- CloudFormation does what a stack's resources need with the caller's rights (no service role is
  passed): cloudformation.py checks each resource handler's permissions and fails the stack as AWS
  does (``handler_needs``).

A refusal answers as the service does (query APIs: 403 ``AccessDenied``, SNS ``AuthorizationError``;
JSON and REST APIs: ``AccessDeniedException``), naming the principal, the action and the resource, and
is listed in GET /_sandbox/refusals (hop ``caller``). Keys of no IAM principal (the environment's, the
tests' own) stay the administrator; a session of a role the sandbox's IAM does not hold (STS lends
any; the multi-account tests' deployer roles) keeps full rights too. ``sts:GetCallerIdentity`` needs
no permission, as on AWS.
"""

import json
import re
import threading
from collections import namedtuple
from urllib.parse import parse_qs, unquote, urlsplit

from . import authorization
from .authorization import Principal, evaluate

Need = namedtuple("Need", "action resource context key")
Need.__new__.__defaults__ = (None, None)

# The principal of the request this thread serves (None: the administrator), for the work moto does
# with the caller's rights inside one request (CloudFormation's resource handlers).
CURRENT = threading.local()

# The IAM service prefix of a botocore service, where the two differ.
_PREFIX = {"amp": "aps", "monitoring": "cloudwatch"}
_PARTITION = "aws"


# -- the request's parameters -----------------------------------------------------------------------

def _uri_pattern(request_uri):
    """A request URI of the model as a regex; a resource ARN (its slashes decoded in PATH_INFO) spans segments."""
    def label(match):
        name = match.group(1)
        return f"(?P<{name}>{'.+' if name in ('resourceArn', 'Resource') else '[^/]+'})"
    return re.compile("^" + re.sub(r"\\\{(\w+)(?:\\\+)?\\\}", label, re.escape(request_uri.split("?")[0])) + "/?$")


def _uri_routes(model):
    routes = getattr(model, "_sandbox_routes", None)
    if routes is None:
        routes = []
        for name in model.operation_names:
            http = model.operation_model(name).http
            routes.append((http["method"], _uri_pattern(http["requestUri"]), name))
        model._sandbox_routes = routes
    return routes


def request_parameters(model, environ, body):
    """The call's parameters as one flat dict (query and form fields; JSON body; REST URI labels)."""
    params = {key: values[0] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
    if model.protocol == "query":
        params.update({key: values[0] for key, values in parse_qs(body.decode("utf-8", "replace")).items()})
        return params
    # CloudWatch's model prefers CBOR, but botocore (and the forwarder) send its AWS JSON 1.0 form
    json_body = model.protocol in ("json", "rest-json") or environ.get("CONTENT_TYPE", "").startswith("application/x-amz-json")
    if json_body and body:
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
        if isinstance(payload, dict):
            params.update(payload)
    if model.protocol == "rest-json":
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        for wanted, pattern, _name in _uri_routes(model):
            match = pattern.match(path) if wanted == method else None
            if match:
                params.update({key: unquote(value) for key, value in match.groupdict().items()})
                break
    return params


def _tagged(params, *names):
    """Whether the call carries tags under any of NAMES (JSON lists/maps, or query-protocol members)."""
    for name in names:
        if params.get(name) or any(key.startswith(f"{name}.member.1") or key.startswith(f"{name}.1") for key in params):
            return True
    return False


# -- resources, service by service (Service Authorization Reference) --------------------------------

def _arn(service, region, account, resource):
    return f"arn:{_PARTITION}:{service}:{region}:{account}:{resource}"


def _iam_arn(account, kind, name, path=None, find=None):
    """The ARN of an IAM role/user/group/policy: the one IAM holds (its path), else from PATH."""
    if find is not None:
        try:
            return find(name).arn
        except Exception:  # pylint: disable=broad-except  # moto's NoSuchEntity
            pass
    return f"arn:{_PARTITION}:iam::{account}:{kind}{path or '/'}{name}"


def _iam_needs(operation, params, account):
    from moto.iam.models import iam_backends  # pylint: disable=import-outside-toplevel

    iam = iam_backends[account]["global"]
    action = f"iam:{operation}"
    if operation == "CreateServiceLinkedRole":
        service = params.get("AWSServiceName", "")
        return [Need(action, _iam_arn(account, "role", "*", f"/aws-service-role/{service}/"),
                     {"iam:AWSServiceName": service})]
    if params.get("PolicyArn") and not params.get("RoleName") and not params.get("UserName") \
            and not params.get("GroupName"):
        return [Need(action, params["PolicyArn"])]
    if operation == "CreatePolicy":
        needs = [Need(action, _iam_arn(account, "policy", params.get("PolicyName", ""), params.get("Path")))]
        return needs + ([Need("iam:TagPolicy", needs[0].resource)] if _tagged(params, "Tags") else [])
    if params.get("RoleName"):
        role = _iam_arn(account, "role", params["RoleName"], params.get("Path"), iam.get_role)
        context = {"iam:PolicyARN": params["PolicyArn"]} if params.get("PolicyArn") else {}
        needs = [Need(action, role, context)]
        return needs + ([Need("iam:TagRole", role)] if operation == "CreateRole" and _tagged(params, "Tags") else [])
    if params.get("GroupName"):
        context = {"iam:PolicyARN": params["PolicyArn"]} if params.get("PolicyArn") else {}
        return [Need(action, _iam_arn(account, "group", params["GroupName"], params.get("Path"), iam.get_group),
                     context)]
    if params.get("UserName") or operation in ("CreateAccessKey", "ListAccessKeys", "DeleteAccessKey",
                                               "UpdateAccessKey", "GetUser"):
        if not params.get("UserName"):
            return [Need(action, "*")]  # the caller itself; not a call the collection makes
        user = _iam_arn(account, "user", params["UserName"], params.get("Path"), iam.get_user)
        context = {"iam:PolicyARN": params["PolicyArn"]} if params.get("PolicyArn") else {}
        needs = [Need(action, user, context)]
        return needs + ([Need("iam:TagUser", user)] if operation == "CreateUser" and _tagged(params, "Tags") else [])
    if operation == "PassRole":
        return [Need(action, params["RoleArn"])]
    return [Need(action, "*")]


def _key(account, region, key_id):
    from moto.kms.models import kms_backends  # pylint: disable=import-outside-toplevel

    try:
        return kms_backends[account][region].describe_key(key_id)
    except Exception:  # pylint: disable=broad-except  # NotFoundException: KMS answers it itself
        return None


def _key_need(action, account, region, key_id, context=None):
    """ACTION on a key given by id, ARN or alias; the key policy decides too, and the key's aliases are
    the request's ``kms:ResourceAliases``."""
    key = _key(account, region, key_id) if key_id else None
    if key is None:
        resource = key_id if str(key_id).startswith("arn:") else _arn("kms", region, account, f"key/{key_id}")
        return Need(action, resource, context)
    return Need(action, key.arn, dict(context or {}, **{"kms:ResourceAliases": sorted(key.aliases)}), key)


def _kms_needs(operation, params, account, region):
    action = f"kms:{operation}"
    if operation in ("CreateAlias", "UpdateAlias", "DeleteAlias"):
        alias = params.get("AliasName", "")
        target = params.get("TargetKeyId")
        if operation == "DeleteAlias":
            found = _key(account, region, alias)
            target = found.arn if found is not None else None
        needs = [Need(action, _arn("kms", region, account, alias))]
        return needs + ([_key_need(action, account, region, target)] if target else [])
    if params.get("KeyId"):
        return [_key_need(action, account, region, params["KeyId"])]
    if operation == "CreateKey":
        return [Need(action, "*")] + ([Need("kms:TagResource", "*")] if _tagged(params, "Tags") else [])
    return [Need(action, "*")]


def _ssm_parameter_arn(region, account, name):
    return name if name.startswith("arn:") else _arn("ssm", region, account, f"parameter/{name.lstrip('/')}")


def _ssm_parameter_key(account, region, name):
    from moto.ssm.models import ssm_backends  # pylint: disable=import-outside-toplevel

    try:
        parameter = ssm_backends[account][region].get_parameter(name)
    except Exception:  # pylint: disable=broad-except  # ParameterNotFound: SSM answers it itself
        return None
    return getattr(parameter, "keyid", None) if parameter is not None else None


def _customer_key(key_id, service="ssm"):
    """Whether KEY_ID is a customer key rather than the service's own (alias/aws/<service>)."""
    return bool(key_id) and key_id != f"alias/aws/{service}"


def _ssm_needs(operation, params, account, region):
    action = f"ssm:{operation}"
    via_ssm = {"kms:ViaService": f"ssm.{region}.amazonaws.com"}
    if operation == "GetParameters":
        return [Need(action, _ssm_parameter_arn(region, account, name)) for name in
                [value for key, value in sorted(params.items()) if key.startswith("Names")] or params.get("Names", [])]
    if params.get("Path"):
        return [Need(action, _ssm_parameter_arn(region, account, params["Path"]))]
    name = params.get("Name") or (params.get("ResourceId") if params.get("ResourceType", "Parameter") == "Parameter"
                                  else None)
    if not name:
        return [Need(action, "*")]
    parameter = _ssm_parameter_arn(region, account, name)
    needs = [Need(action, parameter)]
    if operation == "PutParameter":
        needs += [Need("ssm:AddTagsToResource", parameter)] if _tagged(params, "Tags") else []
        key_id = params.get("KeyId") or (_ssm_parameter_key(account, region, name) if params.get("Type") == "SecureString"
                                         else None)
        if params.get("Type") == "SecureString" and _customer_key(key_id):
            needs.append(_key_need("kms:Encrypt", account, region, key_id, via_ssm))
    if operation == "GetParameter" and params.get("WithDecryption"):
        key_id = _ssm_parameter_key(account, region, name)
        if _customer_key(key_id):
            needs.append(_key_need("kms:Decrypt", account, region, key_id, via_ssm))
    return needs


def _stored_secret(secret_id, account, region):
    """The secret Secrets Manager holds under a name or (partial) ARN; None when there is none."""
    from moto.secretsmanager.models import secretsmanager_backends  # pylint: disable=import-outside-toplevel

    try:
        return secretsmanager_backends[account][region].secrets.get(secret_id)
    except KeyError:
        return None


def _secretsmanager_needs(operation, params, account, region):
    action = f"secretsmanager:{operation}"
    secret_id = params.get("SecretId") or params.get("Name")
    if not secret_id:
        return [Need(action, "*")]
    found = _stored_secret(secret_id, account, region)
    # a secret not made yet: the name's ARN with AWS's six-character suffix as a placeholder (a policy on
    # ``name-*`` or ``name*`` matches it, as it matches the real one)
    secret = found.arn if found is not None else secret_id if str(secret_id).startswith("arn:") else \
        _arn("secretsmanager", region, account, f"secret:{secret_id}-XXXXXX")
    needs = [Need(action, secret)]
    if operation == "CreateSecret" and _tagged(params, "Tags"):
        needs.append(Need("secretsmanager:TagResource", secret))
    via = {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}
    key_id = params.get("KmsKeyId")
    if operation in ("CreateSecret", "UpdateSecret", "PutSecretValue") and _customer_key(key_id, "secretsmanager") \
            and (params.get("SecretString") or params.get("SecretBinary")):
        needs += [_key_need(kms, account, region, key_id, via) for kms in ("kms:GenerateDataKey", "kms:Decrypt")]
    if operation == "GetSecretValue" and found is not None and _customer_key(found.kms_key_id, "secretsmanager"):
        needs.append(_key_need("kms:Decrypt", account, region, found.kms_key_id, via))
    return needs


def _queue_arn(params, account, region):
    url = params.get("QueueUrl")
    if url:
        parts = urlsplit(url).path.strip("/").split("/")
        return _arn("sqs", region, parts[-2] if len(parts) > 1 else account, parts[-1])
    if params.get("QueueName"):
        return _arn("sqs", region, params.get("QueueOwnerAWSAccountId") or account, params["QueueName"])
    return "*"


def _function_arn(name, account, region):
    name = str(name)
    if name.startswith("arn:"):
        return ":".join(name.split(":")[:7])  # without a qualifier
    parts = name.split(":")
    if len(parts) >= 3:  # 123456789012:function:name
        return _arn("lambda", region, parts[0], f"function:{parts[2]}")
    return _arn("lambda", region, account, f"function:{parts[0]}")


def _lambda_needs(operation, params, account, region):
    action = f"lambda:{operation}"
    if params.get("Resource"):
        return [Need(action, _function_arn(params["Resource"], account, region))]
    if not params.get("FunctionName"):
        return [Need(action, "*")]
    needs = [Need(action, _function_arn(params["FunctionName"], account, region))]
    if operation in ("CreateFunction", "UpdateFunctionConfiguration") and params.get("Role"):
        needs.append(Need("iam:PassRole", params["Role"], {"iam:PassedToService": "lambda.amazonaws.com"}))
    return needs


def _stack_arn(name, account, region):
    from moto.cloudformation.models import cloudformation_backends  # pylint: disable=import-outside-toplevel

    if str(name).startswith("arn:"):
        return name
    try:
        return cloudformation_backends[account][region].get_stack(name).stack_id
    except Exception:  # pylint: disable=broad-except  # ValidationError: no such stack (yet)
        return _arn("cloudformation", region, account, f"stack/{name}/*")


def _simple_needs(prefix, operation, params, account, region):
    """Services whose resource is one named parameter."""
    action = f"{prefix}:{operation}"
    if prefix == "sns":
        if operation == "CreateTopic":
            topic = _arn("sns", region, account, params.get("Name", ""))
            return [Need(action, topic)] + ([Need("sns:TagResource", topic)] if _tagged(params, "Tags") else [])
        resource = params.get("TopicArn") or params.get("ResourceArn") or "*"
        return [Need(action, resource)]
    if prefix == "sqs":
        queue = _queue_arn(params, account, region)
        tags = operation == "CreateQueue" and _tagged(params, "tags", "Tags", "Tag")
        return [Need(action, queue)] + ([Need("sqs:TagQueue", queue)] if tags else [])
    if prefix == "logs":
        if params.get("logGroupName"):
            return [Need(action, _arn("logs", region, account, f"log-group:{params['logGroupName']}"))]
        return [Need(action, params.get("resourceArn") or params.get("logGroupIdentifier") or "*")]
    if prefix == "dynamodb":
        if params.get("TableName"):
            return [Need(action, _arn("dynamodb", region, account, f"table/{params['TableName']}"))]
        return [Need(action, params.get("ResourceArn") or "*")]
    if prefix == "cloudformation":
        return [Need(action, _stack_arn(params["StackName"], account, region) if params.get("StackName") else "*")]
    if prefix == "cloudwatch" and (params.get("AlarmName") or params.get("AlarmNames")):
        names = [params["AlarmName"]] if params.get("AlarmName") else params["AlarmNames"]
        return [Need(action, _arn("cloudwatch", region, account, f"alarm:{name}")) for name in names]
    if prefix == "sts" and operation == "AssumeRole":
        return [Need(action, params.get("RoleArn", "*"))]
    return [Need(action, "*")]


def _amp_resource(operation, params, account, region):
    """The resource AMP authorizes a call on: the namespace ARN for the namespace calls, the workspace
    for the other workspace calls, the ARN in the path for the tag calls, "*" for ListWorkspaces and
    CreateWorkspace (no resource-level permission)."""
    base, workspace = _arn("aps", region, account, ""), params.get("workspaceId")
    if operation.endswith("RuleGroupsNamespace"):
        return f"{base}rulegroupsnamespace/{workspace}/{params.get('name')}"
    if params.get("resourceArn"):
        return params["resourceArn"]
    if params.get("anomalyDetectorId"):
        return f"{base}anomalydetector/{workspace}/{params['anomalyDetectorId']}"
    if params.get("scraperId"):
        return f"{base}scraper/{params['scraperId']}"
    return f"{base}workspace/{workspace}" if workspace else "*"


def _amp_needs(operation, params, account, region):
    resource = _amp_resource(operation, params, account, region)
    needs = [Need(f"aps:{operation}", resource)]
    if operation.startswith("Create") and params.get("tags"):
        created = {"CreateWorkspace": "workspace/*", "CreateScraper": "scraper/*"}.get(operation)
        needs.append(Need("aps:TagResource", _arn("aps", region, account, created) if created else resource))
    via_aps = {"kms:ViaService": f"aps.{region}.amazonaws.com"}
    if operation == "CreateWorkspace" and params.get("kmsKeyArn"):
        needs += [_key_need(action, account, region, params["kmsKeyArn"], via_aps)
                  for action in ("kms:DescribeKey", "kms:CreateGrant")]
    if operation == "CreateScraper":
        called_via = {"aws:CalledVia": ["aps.amazonaws.com"]}
        service = "scraper.aps.amazonaws.com"
        needs += [Need("iam:CreateServiceLinkedRole", _iam_arn(account, "role", "AWSServiceRoleForAmazonPrometheusScraper",
                                                               f"/aws-service-role/{service}/"),
                       {"iam:AWSServiceName": service}),
                  Need("eks:DescribeCluster", "*", called_via), Need("ec2:DescribeSubnets", "*", called_via),
                  Need("ec2:DescribeSecurityGroups", "*", called_via)]
    if operation in ("CreateLoggingConfiguration", "CreateQueryLoggingConfiguration",
                     "UpdateLoggingConfiguration", "UpdateQueryLoggingConfiguration"):
        vended_logs = ("CreateLogDelivery", "PutResourcePolicy", "DescribeResourcePolicies", "DescribeLogGroups")
        needs += [Need(f"logs:{action}", "*") for action in vended_logs]
    if operation in ("DeleteLoggingConfiguration", "DeleteQueryLoggingConfiguration"):
        needs.append(Need("logs:DeleteLogDelivery", "*"))
    return needs


def needs(service, operation, params, account, region):
    """[Need] of one call: what its caller must be allowed, on what."""
    prefix = _PREFIX.get(service, service)
    if (prefix, operation) == ("sts", "GetCallerIdentity"):
        return []
    if prefix == "aps":
        return _amp_needs(operation, params, account, region)
    if prefix == "iam":
        return _iam_needs(operation, params, account)
    if prefix == "kms":
        return _kms_needs(operation, params, account, region)
    if prefix == "ssm":
        return _ssm_needs(operation, params, account, region)
    if prefix == "lambda":
        return _lambda_needs(operation, params, account, region)
    if prefix == "secretsmanager":
        return _secretsmanager_needs(operation, params, account, region)
    return _simple_needs(prefix, operation, params, account, region)


# -- the decision -----------------------------------------------------------------------------------

def caller(environ):
    """(ARN, identity policies) of the IAM user or held role that signed the request; None for the
    administrator (keys of no principal, unsigned requests, AMP and forwarder keys, lent roles)."""
    key = authorization.credential_scope(environ)[0]
    if not key or key.startswith((authorization.APS_KEY_PREFIX, authorization.ROLE_KEY_PREFIX)):
        return None
    principal = authorization._signing_principal(key)
    if principal is None or principal[1] is None:
        return None
    return principal


def first_refusal(principal_arn, policies, wanted):
    """The first (Need, Decision) of WANTED that the principal may not do; None when all are allowed."""
    account = principal_arn.split(":")[4]
    for need in wanted:
        context = dict(need.context or {}, **{"aws:SecureTransport": "true"})
        decision = evaluate(need.action, need.resource, Principal.iam(principal_arn), context,
                            identity_policies=policies, resource_policy=need.key.policy if need.key else None,
                            resource_label="key policy", key_policy=need.key is not None,
                            resource_account=account if need.resource == "*" else None)
        if not decision.allowed:
            return need, decision
    return None


def refusal_message(principal_arn, need, decision):
    """AWS's words for a refusal: 'User: <arn> is not authorized to perform: <action> on resource: ...'."""
    why = ("an explicit deny in an identity-based policy" if decision.reason.startswith("explicit deny")
           else "no identity-based policy allows the " + need.action + " action")
    who = principal_arn
    if ":role/" in principal_arn:
        who = re.sub(r":role/(?:.*/)?([^/]+)$", r":assumed-role/\1/session", principal_arn).replace(":iam::", ":sts::")
    return f"User: {who} is not authorized to perform: {need.action} on resource: {need.resource} because {why}"


def _answer(model, service, message):
    if model.protocol == "query":
        code = "AuthorizationError" if service == "sns" else "AccessDenied"
        payload = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>"
                   f"<Message>{_xml(message)}</Message></Error><RequestId>sandbox-caller</RequestId>"
                   "</ErrorResponse>").encode()
        return 403, [("Content-Type", "text/xml"), ("Content-Length", str(len(payload)))], payload
    if service == "sqs":
        code, status = "AccessDenied", 403
    else:
        code, status = "AccessDeniedException", 403 if model.protocol == "rest-json" else 400
    payload = json.dumps({"__type": code, "message": message, "Message": message}).encode()
    headers = [("Content-Type", "application/x-amz-json-1.1" if model.protocol == "json" else "application/json"),
               ("x-amzn-ErrorType", code), ("Content-Length", str(len(payload)))]
    if service == "sqs":
        headers.append(("x-amzn-query-error", "AccessDenied;Sender"))
    return status, headers, payload


def _xml(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def refuse_caller_call(environ, body, model, service, operation, region):
    """(status, headers, payload) of AWS's refusal when the IAM principal that signed this call may not
    make it; None when it may, or when the caller is the administrator."""
    principal = caller(environ)
    if principal is None or not operation:
        return None
    arn, policies = principal
    params = request_parameters(model, environ, body)
    refused = first_refusal(arn, policies, needs(service, operation, params, arn.split(":")[4], region or "us-east-1"))
    if refused is None:
        return None
    need, decision = refused
    authorization._remember_refusal("caller", arn, need.action, need.resource, decision.reason, None)
    return _answer(model, service, refusal_message(arn, need, decision))
