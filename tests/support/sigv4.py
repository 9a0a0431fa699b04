"""Requests to a workspace's data plane signed as AMP expects (SigV4, service aps)."""

import urllib.error
import urllib.request

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def signed_request(method, url, access_key, secret_key, session_token=None, body=b"",
                   content_type="application/json", region="us-east-1"):
    """(status, body) of METHOD URL with BODY, signed with the given credentials."""
    request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": content_type})
    SigV4Auth(Credentials(access_key, secret_key, session_token), "aps", region).add_auth(request)
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body or None, method=method,  # noqa: S310
                                                           headers=dict(request.headers)), timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()
