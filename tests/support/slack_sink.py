"""A local stand-in for a Slack incoming webhook (real sockets, 127.0.0.1 only).

It records every POST, checks the payload against Slack's rules (JSON; `text` or `blocks`; Block
Kit limits) and answers like Slack: 200 "ok", or 400 "invalid_payload" / "invalid_blocks". Tests can
queue other answers: ``sink.answer(429, "rate_limited", retry_after=1)``, ``sink.answer(500, …,
times=None)`` for "every time".
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


def slack_violations(payload):
    """What Slack would reject in this payload (empty when it is acceptable)."""
    if not isinstance(payload, dict):
        return ["payload is not a JSON object"]
    problems = []
    text, blocks = payload.get("text"), payload.get("blocks")
    if not text and not blocks:
        problems.append("neither text nor blocks")
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
    return problems


class SlackSink:
    def __init__(self):
        self.received = []      # accepted payloads (what a Slack channel would show)
        self.requests = []      # every request: {"payload" or "body", "answer", "at"}
        self._answers = []      # queued (status, body, headers, remaining_times)
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    @property
    def url(self):
        host, port = self._server.server_address
        return f"http://{host}:{port}/services/T000/B000/sink"

    def answer(self, status, body, retry_after=None, times=1):
        """Queue an answer for the next `times` requests (None: for every request from now on)."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        with self._lock:
            self._answers.append([status, body, headers, times])

    def _next_answer(self, payload):
        with self._lock:
            if self._answers:
                entry = self._answers[0]
                if entry[3] is not None:
                    entry[3] -= 1
                    if entry[3] <= 0:
                        self._answers.pop(0)
                return entry[0], entry[1], entry[2]
        problems = slack_violations(payload) if payload is not None else ["body is not JSON"]
        if problems:
            kind = "invalid_payload" if payload is None or "neither text nor blocks" in problems else "invalid_blocks"
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
                status, text, headers = sink._next_answer(payload)
                with sink._lock:
                    sink.requests.append({"payload": payload, "body": body, "answer": status, "at": time.monotonic(),
                                          "violations": slack_violations(payload) if payload is not None else []})
                    if status == 200 and text == "ok":
                        sink.received.append(payload)
                data = text.encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/plain")
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
