"""A local stand-in for Slack (real sockets, 127.0.0.1 only): incoming webhooks and the Web API.

Webhook (any path but /api/…): it records every POST, checks the payload against Slack's rules
(JSON; `text` or `blocks`; Block Kit limits, and the blocks' length in all, which Slack refuses past
about 13,200 characters: slackapi/bolt-js#2509) and answers like Slack: 200 "ok", or 400
"invalid_payload" / "invalid_blocks" / "msg_too_long".

Web API (``sink.api_url``: /api/chat.postMessage, /api/chat.update): a workspace with channels and
bot tokens (``sink.add_app(token, channels)``). Answers as Slack documents them: HTTP 200 with
``{"ok": true, "channel", "ts"}``, or ``{"ok": false, "error": …}`` for ``not_authed``,
``invalid_auth``, ``channel_not_found``, ``not_in_channel`` (a channel that exists but the app is
not in), ``message_not_found``, ``cant_update_message``, ``invalid_blocks``, ``msg_blocks_too_long``,
``msg_too_long``. Each channel keeps its
messages with their thread replies and edits (``sink.channel(id)``).

Tests can queue other answers for either: ``sink.answer(429, "rate_limited", retry_after=1)``,
``sink.answer(500, …, times=None)`` for "every time"; ``path=`` limits one to a path;
``location=`` makes it a redirect.
"""

import http.server
import json
import threading
import time

MAX_BLOCKS = 50
HEADER_MAX = 150
SECTION_MAX = 3000
FIELDS_MAX = 10
FIELD_MAX = 2000
CONTEXT_ELEMENTS_MAX = 10
# The text of all blocks together: Slack answers msg_blocks_too_long past ~13,172-13,297 characters
# (measured, slackapi/bolt-js#2509; not documented). The lower end, so a payload near it fails here.
BLOCKS_TEXT_MAX = 13000
# chat.postMessage's top-level text: msg_too_long past 40,000 characters.
TEXT_MAX = 40000
TOO_LONG_IN_ALL = "blocks too long in all"


def _block_texts(block):
    texts = []
    if isinstance(block.get("text"), dict):
        texts.append(str(block["text"].get("text", "")))
    texts += [str(field.get("text", "")) for field in block.get("fields", []) if isinstance(field, dict)]
    texts += [str(element.get("text", "")) for element in block.get("elements", []) if isinstance(element, dict)]
    return texts


def slack_violations(payload):
    """What Slack would reject in this payload (empty when it is acceptable)."""
    if not isinstance(payload, dict):
        return ["payload is not a JSON object"]
    problems = []
    text, blocks = payload.get("text"), payload.get("blocks")
    if not text and not blocks:
        problems.append("neither text nor blocks")
    if isinstance(text, str) and len(text) > TEXT_MAX:
        problems.append(f"text longer than {TEXT_MAX}")
    if blocks is None:
        return problems
    if not isinstance(blocks, list):
        return problems + ["blocks is not a list"]
    if len(blocks) > MAX_BLOCKS:
        problems.append(f"{len(blocks)} blocks (max {MAX_BLOCKS})")
    for index, block in enumerate(blocks):
        kind = block.get("type")
        where = f"blocks[{index}] ({kind})"
        if kind == "header":
            if block["text"].get("type") != "plain_text" or len(block["text"].get("text", "")) > HEADER_MAX:
                problems.append(f"{where}: header must be plain_text of at most {HEADER_MAX} characters")
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                problems.append(f"{where}: section without text or fields")
            if len(block.get("text", {}).get("text", "")) > SECTION_MAX:
                problems.append(f"{where}: text longer than {SECTION_MAX}")
            fields = block.get("fields", [])
            if len(fields) > FIELDS_MAX or any(len(field.get("text", "")) > FIELD_MAX for field in fields):
                problems.append(f"{where}: more than {FIELDS_MAX} fields or a field over {FIELD_MAX}")
        elif kind == "context":
            elements = block.get("elements", [])
            if not elements or len(elements) > CONTEXT_ELEMENTS_MAX:
                problems.append(f"{where}: 1 to {CONTEXT_ELEMENTS_MAX} elements")
            if any(len(element.get("text", "")) > SECTION_MAX for element in elements):
                problems.append(f"{where}: element text longer than {SECTION_MAX}")
        elif kind != "divider":
            problems.append(f"{where}: block type not used by the forwarder")
    if sum(len(text) for block in blocks if isinstance(block, dict) for text in _block_texts(block)) > BLOCKS_TEXT_MAX:
        problems.append(TOO_LONG_IN_ALL)
    return problems


def refusal(problems, api):
    """Slack's error code for a payload with these problems (Web API or webhook)."""
    if any(problem.startswith("text longer") for problem in problems):
        return "msg_too_long"
    if api and problems == [TOO_LONG_IN_ALL]:
        return "msg_blocks_too_long"
    return "invalid_blocks"


