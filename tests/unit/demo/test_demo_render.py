"""The demo prints Slack messages as a person reads them."""

from demo.__main__ import render
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


def test_the_doctor_table_is_printed_without_the_callbacks_indentation():
    from demo.__main__ import doctor_table

    output = ("TASK [The chain, hop by hop, of sandbox-amp] ****\nok: [sandbox-amp] => \n    msg: |-\n"
              "        ok      workspace  ws-1 ACTIVE\n        broken  function   gone\n"
              "                           fix: run site.yml\n\nTASK [No hop is broken] ***\n")
    assert doctor_table(output).splitlines() == ["    ok      workspace  ws-1 ACTIVE", "    broken  function   gone",
                                                 "                       fix: run site.yml"]
