"""The workspaces' data plane in the sandbox: a real Alertmanager and a real Prometheus per workspace.

A workspace's ``prometheusEndpoint`` points at the sandbox. Its data-plane paths are served by real
binaries bound to 127.0.0.1:

- ``…/alertmanager/api/…``: Debian's prometheus-alertmanager (0.25, as AMP runs) with the definition in
  effect. Only the copy it loads gets, in every sns_config, the sandbox as ``api_url`` and static SigV4
  keys, so it publishes to the sandbox's SNS; in every pagerduty_config, the sandbox's PagerDuty
  stand-in as ``url`` and the key read from Secrets Manager as AMP reads it (authorization.secret_for_aps;
  re-read at every sync where AMP re-reads every ``refresh_interval``), or a stand-in key that records
  AMP's SecretFetchFailure when it may not read it (pagerduty.py). The uploaded definition stays as AMP
  requires.
- ``…/api/v1/remote_write`` and ``…/api/v1/…`` (query, rules, …): Debian's prometheus (2.42) with
  the remote-write receiver on, evaluating the workspace's rule groups namespaces in effect every
  second and sending alerts to that Alertmanager, and writing the series of its ACTIVE anomaly
  detectors from the stand-in model of anomaly.py.
- ``…/anomalydetectors/preview``: PreviewAnomalyDetector, the same model over that Prometheus (anomaly.py).

Alertmanagers start on first use. With the data plane switched on (``SANDBOX_DATA_PLANE=1`` or
``POST /_sandbox/settings {"data_plane": true}``) a background loop also keeps, every second, each
active workspace's Prometheus and Alertmanager in step with its uploads (reloading on change), so
rules are evaluated without anyone asking. Off by default: most tests do not need the processes.
"""

import base64
import concurrent.futures
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
import urllib.error
import urllib.request

import yaml

from . import anomaly
from . import pagerduty
from .authorization import aps_access_key
from .authorization import secret_for_aps
from .processes import ChildProcess
from .processes import free_port
from .settings import SETTINGS

LOG = logging.getLogger("sandbox.dataplane")
ALERTMANAGER_BINARY = "prometheus-alertmanager"
PROMETHEUS_BINARY = "prometheus"
EVALUATION_INTERVAL = "1s"
SYNC_INTERVAL = 1.0
# Statuses in which a document's data is in effect (UPDATING / UPDATE_FAILED keep the previous one).
IN_EFFECT = ("ACTIVE", "UPDATING", "UPDATE_FAILED")
# The children's death signal fires when the *thread* that started them ends; request threads are
# short-lived, so children are started from this one long-lived thread.
_SPAWNER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="dataplane-spawner")


class DataPlaneUnavailable(RuntimeError):
    pass


def _post(url):
    with urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST"), timeout=10):
        pass


class _Server:
    """One binary for one workspace, in its own directory, restarted or reloaded as its files change."""

    binary = ""
    log_name = ""

    def __init__(self, workspace_id):
        self.workspace_id = workspace_id
        self.workdir = tempfile.mkdtemp(prefix=f"sandbox-{self.log_name}-{workspace_id}-")
        self.port = None
        self.child = ChildProcess(f"{self.log_name} for {workspace_id}", os.path.join(self.workdir, f"{self.log_name}.log"),
                                  error=DataPlaneUnavailable)
        self.applied = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self):
        return self.child.running

    def arguments(self):
        raise NotImplementedError

    def write_files(self, wanted):
        raise NotImplementedError

    def apply(self, wanted, digest):
        if digest == self.applied and self.running:
            return
        self.write_files(wanted)
        if self.running:
            _post(self.url + "/-/reload")
        else:
            self._start()
        self.applied = digest

    def _start(self, timeout=30):
        if shutil.which(self.binary) is None:
            raise DataPlaneUnavailable(f"{self.binary} is not installed (apt-get install {self.binary})")
        self.port = free_port()
        self.child.start([self.binary] + self.arguments(), f"{self.url}/-/ready", timeout=timeout,
                         spawn=lambda popen: _SPAWNER.submit(popen).result())
        LOG.info("%s for %s on %s", self.log_name, self.workspace_id, self.url)

    def stop(self):
        self.child.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


