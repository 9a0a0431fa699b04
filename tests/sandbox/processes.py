"""Helper processes of the sandbox and the tests: Prometheus, Alertmanager, a Prometheus agent.

Each binds 127.0.0.1 only, logs to a file of its own, gets SIGTERM when the thread that started it
ends (PR_SET_PDEATHSIG: no server outlives the test or sandbox process), is ready when its
``/-/ready`` answers, and stops on ``stop()``. One helper for all of them: start, wait until ready,
log tail, stop.
"""

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

_PR_SET_PDEATHSIG = 1


def missing_binaries(*names):
    """The names of the binaries that are not on PATH, for a pytest skip message.

    Under CI (CI set) a missing binary is an error, not a skip: those tests must run there.
    """
    missing = [name for name in names if shutil.which(name) is None]
    if missing and os.environ.get("CI", "").lower() not in ("", "0", "false"):
        raise RuntimeError(f"CI must run the tests that need {', '.join(missing)}: apt-get install "
                           "prometheus prometheus-alertmanager (.ci/run does)")
    return missing


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def log_tail(path, lines=30):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readlines()[-lines:])
    except FileNotFoundError:
        return ""


def _die_with_parent():
    """Runs in the child before exec: SIGTERM it when the thread that started it ends."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class ChildProcess:
    """One helper server: ``start(argv, ready_url)`` returns once ``ready_url`` answers 200.

    ``spawn`` runs the Popen call (the sandbox starts children from one long-lived thread, since the
    death signal follows the starting thread). Start failures raise ``error`` with the log's tail.
    """

    def __init__(self, name, log_path, error=RuntimeError):
        self.name = name
        self.log_path = log_path
        self.error = error
        self.process = None

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def start(self, argv, ready_url, timeout=20, spawn=None):
        with open(self.log_path, "ab") as log:
            def popen():
                return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)

            self.process = spawn(popen) if spawn else popen()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise self.error(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(ready_url, timeout=1) as response:  # nosec - loopback only
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise self.error(f"{self.name} not ready after {timeout}s:\n{self.log_tail()}")

    def stop(self, timeout=10):
        if not self.running:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=timeout)

    def log_tail(self, lines=30):
        return log_tail(self.log_path, lines)


class ServerHelper:
    """Base of a helper that owns one ChildProcess (``self.child``) started by its ``start()``:
    a context manager that stops it, with the log's tail at hand."""

    child = None

    def start(self):
        raise NotImplementedError

    def stop(self):
        self.child.stop()

    def log_tail(self, lines=30):
        return self.child.log_tail(lines)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
