# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that turn the inventory's alert routes into Alertmanager routes and their receivers (SNS, PagerDuty)."""

from ansible.errors import AnsibleFilterError

ROUTE_KEYS = {"name", "matchers", "topic_arn", "slack_destination", "pagerduty_destination", "group_by", "group_wait",
              "group_interval", "repeat_interval", "continue"}
TARGETS = ("slack_destination", "topic_arn", "pagerduty_destination")
PASSED_TO_ROUTE = ("group_by", "group_wait", "group_interval", "repeat_interval", "continue")
# PagerDuty's Events API v2 takes these severities only; they are also the role's default levels. An
# alert of a level of the team's own (e.g. page) opens a critical incident rather than a refused event.
PAGERDUTY_SEVERITY = ('{{ if eq .CommonLabels.severity "critical" "error" "warning" "info" }}'
                      '{{ .CommonLabels.severity }}{{ else }}critical{{ end }}')
PAGERDUTY_DESCRIPTION = ('{{ .CommonLabels.alertname }}{{ with .CommonAnnotations.summary }}: {{ . }}{{ end }}'
                         '{{ if gt (len .Alerts.Firing) 1 }} ({{ len .Alerts.Firing }} alerts){{ end }}')


def _check(route):
    if not isinstance(route, dict):
        raise AnsibleFilterError(f"alerting_routes: every route must be a mapping, got {route!r}")
    name = route.get("name")
    if not isinstance(name, str) or not name:
        raise AnsibleFilterError(f"alerting_routes: every route needs a 'name', got {route!r}")
    unknown = sorted(set(route) - ROUTE_KEYS)
    if unknown:
        raise AnsibleFilterError(f"alerting_routes[{name}]: unknown key(s) {', '.join(unknown)}")
    matchers = route.get("matchers")
    if not isinstance(matchers, list) or not matchers or not all(isinstance(item, str) for item in matchers):
        raise AnsibleFilterError(f"alerting_routes[{name}].matchers must be a non-empty list of strings such as 'severity=\"critical\"'")
    if sum(target in route for target in TARGETS) != 1:
        raise AnsibleFilterError(f"alerting_routes[{name}]: give one of slack_destination (a destination of "
                                 "lambda_slack_destinations, through this host's topic), topic_arn (another topic) or "
                                 "pagerduty_destination (a destination of alerting_pagerduty_destinations)")
    if "topic_arn" in route and (not isinstance(route["topic_arn"], str) or not route["topic_arn"].startswith("arn:")):
        raise AnsibleFilterError(f"alerting_routes[{name}].topic_arn must be an SNS topic ARN")
    for target in ("slack_destination", "pagerduty_destination"):
        if target in route and (not isinstance(route[target], str) or not route[target]):
            raise AnsibleFilterError(f"alerting_routes[{name}].{target} must be a destination name")
    return name


def route_entry(route):
    """The Alertmanager child route for one inventory route."""
    name = _check(route)
    entry = {"receiver": name, "matchers": list(route["matchers"])}
    entry.update({key: route[key] for key in PASSED_TO_ROUTE if key in route})
    return entry


def route_receiver(route, region, attributes=None, topic_arn=None, pagerduty_keys=None):
    """The receiver for one inventory route.

    A route to a Slack destination publishes to the host's own topic (TOPIC_ARN) with the message
    attribute ``destination``: the forwarder posts it with that destination's webhook. One topic and
    one function serve every channel, so adding a channel adds no AWS resource but its secret.
    A route to a PagerDuty destination is AMP's own PagerDuty receiver, its key read by AMP from the
    Secrets Manager secret PAGERDUTY_KEYS names for it ({destination: {secret_arn, secret_key,
    refresh_interval}}).
    """
    name = _check(route)
    if "pagerduty_destination" in route:
        reference = (pagerduty_keys or {}).get(route["pagerduty_destination"])
        if not reference:
            raise AnsibleFilterError(f"alerting_routes[{name}].pagerduty_destination: {route['pagerduty_destination']!r} "
                                     "is not a destination of alerting_pagerduty_destinations")
        return {"name": name, "pagerduty_configs": [{
            "routing_key": {"aws_secrets_manager": dict(reference)}, "send_resolved": True,
            "description": PAGERDUTY_DESCRIPTION, "severity": PAGERDUTY_SEVERITY,
            "details": {"firing": "{{ .Alerts.Firing | len }}", "status": "{{ .Status }}"}}]}
    config = {"topic_arn": route.get("topic_arn") or topic_arn, "sigv4": {"region": region}}
    attributes = dict(attributes or {})
    if "slack_destination" in route:
        if not topic_arn:
            raise AnsibleFilterError(f"alerting_routes[{name}]: slack_destination needs the host's topic (alerting_topic_arn)")
        attributes["destination"] = route["slack_destination"]
    if attributes:
        config["attributes"] = attributes
    return {"name": name, "sns_configs": [config]}


def pagerduty_keys(destinations, owned, prefix, partition, region, account, refresh_interval):
    """Per PagerDuty destination, the Secrets Manager reference AMP reads its key with.

    A destination given a ``secret_arn`` is used as it is (``secret_key`` defaults to routing_key); one
    given a ``routing_key`` reads the secret this role keeps for it: its ARN from OWNED (the secrets
    found or written, each with ``name`` and ``arn``), or, before it exists (check mode), the partial ARN
    Secrets Manager resolves by name."""
    arns = {secret["name"]: secret["arn"] for secret in owned or [] if secret.get("name") and secret.get("arn")}
    references = {}
    for name, destination in sorted((destinations or {}).items()):
        destination = destination if isinstance(destination, dict) else {}
        if destination.get("secret_arn"):
            arn, field = destination["secret_arn"], destination.get("secret_key") or "routing_key"
        else:
            secret_name = f"{prefix}{name}"
            arn = arns.get(secret_name) or f"arn:{partition}:secretsmanager:{region}:{account}:secret:{secret_name}"
            field = "routing_key"
        references[str(name)] = {"secret_arn": arn, "secret_key": field, "refresh_interval": refresh_interval}
    return references


def pagerduty_secret_policy(workspace_arn):
    """The resource policy of a secret AMP reads a PagerDuty key from: aps.amazonaws.com, for this
    workspace only (aws:SourceArn, aws:SourceAccount - AWS's guard against the confused deputy)."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "AmpReadsPagerDutyKey", "Effect": "Allow", "Principal": {"Service": "aps.amazonaws.com"},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*",
        "Condition": {"ArnEquals": {"aws:SourceArn": workspace_arn},
                      "StringEquals": {"aws:SourceAccount": workspace_arn.split(":")[4]}}}]}


class FilterModule:
    """amp.alerting filters."""

    def filters(self):
        return {"route_entry": route_entry, "route_receiver": route_receiver, "pagerduty_keys": pagerduty_keys,
                "pagerduty_secret_policy": pagerduty_secret_policy}
