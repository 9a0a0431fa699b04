# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What amp_anomaly_detector and amp_anomaly_detector_info share: the module's view of a described
AMP anomaly detector, and the names AMP's API gives its options."""

from ansible_collections.amp.alerting.plugins.module_utils.amp import status_view
from ansible_collections.amp.alerting.plugins.module_utils.amp_anomaly_alerts import BANDS  # noqa: F401 - the modules' import
MISSING_DATA = {"skip": "skip", "mark_as_anomaly": "markAsAnomaly"}


def detector_view(detector, workspace_id):
    """A described detector as the modules return it: the options' names, status and AMP's reason."""
    if not detector:
        return {}
    forest = (detector.get("configuration") or {}).get("randomCutForest") or {}
    missing = detector.get("missingDataAction") or {}
    result = {
        "anomaly_detector_id": detector.get("anomalyDetectorId", ""), "arn": detector.get("arn", ""),
        "alias": detector.get("alias"), "workspace_id": workspace_id, "query": forest.get("query"),
        "evaluation_interval": detector.get("evaluationIntervalInSeconds"), "shingle_size": forest.get("shingleSize"),
        "sample_size": forest.get("sampleSize"),
        "missing_data_action": next((name for name, key in MISSING_DATA.items() if missing.get(key)), None),
        "labels": dict(detector.get("labels") or {}), "tags": dict(detector.get("tags") or {}),
    }
    for option, key in BANDS.items():
        result[option] = forest.get(key)
    result.update(status_view(detector))
    return result
