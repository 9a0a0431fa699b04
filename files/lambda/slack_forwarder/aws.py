"""AWS JSON APIs (SSM, DynamoDB) with a hand-made SigV4 signature: no boto3, so a fast cold start and no packages."""

import datetime
import hashlib
import hmac
import json
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request

from .delivery import BACKOFF_BASE_SECONDS
from .delivery import BACKOFF_CAP_SECONDS
from .delivery import ForwardError


def sigv4_headers(method, url, body, headers, region, service, credentials, now=None):
    """Headers (incl. Authorization) for an AWS Signature Version 4 request with an empty query."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    access_key, secret_key, token = credentials
    parts = urllib.parse.urlsplit(url)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    datestamp = amz_date[:8]
    signed = {name.lower(): " ".join(str(value).split()) for name, value in headers.items()}
    signed["host"] = parts.netloc
    signed["x-amz-date"] = amz_date
    if token:
        signed["x-amz-security-token"] = token
    names = sorted(signed)
    canonical_request = "\n".join([
        method,
        urllib.parse.quote(parts.path or "/", safe="/-_.~"),
        "",
        "".join(f"{name}:{signed[name]}\n" for name in names),
        ";".join(names),
        hashlib.sha256(body).hexdigest(),
    ])
    scope = f"{datestamp}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                                hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = ("AWS4" + secret_key).encode()
    for part in (datestamp, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    result = dict(headers)
    result["X-Amz-Date"] = amz_date
    if token:
        result["X-Amz-Security-Token"] = token
    result["Authorization"] = (f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, "
                               f"SignedHeaders={';'.join(names)}, Signature={signature}")
    return result


class AwsError(ForwardError):
    """An AWS API call failed; ``code`` is AWS's error code (e.g. ConditionalCheckFailedException)."""

    def __init__(self, message, code=""):
        super().__init__(message)
        self.code = code


# JSON-protocol services the forwarder calls: (SigV4 service name, Content-Type, X-Amz-Target prefix).
# CloudWatch takes AWS JSON 1.0 besides its query protocol (botocore's model lists both).
_JSON_SERVICES = {
    "ssm": ("ssm", "application/x-amz-json-1.1", "AmazonSSM."),
    "dynamodb": ("dynamodb", "application/x-amz-json-1.0", "DynamoDB_20120810."),
    "cloudwatch": ("monitoring", "application/x-amz-json-1.0", "GraniteServiceVersion20100801."),
}
# The DNS suffix of AWS's endpoints by partition, told by the region's name: botocore's
# data/partitions.json ("regionRegex", "dnsSuffix"), which the unit tests compare with this table.
# Regions of the standard partition, and those of aws-us-gov, use amazonaws.com.
_PARTITION_DNS_SUFFIXES = (
    (re.compile(r"^cn-\w+-\d+$"), "amazonaws.com.cn"),
    (re.compile(r"^eusc-(de)-\w+-\d+$"), "amazonaws.eu"),
    (re.compile(r"^us-iso-\w+-\d+$"), "c2s.ic.gov"),
    (re.compile(r"^us-isob-\w+-\d+$"), "sc2s.sgov.gov"),
    (re.compile(r"^eu-isoe-\w+-\d+$"), "cloud.adc-e.uk"),
    (re.compile(r"^us-isof-\w+-\d+$"), "csp.hci.ic.gov"),
)


def dns_suffix(region):
    """The DNS suffix of AWS endpoints in REGION's partition (amazonaws.com.cn in aws-cn, ...)."""
    return next((suffix for pattern, suffix in _PARTITION_DNS_SUFFIXES if pattern.match(region)), "amazonaws.com")


