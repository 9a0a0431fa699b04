#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: amp_silence
version_added: 0.2.0
short_description: Create, extend or expire a silence on an AMP workspace's alertmanager
description:
  - Silences the alerts that match O(matchers) for a while, through the workspace's alertmanager API
    (AMP's C(PutAlertManagerSilences), C(ListAlertManagerSilences), C(DeleteAlertManagerSilence)),
    signed with SigV4 (service C(aps)).
  - A silence is identified by its matchers and its O(comment). When an active or pending silence with
    the same matchers and comment exists, it is reused; it is extended when it would end earlier than
    asked (more than O(tolerance_seconds) earlier), never duplicated. So a maintenance playbook can run
    this task again, or twice, and the workspace holds one silence.
  - O(state=absent) expires the silences with these matchers and comment (or the one O(silence_id)
    names); an expired silence stays listed by Alertmanager until it is garbage-collected.
  - Needs C(aps:ListAlertManagerSilences), C(aps:GetAlertManagerSilence), C(aps:PutAlertManagerSilences)
    and C(aps:DeleteAlertManagerSilence) on the workspace.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  state:
    description: C(present) makes sure the silence is in effect until O(ends_at); C(absent) expires it.
    type: str
    choices: [present, absent]
    default: present
  matchers:
    description:
      - The alerts to silence, in Alertmanager's matcher syntax (C(=), C(!=), C(=~), C(!~)), e.g.
        C(service="payments") or C(alertname=~"Host.*"); several in one string are allowed
        (C({env="prod", team="sre"})).
      - Regular expressions are anchored and use Go's RE2 syntax, as Alertmanager's.
      - At least one matcher must not match an empty label, as Alertmanager requires (a silence of
        everything is refused).
      - Required unless O(state=absent) with O(silence_id).
    type: list
    elements: str
  comment:
    description:
      - Why the alerts are silenced (shown in Alertmanager and Grafana); with the matchers, what
        identifies the silence for the next run.
      - Required unless O(state=absent) with O(silence_id).
    type: str
  created_by:
    description: Who made the silence.
    type: str
    default: amp.alerting
  starts_at:
    description:
      - When the silence starts, as an ISO 8601 date and time with a time zone
        (C(2026-11-25T22:00:00Z), C(2026-11-25T23:00:00+01:00)). Default now.
    type: str
  ends_at:
    description:
      - When it ends (ISO 8601, with a time zone). Exactly one of O(ends_at) and O(duration) is
        required for O(state=present).
    type: str
  duration:
    description:
      - How long it lasts from O(starts_at), as a Prometheus duration (C(30m), C(2h), C(1h30m)).
    type: str
  tolerance_seconds:
    description:
      - An existing silence that ends at most this much earlier than asked is kept as it is, so that
        re-running a task with O(duration) a minute later changes nothing.
    type: int
    default: 300
  silence_id:
    description:
      - With O(state=absent), expire this silence (whatever its matchers).
    type: str
requirements:
  - google-re2 >= 1.1 (recommended - regex matchers are checked with Go's RE2 syntax, as Alertmanager reads them)
notes:
  - Check mode calls no write API; the result and the diff say what would change.
  - Times are compared and returned in UTC.
extends_documentation_fragment:
  - amp.alerting.workspace
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Silence the payments service for the length of a deploy
  amp.alerting.amp_silence:
    workspace_alias: prod-eu
    matchers:
      - service="payments"
    duration: 45m
    comment: "CHG-1234 payments deploy"
    created_by: "{{ lookup('ansible.builtin.env', 'USER') }}"
  register: deploy_silence

- name: Quiet every warning of the batch cluster on Saturday night
  amp.alerting.amp_silence:
    workspace_alias: prod-eu
    matchers:
      - '{cluster="batch", severity=~"warning|info"}'
    starts_at: "2026-11-28T22:00:00Z"
    ends_at: "2026-11-29T04:00:00Z"
    comment: "batch cluster maintenance"

- name: End the deploy silence
  amp.alerting.amp_silence:
    workspace_alias: prod-eu
    matchers:
      - service="payments"
    comment: "CHG-1234 payments deploy"
    state: absent
"""

RETURN = r"""
workspace_id:
  description: The workspace.
  returned: always
  type: str
  sample: ws-0123abcd-0123-4567-89ab-0123456789ab
silence_id:
  description: The silence in effect (made, extended or reused); empty in check mode when it would be made.
  returned: when state is present
  type: str
  sample: 512860da-74f3-43c9-8833-cec026542b32
silence:
  description: The silence as it is (or would be) after the task.
  returned: when state is present
  type: dict
  contains:
    id:
      description: Its id.
      type: str
    matchers:
      description: Its matchers, as Alertmanager prints them.
      type: list
      elements: str
      sample: ['service="payments"']
    starts_at:
      description: Start, UTC.
      type: str
      sample: "2026-11-25T21:00:00Z"
    ends_at:
      description: End, UTC.
      type: str
      sample: "2026-11-25T21:45:00Z"
    comment:
      description: Its comment.
      type: str
    created_by:
      description: Its author.
      type: str
    state:
      description: Alertmanager's state (C(active), C(pending), C(expired)).
      type: str
expired:
  description: The ids of the silences expired (or that would be, in check mode).
  returned: when state is absent
  type: list
  elements: str
"""

import datetime

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_MUTUALLY_EXCLUSIVE
from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_REQUIRED_ONE_OF
from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp import Outcome
from ansible_collections.amp.alerting.plugins.module_utils.amp import alertmanager_api
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_client
from ansible_collections.amp.alerting.plugins.module_utils.amp import exit_with
from ansible_collections.amp.alerting.plugins.module_utils.amp import fail_on_problems
from ansible_collections.amp.alerting.plugins.module_utils.amp import require_workspace
from ansible_collections.amp.alerting.plugins.module_utils.amp import workspace_options
from ansible_collections.amp.alerting.plugins.module_utils.amp import workspace_view
from ansible_collections.amp.alerting.plugins.module_utils.amp_alertmanager_config import matcher_text
from ansible_collections.amp.alerting.plugins.module_utils.amp_alertmanager_config import matches_empty
from ansible_collections.amp.alerting.plugins.module_utils.amp_alertmanager_config import parse_matchers
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import duration_seconds
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import is_duration

IN_EFFECT = ("active", "pending")


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def parse_time(text, field):
    """An ISO 8601 date and time with a time zone, in UTC; Alertmanager's own answers end in Z."""
    try:
        value = datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise AmpError(f"{field}: {text!r} is not an ISO 8601 date and time such as 2026-11-25T22:00:00Z") from exc
    if value.tzinfo is None:
        raise AmpError(f"{field}: {text!r} has no time zone; add Z for UTC or an offset such as +01:00")
    return value.astimezone(datetime.timezone.utc)


def time_text(value):
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def wanted_silence(params, now):
    """The silence the task asks for, checked as Alertmanager checks it, before any call."""
    matchers = parse_matchers(params["matchers"] or [], "matchers")
    if not matchers:
        raise AmpError("matchers: at least one matcher is required")
    if all(matches_empty(matcher) for matcher in matchers):
        raise AmpError("matchers: every matcher also matches alerts without the label; Alertmanager requires "
                       "at least one that does not (a silence of everything)")
    if not (params["comment"] or "").strip():
        raise AmpError("comment: a silence needs a comment (it says why, and identifies the silence)")
    if not params["created_by"].strip():
        raise AmpError("created_by: must not be empty")
    starts = parse_time(params["starts_at"], "starts_at") if params["starts_at"] else now
    if params["duration"] is not None:
        if not is_duration(params["duration"]) or duration_seconds(params["duration"]) <= 0:
            raise AmpError(f"duration: {params['duration']!r} is not a positive Prometheus duration such as 30m or 2h")
        ends = starts + datetime.timedelta(seconds=duration_seconds(params["duration"]))
    else:
        ends = parse_time(params["ends_at"], "ends_at")
    if ends <= now:
        raise AmpError(f"ends_at: {time_text(ends)} is in the past; the silence would be expired at once")
    if ends <= starts:
        raise AmpError(f"ends_at: {time_text(ends)} is not after starts_at {time_text(starts)}")
    return {"matchers": matchers, "startsAt": starts, "endsAt": ends,
            "createdBy": params["created_by"], "comment": params["comment"]}


def matcher_key(matchers):
    return sorted((m["name"], m["value"], bool(m["isRegex"]), m.get("isEqual", True) is not False) for m in matchers)


def same_silence(silence, matchers, comment):
    return (silence["status"]["state"] in IN_EFFECT and silence.get("comment") == comment
            and matcher_key(silence["matchers"]) == matcher_key(matchers))


def silence_view(silence):
    return {
        "id": silence.get("id", ""),
        "matchers": [matcher_text(m) for m in silence["matchers"]],
        "starts_at": time_text(parse_time(silence["startsAt"], "startsAt")),
        "ends_at": time_text(parse_time(silence["endsAt"], "endsAt")),
        "comment": silence.get("comment", ""),
        "created_by": silence.get("createdBy", ""),
        "state": silence.get("status", {}).get("state", "pending"),
    }


def list_silences(module, workspace):
    return alertmanager_api(module, workspace, "silences", "listing the alertmanager silences") or []


def put_silence(module, workspace, body):
    answer = alertmanager_api(module, workspace, "silences", "putting a silence on the alertmanager",
                              method="POST", payload=body)
    return (answer or {}).get("silenceID", "")


def ensure_present(module, workspace, wanted, now):
    params = module.params
    current = [s for s in list_silences(module, workspace) if same_silence(s, wanted["matchers"], wanted["comment"])]
    tolerance = datetime.timedelta(seconds=params["tolerance_seconds"])
    # The one ending last is kept; later runs find that one again.
    current.sort(key=lambda s: parse_time(s["endsAt"], "endsAt"), reverse=True)
    existing = current[0] if current else None
    if existing is not None:
        ends = parse_time(existing["endsAt"], "endsAt")
        starts = parse_time(existing["startsAt"], "startsAt")
        if ends >= wanted["endsAt"] - tolerance and (params["starts_at"] is None or starts <= wanted["startsAt"] + tolerance):
            view = silence_view(existing)
            return Outcome(False, view, view, {"before": view, "after": view})
        before = silence_view(existing)
        # Alertmanager extends an active silence in place only when its start is unchanged.
        body = dict(existing_fields(existing), endsAt=time_text(max(ends, wanted["endsAt"])), createdBy=wanted["createdBy"])
        if existing["status"]["state"] == "pending":
            body["startsAt"] = time_text(wanted["startsAt"])
    else:
        before = {}
        body = {"matchers": wanted["matchers"], "startsAt": time_text(wanted["startsAt"]),
                "endsAt": time_text(wanted["endsAt"]), "createdBy": wanted["createdBy"], "comment": wanted["comment"]}
    after = silence_view(dict(body, status={"state": "active" if parse_time(body["startsAt"], "startsAt") <= now else "pending"}))
    if not module.check_mode:
        after["id"] = put_silence(module, workspace, body)
    return Outcome(True, before, after, {"before": before, "after": after})


def existing_fields(silence):
    return {key: silence[key] for key in ("id", "matchers", "startsAt", "endsAt", "createdBy", "comment")}


def ensure_absent(module, workspace, matchers):
    params = module.params
    silences = list_silences(module, workspace)
    if params["silence_id"]:
        doomed = [s for s in silences if s["id"] == params["silence_id"] and s["status"]["state"] in IN_EFFECT]
    else:
        doomed = [s for s in silences if same_silence(s, matchers, params["comment"])]
    before = [silence_view(s) for s in doomed]
    if doomed and not module.check_mode:
        for silence in doomed:
            alertmanager_api(module, workspace, f"silence/{silence['id']}", f"expiring silence {silence['id']}", method="DELETE")
    return Outcome(bool(doomed), before, [], {"before": before, "after": []})


def problems(params):
    """What the task cannot mean, each naming the option, before any call."""
    found = []
    if params["state"] == "present":
        if params["silence_id"]:
            found.append("silence_id: only for state=absent; a silence is found by its matchers and comment")
        if (params["ends_at"] is None) == (params["duration"] is None):
            found.append("ends_at / duration: exactly one of them is required for state=present")
        if not params["matchers"]:
            found.append("matchers: required for state=present")
    elif not params["silence_id"] and (not params["matchers"] or not params["comment"]):
        found.append("matchers and comment: state=absent needs both (or silence_id) to know which silence to expire")
    if params["tolerance_seconds"] < 0:
        found.append("tolerance_seconds: must not be negative")
    return found


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        matchers=dict(type="list", elements="str"),
        comment=dict(type="str"),
        created_by=dict(type="str", default="amp.alerting"),
        starts_at=dict(type="str"),
        ends_at=dict(type="str"),
        duration=dict(type="str"),
        tolerance_seconds=dict(type="int", default=300),
        silence_id=dict(type="str"),
        **workspace_options(),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        mutually_exclusive=WORKSPACE_MUTUALLY_EXCLUSIVE + [("ends_at", "duration")],
        required_one_of=WORKSPACE_REQUIRED_ONE_OF,
        supports_check_mode=True,
    )
    fail_on_problems(module, problems(module.params))
    try:
        # The matchers and times are parsed as Alertmanager parses them, before any call.
        now = utc_now()
        present = module.params["state"] == "present"
        wanted = wanted_silence(module.params, now) if present else None
        matchers = None if present or module.params["silence_id"] else parse_matchers(module.params["matchers"], "matchers")
        workspace = workspace_view(require_workspace(amp_client(module), module.params["workspace_id"],
                                                     module.params["workspace_alias"]))
        outcome = ensure_present(module, workspace, wanted, now) if present else ensure_absent(module, workspace, matchers)
    except AmpError as e:
        module.fail_json_aws_error(e)
    if present:
        exit_with(module, outcome, workspace_id=workspace["workspace_id"], silence_id=outcome.after.get("id", ""),
                  silence=outcome.after)
    else:
        exit_with(module, outcome, workspace_id=workspace["workspace_id"], expired=[s["id"] for s in outcome.before])


if __name__ == "__main__":
    main()
