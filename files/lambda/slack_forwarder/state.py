"""What a Slack app destination remembers, in a DynamoDB table (hash key ``pk``, TTL ``expires_at``).

Three kinds of item, all written with conditions, never read-then-write:

- ``delivery#<destination>#<SNS message id>``: one per delivered SNS message. Claiming it is a
  conditional update (absent, or pending with an expired lease), so a re-delivered message or a
  concurrent duplicate posts nothing; each Slack call that succeeded is recorded in ``steps``, so a
  Lambda retry after a partial success repeats none of them. Kept 14 days: as long as the dead-letter
  queue keeps an event that someone may redrive.
- ``thread#<destination>#<alert group>``: the Slack message (channel, ts) that opened the group's
  thread. Opening is a conditional put, so two notifications of a new group cannot both post a
  top-level message; the loser waits for the winner's ts and replies in its thread.
- ``ratelimit#<destination>``: Slack's rate limit, shared by all invocations (ratelimit.py).
"""

import hashlib
import json
import time

from .aws import AwsError
from .aws import aws_json_call
from .delivery import ForwardError

DELIVERY_TTL_SECONDS = 14 * 24 * 3600
THREAD_TTL_SECONDS = 30 * 24 * 3600
# An "opening" thread whose owner has not posted in this time lost its owner (killed at its timeout).
OPENING_STALE_SECONDS = 900
# How long a delivery waits for a concurrent one (of the same message, or opening the same thread).
WAIT_SECONDS = 10.0
CONDITION_FAILED = "ConditionalCheckFailedException"


class Busy(ForwardError):
    """Another invocation holds this delivery or is opening this thread: retried later by Lambda."""


def thread_key(notification):
    """The alert group a notification belongs to (receiver and group labels, as Alertmanager groups), or None."""
    labels = notification.get("group_labels") or notification.get("common_labels")
    if notification.get("format") == "raw" or not labels:
        return None
    identity = json.dumps([notification.get("receiver") or "", labels], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]


def _thread_pk(destination, key):
    return f"thread#{destination}#{key}"


def _s(value):
    return {"S": str(value)}


def _n(value):
    return {"N": str(int(value))}


def _plain(item):
    """A DynamoDB item (typed attributes) as plain values: S → str, N → int, M → dict."""
    plain = {}
    for name, typed in (item or {}).items():
        kind, value = next(iter(typed.items()))
        plain[name] = int(value) if kind == "N" else _plain(value) if kind == "M" else value
    return plain


