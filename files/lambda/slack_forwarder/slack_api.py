"""Slack's Web API for a Slack app destination: chat.postMessage and chat.update with a bot token.

Slack answers HTTP 200 with ``{"ok": true, ...}`` or ``{"ok": false, "error": "<code>"}``; rate limits
come as HTTP 429 with Retry-After (or ``ok: false`` with ``ratelimited`` / ``rate_limited``). Those and
Slack's own transient errors are retried within the function's time budget; every other error is
final and raises SlackRejected with a line that says what to fix. Errors never contain the token, nor
any of Slack's answer but its error code.
"""

import json
import time

from .delivery import Retry
from .delivery import SlackRejected
from .delivery import check_url
from .delivery import error_code
from .delivery import post_json
from .delivery import shown_answer
from .delivery import retry_after_seconds
from .delivery import retry_within_budget

DEFAULT_API_URL = "https://slack.com/api/"
RATE_LIMITED = ("ratelimited", "rate_limited")
TRANSIENT = ("internal_error", "fatal_error", "service_unavailable", "request_timeout")
# What a reader of the log line has to do about a final error.
FIXES = {
    "channel_not_found": "the channel id is wrong, or the channel is private and the app is not in it",
    "not_in_channel": "invite the app to the channel (/invite @<app>)",
    "is_archived": "the channel is archived: give the destination another channel",
    "invalid_auth": "the bot token is not valid: store the app's current xoxb- token for this destination",
    "not_authed": "no bot token was sent: store the app's xoxb- token for this destination",
    "token_revoked": "the bot token was revoked: store a new one for this destination",
    "account_inactive": "the app's bot user was deactivated: reinstall the app and store its new token",
    "missing_scope": "the app lacks the chat:write scope: add it and reinstall the app",
    "message_not_found": "the message to update is gone (deleted in Slack)",
    "cant_update_message": "the message was not posted by this app",
    "edit_window_closed": "the message is too old to be edited",
}
# chat.update errors after which posting a new message is the way to still tell the channel.
UPDATE_GONE = ("message_not_found", "cant_update_message", "edit_window_closed")


class SlackApiError(SlackRejected):
    """A final ``ok: false`` answer; ``error`` is Slack's error code."""

    def __init__(self, message, error, attempts):
        super().__init__(message, 200, attempts, error)


def call(api_url, method, token, payload, deadline, timeout=10.0, max_attempts=None, sleep=time.sleep,
         clock=time.monotonic, extra_hosts=(), rate_limit=None):
    """One Web API method, retried within the budget; returns (Slack's answer as a dict, attempts)."""
    url = check_url((api_url or DEFAULT_API_URL).rstrip("/") + "/" + method, "api", extra_hosts,
                    "SLACK_API_URL")
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {"Authorization": "Bearer " + token}

    def attempt_once(attempt, attempt_timeout):
        status, text, retry_after = post_json(url, body, attempt_timeout, headers)
        if status is None:
            return Retry(text, status)
        try:
            answer = json.loads(text)
        except ValueError:
            answer = None
        code = str(answer.get("error") or "") if isinstance(answer, dict) else text
        shown = shown_answer(code)
        if status == 429:
            return Retry(f"HTTP 429 {shown}", status, retry_after_seconds(retry_after))
        if status >= 500:
            return Retry(f"HTTP {status} {shown}", status)
        if 300 <= status < 400:
            raise SlackRejected(f"Slack {method} answered with a redirect (HTTP {status}), not followed "
                                f"(attempt {attempt})", status, attempt)
        if status != 200 or not isinstance(answer, dict):
            raise SlackRejected(f"Slack {method} answered HTTP {status} {shown} (attempt {attempt})",
                                status, attempt, error_code(code))
        if answer.get("ok") is True:
            return answer
        error = shown if answer.get("error") else "unknown_error"
        if error in RATE_LIMITED:
            return Retry(f"{method}: {error}", status, retry_after_seconds(retry_after))
        if error in TRANSIENT:
            return Retry(f"{method}: {error}", status)
        fix = FIXES.get(error)
        raise SlackApiError(f"Slack {method} failed: {error}" + (f" ({fix})" if fix else "")
                            + f" (attempt {attempt})", error, attempt)

    return retry_within_budget(attempt_once, deadline, timeout, max_attempts, sleep, clock, rate_limit)
