"""Posting to Slack: one POST, and the retry loop around it, bounded by the function's deadline.

Success is HTTP 200 with body ``ok`` (an incoming webhook's answer). 429 waits for Retry-After, 5xx
and network errors back off with jitter; other 4xx answers are final (``SlackRejected``). Retries go
on while the function has time (a fixed count gave up after ~8 s of a 60 s budget while Slack rate
limited for 45 s); an optional attempt cap stays for those who want one. Errors never name the URL:
it is the webhook's secret.
"""

import json
import random
import time
import urllib.error
import urllib.request

BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0
RETRY_AFTER_DEFAULT_SECONDS = 1.0


class ForwardError(Exception):
    """A record could not be delivered. Messages never contain the webhook URL."""

    def __init__(self, message, slack_status=None, attempts=0):
        super().__init__(message)
        self.slack_status = slack_status
        self.attempts = attempts


class SlackRejected(ForwardError):
    """Slack gave a final answer other than success (a 4xx, or 200 without "ok")."""


def post_json(url, body, timeout, headers=None):
    """(status, body text, Retry-After header) for one POST of JSON bytes; network errors become status None."""
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers=dict(headers or {}, **{"Content-Type": "application/json; charset=utf-8"}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(2048).decode("utf-8", "replace"), None
    except urllib.error.HTTPError as err:
        text = err.read(2048).decode("utf-8", "replace") if err.fp else ""
        return err.code, text, err.headers.get("Retry-After") if err.headers else None
    except urllib.error.URLError as err:
        return None, f"network error: {type(err.reason).__name__}: {err.reason}", None
    except (OSError, ValueError) as err:  # timeouts, resets, a malformed answer
        return None, f"network error: {type(err).__name__}: {err}", None


def retry_after_seconds(header):
    try:
        return max(0.0, float(header))
    except (TypeError, ValueError):
        return RETRY_AFTER_DEFAULT_SECONDS


class Retry:
    """One attempt's answer that is worth another try: Slack's Retry-After (seconds) or None for backoff."""

    def __init__(self, last, status=None, retry_after=None):
        self.last, self.status, self.retry_after = last, status, retry_after


def retry_within_budget(attempt_once, deadline, timeout=10.0, max_attempts=None, sleep=time.sleep,
                        clock=time.monotonic):
    """Call ``attempt_once(attempt, timeout)`` until it returns a result other than Retry, or until
    retrying is out of time (or, when max_attempts is set, after that many attempts).

    Returns (result, attempts). ``attempt_once`` raises SlackRejected for a final answer; a Retry waits
    for its retry_after, else backs off with jitter.
    """
    attempt = 0
    while True:
        attempt += 1
        result = attempt_once(attempt, max(0.5, min(timeout, deadline - clock())))
        if not isinstance(result, Retry):
            return result, attempt
        if result.retry_after is not None:
            wait = result.retry_after
        else:
            wait = random.uniform(0.5, 1.0) * min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
        if max_attempts and attempt >= max_attempts:
            raise ForwardError(f"gave up after {attempt} attempts; last answer: {result.last}", result.status, attempt)
        if clock() + wait >= deadline:
            raise ForwardError(f"out of time after {attempt} attempts (next try in {wait:.1f}s); "
                               f"last answer: {result.last}", result.status, attempt)
        sleep(wait)


def deliver(url, payload, deadline, timeout=10.0, max_attempts=None, sleep=time.sleep, clock=time.monotonic):
    """POST a payload to an incoming webhook until Slack says ok, or until retrying is pointless or out of time
    (or, when max_attempts is set, after that many attempts).

    Returns {"status", "attempts"}; raises ForwardError (never naming the URL) otherwise.
    """
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")

    def attempt_once(attempt, attempt_timeout):
        status, answer, retry_after = post_json(url, body, attempt_timeout)
        answer = redact(answer, url).strip()
        if status == 200 and answer == "ok":
            return status
        if status == 200 or (status is not None and 400 <= status < 500 and status != 429):
            raise SlackRejected(f"Slack answered HTTP {status} {answer!r} (attempt {attempt})", status, attempt)
        return Retry(f"HTTP {status} {answer!r}" if status else answer, status,
                     retry_after_seconds(retry_after) if status == 429 else None)

    status, attempts = retry_within_budget(attempt_once, deadline, timeout, max_attempts, sleep, clock)
    return {"status": status, "attempts": attempts}


def redact(text, url):
    """``text`` without the webhook URL in it."""
    return text.replace(url, "<webhook>") if url and text else text
