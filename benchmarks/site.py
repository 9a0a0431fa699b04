"""What site.yml costs on the sandbox, with 1 and with 10 inventory hosts.

For each size: a first converge on an empty account, a no-change re-run, then doctor.yml on the converged
chain (every hop, reads; its test alert goes to the workspace's data plane). For each run: wall
time, CPU seconds of ansible-playbook and every process it started (controller, workers, modules),
changed tasks, and the AWS API calls from the sandbox's request log (every service the collection
calls, CloudFormation included; a refused write attempt still counts as a write), split into reads
(Describe/List/Get/Filter) and writes. A host's managed resources are counted as the tasks its first
converge changed.

Targets (issue 26): the no-change re-run with 0 writes, at most 1.5 reads per managed resource, at most
6 CPU seconds per host at 1 host and 4 at 10 hosts; the doctor at most 4 CPU seconds per host.
Run: .venv/bin/python benchmarks/site.py [HOSTS ...] [--calls]   (or: make bench)
"""

import collections
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, "tests"))

from sandbox.control import Sandbox  # noqa: E402  pylint: disable=wrong-import-position

READ_PREFIXES = ("Describe", "List", "Get", "Filter")  # FilterLogEvents: a read
INVENTORY = """---
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: "{{{{ ansible_playbook_python }}}}"
    aws_region: us-east-1
    lambda_slack_webhook_url: https://hooks.slack.example/services/T0/B0/bench
    lambda_slack_webhook_stand_in: true
    lambda_slack_allowed_hosts: [hooks.slack.example]
    # the workspace as a production inventory has it: retention, a series cap, query logs, another
    # account's principal allowed to remote-write, a managed scraper of an EKS cluster
    workspace_retention_period_in_days: 450
    workspace_limits_per_label_set:
      - label_set:
          team: payments
        max_series: 2000000
    workspace_query_logging_enabled: true
    workspace_shared_with:
      remote_write: ["111122223333"]
    workspace_scrapers:
      - cluster_arn: arn:aws:eks:us-east-1:123456789012:cluster/bench
        subnet_ids: [subnet-0a1b]
  children:
    bench:
      hosts:
{hosts}
"""


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_site(inventory, env, playbook="site.yml"):
    started, cpu = time.monotonic(), children_cpu_seconds()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory,
                           os.path.join(REPO_ROOT, playbook)], cwd=REPO_ROOT, capture_output=True, text=True,
                          check=False, env=dict(env, ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
                                                ANSIBLE_STDOUT_CALLBACK="ansible.posix.json"))
    seconds, cpu = time.monotonic() - started, children_cpu_seconds() - cpu
    if proc.returncode != 0:
        sys.exit(f"{playbook} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
    stats = json.loads(proc.stdout)["stats"]
    return seconds, cpu, sum(host["changed"] for host in stats.values())


def is_read(request):
    return str(request.get("operation", "")).startswith(READ_PREFIXES)


def measure(hosts):
    with tempfile.TemporaryDirectory(prefix="amp-bench-") as workdir:
        sandbox = Sandbox(os.path.join(workdir, "sandbox"))
        sandbox.start(follow_pid=os.getpid(), lifetime=3600)
        try:
            sandbox.set_amp_delay(0.2)
            inventory = os.path.join(workdir, "hosts.yml")
            with open(inventory, "w", encoding="utf-8") as handle:
                handle.write(INVENTORY.format(hosts="\n".join(f"        bench-{n:02d}:" for n in range(hosts))))
            env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO_ROOT, "ansible.cfg"), **sandbox.env(),
                       AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_CONFIG_FILE=os.devnull)
            rows = []
            for label, playbook in (("first converge", "site.yml"), ("no-change re-run", "site.yml"),
                                    ("doctor", "playbooks/doctor.yml")):
                sandbox.clear_requests()
                seconds, cpu, changed = run_site(inventory, env, playbook)
                requests = [r for r in sandbox.requests() if r["service"] != "aps-workspaces"]
                rows.append({"label": label, "seconds": seconds, "cpu": cpu, "changed": changed,
                             "reads": [r for r in requests if is_read(r)],
                             "writes": [r for r in requests if not is_read(r)]})
            return rows
        finally:
            sandbox.stop()


def by_operation(requests):
    counts = collections.Counter(f"{r['service']}:{r['operation']}" for r in requests)
    return ", ".join(f"{name} {count}" for name, count in counts.most_common())


def main():
    show_calls = "--calls" in sys.argv
    sizes = [int(arg) for arg in sys.argv[1:] if arg.isdigit()] or [1, 10]
    print(f"{'hosts':>5}  {'run':<17} {'wall s':>7} {'CPU s':>7} {'CPU s/host':>10} {'changed':>8} {'reads':>6}"
          f" {'reads/resource':>14} {'writes':>7}")
    for hosts in sizes:
        first, again, doctor = measure(hosts)
        resources = first["changed"]
        for row in (first, again, doctor):
            print(f"{hosts:>5}  {row['label']:<17} {row['seconds']:>7.1f} {row['cpu']:>7.1f} {row['cpu'] / hosts:>10.1f}"
                  f" {row['changed']:>8} {len(row['reads']):>6} {len(row['reads']) / resources:>14.2f}"
                  f" {len(row['writes']):>7}")
        print(f"{'':>7}managed resources: {resources // hosts} per host (tasks changed by the first converge)")
        if again["writes"]:
            print(f"{'':>7}writes of the no-change re-run: {by_operation(again['writes'])}")
        if doctor["writes"]:
            print(f"{'':>7}writes of the doctor (its probes): {by_operation(doctor['writes'])}")
        if show_calls:
            print(f"{'':>7}reads of the no-change re-run: {by_operation(again['reads'])}")
    print("targets (issue 26): no-change re-run 0 writes, <= 1.5 reads per managed resource, <= 6 CPU s per host at 1 host"
          " and <= 4 at 10; doctor <= 4 CPU s per host; first converge no slower than 24.2 CPU s at 1 host")


if __name__ == "__main__":
    main()
