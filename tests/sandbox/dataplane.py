"""The workspaces' data plane in the sandbox: a real Alertmanager per workspace.

When a workspace's alertmanager API is used (``<prometheusEndpoint>alertmanager/api/v2/...``), the
sandbox makes sure that workspace has a real Alertmanager (Debian's prometheus-alertmanager, 0.25,
bound to 127.0.0.1) running the definition in effect, then proxies the call to it. The uploaded
definition stays as AMP requires; only the copy Alertmanager loads gets, in every sns_config, the
sandbox as ``api_url`` and static SigV4 keys, so it publishes to the sandbox's SNS. A changed
definition is reloaded (``/-/reload``); a deleted one stops the process.

Still to come (issue 6): Prometheus evaluating the uploaded rule namespaces and receiving remote
writes.
"""

import concurrent.futures
import hashlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

import yaml

from .settings import SETTINGS

LOG = logging.getLogger("sandbox.dataplane")
ALERTMANAGER_BINARY = "prometheus-alertmanager"
_PR_SET_PDEATHSIG = 1
# PR_SET_PDEATHSIG fires when the *thread* that started the child ends; request threads are short-lived,
# so children are started from this one long-lived thread.
_SPAWNER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="dataplane-spawner")


class DataPlaneUnavailable(RuntimeError):
    pass


def _die_with_parent():
    import ctypes  # pylint: disable=import-outside-toplevel

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def alertmanager_files(definition_bytes, sandbox_endpoint, template_dir):
    """(config text, {template file name: text}) that a local Alertmanager can run for this definition."""
    document = yaml.safe_load(definition_bytes.decode("utf-8"))
    config = yaml.safe_load(document["alertmanager_config"])
    templates = dict(document.get("template_files") or {})
    config["templates"] = [os.path.join(template_dir, entry) for entry in config.get("templates") or []]
    for receiver in config.get("receivers") or []:
        for sns in receiver.get("sns_configs") or []:
            sns["api_url"] = sandbox_endpoint
            sigv4 = sns.setdefault("sigv4", {})
            sigv4.update(access_key="testing", secret_key="testing")
    return yaml.safe_dump(config, sort_keys=False), templates


class WorkspaceAlertmanager:
    def __init__(self, workspace_id):
        self.workspace_id = workspace_id
        self.workdir = tempfile.mkdtemp(prefix=f"sandbox-am-{workspace_id}-")
        self.port = None
        self.process = None
        self.applied = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def apply(self, definition_bytes):
        digest = hashlib.sha256(definition_bytes).hexdigest()
        if digest == self.applied and self.running:
            return
        template_dir = os.path.join(self.workdir, "templates")
        shutil.rmtree(template_dir, ignore_errors=True)
        os.makedirs(template_dir)
        config, templates = alertmanager_files(definition_bytes, SETTINGS.endpoint, template_dir)
        for name, text in templates.items():
            with open(os.path.join(template_dir, name), "w", encoding="utf-8") as handle:
                handle.write(text)
        with open(os.path.join(self.workdir, "alertmanager.yml"), "w", encoding="utf-8") as handle:
            handle.write(config)
        if self.running:
            self._post("/-/reload")
        else:
            self._start()
        self.applied = digest

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def _start(self, timeout=20):
        if shutil.which(ALERTMANAGER_BINARY) is None:
            raise DataPlaneUnavailable(f"{ALERTMANAGER_BINARY} is not installed (apt-get install prometheus-alertmanager)")
        self.port = _free_port()
        with open(os.path.join(self.workdir, "alertmanager.log"), "ab") as log:
            self.process = _SPAWNER.submit(
                subprocess.Popen,
                [ALERTMANAGER_BINARY, f"--config.file={os.path.join(self.workdir, 'alertmanager.yml')}",
                 f"--storage.path={os.path.join(self.workdir, 'data')}",
                 f"--web.listen-address=127.0.0.1:{self.port}", f"--web.external-url={self.url}",
                 "--cluster.listen-address="],
                stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent).result()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise DataPlaneUnavailable(f"alertmanager for {self.workspace_id} exited: {self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1):
                    LOG.info("alertmanager for %s on %s", self.workspace_id, self.url)
                    return
            except OSError:
                time.sleep(0.1)
        raise DataPlaneUnavailable(f"alertmanager for {self.workspace_id} not ready: {self.log_tail()}")

    def _post(self, path):
        request = urllib.request.Request(self.url + path, data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=10):
            pass

    def log_tail(self, lines=20):
        try:
            with open(os.path.join(self.workdir, "alertmanager.log"), encoding="utf-8", errors="replace") as handle:
                return "".join(handle.readlines()[-lines:])
        except FileNotFoundError:
            return ""

    def stop(self):
        if self.running:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        shutil.rmtree(self.workdir, ignore_errors=True)


class DataPlane:
    def __init__(self):
        self.lock = threading.Lock()
        self.alertmanagers = {}

    def alertmanager_for(self, workspace_id, definition_bytes):
        """The running Alertmanager of a workspace, with the definition in effect applied."""
        with self.lock:
            manager = self.alertmanagers.get(workspace_id)
            if manager is None:
                manager = self.alertmanagers[workspace_id] = WorkspaceAlertmanager(workspace_id)
            manager.apply(definition_bytes)
            return manager

    def drop(self, workspace_id):
        with self.lock:
            manager = self.alertmanagers.pop(workspace_id, None)
        if manager:
            manager.stop()

    def stop_all(self):
        with self.lock:
            managers, self.alertmanagers = list(self.alertmanagers.values()), {}
        for manager in managers:
            manager.stop()

    def proxy(self, manager, method, path, body, content_type):
        """(status, content type, body) of the same request made to the workspace's Alertmanager."""
        request = urllib.request.Request(manager.url + path, data=body if method in ("POST", "PUT") else None,
                                         method=method, headers={"Content-Type": content_type or "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, response.headers.get("Content-Type", "application/json"), response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers.get("Content-Type", "application/json"), err.read()


DATA_PLANE = DataPlane()
