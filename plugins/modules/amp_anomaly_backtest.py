#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: amp_anomaly_backtest
version_added: 0.3.0
short_description: How often an anomaly alert would have fired over a workspace's past data
description:
  - Asks the workspace's PreviewAnomalyDetector endpoint (C(POST <workspace>/anomalydetectors/preview),
    signed with SigV4) to model a query with Random Cut Forest over a past window - the query wrapped
    in the C(RCF) pseudo function with the detector's options - and replays, on the scores it returns,
    the alert the alerting role renders for the same settings (O(score), O(window), O(for),
    O(direction)).
  - Reports how many times and for how long the alert would have fired, with each episode, so that a
    team picks a score threshold from its own data before a detector pages anyone. Nothing is created
    or changed; no detector is trained.
  - The replay evaluates the alert at every O(step) of the preview (AMP's ruler evaluates it at its
    rule group's interval), firing once the highest counting score of the window has been above
    O(score) for O(for), resolving at the first step it is not.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  query:
    description:
      - The PromQL query the detector would model, wrapped in an aggregation, as given to
        M(amp.alerting.amp_anomaly_detector).
    type: str
    required: true
  shingle_size:
    description: The detector's shingle size (2 to 1024); AMP's default when left out.
    type: int
  sample_size:
    description: The detector's sample size (256 to 1024); AMP's default when left out.
    type: int
  ignore_near_expected_from_above:
    description: The detector's band above the expected value that is not anomalous - one of C(amount) or C(ratio).
    type: dict
    suboptions:
      amount:
        description: The absolute difference to ignore.
        type: float
      ratio:
        description: The difference to ignore, relative to the expected value.
        type: float
  ignore_near_expected_from_below:
    description: The detector's band below the expected value that is not anomalous - one of C(amount) or C(ratio).
    type: dict
    suboptions:
      amount:
        description: The absolute difference to ignore.
        type: float
      ratio:
        description: The difference to ignore, relative to the expected value.
        type: float
  evaluation_interval:
    description:
      - The detector's evaluation interval in seconds (30 to 86400), the default O(step) and the unit of
        the default O(window).
    type: int
    default: 60
  lookback:
    description: How far back from O(end) the preview reaches, as a Prometheus duration.
    type: str
    default: 1d
  end:
    description: The end of the window, as Unix seconds; default now.
    type: float
  step:
    description:
      - Seconds between the preview's points; default O(evaluation_interval). The preview may return at
        most 11000 points per series (Prometheus' query_range limit), so O(lookback) / O(step) must stay below it.
    type: int
  score:
    description: The alert's threshold, between 0 and 1 (alerting_anomaly_alerts' C(score)).
    type: float
    required: true
  window:
    description: The alert's C(max_over_time) window (a Prometheus duration); default two evaluation intervals.
    type: str
  for:
    description: How long the condition holds before the alert fires (a Prometheus duration).
    type: str
    default: 0s
  direction:
    description: Which scores count - C(any), or only those while the value was C(above) the upper band or C(below) the lower band.
    type: str
    choices: [any, above, below]
    default: any
notes:
  - Supports check mode; the module never changes anything.
  - Needs C(aps:PreviewAnomalyDetector) on the workspace (files/iam/deploy-policy.json grants it).
extends_documentation_fragment:
  - amp.alerting.workspace
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: How often would a 0.6 score threshold have paged over the last week?
  amp.alerting.amp_anomaly_backtest:
    workspace_alias: prod-eu
    query: sum(rate(http_requests_total{job="api"}[5m]))
    evaluation_interval: 60
    lookback: 7d
    step: 300
    score: 0.6
    direction: above
  register: backtest

- name: Say it
  ansible.builtin.debug:
    msg: "{{ backtest.firing_count }} alerts, {{ (backtest.firing_seconds / 60) | round(1) }} minutes firing"
"""

RETURN = r"""
firing_count:
  description: How many times the alert would have fired in the window (episodes, over every series of the query).
  returned: success
  type: int
  sample: 3
firing_seconds:
  description: How long, in total, it would have been firing.
  returned: success
  type: float
  sample: 540.0
episodes:
  description: Each time it would have fired.
  returned: success
  type: list
  elements: dict
  contains:
    start:
      description: When it would have started firing (ISO 8601, UTC).
      type: str
    end:
      description: When it would have resolved (ISO 8601, UTC); null when still firing at the window's end.
      type: str
    seconds:
      description: How long it fired.
      type: float
    peak_score:
      description: The highest score while it fired.
      type: float
    labels:
      description: The labels of the query's series it fired for.
      type: dict
series:
  description: Per series of the query - its labels, how many scored points the preview returned and the episodes.
  returned: success
  type: list
  elements: dict
scored_points:
  description: Scored points the preview returned; 0 means the window held too little data for the model.
  returned: success
  type: int
rule_expr:
  description: The PromQL of the alert the alerting role would render for these settings (the detector's alias shown as C(<alias>)).
  returned: success
  type: str
preview_query:
  description: The query sent to PreviewAnomalyDetector (the RCF pseudo function around O(query)).
  returned: success
  type: str
window:
  description: The preview's range, as C(start), C(end) (Unix seconds) and C(step).
  returned: success
  type: dict
"""

import datetime
import json
import time

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_MUTUALLY_EXCLUSIVE
from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_REQUIRED_ONE_OF
from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_client
from ansible_collections.amp.alerting.plugins.module_utils.amp import fail_on_problems
from ansible_collections.amp.alerting.plugins.module_utils.amp import require_workspace
from ansible_collections.amp.alerting.plugins.module_utils.amp import signed_workspace_request
from ansible_collections.amp.alerting.plugins.module_utils.amp import workspace_options
from ansible_collections.amp.alerting.plugins.module_utils.amp_anomaly_alerts import anomaly_alert_expr
from ansible_collections.amp.alerting.plugins.module_utils.amp_anomaly_alerts import anomaly_alert_problems
from ansible_collections.amp.alerting.plugins.module_utils.amp_anomaly_alerts import backtest
from ansible_collections.amp.alerting.plugins.module_utils.amp_anomaly_alerts import detector_problems
from ansible_collections.amp.alerting.plugins.module_utils.amp_anomaly_alerts import forest_options
from ansible_collections.amp.alerting.plugins.module_utils.amp_anomaly_alerts import rcf_query
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import duration_seconds
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import is_duration
from ansible_collections.amp.alerting.plugins.module_utils.amp_rules import HAS_PROMQL_PARSER

# Prometheus refuses a query_range of more than 11000 points per series.
MAX_POINTS = 11000
ALIAS_SHOWN = "<alias>"


def alert_settings(params):
    return {key: params[key] for key in ("score", "window", "for", "direction") if params[key] is not None}


def problems(params):
    """What is wrong with the options, each naming it, before any call."""
    detector = {key: params[key] for key in ("query", "shingle_size", "sample_size", "evaluation_interval",
                                             "ignore_near_expected_from_above", "ignore_near_expected_from_below")}
    found = detector_problems(dict(detector, alias="backtest"))
    found += [problem.replace(f"alerting_anomaly_alerts.{ALIAS_SHOWN}.", "")
              for problem in anomaly_alert_problems(ALIAS_SHOWN, alert_settings(params),
                                                    {ALIAS_SHOWN: {"evaluation_interval": params["evaluation_interval"]}})]
    if not is_duration(params["lookback"]) or duration_seconds(params["lookback"]) <= 0:
        found.append(f"lookback: a Prometheus duration such as 7d, got {params['lookback']!r}")
    step = params["step"] or params["evaluation_interval"]
    if step is not None and step <= 0:
        found.append(f"step: must be a positive number of seconds, got {step}")
    elif is_duration(params["lookback"]) and duration_seconds(params["lookback"]) / step > MAX_POINTS:
        found.append(f"lookback / step: {params['lookback']} at {step}s is more than the {MAX_POINTS} points a preview "
                     "can return: raise step or shorten lookback")
    return found


def iso(stamp):
    if stamp is None:
        return None
    return datetime.datetime.fromtimestamp(stamp, tz=datetime.timezone.utc).isoformat().replace("+00:00", "Z")


def preview(module, workspace, query, start, end, step):
    """PreviewAnomalyDetector's answer (QueryMetrics' JSON); AmpError with AMP's message on any other answer."""
    url = workspace["prometheusEndpoint"] + "anomalydetectors/preview"
    status, answer = signed_workspace_request(module, url, method="POST",
                                              form={"query": query, "start": start, "end": end, "step": step}, timeout=120)
    if status != 200:
        raise AmpError(f"Failed to preview the anomaly detector on workspace {workspace['workspaceId']}: "
                       f"PreviewAnomalyDetector answered HTTP {status}: {answer.strip()[:500]}")
    try:
        return json.loads(answer)
    except ValueError as exc:
        raise AmpError(f"PreviewAnomalyDetector's answer is not JSON: {answer[:200]!r}") from exc


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            query=dict(type="str", required=True), **forest_options(),
            evaluation_interval=dict(type="int", default=60), lookback=dict(type="str", default="1d"),
            end=dict(type="float"), step=dict(type="int"), score=dict(type="float", required=True),
            window=dict(type="str"), direction=dict(type="str", choices=["any", "above", "below"], default="any"),
            **{"for": dict(type="str", default="0s")}, **workspace_options()),
        mutually_exclusive=WORKSPACE_MUTUALLY_EXCLUSIVE,
        required_one_of=WORKSPACE_REQUIRED_ONE_OF,
        supports_check_mode=True,
    )
    params = module.params
    if not HAS_PROMQL_PARSER:
        module.fail_json(msg="amp_anomaly_backtest needs the promql-parser Python package (pip install promql-parser)")
    fail_on_problems(module, problems(params))
    step = params["step"] or params["evaluation_interval"]
    end = params["end"] if params["end"] is not None else time.time()
    start = end - duration_seconds(params["lookback"])
    query = rcf_query(params["query"], params["shingle_size"], params["sample_size"],
                      params["ignore_near_expected_from_above"], params["ignore_near_expected_from_below"])
    try:
        workspace = require_workspace(amp_client(module), params["workspace_id"], params["workspace_alias"])
        report = backtest(preview(module, workspace, query, start, end, step), alert_settings(params),
                          params["evaluation_interval"])
    except AmpError as e:
        module.fail_json_aws_error(e)
    for episode in report["episodes"]:
        episode["start"], episode["end"] = iso(episode["start"]), iso(episode["end"])
    module.exit_json(changed=False, preview_query=query, window={"start": start, "end": end, "step": step},
                     rule_expr=anomaly_alert_expr(ALIAS_SHOWN, alert_settings(params), params["evaluation_interval"]),
                     **report)


if __name__ == "__main__":
    main()
