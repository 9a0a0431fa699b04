"""The sandbox server process: moto + the AMP/Lambda extensions + the gateway, on 127.0.0.1.

Run through ``python -m sandbox serve`` (see control.py, which starts it in the background). The
server binds a free port itself (no race between picking and binding), then writes its state file
so whoever started it learns the endpoint. It stops on SIGTERM/SIGINT, when the process it was told
to follow exits, or after its lifetime: a forgotten sandbox does not outlive the work.
"""

import json
import logging
import os
import signal
import sys
import threading
import time

# moto reads these at import time.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
os.environ.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "true")

from werkzeug.serving import make_server  # noqa: E402

from . import alarms, amp, awslambda, cloudformation, dynamodb, iam, kms, lambda_runner, limits, sns  # noqa: E402
from .dataplane import DATA_PLANE  # noqa: E402
from .gateway import SandboxGateway  # noqa: E402
from .settings import SETTINGS  # noqa: E402


def build_app():
    amp.install()
    awslambda.install()
    iam.install()
    sns.install()
    kms.install()
    dynamodb.install()
    cloudformation.install()
    lambda_runner.install()
    limits.install()
    alarms.install()
    from moto.moto_api._internal import moto_api_backend
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    def reset_moto():
        moto_api_backend.reset()
        _warm_up(gateway)  # IAM reloads its managed policies lazily after a reset (about 0.6 s)

    gateway = SandboxGateway(DomainDispatcherApplication(create_backend_app), reset_moto)
    return gateway


def _warm_up(app):
    """Send one request per AMP route shape: moto builds its routing and IAM's managed policies
    lazily, so the first call would otherwise take over half a second, longer than the AMP delay
    the tests use."""
    from werkzeug.test import Client

    auth = {"Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/aps/aws4_request, "
                             "SignedHeaders=host, Signature=0"}
    client = Client(app)
    for path in ("/workspaces", "/workspaces/ws-warm-up", "/workspaces/ws-warm-up/rulegroupsnamespaces/x",
                 "/workspaces/ws-warm-up/alertmanager/definition"):
        client.get(path, headers=auth)
    app.call_control("DELETE", "/_sandbox/requests")


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watchdog(server, follow_pid, deadline):
    while True:
        time.sleep(1)
        if (follow_pid and not _pid_alive(follow_pid)) or time.monotonic() > deadline:
            logging.getLogger("sandbox").info("stopping: %s", "parent gone" if follow_pid and not _pid_alive(follow_pid) else "lifetime over")
            server.shutdown()
            return


def serve(state_file, host="127.0.0.1", port=0, follow_pid=None, lifetime=4 * 3600):
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    app = build_app()
    _warm_up(app)
    server = make_server(host, port, app, threaded=True)
    port = server.server_port
    # moto builds SQS queue URLs and similar from MOTO_PORT.
    os.environ["MOTO_PORT"] = str(port)
    state = {"endpoint": f"http://{host}:{port}", "host": host, "port": port, "pid": os.getpid()}
    # functions the sandbox runs (SNS -> Lambda) call back into it
    SETTINGS.endpoint = state["endpoint"]
    DATA_PLANE.start_loop()
    alarms.start_loop()
    tmp = f"{state_file}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(state, handle)
    os.replace(tmp, state_file)

    def stop(_signum, _frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threading.Thread(target=_watchdog, args=(server, follow_pid, time.monotonic() + lifetime), daemon=True).start()
    logging.getLogger("sandbox").info("sandbox listening on %s (pid %s)", state["endpoint"], os.getpid())
    try:
        server.serve_forever()
    finally:
        DATA_PLANE.stop_all()
        server.server_close()
        try:
            os.unlink(state_file)
        except FileNotFoundError:
            pass
