"""The demo prints Slack messages as a person reads them, and doctor.yml's table as ansible-core printed it."""

import os
import subprocess
import sys

import yaml

from demo.__main__ import REPO_ROOT, doctor_table, render
from support import load_forwarder
from support.forwarder_events import fixture_envelope


def test_render_shows_header_alerts_fields_and_links():
    forwarder = load_forwarder()
    envelope = fixture_envelope("default_text_firing.json")
    text = render(forwarder.build_slack_message(forwarder.parse_notification(envelope["Message"], envelope["Subject"])))
    assert "┃ 🔥 FIRING: PodHighCpu (2 alerts)" in text
    assert "┃ 🔴 critical  Pod shop/api-7d9f uses 93% CPU" in text
    assert "┃   pod: api-7d9f" in text
    assert "Runbook (https://runbooks.example.com/pod-high-cpu) · Source (http://prometheus.example:9090/graph?g0.expr=pod_cpu%3E0.9&g0.tab=1)" in text


LINES = [
    "ok      workspace                     ws-1 (sandbox-amp) ACTIVE",
    "ok      rule namespaces               1 ACTIVE: amp-alerting",
    "ok      function dead-letter queue    amp-sandbox-amp-slack-forwarder-dlq: 0 events the function failed after "
    "Lambda's retries, a line long enough for the callback to fold it over more than one line of its output",
    "BROKEN  heartbeat                     no heartbeat for 12 min",
]


def test_the_doctor_table_is_printed_without_the_callbacks_indentation(tmp_path):
    """doctor.yml's debug task prints a list of lines; the demo reads them back from ansible-core's own output with
    the collection's ansible.cfg (YAML results: long lines folded, some quoted), not from a hand-written copy."""
    playbook = tmp_path / "doctor.yml"
    playbook.write_text(yaml.safe_dump([{
        "name": "Diagnose", "hosts": "localhost", "gather_facts": False,
        "tasks": [{"name": "The chain, hop by hop, of {{ inventory_hostname }}", "ansible.builtin.debug": {"msg": LINES}},
                  {"name": "After it", "ansible.builtin.debug": {"msg": "next"}}]}]))
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO_ROOT, "ansible.cfg"), ANSIBLE_FORCE_COLOR="0",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    output = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(playbook)],
                            cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True).stdout
    assert doctor_table(output) == "\n".join("    " + line for line in LINES)
