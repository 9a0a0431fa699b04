"""make demo: deploy the whole chain on the sandbox, feed it metrics, show what Slack receives.

Steps: start the AWS sandbox (with its data plane: a real Prometheus and Alertmanager per workspace)
and a local Slack stand-in; run site.yml twice (the second run changes nothing); feed metrics as the
cluster in Playing with alertmanager does, a Prometheus agent scraping an exporter and remote-writing with SigV4 to the
workspace; raise a pod's memory over the inventory's threshold and print the Slack message as a
person reads it; lower it and print the resolved one; send a test alert the same way; send a critical
one, which its route takes to a second channel (#oncall, a Slack app: threads), then resolve it and
show the thread (the first message updated, a reply saying when) and the PagerDuty incident its
second route opened and resolved (AMP's own PagerDuty receiver, the key read from Secrets Manager; a
PagerDuty Events API stand-in); silence an alert with maintenance.yml, show that nothing arrives, end
the silence and show it arrive; break the topic policy by hand: the chain's heartbeat stops and its
CloudWatch alarm tells the fallback subscriber, then site.yml repairs it and the alarm clears; run
doctor.yml, every hop of the chain and a test alert timed to Slack, and print its table; stop everything.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time

import yaml

TESTS_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_ROOT = os.path.dirname(TESTS_DIR)
sys.path.insert(0, TESTS_DIR)

from sandbox.control import Sandbox  # noqa: E402  pylint: disable=wrong-import-position
from sandbox.processes import missing_binaries  # noqa: E402  pylint: disable=wrong-import-position
from support import eventually  # noqa: E402  pylint: disable=wrong-import-position
from support.metrics import MetricsExporter, PrometheusAgent  # noqa: E402  pylint: disable=wrong-import-position
from support.slack_sink import SlackSink  # noqa: E402  pylint: disable=wrong-import-position

MEMORY = "container_memory_usage_bytes"
POD = {"namespace": "shop", "pod": "api-7d9f", "container": "api"}

EMOJI = {":fire:": "🔥", ":white_check_mark:": "✅", ":red_circle:": "🔴", ":large_orange_circle:": "🟠",
         ":large_blue_circle:": "🔵", ":white_circle:": "⚪", ":warning:": "⚠️"}


def plain(text):
    """Slack mrkdwn as a terminal shows it: emoji, links as 'label (url)', dates as written, entities undone."""
    text = re.sub(r"<!date\^\d+\^[^|>]*\|([^>]*)>", r"\1", text)
    text = re.sub(r"<([^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    for code, emoji in EMOJI.items():
        text = text.replace(code, emoji)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render(payload):
    lines = []
    for block in payload.get("blocks", []):
        kind = block["type"]
        if kind == "header":
            lines.append(f"  ┃ {plain(block['text']['text'])}")
        elif kind == "divider":
            lines.append("  ┃ " + "─" * 60)
        elif kind == "section":
            lines += [f"  ┃ {line}" for line in plain(block["text"]["text"]).replace("*", "").splitlines()]
            fields = [plain(field["text"]).replace("*", "").split("\n", 1) for field in block.get("fields", [])]
            lines += [f"  ┃   {name}: {value}" for name, value in (f if len(f) == 2 else (f[0], "") for f in fields)]
        elif kind == "context":
            lines.append("  ┃   " + " · ".join(plain(element["text"]) for element in block["elements"]))
    return "\n".join(lines)


def step(message):
    print(f"\n==> {message}", flush=True)


def playbook(args, env, show=("PLAY RECAP", "changed=")):
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook")] + args, cwd=REPO_ROOT,
                          env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(proc.stdout[-5000:], proc.stderr[-2000:])
        raise SystemExit(f"ansible-playbook {' '.join(args)} failed")
    return proc.stdout


def wait_for_message(slack, count, timeout=90):
    try:
        return eventually(lambda: slack.received[count - 1] if len(slack.received) >= count else None, timeout,
                          "Slack message")
    except AssertionError as exc:
        raise SystemExit(str(exc)) from exc


ONCALL = "C0ONCALL"
BOT_TOKEN = "xoxb-demo-bot-token"
PAGERDUTY_KEY = "D0demoPagerDutyIntegrationKey001"  # a stand-in's key: 32 letters and digits, as PagerDuty's
# The heartbeat's alarm evaluates 10 s periods here (the inventory's default: 300 s, 3 periods).
HEARTBEAT = {"alerting_heartbeat_interval": "2s", "alerting_heartbeat_alarm_period": 10,
             "alerting_heartbeat_alarm_evaluation_periods": 2}


def aws(sandbox, service):
    import boto3  # pylint: disable=import-outside-toplevel

    env = sandbox.env()
    return boto3.client(service, endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                        aws_access_key_id=env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])


def fallback_inbox(sandbox):
    """The heartbeat alarm's subscriber: an SQS queue (on AWS: an email address, a phone, PagerDuty)."""
    sqs = aws(sandbox, "sqs")
    url = sqs.create_queue(QueueName="demo-fallback-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": arn}]})})
    return url, arn


