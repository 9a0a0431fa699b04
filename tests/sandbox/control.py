"""Start, stop and talk to a sandbox server from tests, molecule and the Makefile.

A sandbox lives in a state directory (default ``.sandbox/`` at the repository root):
``server.json`` (endpoint, pid) while it runs, ``server.pid``, ``server.log``. Only the PID this
module started is ever signalled.
"""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(TESTS_DIR)
COLLECTIONS_DIR = os.path.join(REPO_ROOT, ".venv", "collections")
DEFAULT_STATE_DIR = os.path.join(REPO_ROOT, ".sandbox")

# Credentials that only the sandbox accepts; never real ones.
SANDBOX_ACCOUNT_ID = "123456789012"
SANDBOX_REGION = "us-east-1"
SANDBOX_ACCESS_KEY = "testing"
SANDBOX_SECRET_KEY = "testing"


class SandboxError(RuntimeError):
    pass


class Sandbox:
    def __init__(self, state_dir=None):
        self.state_dir = os.path.abspath(state_dir or os.environ.get("SANDBOX_STATE_DIR") or DEFAULT_STATE_DIR)
        self.state_file = os.path.join(self.state_dir, "server.json")
        self.pid_file = os.path.join(self.state_dir, "server.pid")
        self.log_file = os.path.join(self.state_dir, "server.log")

    # -- lifecycle ------------------------------------------------------------------------------

    def _state(self):
        try:
            with open(self.state_file, encoding="utf-8") as handle:
                return json.load(handle)
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def _pid(self):
        try:
            with open(self.pid_file, encoding="utf-8") as handle:
                return int(handle.read().strip())
        except (FileNotFoundError, ValueError):
            return None

    def _is_ours(self, pid):
        """True when pid is alive and is a sandbox server (guards against a reused PID)."""
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                cmdline = handle.read().split(b"\0")
        except (FileNotFoundError, ProcessLookupError):
            return False
        return b"sandbox" in cmdline and b"serve" in cmdline and self.state_dir.encode() in cmdline

    @property
    def running(self):
        pid = self._pid()
        return bool(pid and self._is_ours(pid) and self._state())

    @property
    def endpoint(self):
        state = self._state()
        if not state:
            raise SandboxError(f"no sandbox running in {self.state_dir} (start it with `make sandbox-up`)")
        return state["endpoint"]

    def start(self, follow_pid=None, lifetime=4 * 3600, timeout=60, port=0):
        """Start the server in the background unless one runs here already; return its endpoint."""
        if self.running:
            return self.endpoint
        os.makedirs(self.state_dir, exist_ok=True)
        for stale in (self.state_file, self.pid_file):
            if os.path.exists(stale):
                os.unlink(stale)
        env = dict(os.environ)
        # the collection as `make setup` links it (as pytest.ini): the sandbox runs the product's pure helpers
        env["PYTHONPATH"] = os.pathsep.join(p for p in (TESTS_DIR, COLLECTIONS_DIR, env.get("PYTHONPATH")) if p)
        argv = [sys.executable, "-m", "sandbox", "--state-dir", self.state_dir, "serve", "--lifetime", str(lifetime),
                "--port", str(port)]
        if follow_pid:
            argv += ["--follow-pid", str(follow_pid)]
        with open(self.log_file, "ab") as log:
            proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=env, cwd=REPO_ROOT, start_new_session=True)
        with open(self.pid_file, "w", encoding="utf-8") as handle:
            handle.write(str(proc.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise SandboxError(f"sandbox exited with code {proc.returncode}; see {self.log_file}:\n{self.log_tail()}")
            if self._state():
                try:
                    self.call("GET", "/_sandbox/health")
                    return self.endpoint
                except OSError:
                    pass
            time.sleep(0.1)
        self.stop()
        raise SandboxError(f"sandbox did not answer within {timeout}s; see {self.log_file}:\n{self.log_tail()}")

    def stop(self, timeout=15):
        """Stop the server this state directory started; True if one was running."""
        pid = self._pid()
        stopped = False
        if pid and self._is_ours(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self._is_ours(pid):
                try:
                    # reap it when it is our own child (pytest fixture); harmless otherwise
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass
                time.sleep(0.1)
            if self._is_ours(pid):
                os.kill(pid, signal.SIGKILL)
            stopped = True
        for path in (self.state_file, self.pid_file):
            if os.path.exists(path):
                os.unlink(path)
        return stopped

    def log_tail(self, lines=30):
        try:
            with open(self.log_file, encoding="utf-8", errors="replace") as handle:
                return "".join(handle.readlines()[-lines:])
        except FileNotFoundError:
            return ""

    # -- client side ----------------------------------------------------------------------------

    def env(self):
        """Environment variables that point AWS clients (boto3, amazon.aws modules) at the sandbox."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": SANDBOX_ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SANDBOX_SECRET_KEY,
            "AWS_DEFAULT_REGION": SANDBOX_REGION,
            "AWS_REGION": SANDBOX_REGION,
        }

    def export_lines(self):
        lines = [f"export {key}={value}" for key, value in self.env().items()]
        # A profile or session token from the user's shell would win over the sandbox keys.
        lines.append("unset AWS_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN")
        return "\n".join(lines)

    def call(self, method, path, payload=None, timeout=10):
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(self.endpoint + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:  # nosec - loopback only
            return json.loads(response.read() or b"null")

    def inject_fault(self, operation, kind="throttle", count=1, service=None):
        spec = {"operation": operation, "kind": kind, "count": count}
        if service:
            spec["service"] = service
        return self.call("POST", "/_sandbox/faults", spec)

    def faults(self):
        """The injected faults not used up yet."""
        return self.call("GET", "/_sandbox/faults")["faults"]

    def clear_faults(self):
        return self.call("DELETE", "/_sandbox/faults")

    def requests(self):
        return self.call("GET", "/_sandbox/requests")

    def clear_requests(self):
        return self.call("DELETE", "/_sandbox/requests")

    def set_amp_delay(self, seconds):
        return self.call("POST", "/_sandbox/settings", {"amp_delay": seconds})

    def set_sqs_deleted_name_seconds(self, seconds):
        """How long SQS refuses a CreateQueue of a name deleted lately (QueueDeletedRecently; AWS: 60 s)."""
        return self.call("POST", "/_sandbox/settings", {"sqs_deleted_name_seconds": seconds})

    def set_data_plane(self, enabled):
        """Switch the per-workspace Prometheus / Alertmanager loop on or off (dataplane.py)."""
        return self.call("POST", "/_sandbox/settings", {"data_plane": bool(enabled)})

    def set_anomaly_interval_scale(self, scale):
        """Write the anomaly detectors' series every evaluation interval times SCALE (anomaly.py)."""
        return self.call("POST", "/_sandbox/settings", {"anomaly_interval_scale": float(scale)})

    def set_sns_duplicate_deliveries(self, enabled):
        """Make every SNS delivery to a function twice, with the same MessageId (SNS is at-least-once)."""
        return self.call("POST", "/_sandbox/settings", {"sns_duplicate_deliveries": bool(enabled)})

    def lambda_invocations(self):
        """Every Lambda attempt the sandbox ran for SNS deliveries."""
        return self.call("GET", "/_sandbox/lambda")

    def refusals(self):
        """The requests the sandbox refused as AWS would (hop, action, resource, the evaluator's reason)."""
        return self.call("GET", "/_sandbox/refusals")

    def pagerduty_events(self):
        """The events the PagerDuty stand-in received (routing_key, event_action, dedup_key, summary, event)."""
        return self.call("GET", "/_sandbox/pagerduty")

    def reset(self):
        return self.call("POST", "/_sandbox/reset", {})
