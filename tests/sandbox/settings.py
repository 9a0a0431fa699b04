"""Run-time knobs of the sandbox, shared by the AMP extension and the gateway.

One object per server process. The gateway's control API (``/_sandbox/settings``)
changes it while the server runs, so tests can make AMP fast or slow at will.
"""

import os
import threading


class SandboxSettings:
    def __init__(self):
        self.lock = threading.RLock()
        # Seconds an AMP resource stays CREATING / UPDATING / DELETING before it settles.
        self.amp_delay = float(os.environ.get("SANDBOX_AMP_DELAY", "1.0"))
        # operation name -> number of coming calls whose asynchronous outcome is forced to fail
        # (e.g. CreateWorkspace -> CREATION_FAILED, which AMP reports without a reason).
        self.async_failures = {}
        # The server's own address, for the Lambda functions it runs.
        self.endpoint = ""
        # Keep real Prometheus / Alertmanager processes in step with every workspace (dataplane.py).
        self.data_plane = os.environ.get("SANDBOX_DATA_PLANE", "") not in ("", "0", "false")
        # SNS delivers at least once: with this on, every delivery to a lambda subscription is made
        # twice, with the same MessageId, at the same moment (as a duplicate delivery may come).
        self.sns_duplicate_deliveries = False
        # Seconds SQS refuses a CreateQueue of a name deleted lately (QueueDeletedRecently; AWS: 60).
        self.sqs_deleted_name_seconds = float(os.environ.get("SANDBOX_SQS_DELETED_NAME_SECONDS", "60"))
        # Anomaly detectors write their series every evaluationIntervalInSeconds times this (anomaly.py).
        self.anomaly_interval_scale = 1.0

    def take_async_failure(self, operation):
        with self.lock:
            left = self.async_failures.get(operation, 0)
            if left <= 0:
                return False
            self.async_failures[operation] = left - 1
            return True

    def as_dict(self):
        return {"amp_delay": self.amp_delay, "async_failures": dict(self.async_failures), "data_plane": self.data_plane,
                "sns_duplicate_deliveries": self.sns_duplicate_deliveries,
                "sqs_deleted_name_seconds": self.sqs_deleted_name_seconds, "anomaly_interval_scale": self.anomaly_interval_scale}

    def reset(self):
        with self.lock:
            self.async_failures.clear()
            self.sns_duplicate_deliveries = False
            self.anomaly_interval_scale = 1.0
            self.data_plane = os.environ.get("SANDBOX_DATA_PLANE", "") not in ("", "0", "false")


SETTINGS = SandboxSettings()