def service_endpoint(service, region, environ):
    """https://<host>.<region>.<partition's DNS suffix>/, unless AWS_ENDPOINT_URL(_<SERVICE>) names another."""
    host = _JSON_SERVICES[service][0] if service in _JSON_SERVICES else service
    endpoint = (environ.get(f"AWS_ENDPOINT_URL_{service.upper()}") or environ.get("AWS_ENDPOINT_URL")
                or f"https://{host}.{region}.{dns_suffix(region)}")
    return endpoint.rstrip("/") + "/"


_RETRIED_CODES = ("Throttling", "ThrottlingException", "ProvisionedThroughputExceededException",
                  "RequestLimitExceeded", "InternalServerError", "ServiceUnavailable")


def aws_json_call(service, operation, payload, environ, attempts=3, what=None):
    """One call of a JSON-protocol AWS API (SSM, DynamoDB), signed with the function's credentials.

    Throttling, 5xx and network errors are retried with jitter; other errors raise AwsError with AWS's
    code. ``what`` names the call in errors (never a secret value).
    """
    what = what or f"{service} {operation}"
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise AwsError(f"AWS_REGION is not set: cannot call {what}")
    credentials = (environ.get("AWS_ACCESS_KEY_ID"), environ.get("AWS_SECRET_ACCESS_KEY"),
                   environ.get("AWS_SESSION_TOKEN"))
    if not credentials[0] or not credentials[1]:
        raise AwsError(f"no AWS credentials in the environment: cannot call {what}")
    signing_name, content_type, target_prefix = _JSON_SERVICES[service]
    endpoint = service_endpoint(service, region, environ)
    body = json.dumps(payload).encode()
    last_error, code = None, ""
    for attempt in range(attempts):
        headers = sigv4_headers("POST", endpoint, body, {
            "Content-Type": content_type, "X-Amz-Target": target_prefix + operation,
        }, region, signing_name, credentials)
        request = urllib.request.Request(endpoint, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as err:
            code, message = _aws_error(err)
            last_error = f"{what}: HTTP {err.code} {code}: {message}".rstrip(": ")
            if err.code < 500 and code not in _RETRIED_CODES:
                break
        except (OSError, ValueError) as err:
            code, last_error = "", f"{what}: {type(err).__name__}: {err}"
        if attempt + 1 < attempts:
            time.sleep(min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** attempt) * random.uniform(0.5, 1))
    raise AwsError(last_error, code)


def ssm_get_parameter(name, environ, attempts=3):
    """The decrypted value of an SSM parameter; errors name the parameter, never its value."""
    answer = aws_json_call("ssm", "GetParameter", {"Name": name, "WithDecryption": True}, environ, attempts,
                           what=f"SSM GetParameter {name}")
    try:
        return answer["Parameter"]["Value"]
    except (KeyError, TypeError):
        raise AwsError(f"SSM GetParameter {name}: the answer has no Parameter.Value") from None


HEARTBEAT_NAMESPACE = "AmpAlerting"
HEARTBEAT_METRIC = "Heartbeat"


def put_heartbeat(workspace, environ, attempts=3):
    """One datapoint of the chain's heartbeat metric for WORKSPACE (its alias; high resolution, so that an alarm may
    evaluate it in periods under a minute)."""
    datum = {"MetricName": HEARTBEAT_METRIC, "Dimensions": [{"Name": "WorkspaceAlias", "Value": workspace}],
             "Value": 1.0, "Unit": "Count", "StorageResolution": 1}
    aws_json_call("cloudwatch", "PutMetricData", {"Namespace": HEARTBEAT_NAMESPACE, "MetricData": [datum]},
                  environ, attempts, what=f"CloudWatch PutMetricData {HEARTBEAT_NAMESPACE}/{HEARTBEAT_METRIC}")


def _aws_error(err):
    """(code, message) of an AWS JSON error answer."""
    try:
        payload = json.loads(err.read() or b"{}")
    except ValueError:
        return "", ""
    if not isinstance(payload, dict):
        return "", ""
    code = str(payload.get("__type", "")).rsplit("#", 1)[-1]
    return code, str(payload.get("message") or payload.get("Message") or "")
