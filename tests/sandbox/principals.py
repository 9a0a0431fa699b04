"""IAM users for the tests, made behind the API: ``POST /_sandbox/principal``.

A test that runs a playbook as a least-privilege user needs that user first. Made through IAM's API,
its calls (CreateUser, CreatePolicy, ...) would land in the request log the test then reads for the
playbook's own calls; made here, directly in moto's IAM, they do not - as an administrator's set-up
does not appear in the deployer's CloudTrail. The same name, path and documents give the same key
until a reset removes the user.
"""

import hashlib
import json
import threading

_LOCK = threading.Lock()
_KEYS = {}  # (account, name, documents digest) -> (access key id, secret)


def ensure(spec):
    """{"name", "documents": [policy documents], "path", "account"} -> {"access_key_id", "secret_access_key", "arn"}:
    a user holding each document as a managed policy of its own."""
    from moto.iam.models import iam_backends  # pylint: disable=import-outside-toplevel

    name, path = spec["name"], spec.get("path", "/test/")
    account = spec.get("account", "123456789012")
    documents = spec.get("documents") or []
    digest = hashlib.sha256(json.dumps([path, documents], sort_keys=True).encode()).hexdigest()
    backend = iam_backends[account]["global"]
    with _LOCK:
        known = _KEYS.get((account, name, digest))
        user = backend.users.get(name)
        if known and user is not None and any(key.access_key_id == known[0] for key in user.access_keys):
            return {"access_key_id": known[0], "secret_access_key": known[1], "arn": user.arn}
        if user is not None:
            raise ValueError(f"user {name} exists with other policies: give it another name")
        user = backend.create_user("us-east-1", name, path)
        for number, document in enumerate(documents, 1):
            policy = backend.create_policy(f"policy of {name}", path, json.dumps(document), f"{name}-{number}", [])
            backend.attach_user_policy(policy.arn, name)
        key = backend.create_access_key(name)
        _KEYS[(account, name, digest)] = (key.access_key_id, key.secret_access_key)
        return {"access_key_id": key.access_key_id, "secret_access_key": key.secret_access_key, "arn": user.arn}
