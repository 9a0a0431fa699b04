"""Without promtool / amtool on the machine, the sandbox still refuses what AMP refuses."""

import pytest

from sandbox import validation


@pytest.fixture
def no_tools(monkeypatch):
    monkeypatch.setattr(validation.shutil, "which", lambda _name: None)


def test_python_rule_check_finds_bad_promql(no_tools):
    reason = validation.rule_file_reason(b"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: sum(up\n")
    assert reason.startswith("group 'g', rule 1: could not parse expression")


def test_python_rule_check_needs_alert_or_record(no_tools):
    reason = validation.rule_file_reason(b"groups:\n  - name: g\n    rules:\n      - expr: up\n")
    assert "exactly one of 'alert' or 'record'" in reason


def test_python_rule_check_accepts_a_good_file(no_tools):
    assert validation.rule_file_reason(b"groups:\n  - name: g\n    rules:\n      - record: job:up:sum\n        expr: sum(up) by (job)\n") is None


def test_alertmanager_checks_do_not_need_amtool(no_tools):
    doc = b"alertmanager_config: |\n  route: {receiver: a}\n  receivers:\n    - name: a\n      email_configs: [{to: x@example.com}]\n"
    assert "email_configs not supported" in validation.alertmanager_definition_reason(doc)
