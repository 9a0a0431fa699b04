"""SSM GetParameter with a hand-made SigV4 signature: no boto3, so a fast cold start and no packages."""

import datetime
import hashlib
import hmac
import json
import random
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


def ssm_get_parameter(name, environ, attempts=3):
    """The decrypted value of an SSM parameter; errors name the parameter, never its value."""
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise ForwardError("AWS_REGION is not set: cannot reach SSM")
    credentials = (environ.get("AWS_ACCESS_KEY_ID"), environ.get("AWS_SECRET_ACCESS_KEY"),
                   environ.get("AWS_SESSION_TOKEN"))
    if not credentials[0] or not credentials[1]:
        raise ForwardError("no AWS credentials in the environment: cannot read SSM parameter " + name)
    endpoint = (environ.get("AWS_ENDPOINT_URL_SSM") or environ.get("AWS_ENDPOINT_URL")
                or f"https://ssm.{region}.amazonaws.com")
    endpoint = endpoint.rstrip("/") + "/"
    body = json.dumps({"Name": name, "WithDecryption": True}).encode()
    last_error = None
    for attempt in range(attempts):
        headers = sigv4_headers("POST", endpoint, body, {
            "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AmazonSSM.GetParameter",
        }, region, "ssm", credentials)
        request = urllib.request.Request(endpoint, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return json.loads(response.read())["Parameter"]["Value"]
        except urllib.error.HTTPError as err:
            answer = _aws_error(err)
            last_error = f"SSM GetParameter {name}: HTTP {err.code} {answer}"
            if err.code < 500 and "Throttl" not in answer:
                break
        except (OSError, ValueError, KeyError) as err:
            last_error = f"SSM GetParameter {name}: {type(err).__name__}: {err}"
        time.sleep(min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** attempt) * random.uniform(0.5, 1))
    raise ForwardError(last_error)


def _aws_error(err):
    try:
        payload = json.loads(err.read() or b"{}")
    except ValueError:
        return ""
    kind = str(payload.get("__type", "")).rsplit("#", 1)[-1]
    return f"{kind}: {payload.get('message') or payload.get('Message') or ''}".strip(": ")
