"""Figures for the Slack forwarder (files/lambda/slack_forwarder): cold import, formatting throughput, zip size,
and records/s end to end in Slack app mode (the sandbox's DynamoDB and the Slack stand-in's Web API, real sockets).

Targets (issue 4): cold import < 60 ms, zip < 40 KB, >= 1,000 records/s formatting; (issue 30) a Slack 429
storm met by 100 invocations at once costs a few hundred Slack requests, every alert delivered once.
Run: .venv/bin/python benchmarks/forwarder.py   (or: make bench)
"""

import contextlib
import importlib.util
import io
import json
import os
import statistics
import subprocess
import sys
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAMBDA_DIR = os.path.join(REPO_ROOT, "files", "lambda")
FIXTURES = os.path.join(REPO_ROOT, "tests", "fixtures", "forwarder")
sys.path.insert(0, LAMBDA_DIR)

import slack_forwarder  # noqa: E402  pylint: disable=wrong-import-position

sys.path.insert(0, os.path.join(REPO_ROOT, "tests"))


def cold_import_ms(runs=15):
    """Median time to import the handler in a fresh interpreter (Lambda's init phase)."""
    code = ("import time; started = time.perf_counter(); import slack_forwarder.handler; "
            "print((time.perf_counter() - started) * 1000)")
    env = dict(os.environ, PYTHONPATH=LAMBDA_DIR, PYTHONDONTWRITEBYTECODE="1")
    samples = [float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                    check=True).stdout) for _run in range(runs)]
    return statistics.median(samples), min(samples), max(samples)


def records_per_second(message, subject, seconds=2.0):
    """Parse + build the Slack payload + serialise it, as the handler does for each record."""
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        payload = slack_forwarder.build_slack_message(slack_forwarder.parse_notification(message, subject))
        json.dumps(payload, ensure_ascii=False).encode()
        count += 1
    return count / (time.perf_counter() - started)