def alertmanager_files(definition_bytes, sandbox_endpoint, template_dir, workspace):
    """(config text, {template file name: text}) that a local Alertmanager can run for this definition.

    Its SNS receivers publish to the sandbox signed as AMP acting for WORKSPACE (authorization.py); its
    PagerDuty receivers post to the sandbox's stand-in with the key AMP would read (pagerduty.py)."""
    document = yaml.safe_load(definition_bytes.decode("utf-8"))
    config = yaml.safe_load(document["alertmanager_config"])
    templates = dict(document.get("template_files") or {})
    config["templates"] = [os.path.join(template_dir, entry) for entry in config.get("templates") or []]
    for receiver in config.get("receivers") or []:
        for sns in receiver.get("sns_configs") or []:
            sns["api_url"] = sandbox_endpoint
            sigv4 = sns.setdefault("sigv4", {})
            sigv4.update(access_key=aps_access_key(workspace.workspace_id), secret_key="testing")
        for each in receiver.get("pagerduty_configs") or []:
            field = "routing_key" if "routing_key" in each else "service_key"
            each["url"] = sandbox_endpoint + ("/_sandbox/pagerduty/v2/enqueue" if field == "routing_key"
                                              else "/_sandbox/pagerduty/v1/create_event.json")
            value, failure = secret_for_aps(workspace, (each.get(field) or {}).get("aws_secrets_manager") or {})
            each[field] = value if failure is None else pagerduty.unreadable_key(workspace.workspace_id, failure)
    return yaml.safe_dump(config, sort_keys=False), templates


class WorkspaceAlertmanager(_Server):
    binary = ALERTMANAGER_BINARY
    log_name = "alertmanager"

    def arguments(self):
        return [f"--config.file={os.path.join(self.workdir, 'alertmanager.yml')}",
                f"--storage.path={os.path.join(self.workdir, 'data')}",
                f"--web.listen-address=127.0.0.1:{self.port}", f"--web.external-url={self.url}",
                "--cluster.listen-address="]

    @property
    def template_dir(self):
        return os.path.join(self.workdir, "templates")

    def write_files(self, wanted):
        """WANTED: alertmanager_files() of the definition in effect."""
        config, templates = wanted
        shutil.rmtree(self.template_dir, ignore_errors=True)
        os.makedirs(self.template_dir)
        for name, text in templates.items():
            with open(os.path.join(self.template_dir, name), "w", encoding="utf-8") as handle:
                handle.write(text)
        with open(os.path.join(self.workdir, "alertmanager.yml"), "w", encoding="utf-8") as handle:
            handle.write(config)


class WorkspacePrometheus(_Server):
    binary = PROMETHEUS_BINARY
    log_name = "prometheus"

    def arguments(self):
        return [f"--config.file={os.path.join(self.workdir, 'prometheus.yml')}",
                f"--storage.tsdb.path={os.path.join(self.workdir, 'data')}",
                f"--web.listen-address=127.0.0.1:{self.port}", f"--web.external-url={self.url}", "--web.enable-lifecycle",
                "--web.enable-remote-write-receiver", "--storage.tsdb.retention.time=1d",
                # an alert sent before the Alertmanager was discovered is dropped and sent again only after
                # this delay (Prometheus' default: 1m); AMP's ruler does not make tests wait a minute
                "--rules.alert.resend-delay=2s"]

    def write_files(self, wanted):
        namespaces, alertmanager_address = wanted
        rules_dir = os.path.join(self.workdir, "rules")
        shutil.rmtree(rules_dir, ignore_errors=True)
        os.makedirs(rules_dir)
        for name, data in namespaces.items():
            with open(os.path.join(rules_dir, f"{name}.yml"), "wb") as handle:
                handle.write(data)
        config = {"global": {"evaluation_interval": EVALUATION_INTERVAL},
                  "rule_files": [os.path.join(rules_dir, "*.yml")]}
        if alertmanager_address:
            config["alerting"] = {"alertmanagers": [{"static_configs": [{"targets": [alertmanager_address]}]}]}
        with open(os.path.join(self.workdir, "prometheus.yml"), "w", encoding="utf-8") as handle:
            yaml.safe_dump(config, handle)


def _digest(value):
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=lambda b: b.hex()).encode()).hexdigest()


def _all_workspaces():
    from moto.amp.models import amp_backends  # pylint: disable=import-outside-toplevel

    for account in list(amp_backends.keys()):
        for region in list(amp_backends[account].keys()):
            yield from list(amp_backends[account][region].workspaces.values())


def find_workspace(workspace_id):
    return next((ws for ws in _all_workspaces() if ws.workspace_id == workspace_id), None)


def definition_in_effect(workspace):
    definition = workspace.alertmanager
    if definition is None or not definition.data or definition.lifecycle.settle() not in IN_EFFECT:
        return None
    return base64.b64decode(definition.data)