def alarm_notice(sandbox, url, state, timeout=90):
    def read():
        answer = aws(sandbox, "sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        notices = [json.loads(json.loads(m["Body"])["Message"]) for m in answer.get("Messages", [])]
        return next((n for n in notices if n["NewStateValue"] == state), None)
    try:
        return eventually(read, timeout, f"the alarm's {state} notice")
    except AssertionError as exc:
        raise SystemExit(str(exc)) from exc


def pagerduty_story(sandbox):
    """The critical alert's PagerDuty incident: triggered, then resolved with the same dedup_key."""
    try:
        events = eventually(lambda: [e for e in sandbox.pagerduty_events() if e["summary"].startswith("DemoCritical")
                                     and e["event_action"] == "resolve"] and sandbox.pagerduty_events(), 60,
                            "the PagerDuty resolve event")
    except AssertionError as exc:
        raise SystemExit(str(exc)) from exc
    print("    PagerDuty (Events API v2 stand-in), posted by AMP itself with the key it read from Secrets Manager:")
    for event in events:
        if event["summary"].startswith("DemoCritical"):
            print(f"      {event['event_action']:<8} dedup_key {event['dedup_key'][:16]}…  {event['summary']}"
                  f"  (severity {event['event'].get('payload', {}).get('severity', '-')})")


def heartbeat_story(sandbox, env, deploy, inbox):
    """The chain goes silent: the heartbeat's alarm tells the fallback; site.yml repairs; the alarm clears."""
    sns, amp = aws(sandbox, "sns"), aws(sandbox, "amp")
    workspace = amp.list_workspaces(alias="sandbox-amp")["workspaces"][0]
    topic = next(t["TopicArn"] for t in sns.list_topics()["Topics"] if t["TopicArn"].endswith(":amp-sandbox-amp-alerts"))
    state = aws(sandbox, "cloudwatch").describe_alarms(AlarmNames=["amp-sandbox-amp-heartbeat"])["MetricAlarms"][0]
    print(f"    alarm amp-sandbox-amp-heartbeat: {state['StateValue']} (a heartbeat every few seconds reaches the forwarder,"
          " which records it in CloudWatch and posts nothing)")
    step("someone edits the topic policy by hand: it now names another workspace, so AMP may not publish")
    policy = sns.get_topic_attributes(TopicArn=topic)["Attributes"]["Policy"]
    other = workspace["arn"].replace(workspace["workspaceId"], "ws-00000000-0000-0000-0000-000000000000")
    sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=policy.replace(workspace["arn"], other))
    notice = alarm_notice(sandbox, inbox, "ALARM")
    print(f"    the fallback subscriber (its own topic, no hop of the chain) receives: {notice['NewStateValue']} "
          f"\"{notice['AlarmName']}\" - {notice['NewStateReason']}")
    step("ansible-playbook site.yml: the topic policy is written back")
    again = playbook(["site.yml", "-i", "inventories/sandbox"] + deploy, env)
    print(again[again.index("PLAY RECAP"):].strip())
    notice = alarm_notice(sandbox, inbox, "OK")
    print(f"    the fallback subscriber receives: {notice['NewStateValue']} \"{notice['AlarmName']}\"")


def wait_for_thread(slack, channel, replies, timeout=90):
    try:
        return eventually(lambda: next((m for m in slack.channel(channel) if len(m["replies"]) >= replies), None),
                          timeout, "Slack thread")
    except AssertionError as exc:
        raise SystemExit(str(exc)) from exc


def render_thread(message):
    lines = [render(message)]
    if message["edits"]:
        lines.append("  ┃   (edited: was " + plain(message["edits"][0]["blocks"][0]["text"]["text"]) + ")")
    for reply in message["replies"]:
        lines.append("  ┃   └─ " + render(reply).replace("  ┃ ", "", 1).replace("\n  ┃ ", "\n  ┃      "))
    return "\n".join(lines)