class StateTable:
    def __init__(self, table, environ, wall_clock=time.time, sleep=time.sleep, clock=time.monotonic):
        self.table, self.environ = table, environ
        self.wall_clock, self.sleep, self.clock = wall_clock, sleep, clock

    def _call(self, operation, **payload):
        return aws_json_call("dynamodb", operation, dict(payload, TableName=self.table), self.environ,
                             what=f"DynamoDB {operation} on table {self.table}")

    def _get(self, pk):
        return _plain(self._call("GetItem", Key={"pk": _s(pk)}, ConsistentRead=True).get("Item"))

    def read(self, pk):
        """The item PK as plain values ({} when absent), read consistently."""
        return self._get(pk)

    def update(self, pk, **request):
        """UpdateItem on the item PK; a failed condition raises AwsError with code CONDITION_FAILED."""
        return self._call("UpdateItem", Key={"pk": _s(pk)}, **request)

    # -- deliveries --------------------------------------------------------------------------------

    def claim_delivery(self, destination, message_id, lease_seconds):
        """The Delivery to carry out, or None when this message was delivered already (a duplicate)."""
        if not message_id:
            return Unrecorded()
        pk = f"delivery#{destination}#{message_id}"
        now = int(self.wall_clock())
        try:
            answer = self._call(
                "UpdateItem", Key={"pk": _s(pk)},
                UpdateExpression="SET #state = :pending, lease_until = :lease, expires_at = :expires, "
                                 "steps = if_not_exists(steps, :no_steps)",
                ConditionExpression="attribute_not_exists(pk) OR (#state = :pending AND lease_until < :now)",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":pending": _s("pending"), ":lease": _n(now + lease_seconds),
                                           ":expires": _n(now + DELIVERY_TTL_SECONDS), ":now": _n(now),
                                           ":no_steps": {"M": {}}},
                ReturnValues="ALL_NEW")
        except AwsError as err:
            if err.code != CONDITION_FAILED:
                raise
            # Delivered already, or being delivered by a concurrent duplicate: wait for that one to finish.
            self._wait_for(pk, lambda item: item.get("state") == "done", None,
                           lambda item: f"SNS message {message_id} is being delivered by another invocation: retried later")
            return None
        return Delivery(self, pk, _plain(answer.get("Attributes")).get("steps") or {})

    # -- threads -----------------------------------------------------------------------------------

    def open_or_join(self, destination, key, owner, deadline):
        """(channel, ts) of the group's open thread, or None when this delivery is to open it (post, then opened())."""
        now = int(self.wall_clock())
        try:
            self._call(
                "PutItem", Item={"pk": _s(_thread_pk(destination, key)), "state": _s("opening"), "owner": _s(owner), "opened_at": _n(now),
                                 "expires_at": _n(now + THREAD_TTL_SECONDS)},
                ConditionExpression="attribute_not_exists(pk) OR #state = :resolved OR "
                                    "(#state = :opening AND (#owner = :owner OR opened_at < :stale))",
                ExpressionAttributeNames={"#state": "state", "#owner": "owner"},
                ExpressionAttributeValues={":resolved": _s("resolved"), ":opening": _s("opening"),
                                           ":owner": _s(owner), ":stale": _n(now - OPENING_STALE_SECONDS)})
            return None
        except AwsError as err:
            if err.code != CONDITION_FAILED:
                raise
        return self.open_thread(destination, key, deadline)

    def abandon(self, destination, key, owner):
        """This delivery could not post the group's first message: let the next notification open the thread."""
        try:
            # An opening from the epoch is stale: the next opener takes it over (no DeleteItem needed).
            self._call("UpdateItem", Key={"pk": _s(_thread_pk(destination, key))}, UpdateExpression="SET opened_at = :zero",
                       ConditionExpression="#state = :opening AND #owner = :owner",
                       ExpressionAttributeNames={"#state": "state", "#owner": "owner"},
                       ExpressionAttributeValues={":opening": _s("opening"), ":owner": _s(owner), ":zero": _n(0)})
        except ForwardError:
            pass  # taken over meanwhile, or unreachable: the opening then goes stale by itself

    def open_thread(self, destination, key, deadline):
        """(channel, ts) of the group's open thread; None when there is none. A thread being opened by
        another delivery is waited for (Busy when it does not open in time)."""
        item = self._wait_for(_thread_pk(destination, key), lambda item: item.get("state") != "opening", deadline,
                              lambda item: f"the thread of this alert group is being opened by SNS message "
                                           f"{item.get('owner')}: retried later")
        if item.get("state") != "open":
            return None
        if not item.get("channel") or not item.get("ts"):
            # An item this code did not write (edited by hand, an older version): the notification is
            # posted as a new message rather than lost.
            return None
        return item["channel"], item["ts"]

    def _wait_for(self, pk, settled, deadline, busy_message):
        """The item once ``settled(item)``, read every half second for up to WAIT_SECONDS (and never past
        ``deadline``); Busy with ``busy_message(item)`` otherwise."""
        give_up = self.clock() + WAIT_SECONDS
        if deadline is not None:
            give_up = min(give_up, deadline)
        while True:
            item = self._get(pk)
            if settled(item):
                return item
            if self.clock() + 0.5 >= give_up:
                raise Busy(busy_message(item))
            self.sleep(0.5)

    def opened(self, destination, key, channel, ts):
        now = int(self.wall_clock())
        self._call("UpdateItem", Key={"pk": _s(_thread_pk(destination, key))},
                   UpdateExpression="SET #state = :open, channel = :channel, ts = :ts, expires_at = :expires",
                   ExpressionAttributeNames={"#state": "state"},
                   ExpressionAttributeValues={":open": _s("open"), ":channel": _s(channel), ":ts": _s(ts),
                                              ":expires": _n(now + THREAD_TTL_SECONDS)})

    def resolved(self, destination, key, ts):
        """Close the thread opened by message ts (not one a later firing opened meanwhile)."""
        try:
            self._call("UpdateItem", Key={"pk": _s(_thread_pk(destination, key))},
                       UpdateExpression="SET #state = :resolved", ConditionExpression="ts = :ts",
                       ExpressionAttributeNames={"#state": "state"},
                       ExpressionAttributeValues={":resolved": _s("resolved"), ":ts": _s(ts)})
        except AwsError as err:
            if err.code != CONDITION_FAILED:
                raise


class Unrecorded:
    """A record without an SNS MessageId (not from SNS): nothing to deduplicate it by, so nothing is recorded."""

    def step(self, _name, action):
        return str(action())

    def done(self):
        pass

    def release(self):
        pass


class Delivery:
    """One claimed SNS message: the Slack calls already made for it, and how to record the next."""

    def __init__(self, table, pk, steps):
        self.table, self.pk, self.steps = table, pk, dict(steps)

    def step(self, name, action):
        """Run ``action`` (a Slack call returning a string) once per message: a retry reuses its result."""
        if name not in self.steps:
            value = str(action())
            self.table._call("UpdateItem", Key={"pk": _s(self.pk)}, UpdateExpression="SET steps.#step = :value",
                             ExpressionAttributeNames={"#step": name}, ExpressionAttributeValues={":value": _s(value)})
            self.steps[name] = value
        return self.steps[name]

    def done(self):
        self.table._call("UpdateItem", Key={"pk": _s(self.pk)}, UpdateExpression="SET #state = :done REMOVE lease_until",
                         ExpressionAttributeNames={"#state": "state"}, ExpressionAttributeValues={":done": _s("done")})

    def release(self):
        """After a failure: the lease ends now, so Lambda's retry may claim the message at once."""
        try:
            self.table._call("UpdateItem", Key={"pk": _s(self.pk)}, UpdateExpression="SET lease_until = :zero",
                             ExpressionAttributeValues={":zero": _n(0)})
        except ForwardError:
            pass  # the lease then expires by itself; the original error is what gets reported