class SlackSink:
    def __init__(self):
        self.received = []      # accepted webhook payloads (what a Slack channel would show)
        self.requests = []      # every request: {"path", "payload" or "body", "answer", "at"}
        self._answers = []      # queued (status, body, headers, remaining_times, path)
        self._lock = threading.Lock()
        self._server = None
        self._thread = None
        self.tokens = {}        # bot token -> the channel ids its app is a member of
        self.tokens_seen = []   # every bearer token a request carried
        self.channels = {}      # channel id -> [message {"ts", "text", "blocks", "replies", "edits", "user"}]
        self._ts = 0

    @property
    def url(self):
        host, port = self._server.server_address
        return f"http://{host}:{port}/services/T000/B000/sink"

    @property
    def api_url(self):
        host, port = self._server.server_address
        return f"http://{host}:{port}/api/"

    def add_app(self, token, channels, other_channels=()):
        """A Slack app with bot ``token``, member of ``channels``; ``other_channels`` exist without it."""
        with self._lock:
            self.tokens[token] = set(channels)
            for channel in list(channels) + list(other_channels):
                self.channels.setdefault(channel, [])

    def revoke(self, token):
        with self._lock:
            self.tokens.pop(token, None)

    def channel(self, channel_id):
        """The top-level messages of a channel, oldest first (each with its replies and edits)."""
        with self._lock:
            return [dict(message) for message in self.channels.get(channel_id, [])]

    def answer(self, status, body, retry_after=None, times=1, path=None, location=None):
        """Queue an answer for the next `times` requests (None: for every request from now on)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        if location:
            headers["Location"] = location
        with self._lock:
            self._answers.append([status, body, headers, times, path])

    def heal(self):
        """Forget the queued answers: Slack answers 200 again."""
        with self._lock:
            self._answers.clear()

    def _queued(self, path):
        with self._lock:
            for entry in self._answers:
                if entry[4] not in (None, path):
                    continue
                if entry[3] is not None:
                    entry[3] -= 1
                    if entry[3] <= 0:
                        self._answers.remove(entry)
                return entry[0], entry[1], entry[2]
        return None

    def _api(self, method, token, payload):
        """Slack's answer to a Web API call: (status, JSON text, headers)."""
        def error(code):
            return 200, json.dumps({"ok": False, "error": code}), {}

        if not token:
            return error("not_authed")
        if method not in ("chat.postMessage", "chat.update"):
            return error("unknown_method")
        if not isinstance(payload, dict):
            return error("invalid_json")
        with self._lock:
            if token not in self.tokens:
                return error("invalid_auth")
            channel = payload.get("channel")
            if channel not in self.channels:
                return error("channel_not_found")
            if channel not in self.tokens[token]:
                return error("not_in_channel")
            problems = slack_violations(payload)
            if problems:
                return error(refusal(problems, api=True) if payload.get("blocks") or payload.get("text") else "no_text")
            messages = self.channels[channel]
            if method == "chat.update":
                message = next((m for m in messages if m["ts"] == payload.get("ts")), None)
                if message is None:
                    return error("message_not_found")
                if message["user"] != token:
                    return error("cant_update_message")
                message["edits"].append({"text": message["text"], "blocks": message["blocks"]})
                message.update(text=payload.get("text"), blocks=payload.get("blocks"))
                return 200, json.dumps({"ok": True, "channel": channel, "ts": message["ts"]}), {}
            self._ts += 1
            ts = f"{int(time.time())}.{self._ts:06d}"
            message = {"ts": ts, "text": payload.get("text"), "blocks": payload.get("blocks"), "user": token,
                       "replies": [], "edits": []}
            parent_ts = payload.get("thread_ts")
            if parent_ts:
                parent = next((m for m in messages if m["ts"] == parent_ts), None)
                if parent is None:  # Slack would post it unthreaded; a test wants to know
                    return error("thread_not_found")
                parent["replies"].append(message)
            else:
                messages.append(message)
            return 200, json.dumps({"ok": True, "channel": channel, "ts": ts}), {}

    def _next_answer(self, payload, path="/", token=None):
        queued = self._queued(path)
        if queued:
            return queued
        if path.startswith("/api/"):
            return self._api(path[len("/api/"):], token, payload)
        problems = slack_violations(payload) if payload is not None else ["body is not JSON"]
        if problems:
            kind = ("invalid_payload" if payload is None or "neither text nor blocks" in problems
                    else refusal(problems, api=False))
            return 400, kind, {}
        return 200, "ok", {}

    def start(self):
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = None
                authorization = self.headers.get("Authorization") or ""
                token = authorization[len("Bearer "):] if authorization.startswith("Bearer ") else None
                if token:
                    with sink._lock:
                        sink.tokens_seen.append(token)
                status, text, headers = sink._next_answer(payload, self.path, token)
                with sink._lock:
                    sink.requests.append({"path": self.path, "payload": payload, "body": body, "answer": status,
                                          "text": text, "at": time.monotonic(),
                                          "violations": slack_violations(payload) if payload is not None else []})
                    if status == 200 and text == "ok":
                        sink.received.append(payload)
                data = text.encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json" if self.path.startswith("/api/") else "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="slack-sink", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