def metrics_story(slack, output, workdir):
    """The flow of Playing with alertmanager: metrics in, a threshold crossed, Slack told; then resolved."""
    remote_write_url = re.search(r"remote_write_url: (\S+)", output).group(1)
    with MetricsExporter() as exporter:
        exporter.set(MEMORY, POD, 300_000_000)
        with PrometheusAgent(workdir, exporter.address, remote_write_url, "us-east-1"):
            print(f"    exporter on {exporter.address}: pod shop/api-7d9f uses 300 MB")
            print(f"    Prometheus agent scrapes it every second and remote-writes (SigV4) to {remote_write_url}")
            step("the pod grows to 650 MB: over the sandbox inventory's PodHighMemoryUsage threshold (500000000)")
            seen = len(slack.received)
            exporter.set(MEMORY, POD, 650_000_000)
            print("    workspace Prometheus evaluates the rules site.yml uploaded → Alertmanager → SNS → Lambda → Slack:\n")
            print(render(wait_for_message(slack, seen + 1)))
            step("the pod is back to 300 MB")
            seen = len(slack.received)
            exporter.set(MEMORY, POD, 300_000_000)
            print(render(wait_for_message(slack, seen + 1)))


def doctor_table(output):
    """The table doctor.yml printed: its debug task's msg, a list of lines (the callback's YAML, read back)."""
    task = output[output.index("TASK [The chain, hop by hop"):].splitlines()
    result = []
    for line in task[2:]:  # after the task's banner and its "ok: [host] =>" line
        if not line.startswith("    "):
            break
        result.append(line)
    return "\n".join("    " + line for line in yaml.safe_load("\n".join(result))["msg"])


def extra_vars(values):
    return ["-e", json.dumps(values)]


def maintenance_story(slack, env):
    """A silence from maintenance.yml keeps an alert out of Slack; ending it lets the alert through."""
    silence = {"maintenance_matchers": ['alertname="DemoDeploy"'], "maintenance_comment": "demo: CHG-1 deploy",
               "maintenance_minutes": 30}
    step('ansible-playbook playbooks/maintenance.yml -e maintenance_matchers=[alertname="DemoDeploy"] (30 minutes)')
    output = playbook(["playbooks/maintenance.yml", "-i", "inventories/sandbox"] + extra_vars(silence), env)
    lines = output.splitlines()
    first = next(index for index, line in enumerate(lines) if "silenced until" in line)
    message = [lines[first]] + [line for line in lines[first + 1:first + 4] if line.startswith(" " * 8)]
    print("    " + " ".join(part.strip() for part in message).replace("msg: ", "", 1).strip("'"))
    step("a DemoDeploy alert fires during the change: Alertmanager holds it back")
    seen = len(slack.received)
    playbook(["playbooks/test_alert.yml", "-i", "inventories/sandbox"]
             + extra_vars({"test_alert_labels": {"alertname": "DemoDeploy", "severity": "warning"}}), env)
    time.sleep(10)
    print(f"    Slack messages in the 10 s since: {len(slack.received) - seen}")
    step("ansible-playbook playbooks/maintenance.yml -e maintenance_state=absent: the change is over")
    playbook(["playbooks/maintenance.yml", "-i", "inventories/sandbox"]
             + extra_vars(dict(silence, maintenance_state="absent")), env)
    print(render(wait_for_message(slack, seen + 1)))


