# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whether AWS would allow one request, from the policies that apply to it.

Written here because no Python package evaluates AWS policies as AWS does: moto's IAM access control
(moto/iam/access_control.py) matches only ``AWS`` principals (no service principals such as
``aps.amazonaws.com``), turns a statement whose condition does not hold into an explicit deny, and
checks only equality conditions; policyuniverse and parliament expand or lint policies, they do not
decide requests. The one full evaluator found (@cloud-copilot/iam-simulate) is a Node library.

What is implemented (AWS IAM User Guide, "Policy evaluation logic" and "IAM JSON policy elements"):

- an explicit Deny in any applicable policy wins;
- within one account, an Allow in the identity policies or in the resource policy suffices; across
  accounts both are needed; a service principal has no identity policies, so the resource policy
  decides for it;
- KMS key policies: an identity policy counts only when the key policy delegates to the key's account
  (a statement allowing the account's root for the action);
- Principal / NotPrincipal (``*``, account ids and root ARNs, IAM ARNs, services), Action / NotAction
  (case-insensitive, ``*`` and ``?``), Resource / NotResource (wildcards);
- conditions: String*, Arn*, Bool, Numeric*, Null, the ``IfExists`` suffix and the ``ForAnyValue:`` /
  ``ForAllValues:`` set operators, condition keys case-insensitive; several operators, several keys
  and several values combine as AWS documents (AND, AND, OR; none of the values for negated operators,
  which hold when the key is absent).

Left out, as the collection's policies do not use them: policy variables (``${aws:username}``),
permissions boundaries, session policies, SCPs and RCPs, Date and IpAddress operators (a statement
using one is reported as not understood rather than guessed).

No AWS SDK here: the sandbox and the roles' checks use it without boto3.
"""

import json
import re

from collections import namedtuple

Decision = namedtuple("Decision", ["allowed", "reason"])

_NEGATED = ("StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike",
            "NumericNotEquals")
_NUMERIC = {"NumericEquals": lambda a, b: a == b, "NumericNotEquals": lambda a, b: a == b,
            "NumericLessThan": lambda a, b: a < b, "NumericLessThanEquals": lambda a, b: a <= b,
            "NumericGreaterThan": lambda a, b: a > b, "NumericGreaterThanEquals": lambda a, b: a >= b}

_KNOWN = {"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike",
          "StringNotLike", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Bool", *_NUMERIC}


class PolicyNotUnderstood(ValueError):
    """A policy uses an element or operator this evaluator does not implement."""


class Principal:
    """Who makes the request: ``Principal.service("aps.amazonaws.com")`` or
    ``Principal.iam("arn:aws:iam::123456789012:role/x")`` (an assumed-role session: the role's ARN)."""

    def __init__(self, kind, name, account=None):
        self.kind = kind
        self.name = name
        self.account = account

    @classmethod
    def service(cls, name):
        return cls("Service", name)

    @classmethod
    def iam(cls, arn):
        return cls("AWS", arn, arn.split(":")[4])

    def __repr__(self):
        return self.name


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _document(policy):
    if policy is None:
        return None
    if isinstance(policy, str):
        policy = json.loads(policy)
    return policy


def _wildcard(pattern, value, ignore_case=False):
    # IAM wildcards: '*' any run of characters, '?' one character; nothing else is special.
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL) is not None


def _arn_like(pattern, value):
    # ArnLike compares the six colon-separated parts one by one (the resource part may hold colons).
    pattern_parts, value_parts = pattern.split(":", 5), value.split(":", 5)
    if len(pattern_parts) != 6 or len(value_parts) != 6:
        return False
    return all(_wildcard(p, v) for p, v in zip(pattern_parts, value_parts))


def _action_matches(patterns, action):
    return any(_wildcard(pattern, action, ignore_case=True) for pattern in patterns)


def _resource_matches(patterns, resource):
    return any(_wildcard(pattern, resource) for pattern in patterns)


def _principal_matches(element, principal, account_wide=True):
    if element == "*":
        return True
    if not isinstance(element, dict):
        raise PolicyNotUnderstood(f"Principal {element!r}")
    for kind, names in element.items():
        for name in _as_list(names):
            if name == "*" and kind == "AWS":
                return True
            if kind != principal.kind:
                continue
            if kind == "Service" and name == principal.name:
                return True
            if kind == "AWS":
                account = re.fullmatch(r"(\d{12})|arn:aws[\w-]*:iam::(\d{12}):root", name)
                if account and account_wide and principal.account in account.groups():
                    return True
                if name == principal.name:
                    return True
    return False


def _one_value_matches(operator, wanted, actual):
    base = operator.replace("IfExists", "")
    if base in ("StringEquals", "StringNotEquals"):
        return wanted == actual
    if base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        return wanted.lower() == actual.lower()
    if base in ("StringLike", "StringNotLike"):
        return _wildcard(wanted, actual)
    if base in ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"):
        return _arn_like(wanted, actual)
    if base == "Bool":
        return str(wanted).lower() == str(actual).lower()
    if base in _NUMERIC:
        try:
            return _NUMERIC[base](float(actual), float(wanted))
        except ValueError:
            return False
    raise PolicyNotUnderstood(f"condition operator {operator}")


def _condition_holds(operator, key, wanted_values, context):
    """One operator on one key, as AWS evaluates it. CONTEXT: lower-cased keys to a value or a list."""
    set_operator, _colon, operator_name = operator.rpartition(":")
    wanted_values = [str(v) if not isinstance(v, bool) else str(v).lower() for v in _as_list(wanted_values)]
    present = key.lower() in context
    actual = _as_list(context.get(key.lower()))
    if operator_name == "Null":
        return (not present) == (wanted_values[0].lower() == "true")
    base = operator_name.replace("IfExists", "")
    if base not in _KNOWN or set_operator not in ("", "ForAnyValue", "ForAllValues"):
        raise PolicyNotUnderstood(f"condition operator {operator}")
    negated = base in _NEGATED
    if not present or not actual:
        if set_operator == "ForAllValues":
            return True
        return operator_name.endswith("IfExists") or negated
    if set_operator == "ForAllValues":
        return all(any(_one_value_matches(base, w, a) for w in wanted_values) != negated for a in actual)
    # single-valued keys, and ForAnyValue: one request value matching (none, for negated operators)
    matched = any(_one_value_matches(base, w, a) for w in wanted_values for a in actual)
    return not matched if negated else matched


def _failed_condition(statement, context):
    """None when every condition of STATEMENT holds, else 'Operator key' of the first that does not."""
    for operator, keys in (statement.get("Condition") or {}).items():
        for key, values in keys.items():
            if not _condition_holds(operator, key, values, context):
                shown = context.get(key.lower(), "absent")
                return f"{operator} {key} {_as_list(values)} (the request has {shown})"
    return None


def _applies(statement, action, resource, principal, context, with_principal, account_wide=True):
    """(applies, near_miss): whether STATEMENT covers the request; near_miss names the condition that
    kept an otherwise matching statement out."""
    if "NotAction" in statement:
        if _action_matches(_as_list(statement["NotAction"]), action):
            return False, None
    elif not _action_matches(_as_list(statement.get("Action")), action):
        return False, None
    if "NotResource" in statement:
        if _resource_matches(_as_list(statement["NotResource"]), resource):
            return False, None
    elif "Resource" in statement and not _resource_matches(_as_list(statement["Resource"]), resource):
        return False, None
    if with_principal:
        if "NotPrincipal" in statement:
            if _principal_matches(statement["NotPrincipal"], principal):
                return False, None
        elif not _principal_matches(statement.get("Principal"), principal, account_wide):
            return False, None
    failed = _failed_condition(statement, context)
    return failed is None, failed


def _statements(policy):
    return _as_list((_document(policy) or {}).get("Statement"))


def _scan(policy, label, action, resource, principal, context, with_principal, account_wide=True):
    allows, denies, misses = [], [], []
    for number, statement in enumerate(_statements(policy), start=1):
        applies, near_miss = _applies(statement, action, resource, principal, context, with_principal, account_wide)
        name = f"statement {statement.get('Sid') or number} of the {label}"
        if applies:
            (denies if statement.get("Effect") == "Deny" else allows).append(name)
        elif near_miss and statement.get("Effect") == "Allow":
            misses.append(f"{name} needs {near_miss}")
    return allows, denies, misses


def evaluate(action, resource, principal, context=None, identity_policies=(), resource_policy=None,
             resource_account=None, resource_label="resource policy", key_policy=False):
    """Decision(allowed, reason) for PRINCIPAL calling ACTION on RESOURCE.

    CONTEXT holds the request's condition keys (``aws:SourceArn``, ``aws:SourceAccount``,
    ``aws:SecureTransport``, ...). RESOURCE_ACCOUNT (default: the resource ARN's account) decides
    whether the request crosses accounts. KEY_POLICY marks RESOURCE_POLICY as a KMS key policy.
    """
    context = {str(k).lower(): v for k, v in (context or {}).items()}
    resource_account = resource_account or (resource.split(":")[4] if resource.count(":") >= 5 else None)
    identity_allows, identity_denies, identity_misses = [], [], []
    for index, policy in enumerate(identity_policies, start=1):
        allows, denies, misses = _scan(policy, f"identity policy {index}", action, resource, principal, context, False)
        identity_allows += allows
        identity_denies += denies
        identity_misses += misses
    resource_allows, resource_denies, resource_misses = _scan(resource_policy, resource_label, action, resource,
                                                              principal, context, True)
    denies = identity_denies + resource_denies
    if denies:
        return Decision(False, f"explicit deny: {denies[0]}")
    if key_policy and principal.kind == "AWS":
        # A key policy statement for the key's account (its root) enables IAM policies; it allows no
        # user or role by itself (AWS KMS developer guide, "Default key policy").
        resource_allows = _scan(resource_policy, resource_label, action, resource, principal, context, True,
                                account_wide=False)[0]
    if key_policy:
        delegated = any(_applies(s, action, resource, Principal.iam(f"arn:aws:iam::{resource_account}:root"),
                                 context, True)[0] for s in _statements(resource_policy) if s.get("Effect") != "Deny")
        identity_allows = identity_allows if delegated and principal.account == resource_account else []
    same_account = principal.kind == "AWS" and principal.account == resource_account
    if principal.kind == "Service":
        allowed = bool(resource_allows)
    elif same_account:
        allowed = bool(identity_allows or resource_allows)
    else:
        allowed = bool(identity_allows and resource_allows)
    if allowed:
        return Decision(True, f"allowed by {(resource_allows or identity_allows)[0]}")
    misses = resource_misses + identity_misses
    if principal.kind == "AWS" and not same_account and (identity_allows or resource_allows):
        missing = "the resource policy" if identity_allows else "an identity policy of the caller"
        return Decision(False, f"cross-account request: {missing} must allow {action} as well")
    reason = f"no statement allows {action} on {resource} for {principal}"
    return Decision(False, f"{reason}: {misses[0]}" if misses else reason)