def namespaces_in_effect(workspace):
    return {name: base64.b64decode(namespace.data)
            for name, namespace in list(workspace.rule_group_namespaces.items())
            if namespace.data and namespace.lifecycle.settle() in IN_EFFECT}


def detectors_in_effect(workspace):
    """(alias, query, interval) of each ACTIVE anomaly detector: those whose series AMP writes."""
    return [(detector.alias, detector.body["configuration"]["randomCutForest"]["query"],
             detector.body.get("evaluationIntervalInSeconds", 60))
            for detector in list(getattr(workspace, "anomaly_detectors", {}).values())
            if detector.lifecycle.settle() == "ACTIVE"]


def rule_files_in_effect(workspace):
    """The rule files the workspace's Prometheus evaluates: its namespaces and, under a name no namespace
    can take (AMP's names start with a letter or digit), its detectors' recording rules."""
    files = namespaces_in_effect(workspace)
    detectors = detectors_in_effect(workspace)
    if detectors:
        files["_anomaly_detectors"] = anomaly.detector_rule_file(detectors, SETTINGS.anomaly_interval_scale)
    return files


class DataPlane:
    def __init__(self):
        self.lock = threading.RLock()
        self.alertmanagers = {}
        self.prometheuses = {}
        self._loop = None

    def _server(self, table, kind, workspace_id):
        if workspace_id not in table:
            table[workspace_id] = kind(workspace_id)
        return table[workspace_id]

    def alertmanager_for(self, workspace):
        """The workspace's running Alertmanager with the definition in effect, or None without one."""
        definition = definition_in_effect(workspace)
        if definition is None:
            return None
        with self.lock:
            manager = self._server(self.alertmanagers, WorkspaceAlertmanager, workspace.workspace_id)
            # rendered each time: a secret or its policy may have changed since (PagerDuty receivers)
            files = alertmanager_files(definition, SETTINGS.endpoint, manager.template_dir, workspace)
            manager.apply(files, _digest(files))
            return manager

    def prometheus_for(self, workspace):
        """The workspace's running Prometheus with its rule namespaces in effect."""
        with self.lock:
            manager = self.alertmanager_for(workspace)
            wanted = (rule_files_in_effect(workspace), manager.url.split("://", 1)[1] if manager else None)
            prometheus = self._server(self.prometheuses, WorkspacePrometheus, workspace.workspace_id)
            prometheus.apply(wanted, _digest(wanted))
            return prometheus

    def sync(self):
        """Bring every active workspace's servers in step with its uploads; stop those of gone ones."""
        active = set()
        for workspace in _all_workspaces():
            if workspace.lifecycle.settle() not in ("ACTIVE", "UPDATING"):
                continue
            active.add(workspace.workspace_id)
            try:
                self.prometheus_for(workspace)
            except (DataPlaneUnavailable, OSError, ValueError, yaml.YAMLError) as exc:
                LOG.warning("data plane of %s: %s", workspace.workspace_id, exc)
        with self.lock:
            gone = [ws for ws in set(self.prometheuses) | set(self.alertmanagers) if ws not in active]
        for workspace_id in gone:
            self.drop(workspace_id)

    def start_loop(self):
        def loop():
            while True:
                time.sleep(SYNC_INTERVAL)
                if SETTINGS.data_plane:
                    try:
                        self.sync()
                    except Exception:  # pylint: disable=broad-except  # keep the loop alive, say why
                        LOG.exception("data plane sync failed")

        if self._loop is None:
            self._loop = threading.Thread(target=loop, name="dataplane-sync", daemon=True)
            self._loop.start()

    def drop(self, workspace_id):
        with self.lock:
            servers = [table.pop(workspace_id) for table in (self.prometheuses, self.alertmanagers)
                       if workspace_id in table]
        for server in servers:
            server.stop()

    def stop_all(self):
        with self.lock:
            servers = list(self.prometheuses.values()) + list(self.alertmanagers.values())
            self.prometheuses, self.alertmanagers = {}, {}
        for server in servers:
            server.stop()

    @staticmethod
    def proxy(server, method, path, body, headers):
        """(status, content type, body) of the same request made to the workspace's server."""
        request = urllib.request.Request(server.url + path, data=body if method in ("POST", "PUT") else None,
                                         method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, response.headers.get("Content-Type", "application/json"), response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.headers.get("Content-Type", "application/json"), err.read()


DATA_PLANE = DataPlane()
