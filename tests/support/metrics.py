"""A metrics source the way the cluster in Playing with alertmanager is one: an exporter scraped by a Prometheus agent that
remote-writes to the AMP workspace with SigV4. Both bind 127.0.0.1 and stop with the test/demo."""

import http.server
import os
import threading

import yaml

from sandbox.processes import ChildProcess
from sandbox.processes import ServerHelper
from sandbox.processes import free_port

PROMETHEUS_BINARY = "prometheus"


class MetricsExporter:
    """Serves /metrics in the text format; set() changes a sample."""

    def __init__(self):
        self.samples = {}
        self.lock = threading.Lock()
        self._server = None

    def set(self, name, labels, value):
        key = (name, tuple(sorted(labels.items())))
        with self.lock:
            self.samples[key] = value

    def render(self):
        with self.lock:
            lines = []
            for (name, labels), value in sorted(self.samples.items()):
                label_text = ",".join(f'{key}="{val}"' for key, val in labels)
                lines.append(f"{name}{{{label_text}}} {value}")
            return "\n".join(lines) + "\n"

    @property
    def address(self):
        return f"127.0.0.1:{self._server.server_address[1]}"

    def start(self):
        exporter = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                body = exporter.render().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="exporter", daemon=True).start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class PrometheusAgent(ServerHelper):
    """Prometheus in agent mode: scrapes every second, remote-writes with SigV4 (region, static keys)."""

    def __init__(self, workdir, target, remote_write_url, region, access_key="testing", secret_key="testing"):
        self.workdir = workdir
        self.config = {
            "global": {"scrape_interval": "1s"},
            "scrape_configs": [{"job_name": "demo-app", "static_configs": [{"targets": [target]}]}],
            "remote_write": [{"url": remote_write_url,
                              "sigv4": {"region": region, "access_key": access_key, "secret_key": secret_key},
                              "queue_config": {"batch_send_deadline": "1s", "max_samples_per_send": 500}}],
        }
        self.child = ChildProcess("prometheus agent", os.path.join(workdir, "agent.log"))
        self.port = None

    def start(self, timeout=20):
        config_path = os.path.join(self.workdir, "agent.yml")
        with open(config_path, "w", encoding="utf-8") as handle:
            yaml.safe_dump(self.config, handle)
        self.port = free_port()
        self.child.start([
            PROMETHEUS_BINARY, "--enable-feature=agent", f"--config.file={config_path}",
            f"--storage.agent.path={os.path.join(self.workdir, 'agent-data')}",
            f"--web.listen-address=127.0.0.1:{self.port}"], f"http://127.0.0.1:{self.port}/-/ready", timeout=timeout)
        return self
