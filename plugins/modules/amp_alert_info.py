#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: amp_alert_info
version_added: 0.2.0
short_description: The alerts and alert groups an AMP workspace's alertmanager holds now
description:
  - Lists the alerts of the workspace's alertmanager (AMP's C(ListAlertManagerAlerts)) and, when asked,
    its alert groups (C(ListAlertManagerAlertGroups)), filtered by matchers and by state, through the
    alertmanager API signed with SigV4 (service C(aps)).
  - Made for gates in playbooks, e.g. "no critical alert of this service is firing" before a deploy,
    or "the alert is silenced" after a maintenance silence.
  - Needs C(aps:ListAlertManagerAlerts) (and C(aps:ListAlertManagerAlertGroups) with O(groups)) on the workspace.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  matchers:
    description:
      - Only the alerts that match every matcher, in Alertmanager's syntax (C(severity="critical"),
        C(service=~"api|web"), C(team!="qa")); checked like the alertmanager configuration's matchers.
    type: list
    elements: str
    default: []
  active:
    description: Include the alerts that are neither silenced nor inhibited (they notify).
    type: bool
    default: true
  silenced:
    description: Include the alerts a silence mutes.
    type: bool
    default: true
  inhibited:
    description: Include the alerts an inhibit rule mutes.
    type: bool
    default: true
  receiver:
    description: Only the alerts routed to a receiver whose name matches this regular expression.
    type: str
  groups:
    description: Also return the alert groups (how the alerts are grouped into notifications).
    type: bool
    default: false
extends_documentation_fragment:
  - amp.alerting.workspace
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Critical alerts of the payments service that notify right now
  amp.alerting.amp_alert_info:
    workspace_alias: prod-eu
    matchers:
      - severity="critical"
      - service="payments"
    silenced: false
    inhibited: false
  register: payments_critical

- name: Deploy only when none is firing
  ansible.builtin.assert:
    that: payments_critical.alerts | length == 0
    fail_msg: "{{ payments_critical.alerts | map(attribute='labels.alertname') | join(', ') }} firing: not deploying"
"""

RETURN = r"""
workspace_id:
  description: The workspace.
  returned: always
  type: str
  sample: ws-0123abcd-0123-4567-89ab-0123456789ab
alerts:
  description: The alerts, oldest first.
  returned: always
  type: list
  elements: dict
  contains:
    labels:
      description: The alert's labels.
      type: dict
    annotations:
      description: Its annotations.
      type: dict
    state:
      description: C(active) (notifies), C(suppressed) (silenced or inhibited) or C(unprocessed).
      type: str
    silenced_by:
      description: The ids of the silences that mute it.
      type: list
      elements: str
    inhibited_by:
      description: The fingerprints of the alerts that inhibit it.
      type: list
      elements: str
    starts_at:
      description: When it started firing.
      type: str
    ends_at:
      description: When Alertmanager considers it resolved unless it is sent again.
      type: str
    fingerprint:
      description: Alertmanager's fingerprint of its labels.
      type: str
    receivers:
      description: The receivers it is routed to.
      type: list
      elements: str
counts:
  description: How many alerts are in each state.
  returned: always
  type: dict
  sample: {"active": 1, "suppressed": 2, "unprocessed": 0}
groups:
  description: The alert groups (labels, receiver, and the fingerprints of their alerts).
  returned: when O(groups=true)
  type: list
  elements: dict
  sample: [{"labels": {"alertname": "HostDown"}, "receiver": "sns-default", "alerts": ["375eab7b59892505"]}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_MUTUALLY_EXCLUSIVE
from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_REQUIRED_ONE_OF
from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp import alertmanager_api
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_client
from ansible_collections.amp.alerting.plugins.module_utils.amp import require_workspace
from ansible_collections.amp.alerting.plugins.module_utils.amp import workspace_options
from ansible_collections.amp.alerting.plugins.module_utils.amp import workspace_view
from ansible_collections.amp.alerting.plugins.module_utils.amp_alertmanager_config import check_regexp
from ansible_collections.amp.alerting.plugins.module_utils.amp_alertmanager_config import matcher_text
from ansible_collections.amp.alerting.plugins.module_utils.amp_alertmanager_config import parse_matchers


def alert_query(params):
    """The query AMP's alertmanager API takes: one 'filter' per matcher, booleans as true/false."""
    query = [("filter", matcher_text(m)) for m in parse_matchers(params["matchers"], "matchers")]
    query += [(name, "true" if params[name] else "false") for name in ("active", "silenced", "inhibited")]
    if params["receiver"]:
        check_regexp(params["receiver"], "receiver")
        query.append(("receiver", params["receiver"]))
    return query


def alert_view(alert):
    status = alert.get("status") or {}
    return {
        "labels": alert.get("labels") or {},
        "annotations": alert.get("annotations") or {},
        "state": status.get("state", ""),
        "silenced_by": status.get("silencedBy") or [],
        "inhibited_by": status.get("inhibitedBy") or [],
        "starts_at": alert.get("startsAt", ""),
        "ends_at": alert.get("endsAt", ""),
        "fingerprint": alert.get("fingerprint", ""),
        "receivers": [r.get("name", "") for r in alert.get("receivers") or []],
    }


def group_view(group):
    return {
        "labels": group.get("labels") or {},
        "receiver": (group.get("receiver") or {}).get("name", ""),
        "alerts": [a.get("fingerprint", "") for a in group.get("alerts") or []],
    }


def main():
    argument_spec = dict(
        matchers=dict(type="list", elements="str", default=[]),
        active=dict(type="bool", default=True),
        silenced=dict(type="bool", default=True),
        inhibited=dict(type="bool", default=True),
        receiver=dict(type="str"),
        groups=dict(type="bool", default=False),
        **workspace_options(),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=WORKSPACE_MUTUALLY_EXCLUSIVE,
        required_one_of=WORKSPACE_REQUIRED_ONE_OF,
        supports_check_mode=True,
    )
    try:
        query = alert_query(module.params)  # bad matchers are named before any call
        workspace = workspace_view(require_workspace(amp_client(module), module.params["workspace_id"],
                                                     module.params["workspace_alias"]))
        alerts = alertmanager_api(module, workspace, "alerts", "listing the alertmanager alerts", query=query) or []
        alerts = sorted((alert_view(a) for a in alerts), key=lambda a: (a["starts_at"], a["fingerprint"]))
        result = {"workspace_id": workspace["workspace_id"], "alerts": alerts,
                  "counts": {state: sum(1 for a in alerts if a["state"] == state)
                             for state in ("active", "suppressed", "unprocessed")}}
        if module.params["groups"]:
            groups = alertmanager_api(module, workspace, "alerts/groups", "listing the alertmanager alert groups",
                                      query=query) or []
            result["groups"] = [group_view(g) for g in groups]
    except AmpError as e:
        module.fail_json_aws_error(e)
    else:
        module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
