"""A PagerDuty Events API stand-in: what AMP's PagerDuty receivers send, recorded for the tests.

A workspace's Alertmanager copy posts its PagerDuty notifications here (dataplane.alertmanager_files sets
``url``): Events API v2 (``routing_key``, ``event_action`` trigger/resolve, ``dedup_key``) and v1
(``service_key``, ``event_type``, ``incident_key``). Each accepted event is kept, normalised to v2's
names, and answered as PagerDuty answers (v2: 202 with the dedup_key; v1: 200 with the incident_key).

When AMP could not read a receiver's key (authorization.secret_for_aps), the copy carries a
stand-in key naming that failure instead: a notification with it is not delivered; it is recorded
where AMP records a SecretFetchFailure and answered 403, so Alertmanager counts it failed and retries.

  POST   /_sandbox/pagerduty/v2/enqueue, /_sandbox/pagerduty/v1/create_event.json  (from Alertmanager)
  GET    /_sandbox/pagerduty   -> the events received, oldest first
  DELETE /_sandbox/pagerduty   -> forget them
"""

import itertools
import json
import threading
import time

from . import authorization

_LOCK = threading.Lock()
EVENTS = []
_FAILURES = {}  # stand-in key -> (workspace id, failure)
_COUNTER = itertools.count(1)
UNREADABLE_PREFIX = "sandbox-unreadable-secret-"


def unreadable_key(workspace_id, failure):
    """The key a receiver gets when AMP cannot read its secret; the same failure keeps the same key."""
    with _LOCK:
        for key, known in _FAILURES.items():
            if known == (workspace_id, failure):
                return key
        key = f"{UNREADABLE_PREFIX}{next(_COUNTER)}"
        _FAILURES[key] = (workspace_id, failure)
        return key


def receive(path, body, find_workspace):
    """(status, answer) for one notification from a workspace's Alertmanager."""
    try:
        event = json.loads(body or b"{}")
    except ValueError:
        return 400, {"status": "invalid event", "message": "Event object is invalid", "errors": ["not JSON"]}
    version = "v1" if path.endswith("create_event.json") else "v2"
    key = event.get("routing_key") if version == "v2" else event.get("service_key")
    with _LOCK:
        failure = _FAILURES.get(key or "")
    if failure:
        workspace = find_workspace(failure[0])
        if workspace is not None:
            authorization.record_secret_failure(workspace, failure[1])
        return 403, {"status": "unreadable secret", "message": "AMP could not read the integration key"}
    if not key:
        return 400, {"status": "invalid event", "message": "Event object is invalid", "errors": ["missing key"]}
    if version == "v2":
        action, dedup_key, summary = event.get("event_action"), event.get("dedup_key"), (event.get("payload") or {}).get("summary")
    else:
        action, dedup_key, summary = event.get("event_type"), event.get("incident_key"), event.get("description")
    with _LOCK:
        EVENTS.append({"time": time.time(), "version": version, "routing_key": key, "event_action": action,
                       "dedup_key": dedup_key, "summary": summary, "event": event})
    if version == "v2":
        return 202, {"status": "success", "message": "Event processed", "dedup_key": dedup_key}
    return 200, {"status": "success", "message": "Event processed", "incident_key": dedup_key}


def events():
    with _LOCK:
        return list(EVENTS)


def clear():
    with _LOCK:
        EVENTS.clear()
        _FAILURES.clear()
