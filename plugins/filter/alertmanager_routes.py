# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Filters that turn the inventory's alert routes into Alertmanager routes and SNS receivers."""

from ansible.errors import AnsibleFilterError

ROUTE_KEYS = {"name", "matchers", "topic_arn", "slack_destination", "group_by", "group_wait", "group_interval",
              "repeat_interval", "continue"}
PASSED_TO_ROUTE = ("group_by", "group_wait", "group_interval", "repeat_interval", "continue")


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
    if ("topic_arn" in route) == ("slack_destination" in route):
        raise AnsibleFilterError(f"alerting_routes[{name}]: give either slack_destination (a destination of "
                                 "lambda_slack_destinations, through this host's topic) or topic_arn (another topic)")
    if "topic_arn" in route and (not isinstance(route["topic_arn"], str) or not route["topic_arn"].startswith("arn:")):
        raise AnsibleFilterError(f"alerting_routes[{name}].topic_arn must be an SNS topic ARN")
    if "slack_destination" in route and (not isinstance(route["slack_destination"], str) or not route["slack_destination"]):
        raise AnsibleFilterError(f"alerting_routes[{name}].slack_destination must be a destination name")
    return name


def route_entry(route):
    """The Alertmanager child route for one inventory route."""
    name = _check(route)
    entry = {"receiver": name, "matchers": list(route["matchers"])}
    entry.update({key: route[key] for key in PASSED_TO_ROUTE if key in route})
    return entry


def route_receiver(route, region, attributes=None, topic_arn=None):
    """The SNS receiver for one inventory route.

    A route to a Slack destination publishes to the host's own topic (TOPIC_ARN) with the message
    attribute ``destination``: the forwarder posts it with that destination's webhook. One topic and
    one function serve every channel, so adding a channel adds no AWS resource but its secret.
    """
    name = _check(route)
    config = {"topic_arn": route.get("topic_arn") or topic_arn, "sigv4": {"region": region}}
    attributes = dict(attributes or {})
    if "slack_destination" in route:
        if not topic_arn:
            raise AnsibleFilterError(f"alerting_routes[{name}]: slack_destination needs the host's topic (alerting_topic_arn)")
        attributes["destination"] = route["slack_destination"]
    if attributes:
        config["attributes"] = attributes
    return {"name": name, "sns_configs": [config]}


class FilterModule:
    """amp.alerting filters."""

    def filters(self):
        return {"route_entry": route_entry, "route_receiver": route_receiver}
