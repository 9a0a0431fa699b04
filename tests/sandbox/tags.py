"""AWS's tag rules, which moto 5.2.5 does not enforce: a request whose tags AWS would refuse is answered
with the service's validation error before it reaches moto.

The rules are the same for every service the collection tags (Tagging AWS Resources, "Tag naming
limits and requirements"; the TagKey / TagValue shapes of botocore's amp, lambda, logs and ssm models):
at most 50 tags; keys of 1-128 and values of 0-256 Unicode letters, digits, spaces and _ . : / = + - @;
no key starting with aws: in any case.
"""

import json
import re
import unicodedata

TAGS_MAX = 50
KEY_MAX = 128
VALUE_MAX = 256
SYMBOLS = set("_.:/=+-@")
# Flattened query-protocol tags: Tags.member.1.Key (SNS, IAM), Tag.1.Key (SQS's CreateQueue).
_FLAT = re.compile(r"^Tags?\.(?:member\.|entry\.)?(\d+)\.(Key|Value)$")
# What each service calls the error (query protocol: the Code; JSON protocols: __type).
ERROR_CODES = {"sns": "InvalidParameter", "iam": "InvalidInput", "sqs": "InvalidParameterValue",
               "lambda": "InvalidParameterValueException", "kms": "TagException", "ssm": "InvalidParameterValue"}


def tags_of(params):
    """(key, value) of every tag a request sets, whatever the protocol's shape of them."""
    found = []
    for name in ("tags", "Tags", "Tag"):
        value = params.get(name)
        if isinstance(value, dict):
            found += [(str(key), "" if item is None else str(item)) for key, item in value.items()]
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    key = item.get("Key", item.get("TagKey"))
                    found.append((str(key), str(item.get("Value", item.get("TagValue", "")) or "")))
    flat = {}
    for name, value in params.items():
        match = _FLAT.match(name)
        if match:
            flat.setdefault(match.group(1), {})[match.group(2)] = value
    found += [(entry.get("Key", ""), entry.get("Value", "")) for _index, entry in sorted(flat.items())]
    return found


def _odd_characters(text):
    return sorted({char for char in text if char not in SYMBOLS and unicodedata.category(char)[0] not in "LZN"})


def tag_violation(tags):
    """AWS's words for the first rule the tags break; None when AWS takes them."""
    if len(tags) > TAGS_MAX:
        return f"1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have at most {TAGS_MAX} entries"
    for key, value in tags:
        if not 1 <= len(key) <= KEY_MAX:
            return (f"1 validation error detected: Value '{key}' at 'tags' failed to satisfy constraint: Member must "
                    f"have length between 1 and {KEY_MAX}")
        if key.lower().startswith("aws:"):
            return f"Tag keys starting with 'aws:' are reserved for system use: '{key}'"
        if len(value) > VALUE_MAX:
            return (f"1 validation error detected: Value at 'tags.{key}' failed to satisfy constraint: Member must "
                    f"have length less than or equal to {VALUE_MAX}")
        if _odd_characters(key) or _odd_characters(value):
            return (f"1 validation error detected: Value at 'tags.{key}' failed to satisfy constraint: Member must "
                    r"satisfy regular expression pattern: ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$")
    return None


def refuse_bad_tags(model, service, params):
    """(status, headers, payload) of the service's validation error when the request sets tags AWS
    refuses; None otherwise."""
    message = tag_violation(tags_of(params))
    if message is None:
        return None
    code = ERROR_CODES.get(service, "ValidationException")
    if model.protocol == "query":
        payload = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{_xml(message)}</Message>"
                   "</Error><RequestId>sandbox-tags</RequestId></ErrorResponse>").encode()
        return 400, [("Content-Type", "text/xml"), ("Content-Length", str(len(payload)))], payload
    payload = json.dumps({"__type": code, "message": message, "Message": message}).encode()
    headers = [("Content-Type", "application/x-amz-json-1.1" if model.protocol == "json" else "application/json"),
               ("x-amzn-ErrorType", code), ("Content-Length", str(len(payload)))]
    if service == "sqs":
        headers.append(("x-amzn-query-error", f"{code};Sender"))
    return 400, headers, payload


def _xml(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
