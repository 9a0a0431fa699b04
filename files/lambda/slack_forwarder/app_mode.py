"""A Slack app destination (bot token + channel): one thread per alert group, no duplicate posts.

- A group's first firing notification is posted with chat.postMessage; later notifications of the
  same group (Alertmanager's receiver and group labels) are replies in its thread.
- When the group resolves, the original message is updated (chat.update) to show it resolved and a
  reply says when. A group that fires again after that starts a new thread.
- Every SNS message is claimed in the state table first (state.py): a re-delivered message posts
  nothing, and a Lambda retry after a partial success repeats none of the calls that succeeded.
"""

import time

from . import slack_api
from .blocks import resolved_reply
from .delivery import payload_refused
from .state import thread_key

# An invocation holds a message for the rest of its time budget and this margin: a retry after a
# hard kill (the function's timeout) may claim it again once that has passed.
LEASE_MARGIN_SECONDS = 30


def deliver_to_app(notification, message, app, destination, message_id, state, settings, deadline,
                   sleep=time.sleep, clock=time.monotonic, fallback=None, rate_limit=None):
    """Post one notification to a Slack app destination; returns what happened (for the log line).

    ``fallback(refused)`` is the plain-text message sent instead when Slack refuses the blocks."""
    api_url = settings.get("api_url")
    attempts = []
    refusals = []

    def send(method, payload):
        answer, count = slack_api.call(api_url, method, app["token"], payload, deadline, settings["timeout"],
                                       settings["max_attempts"], sleep, clock, settings.get("extra_hosts", ()),
                                       rate_limit)
        attempts.append(count)
        return answer

    def call(method, payload):
        try:
            return send(method, payload)
        except slack_api.SlackRejected as err:
            if fallback is None or "blocks" not in payload or not payload_refused(err):
                raise
            refusals.append(err.error or f"HTTP {err.slack_status}")
        # Only the text: the same channel, thread and message, without the blocks Slack refused.
        plain = {key: value for key, value in payload.items() if key not in ("blocks", "text")}
        return send(method, dict(plain, text=fallback(refusals[-1])["text"]))

    def post(payload, thread_ts=None):
        body = dict(payload, channel=app["channel"], unfurl_links=False, unfurl_media=False)
        if thread_ts:
            body["thread_ts"] = thread_ts
        answer = call("chat.postMessage", body)
        return f"{answer.get('channel') or app['channel']} {answer['ts']}"

    delivery = state.claim_delivery(destination, message_id, int(max(deadline - clock(), 1)) + LEASE_MARGIN_SECONDS)
    if delivery is None:
        return {"thread": "duplicate", "attempts": 0}
    try:
        key = thread_key(notification)
        if key is None:
            delivery.step("post", lambda: post(message))
            thread = "none"
        elif notification["status"] == "firing":
            opened = state.open_or_join(destination, key, message_id, deadline)
            if opened is None:
                try:
                    channel, ts = delivery.step("post", lambda: post(message)).split(" ", 1)
                except Exception:
                    state.abandon(destination, key, message_id)
                    raise
                state.opened(destination, key, channel, ts)
                thread = "opened"
            else:
                delivery.step("reply", lambda: post(message, thread_ts=opened[1]))
                thread = "reply"
        else:
            opened = state.open_thread(destination, key, deadline)
            if opened is None:
                delivery.step("post", lambda: post(message))
                thread = "none"
            else:
                channel, ts = opened
                delivery.step("update", lambda: _update_or_post(call, post, channel, ts, message))
                delivery.step("reply", lambda: post(resolved_reply(notification), thread_ts=ts))
                state.resolved(destination, key, ts)
                thread = "resolved"
        delivery.done()
    except Exception:
        delivery.release()
        raise
    result = {"thread": thread, "attempts": sum(attempts)}
    if refusals:
        result["fallback"] = refusals[0]
    return result


def _update_or_post(call, post, channel, ts, message):
    """Show the original message resolved; when Slack no longer lets us edit it, say so in its thread."""
    try:
        call("chat.update", dict(message, channel=channel, ts=ts))
        return "updated"
    except slack_api.SlackApiError as err:
        if err.error not in slack_api.UPDATE_GONE:
            raise
        return "posted " + post(message, thread_ts=ts)
