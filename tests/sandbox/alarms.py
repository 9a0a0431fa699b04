"""CloudWatch alarms that move, for the sandbox: moto stores alarms but never evaluates them.

Every second each metric alarm (namespace, metric, dimensions, statistic - not metric math) is
evaluated on the datapoints moto holds, as CloudWatch documents it ("Evaluating an alarm", "Configuring
how CloudWatch alarms treat missing data"): the last ``EvaluationPeriods`` periods of ``Period`` seconds
ending now; a period without data counts as ``TreatMissingData`` says (breaching, notBreaching,
ignore: the state stays, missing: not counted); ALARM when ``DatapointsToAlarm`` (default all) of them
breach, OK when enough of them have data and fewer breach, INSUFFICIENT_DATA when none has. A new
alarm starts in INSUFFICIENT_DATA, as on AWS (moto says OK; install()). On a change the state is updated and
each action of the new state that is an SNS topic gets CloudWatch's alarm message (JSON, subject
``ALARM: "<name>" in <region>``).
"""

import datetime
import json
import logging
import threading
import time

LOG = logging.getLogger("sandbox.alarms")
EVALUATION_INTERVAL = 1.0

_COMPARE = {
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}
_STATISTIC = {
    "SampleCount": len, "Sum": sum, "Minimum": min, "Maximum": max,
    "Average": lambda values: sum(values) / len(values),
}


def _epoch(stamp):
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=datetime.timezone.utc)
    return stamp.timestamp()


def _dimensions(items):
    return {(getattr(d, "name", None) or d.get("Name"), getattr(d, "value", None) or d.get("Value")) for d in items or []}


def _values(backend, alarm, start, end):
    wanted = _dimensions(alarm.dimensions)
    values = []
    for datum in backend.get_all_metrics():
        if datum.namespace == alarm.namespace and datum.name == alarm.metric_name \
                and _dimensions(datum.dimensions) == wanted and start <= _epoch(datum.timestamp) < end:
            values.append(float(getattr(datum, "value", 1.0) or 0.0))
    return values


def decide(alarm, backend, now):
    """(state, reason) of ALARM now."""
    periods = int(alarm.evaluation_periods or 1)
    needed = int(alarm.datapoints_to_alarm or periods)
    period = int(alarm.period or 60)
    compare = _COMPARE.get(alarm.comparison_operator)
    statistic = _STATISTIC.get(alarm.statistic or "")
    if compare is None or statistic is None:
        return alarm.state_value, alarm.state_reason
    breaching, fine, missing = 0, 0, 0
    for index in range(periods):
        values = _values(backend, alarm, now - (index + 1) * period, now - index * period)
        if values:
            if compare(statistic(values), float(alarm.threshold)):
                breaching += 1
            else:
                fine += 1
            continue
        missing += 1
        treat = alarm.treat_missing_data or "missing"
        if treat == "breaching":
            breaching += 1
        elif treat == "notBreaching":
            fine += 1
        elif treat == "ignore" and index == 0:
            return alarm.state_value, alarm.state_reason
    described = (f"{breaching} of the last {periods} datapoint(s) of {period} s breaching "
                 f"({alarm.comparison_operator} {alarm.threshold}; {missing} period(s) without data, treated as "
                 f"{alarm.treat_missing_data or 'missing'})")
    if breaching >= needed:
        return "ALARM", "Threshold Crossed: " + described
    if breaching + fine == 0:
        return "INSUFFICIENT_DATA", "Insufficient Data: " + described
    return "OK", "Threshold Crossed: " + described


def _notify(account, region, alarm, old_state):
    from moto.sns.models import sns_backends  # pylint: disable=import-outside-toplevel

    actions = {"ALARM": alarm.alarm_actions, "OK": alarm.ok_actions,
               "INSUFFICIENT_DATA": alarm.insufficient_data_actions}.get(alarm.state_value) or []
    message = {
        "AlarmName": alarm.name, "AlarmDescription": alarm.description, "AWSAccountId": account,
        "NewStateValue": alarm.state_value, "NewStateReason": alarm.state_reason, "OldStateValue": old_state,
        "StateChangeTime": datetime.datetime.now(datetime.timezone.utc).isoformat(), "Region": region,
        "AlarmArn": alarm.alarm_arn,
        "Trigger": {"MetricName": alarm.metric_name, "Namespace": alarm.namespace, "StatisticType": "Statistic",
                    "Statistic": (alarm.statistic or "").upper(), "Period": alarm.period,
                    "EvaluationPeriods": alarm.evaluation_periods, "ComparisonOperator": alarm.comparison_operator,
                    "Threshold": alarm.threshold, "TreatMissingData": alarm.treat_missing_data,
                    "Dimensions": [{"name": name, "value": value} for name, value in sorted(_dimensions(alarm.dimensions))]}}
    for arn in actions if alarm.actions_enabled else []:
        parts = arn.split(":")
        if len(parts) < 6 or parts[2] != "sns":
            continue
        try:
            sns_backends[parts[4]][parts[3]].publish(message=json.dumps(message), arn=arn,
                                                     subject=f'{alarm.state_value}: "{alarm.name}" in {region}')
        except Exception as exc:  # pylint: disable=broad-except  # a topic that is gone: CloudWatch logs it, goes on
            LOG.warning("alarm %s: action %s failed: %s", alarm.name, arn, exc)


def evaluate_all(now=None):
    """Evaluate every metric alarm of every account and region once."""
    from moto.cloudwatch.models import cloudwatch_backends  # pylint: disable=import-outside-toplevel

    now = now or time.time()
    for account in list(cloudwatch_backends.keys()):
        for region in list(cloudwatch_backends[account].keys()):
            backend = cloudwatch_backends[account][region]
            for alarm in list(backend.alarms.values()):
                if alarm.metric_data_queries or not alarm.metric_name:
                    continue
                state, reason = decide(alarm, backend, now)
                if state != alarm.state_value:
                    old = alarm.state_value
                    alarm.update_state(reason, json.dumps({"version": "1.0"}), state)
                    LOG.info("alarm %s: %s -> %s (%s)", alarm.name, old, state, reason)
                    _notify(account, region, alarm, old)


def install():
    """A new alarm starts in INSUFFICIENT_DATA, as on AWS (moto: OK). PutMetricAlarm makes a new alarm
    object for an update too; AWS keeps an updated alarm's state, so the state of the one it replaces stays."""
    from moto.cloudwatch.models import CloudWatchBackend  # pylint: disable=import-outside-toplevel

    current = CloudWatchBackend.put_metric_alarm
    if hasattr(current, "__wrapped__"):
        return

    def put_metric_alarm(self, name, *args, **kwargs):
        before = self.alarms.get(name)
        alarm = current(self, name, *args, **kwargs)
        if before is not None:
            alarm.state_value, alarm.state_reason = before.state_value, before.state_reason
        else:
            alarm.state_value, alarm.state_reason = "INSUFFICIENT_DATA", "Unchecked: Initial alarm creation"
        return alarm

    put_metric_alarm.__wrapped__ = current
    CloudWatchBackend.put_metric_alarm = put_metric_alarm


def start_loop():
    def loop():
        while True:
            time.sleep(EVALUATION_INTERVAL)
            try:
                evaluate_all()
            except Exception:  # pylint: disable=broad-except  # keep evaluating, say why
                LOG.exception("alarm evaluation failed")

    thread = threading.Thread(target=loop, name="alarm-evaluation", daemon=True)
    thread.start()
    return thread
