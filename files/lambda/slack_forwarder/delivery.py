"""Posting to Slack: one POST, and the retry loop around it, bounded by the function's deadline.

Success is HTTP 200 with body ``ok`` (an incoming webhook's answer). 429 waits for Retry-After, 5xx
and network errors back off with jitter; other 4xx answers are final (``SlackRejected``). Retries go
on while the function has time (a fixed count gave up after ~8 s of a 60 s budget while Slack rate
limited for 45 s); an optional attempt cap stays for those who want one. Errors never name the URL:
it is the webhook's secret.

The forwarder talks to Slack only: https://hooks.slack.com/ for webhooks, https://slack.com/api/ for
the Web API, or a host named in SLACK_ALLOWED_HOSTS (a stand-in); redirects are not followed (they
would carry the bot token to another host), and of Slack's answer only its error code is kept.
"""

import json
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request

BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0
RETRY_AFTER_DEFAULT_SECONDS = 1.0
# Where the forwarder may send: (scheme, host, path prefix) per kind of destination.
SLACK_ENDPOINTS = {"webhook": ("https", "hooks.slack.com", "/"), "api": ("https", "slack.com", "/api/")}
# Slack's answers that refuse the message itself (its blocks or its size), not the destination: the
# plain-text summary may still go through.
PAYLOAD_ERRORS = ("invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long", "msg_too_long", "no_text",
                  "invalid_payload", "invalid_arguments", "too_many_attachments", "invalid_attachments")
# Slack's error codes are short snake_case words; anything else in an answer is not logged.
_ERROR_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


class ForwardError(Exception):
    """A record could not be delivered. Messages never contain the webhook URL."""

    def __init__(self, message, slack_status=None, attempts=0, error=None):
        super().__init__(message)
        self.slack_status = slack_status
        self.attempts = attempts
        self.error = error  # Slack's error code, when it gave one


class SlackRejected(ForwardError):
    """Slack gave a final answer other than success (a 4xx, or 200 without "ok")."""


def allowed_hosts(environ):
    """The stand-in hosts SLACK_ALLOWED_HOSTS names (comma-separated), lower case."""
    return frozenset(host.strip().lower() for host in (environ.get("SLACK_ALLOWED_HOSTS") or "").split(",")
                     if host.strip())


def url_problem(url, kind, extra_hosts=()):
    """Why the forwarder will not send to ``url`` (``kind`` "webhook" or "api"), or None when it may.

    Never quotes the URL: a webhook's path is its secret."""
    scheme, host, prefix = SLACK_ENDPOINTS[kind]
    if not isinstance(url, str) or re.search(r"[\s\x00-\x1f\x7f]", url):
        return "holds whitespace or control characters"
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # pylint: disable=pointless-statement  # raises ValueError for a malformed port
    except ValueError:
        return "is not a URL"
    name = (parts.hostname or "").lower()
    if parts.username or parts.password:
        return "carries a user name or password"
    if name and name in extra_hosts:
        return None if parts.scheme in ("http", "https") else "is not an http(s) URL"
    if parts.scheme != scheme or name != host or parts.port not in (None, 443) or not parts.path.startswith(prefix):
        return (f"is not a Slack {kind} URL ({scheme}://{host}{prefix}…); a stand-in's host must be named in "
                "SLACK_ALLOWED_HOSTS")
    return None


def check_url(url, kind, extra_hosts, source):
    """``url`` when the forwarder may send to it; otherwise ForwardError naming ``source``, not the URL."""
    problem = url_problem(url, kind, extra_hosts)
    if problem:
        raise ForwardError(f"{source} {problem}: not sent")
    return url


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an instruction: following it would send the bot token elsewhere."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def error_code(text):
    """Slack's error code in an answer (e.g. ``invalid_blocks``), or None when the answer is not one."""
    text = (text or "").strip()
    return text if _ERROR_CODE.match(text) else None


def shown_answer(text):
    """What a log line may say of an answer: its error code, or only its size (nothing else is logged)."""
    return error_code(text) or f"({len((text or '').strip())} characters, not shown)"


def payload_refused(err):
    """Slack refused this message's content (not the destination): a plain-text summary may pass."""
    if not isinstance(err, SlackRejected):
        return False
    return err.error in PAYLOAD_ERRORS or (err.slack_status == 400 and err.error is None)


