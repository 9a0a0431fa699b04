"""Wall time and AWS API calls of site.yml on the sandbox, with 1 and with 10 inventory hosts.

For each size: a first converge on an empty account, then a no-change re-run. API calls come from the
sandbox's request log, split into reads (Describe/List/Get) and writes. Target: zero writes on the
no-change re-run.
Run: .venv/bin/python benchmarks/site.py [HOSTS ...]   (or: make bench)
"""

import collections
import os
import subprocess
import sys
import tempfile
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO_ROOT, "tests"))

from sandbox.control import Sandbox  # noqa: E402  pylint: disable=wrong-import-position

READ_PREFIXES = ("Describe", "List", "Get")
INVENTORY = """---
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: "{{{{ ansible_playbook_python }}}}"
    aws_region: us-east-1
    lambda_slack_webhook_url: https://hooks.slack.example/services/T0/B0/bench
  children:
    bench:
      hosts:
{hosts}
"""


def run_site(inventory, env):
    started = time.monotonic()
    proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory,
                           os.path.join(REPO_ROOT, "site.yml")], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        sys.exit(f"site.yml failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}")
    recap = [line for line in proc.stdout.splitlines() if "changed=" in line]
    changed = sum(int(line.split("changed=")[1].split()[0]) for line in recap)
    return time.monotonic() - started, changed


def calls(sandbox):
    counts = collections.Counter()
    for request in sandbox.requests():
        counts["read" if str(request.get("operation", "")).startswith(READ_PREFIXES) else "write"] += 1
    return counts


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
            for label in ("first converge", "no-change re-run"):
                sandbox.clear_requests()
                seconds, changed = run_site(inventory, env)
                counts = calls(sandbox)
                rows.append((label, seconds, changed, counts["read"], counts["write"]))
            return rows
        finally:
            sandbox.stop()


def main():
    sizes = [int(arg) for arg in sys.argv[1:]] or [1, 10]
    print(f"{'hosts':>5}  {'run':<17} {'wall s':>7} {'changed':>8} {'reads':>6} {'writes':>7}")
    for hosts in sizes:
        for label, seconds, changed, reads, writes in measure(hosts):
            print(f"{hosts:>5}  {label:<17} {seconds:>7.1f} {changed:>8} {reads:>6} {writes:>7}")
    print("target: 0 writes on the no-change re-run")


if __name__ == "__main__":
    main()
