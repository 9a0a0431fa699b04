"""One Slack rate limit for all the forwarder's invocations, kept in the state table.

Slack answers a burst with HTTP 429 and Retry-After, per webhook and per channel
(https://api.slack.com/apis/rate-limits). SNS starts one invocation per alert notification; each
waiting out the 429 alone asked again after every Retry-After, so 100 notifications during a 45 s
limit made ~4,300 requests - each one more reason for Slack to keep limiting.

The item ``ratelimit#<destination>`` holds ``open_at_ms``, the first moment anyone may ask Slack again,
and ``probe_until_ms``, the lease of the one invocation that asks. While a limit is in force the
others wait: a 429 moves ``open_at_ms`` on by Retry-After, a success removes the limit and they all
go. Without a limit in force, the cost is one consistent read per Slack request.
"""

import json
import random
import time

from .aws import AwsError
from .delivery import ForwardError
from .state import CONDITION_FAILED
from .state import _n

# How long the invocation that asks Slack during a limit keeps that right (one request's timeout and
# some): if it dies meanwhile, another one asks after this.
PROBE_LEASE_MS = 12_000
# How often an invocation looks again while another one is asking.
POLL_SECONDS = (0.2, 0.5)
# A limit item nobody updates goes away with the table's TTL.
LIMIT_TTL_SECONDS = 3600


class SharedRateLimit:
    """The rate limit of one destination, shared through TABLE (state.StateTable)."""

    def __init__(self, table, destination, wall_clock=time.time, sleep=time.sleep, clock=time.monotonic,
                 jitter=random.uniform):
        self.table, self.pk = table, f"ratelimit#{destination}"
        self.wall_clock, self.sleep, self.clock, self.jitter = wall_clock, sleep, clock, jitter
        self.probing = False
        # False once the table cannot be used (missing, refused): the invocation then waits a limit
        # out alone, as without a table - the coordination is lost, never the alert.
        self.shared = True

    def _unshared(self, err):
        self.shared, self.probing = False, False
        print(json.dumps({"event": "slack_rate_limit", "outcome": "unshared", "destination": self.pk.split("#", 1)[1],
                          "error": str(err)}, sort_keys=True), flush=True)

    def _now_ms(self):
        return int(self.wall_clock() * 1000)

    def _wait(self, seconds, deadline):
        if self.clock() + seconds >= deadline:
            raise ForwardError(f"out of time waiting {seconds:.1f}s more for Slack's rate limit, shared with the "
                               "other invocations", 429)
        self.sleep(seconds)

    def before_request(self, deadline):
        """Return when this invocation may ask Slack; ForwardError when that would be after DEADLINE."""
        self.probing = False
        while self.shared:
            try:
                item = self.table.read(self.pk)
            except AwsError as err:
                self._unshared(err)
                return
            open_at = item.get("open_at_ms")
            if open_at is None:
                return
            now = self._now_ms()
            if open_at > now:
                # spread the wake-ups a little: they all read the same open_at
                self._wait((open_at - now) / 1000.0 + self.jitter(0.0, 0.1), deadline)
                continue
            try:
                self.table.update(
                    self.pk, UpdateExpression="SET probe_until_ms = :lease",
                    ConditionExpression="open_at_ms = :seen AND (attribute_not_exists(probe_until_ms) OR "
                                        "probe_until_ms < :now)",
                    ExpressionAttributeValues={":lease": _n(now + PROBE_LEASE_MS), ":seen": _n(open_at),
                                               ":now": _n(now)})
            except AwsError as err:
                if err.code != CONDITION_FAILED:
                    self._unshared(err)
                    return
                self._wait(self.jitter(*POLL_SECONDS), deadline)  # another invocation is asking
                continue
            self.probing = True
            return

    def limited(self, retry_after_seconds):
        """Slack answered 429: nobody asks again for RETRY_AFTER_SECONDS (a later limit is kept)."""
        if not self.shared:
            return
        until = self._now_ms() + int(max(retry_after_seconds, 0.0) * 1000)
        try:
            self.table.update(
                self.pk,
                UpdateExpression="SET open_at_ms = :until, expires_at = :expires REMOVE probe_until_ms",
                ConditionExpression="attribute_not_exists(open_at_ms) OR open_at_ms < :until",
                ExpressionAttributeValues={":until": _n(until),
                                           ":expires": _n(self.wall_clock() + LIMIT_TTL_SECONDS)})
        except AwsError as err:
            if err.code != CONDITION_FAILED:
                self._unshared(err)
        self.probing = False

    def answered(self):
        """Slack answered (anything but a 429): the limit, if this invocation was testing it, is over."""
        if not self.probing:
            return
        self.probing = False
        try:
            self.table.update(
                self.pk, UpdateExpression="REMOVE open_at_ms, probe_until_ms",
                ConditionExpression="open_at_ms <= :now", ExpressionAttributeValues={":now": _n(self._now_ms())})
        except AwsError as err:
            if err.code != CONDITION_FAILED:  # (failed: a newer 429 of another invocation, which stays)
                self._unshared(err)
