"""Conformance on real-world material nobody on this project wrote (../shared/corpus, see its SOURCES.md).

Every rule file and alertmanager configuration goes through the code the modules run before an
upload (prepare_rules / prepare_definition) twice: with promtool and amtool on PATH, and with them
hidden, as in an AWX execution environment on UBI9 where the collection's own checks are all there
is. Both must reach the reference verdict of manifest.json (promtool 2.42 / amtool 0.25 plus AMP's
documented rules). Every SNS event and message goes through the forwarder's handler: one Slack
message within Block Kit's limits per record, and no exception.

The corpus is read where it lies (AMP_ALERTING_CORPUS, default ../shared/corpus beside the
checkout), never copied into the project: without it these tests skip, naming the path, and fail
under CI.
"""

import json
import os

import pytest
import yaml

from ansible_collections.amp.alerting.plugins.module_utils import amp as amp_utils
from ansible_collections.amp.alerting.plugins.module_utils import amp_base
from ansible_collections.amp.alerting.plugins.module_utils import amp_alertmanager_config
from ansible_collections.amp.alerting.plugins.module_utils import amp_rules
from sandbox.processes import missing_binaries
from support import REPO_ROOT
from support import load_forwarder
from support.forwarder_events import LambdaContext
from support.slack_sink import SlackSink
from support.slack_sink import slack_violations

CORPUS = os.environ.get("AMP_ALERTING_CORPUS") or os.path.join(os.path.dirname(REPO_ROOT), "shared", "corpus")
MANIFEST = os.path.join(CORPUS, "manifest.json")
UNDER_CI = os.environ.get("CI", "").lower() not in ("", "0", "false")
DOCUMENT_KINDS = ("rules", "alertmanager-def", "alertmanager-plain")
FORWARDER_KINDS = ("sns-event", "sns-message")
# The envelope a bare message body ("sns-message" cases) is put into, as corpus_check does.
ENVELOPE_CASE = "sns-events/events__testdata__sns-event.json"

# Cases where the project decides the reference is wrong for AMP, each with its AMP evidence. None:
# every verdict of the reference is required as it is.
REFERENCE_CORRECTIONS = {}


def _cases(kinds):
    if not os.path.exists(MANIFEST):
        return [pytest.param(None, id="corpus-absent")]
    with open(MANIFEST, encoding="utf-8") as handle:
        cases = json.load(handle)["cases"]
    return [pytest.param(case, id=case["file"]) for case in cases if case["kind"] in kinds]


def _require_corpus(case):
    if case is None:
        message = f"the corpus is not at {CORPUS} (set AMP_ALERTING_CORPUS)"
        if UNDER_CI:
            pytest.fail(f"CI runs the conformance suite: {message}")
        pytest.skip(message)


def _read(case):
    with open(os.path.join(CORPUS, case["file"]), encoding="utf-8") as handle:
        return handle.read()


def verdict(case):
    """(valid, message) of the collection's own pre-upload checks for one corpus document."""
    text = _read(case)
    try:
        if case["kind"] == "rules":
            amp_rules.prepare_rules(data=text)
        elif case["kind"] == "alertmanager-def":
            amp_alertmanager_config.prepare_definition(definition=text)
        else:  # a plain Alertmanager configuration, given as AMP's document
            amp_alertmanager_config.prepare_definition(definition=yaml.safe_dump({"alertmanager_config": text}))
    except amp_utils.AmpError as exc:
        return False, str(exc)
    return True, ""


@pytest.mark.parametrize("mode", ["binaries", "own-checks"])
@pytest.mark.parametrize("case", _cases(DOCUMENT_KINDS))
def test_documents_get_the_reference_verdict(case, mode, monkeypatch):
    _require_corpus(case)
    if mode == "binaries":
        missing = missing_binaries("promtool", "amtool")
        if missing:
            pytest.skip(f"{', '.join(missing)} not installed (Debian packages prometheus, prometheus-alertmanager)")
    else:  # the AWX execution environment: no promtool, no amtool
        monkeypatch.setattr(amp_base.shutil, "which", lambda _name: None)
    expected = REFERENCE_CORRECTIONS.get(case["file"], case["reference"]["valid"])
    valid, message = verdict(case)
    assert valid == expected, (f"reference: {'valid' if expected else 'invalid'} "
                               f"({case['reference']['message'][-300:]}); ours: {message or 'valid'}")


@pytest.fixture(scope="module")
def slack():
    with SlackSink() as sink:
        yield sink


def _event(case):
    if case["kind"] == "sns-event":
        return json.loads(_read(case))
    with open(os.path.join(CORPUS, ENVELOPE_CASE), encoding="utf-8") as handle:
        event = json.load(handle)
    event["Records"][0]["Sns"]["Message"] = _read(case)
    return event


@pytest.mark.parametrize("case", _cases(FORWARDER_KINDS))
def test_every_sns_record_becomes_one_valid_slack_message(case, slack, monkeypatch):
    _require_corpus(case)
    monkeypatch.setenv("SLACK_WEBHOOK_URL", slack.url)
    monkeypatch.setenv("SLACK_ALLOWED_HOSTS", "127.0.0.1")  # the stand-in
    monkeypatch.delenv("SLACK_WEBHOOK_SSM_PARAMETER", raising=False)
    event = _event(case)
    records = len(event.get("Records") or [])
    before = len(slack.received)
    result = load_forwarder().forward_alerts_to_slack(event, LambdaContext(30))
    posted = slack.received[before:]
    assert result == {"delivered": records} and len(posted) == records
    for payload in posted:
        assert slack_violations(payload) == []