def main():
    started = time.monotonic()
    missing = missing_binaries("prometheus", "prometheus-alertmanager")
    if missing:  # the workspace's Prometheus and Alertmanager are real ones
        raise SystemExit(f"the demo needs {', '.join(missing)}: `make system-packages` installs them")
    with tempfile.TemporaryDirectory(prefix="amp-demo-") as workdir, SlackSink() as slack:
        slack.add_app(BOT_TOKEN, [ONCALL])
        step("starting the AWS sandbox on 127.0.0.1 and a Slack stand-in")
        sandbox = Sandbox(os.path.join(workdir, "sandbox"))
        sandbox.start(follow_pid=os.getpid(), lifetime=1800)
        sandbox.set_data_plane(True)
        try:
            env = dict(os.environ, **sandbox.env(), SANDBOX_SLACK_WEBHOOK_URL=slack.url, ANSIBLE_FORCE_COLOR="0",
                       AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_CONFIG_FILE=os.devnull)
            print(f"    sandbox {sandbox.endpoint}, Slack stand-in {slack.url} (#alerts, a webhook) and "
                  f"{slack.api_url} (#oncall {ONCALL}, a Slack app)")
            # Critical alerts page PagerDuty (AMP's own receiver) and go to #oncall (a Slack app: threads),
            # everything else to the default webhook (#alerts). The heartbeat's alarm tells an inbox of its own.
            inbox, inbox_arn = fallback_inbox(sandbox)
            routing = extra_vars(dict(HEARTBEAT, **{
                "lambda_slack_destinations": {"oncall": {"bot_token": BOT_TOKEN, "channel": ONCALL}},
                "lambda_slack_api_url": slack.api_url,
                "alerting_pagerduty_destinations": {"payments": {"routing_key": PAGERDUTY_KEY}},
                "alerting_heartbeat_fallback_subscriptions": [{"protocol": "sqs", "endpoint": inbox_arn}],
                "alerting_routes": [
                    {"name": "page", "matchers": ['severity="critical"'], "pagerduty_destination": "payments",
                     "continue": True},
                    {"name": "oncall", "matchers": ['severity="critical"'], "slack_destination": "oncall"}]}))
            step("ansible-playbook site.yml -i inventories/sandbox  (workspace, IAM, SNS, Slack forwarder, rules, alertmanager;"
                 " critical alerts page PagerDuty and go to #oncall; the heartbeat and its alarm)")
            output = playbook(["site.yml", "-i", "inventories/sandbox"] + routing, env)
            summary = output[output.index("TASK [Summary]"):output.index("PLAY RECAP")] if "TASK [Summary]" in output else ""
            print("\n".join(line for line in summary.splitlines()[1:] if line.strip()))
            print(output[output.index("PLAY RECAP"):].strip())
            step("the same run again: nothing to change")
            again = playbook(["site.yml", "-i", "inventories/sandbox"] + routing, env)
            print(again[again.index("PLAY RECAP"):].strip())
            step("feeding metrics the way the cluster in Playing with alertmanager does")
            metrics_story(slack, output, workdir)
            step("ansible-playbook playbooks/test_alert.yml: a synthetic alert, to check the path in seconds")
            seen = len(slack.received)
            playbook(["playbooks/test_alert.yml", "-i", "inventories/sandbox"], env)
            print("    #alerts:")
            print(render(wait_for_message(slack, seen + 1)))
            step("a critical test alert: its route takes it to the #oncall channel (a Slack app)")
            critical = {"test_alert_labels": {"alertname": "DemoCritical", "severity": "critical"}}
            playbook(["playbooks/test_alert.yml", "-i", "inventories/sandbox"] + extra_vars(critical), env)
            print("    #oncall:")
            print(render(eventually(lambda: (slack.channel(ONCALL) or [None])[0], 90, "#oncall message")))
            step("ansible-playbook playbooks/test_alert.yml -e test_alert_state=resolved: the thread in #oncall")
            playbook(["playbooks/test_alert.yml", "-i", "inventories/sandbox"]
                     + extra_vars(dict(critical, test_alert_state="resolved")), env)
            print("    #oncall:")
            print(render_thread(wait_for_thread(slack, ONCALL, 1)))
            pagerduty_story(sandbox)
            maintenance_story(slack, env)
            step("the chain's own heartbeat")
            heartbeat_story(sandbox, env, routing, inbox)
            step("ansible-playbook playbooks/doctor.yml -e doctor_send_test_alert=true: every hop of the chain, then a"
                 " test alert timed to Slack")
            print(doctor_table(playbook(["playbooks/doctor.yml", "-i", "inventories/sandbox", "-e",
                                         "doctor_send_test_alert=true"], env)))
            step(f"done in {time.monotonic() - started:.0f}s; stopping the sandbox")
        finally:
            sandbox.stop()
    oncall = slack.channel(ONCALL)
    print(json.dumps({"slack_messages": {"#alerts": len(slack.received), "#oncall": len(oncall),
                                         "#oncall thread replies": sum(len(m["replies"]) for m in oncall)},
                      "heartbeats_posted_to_slack": sum("AmpAlertingHeartbeat" in json.dumps(m) for m in slack.received)}))


if __name__ == "__main__":
    main()