def zip_size():
    """The zip the lambda role deploys, built by the collection's own code (lambda_package's module_utils)."""
    path = os.path.join(REPO_ROOT, "plugins", "module_utils", "lambda_zip.py")
    spec = importlib.util.spec_from_file_location("lambda_zip", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    content, names = module.build_zip([os.path.join(LAMBDA_DIR, "slack_forwarder")])
    return len(content), len(names)


def app_mode_records_per_second(groups=20, per_group=10):
    """Records/s through the handler for a Slack app destination: claim, thread, post, record, each a
    real HTTP call to the sandbox's DynamoDB (moto) and the Slack stand-in. A group's first record
    opens a thread, the rest reply in it, then each group resolves (update + reply)."""
    import boto3  # pylint: disable=import-outside-toplevel
    from sandbox.control import Sandbox  # pylint: disable=import-outside-toplevel
    from support.slack_sink import SlackSink  # pylint: disable=import-outside-toplevel
    import tempfile  # pylint: disable=import-outside-toplevel

    def record(index, group, status):
        message = json.dumps({"receiver": "sns", "status": status, "groupLabels": {"alertname": f"Bench{group}"},
                              "alerts": [{"status": status, "labels": {"alertname": f"Bench{group}", "severity": "warning"},
                                          "annotations": {"summary": "bench"}, "startsAt": "2026-11-25T10:00:00Z",
                                          "endsAt": "2026-11-25T10:05:00Z"}]})
        return {"EventSource": "aws:sns", "Sns": {"MessageId": f"bench-{index}", "Message": message, "Subject": "bench",
                                                  "MessageAttributes": {"destination": {"Type": "String", "Value": "app"}}}}

    with tempfile.TemporaryDirectory() as workdir, SlackSink() as slack:
        sandbox = Sandbox(os.path.join(workdir, "sandbox"))
        sandbox.start(follow_pid=os.getpid(), lifetime=600)
        saved = dict(os.environ)
        try:
            os.environ.update(sandbox.env(), AWS_SHARED_CREDENTIALS_FILE=os.devnull, SLACK_DESTINATIONS="app",
                              SLACK_DESTINATION_SSM_PREFIX="/bench/", SLACK_STATE_TABLE="bench-state",
                              SLACK_ALLOWED_HOSTS="127.0.0.1",
                              SLACK_API_URL=slack.api_url)
            boto3.client("dynamodb").create_table(TableName="bench-state", BillingMode="PAY_PER_REQUEST",
                                                  AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                                  KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
            boto3.client("ssm").put_parameter(Name="/bench/app", Type="SecureString",
                                              Value=json.dumps({"token": "xoxb-bench", "channel": "C0BENCH"}))
            slack.add_app("xoxb-bench", ["C0BENCH"])
            records = [record(group * per_group + index, group, "firing") for index in range(per_group)
                       for group in range(groups)]
            records += [record(groups * per_group + group, group, "resolved") for group in range(groups)]
            started = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):  # one JSON log line per record
                for item in records:  # one record per invocation, as SNS invokes the function
                    slack_forwarder.forward_alerts_to_slack({"Records": [item]})
            elapsed = time.perf_counter() - started
            threads = slack.channel("C0BENCH")
            assert len(threads) == groups and all(len(m["replies"]) == per_group for m in threads), "bench posted wrongly"
            return len(records) / elapsed, len(records)
        finally:
            os.environ.clear()
            os.environ.update(saved)
            sandbox.stop()


def rate_limit_storm(alerts=100, storm_seconds=45):
    """Slack answers 429 (Retry-After: 1) for STORM_SECONDS while ALERTS invocations run at once (threads,
    one record each): Slack requests and deliveries, with the limit shared through the state table and
    with each invocation waiting alone (no SLACK_STATE_TABLE)."""
    import boto3  # pylint: disable=import-outside-toplevel
    from sandbox.control import Sandbox  # pylint: disable=import-outside-toplevel
    from support.slack_storm import run_storm  # pylint: disable=import-outside-toplevel
    from support.slack_sink import SlackSink  # pylint: disable=import-outside-toplevel
    import tempfile  # pylint: disable=import-outside-toplevel

    figures = {}
    with tempfile.TemporaryDirectory() as workdir:
        sandbox = Sandbox(os.path.join(workdir, "sandbox"))
        sandbox.start(follow_pid=os.getpid(), lifetime=600)
        saved = dict(os.environ)
        try:
            for label, table in (("shared", "bench-storm-state"), ("alone", "")):
                with SlackSink() as slack:
                    os.environ.clear()
                    os.environ.update(saved, **sandbox.env(), AWS_SHARED_CREDENTIALS_FILE=os.devnull,
                                      SLACK_ALLOWED_HOSTS="127.0.0.1", SLACK_WEBHOOK_URL=slack.url)
                    if table:
                        boto3.client("dynamodb").create_table(
                            TableName=table, BillingMode="PAY_PER_REQUEST",
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
                        os.environ["SLACK_STATE_TABLE"] = table
                    figures[label] = run_storm(slack_forwarder, slack, alerts, storm_seconds)
        finally:
            os.environ.clear()
            os.environ.update(saved)
            sandbox.stop()
    return figures


def main():
    with open(os.path.join(FIXTURES, "default_text_firing.json"), encoding="utf-8") as handle:
        text = json.load(handle)
    with open(os.path.join(FIXTURES, "json_template_nasty.json"), encoding="utf-8") as handle:
        templated = json.load(handle)
    big = json.dumps({"status": "firing", "firingCount": 200, "resolvedCount": 0, "alerts": [
        {"status": "firing", "labels": {"alertname": "DiskFull", "severity": "warning", "device": f"sd{index}"},
         "annotations": {"summary": f"disk {index} full"}, "startsAt": "2026-11-24T10:00:00Z",
         "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://p/g", "fingerprint": str(index)}
        for index in range(200)]})
    median, low, high = cold_import_ms()
    print(f"cold import of slack_forwarder.handler: median {median:.1f} ms (min {low:.1f}, max {high:.1f}; target < 60 ms)")
    for label, message, subject in (("default text, 2 alerts", text["Message"], text["Subject"]),
                                    ("JSON template, 2 alerts", templated["Message"], templated["Subject"]),
                                    ("JSON, 200 alerts", big, "[FIRING:200] DiskFull")):
        print(f"formatting ({label}): {records_per_second(message, subject):,.0f} records/s (target >= 1,000)")
    size, files = zip_size()
    print(f"zip size: {size:,} bytes, {files} files (target < 40,960)")
    rate, count = app_mode_records_per_second()
    print(f"Slack app mode, end to end ({count} records: threads opened, replies, resolutions; sandbox DynamoDB "
          f"and Slack stand-in on 127.0.0.1): {rate:,.0f} records/s")
    alerts, storm = 100, 45
    for label, figures in rate_limit_storm(alerts, storm).items():
        once = sum(1 for count in figures["delivered"].values() if count == 1)
        print(f"Slack 429 storm ({alerts} alerts at once, 429 for {storm} s, limit {label}): {figures['requests']:,} "
              f"Slack requests, {once}/{alerts} alerts delivered once, {len(figures['failures'])} invocations failed, "
              f"last delivery after {figures['seconds']:.0f} s (target: a few hundred requests, all delivered once)")


if __name__ == "__main__":
    main()