def post_json(url, body, timeout, headers=None):
    """(status, body text, Retry-After header) for one POST of JSON bytes; network errors become status None.

    An error that is not the network's (a URL http.client refuses, say) raises ForwardError naming only
    its type: the messages of those quote the URL."""
    try:
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers=dict(headers or {}, **{"Content-Type": "application/json; charset=utf-8"}))
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status, response.read(2048).decode("utf-8", "replace"), None
    except urllib.error.HTTPError as err:
        text = err.read(2048).decode("utf-8", "replace") if err.fp else ""
        return err.code, text, err.headers.get("Retry-After") if err.headers else None
    except urllib.error.URLError as err:
        return None, f"network error: {type(err.reason).__name__}", None
    except OSError as err:  # timeouts, resets
        return None, f"network error: {type(err).__name__}", None
    except Exception as err:  # pylint: disable=broad-exception-caught  # their text holds the URL
        raise ForwardError(f"the request could not be made ({type(err).__name__})") from None


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
                        clock=time.monotonic, rate_limit=None):
    """Call ``attempt_once(attempt, timeout)`` until it returns a result other than Retry, or until
    retrying is out of time (or, when max_attempts is set, after that many attempts).

    Returns (result, attempts). ``attempt_once`` raises SlackRejected for a final answer; a Retry waits
    for its retry_after, else backs off with jitter. With ``rate_limit`` (ratelimit.SharedRateLimit),
    Slack's rate limit is waited out together with the other invocations instead of alone.
    """
    attempt = 0
    while True:
        attempt += 1
        if rate_limit is not None:
            rate_limit.before_request(deadline)
        try:
            result = attempt_once(attempt, max(0.5, min(timeout, deadline - clock())))
        except ForwardError:
            if rate_limit is not None:
                rate_limit.answered()
            raise
        rate_limited = isinstance(result, Retry) and result.retry_after is not None
        if rate_limit is not None:
            if rate_limited:
                rate_limit.limited(result.retry_after)
            else:
                rate_limit.answered()
        if not isinstance(result, Retry):
            return result, attempt
        if rate_limited and rate_limit is not None and rate_limit.shared:
            wait = 0.0  # before_request waits, for as long as the shared limit says
        elif result.retry_after is not None:
            wait = result.retry_after
        else:
            wait = random.uniform(0.5, 1.0) * min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
        if max_attempts and attempt >= max_attempts:
            raise ForwardError(f"gave up after {attempt} attempts; last answer: {result.last}", result.status, attempt)
        if clock() + wait >= deadline:
            raise ForwardError(f"out of time after {attempt} attempts (next try in {wait:.1f}s); "
                               f"last answer: {result.last}", result.status, attempt)
        sleep(wait)


def deliver(url, payload, deadline, timeout=10.0, max_attempts=None, sleep=time.sleep, clock=time.monotonic,
            extra_hosts=(), rate_limit=None):
    """POST a payload to an incoming webhook until Slack says ok, or until retrying is pointless or out of time
    (or, when max_attempts is set, after that many attempts).

    Returns {"status", "attempts"}; raises ForwardError (never naming the URL) otherwise.
    """
    check_url(url, "webhook", extra_hosts, "the webhook URL")
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")

    def attempt_once(attempt, attempt_timeout):
        status, answer, retry_after = post_json(url, body, attempt_timeout)
        if status is None:
            return Retry(answer, status)
        if status == 200 and answer.strip() == "ok":
            return status
        if 300 <= status < 400:
            raise SlackRejected(f"Slack answered with a redirect (HTTP {status}), not followed (attempt {attempt})",
                                status, attempt)
        if status == 200 or (400 <= status < 500 and status != 429):
            raise SlackRejected(f"Slack answered HTTP {status} {shown_answer(answer)} (attempt {attempt})", status,
                                attempt, error_code(answer))
        return Retry(f"HTTP {status} {shown_answer(answer)}", status,
                     retry_after_seconds(retry_after) if status == 429 else None)

    status, attempts = retry_within_budget(attempt_once, deadline, timeout, max_attempts, sleep, clock, rate_limit)
    return {"status": status, "attempts": attempts}


def redact(text, url):
    """``text`` without the webhook URL in it."""
    return text.replace(url, "<webhook>") if url and text else text
