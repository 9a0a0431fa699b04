"""amp_silence and amp_alert_info with boto3 stubbed and the alertmanager API recorded."""

import datetime

import pytest

from ansible_collections.amp.alerting.plugins.modules import amp_alert_info
from ansible_collections.amp.alerting.plugins.modules import amp_silence

from support.amp_stubs import workspace

WS = "ws-aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
NOW = datetime.datetime(2026, 11, 25, 20, 0, tzinfo=datetime.timezone.utc)
PAYMENTS = [{"name": "service", "value": "payments", "isRegex": False, "isEqual": True}]


def existing(silence_id="s-1", ends="2026-11-25T20:30:00.000Z", state="active", comment="CHG-1", matchers=None):
    return {"id": silence_id, "status": {"state": state}, "matchers": matchers or PAYMENTS, "comment": comment,
            "createdBy": "someone", "startsAt": "2026-11-25T19:55:00.000Z", "endsAt": ends}


@pytest.fixture
def run(run_module, monkeypatch):
    """The module, with DescribeWorkspace stubbed and the alertmanager API answering from .silences."""
    module_run = run_module(amp_silence)
    module_run.calls, module_run.silences = [], []

    def fake_api(_module, _workspace, path, _description, method="GET", query=None, payload=None):
        module_run.calls.append((method, path, payload))
        if method == "GET":
            return module_run.silences
        return {"silenceID": (payload or {}).get("id") or "s-new"} if method == "POST" else None

    monkeypatch.setattr(amp_silence, "alertmanager_api", fake_api)
    monkeypatch.setattr(amp_silence, "utc_now", lambda: NOW)

    def call(**args):
        module_run.stub.add_response("describe_workspace", {"workspace": workspace(WS)}, {"workspaceId": WS})
        return module_run(**dict({"workspace_id": WS, "matchers": ['service="payments"'], "comment": "CHG-1"}, **args))

    module_run.call = call
    return module_run


def writes(run):
    return [(method, path, payload) for method, path, payload in run.calls if method != "GET"]


def test_makes_a_silence_from_now_for_the_duration(run):
    result = run.call(duration="45m", created_by="ops")
    assert (result["changed"], result["silence_id"]) == (True, "s-new")
    ((method, path, body),) = writes(run)
    assert (method, path) == ("POST", "silences")
    assert body == {"matchers": PAYMENTS, "startsAt": "2026-11-25T20:00:00.000Z", "endsAt": "2026-11-25T20:45:00.000Z",
                    "createdBy": "ops", "comment": "CHG-1"}


def test_check_mode_writes_nothing_and_says_what_would_be_made(run):
    result = run.call(duration="45m", _ansible_check_mode=True, _ansible_diff=True)
    assert result["changed"] is True and writes(run) == []
    assert result["diff"] == {"before": {}, "after": result["silence"]}
    assert result["silence"]["ends_at"] == "2026-11-25T20:45:00.000Z"


def test_a_silence_that_lasts_long_enough_is_reused(run):
    run.silences = [existing(ends="2026-11-25T20:42:00.000Z")]  # 3 minutes short: within the tolerance
    result = run.call(duration="45m")
    assert (result["changed"], result["silence_id"]) == (False, "s-1") and writes(run) == []


def test_a_silence_that_ends_too_early_is_extended_in_place(run):
    run.silences = [existing(ends="2026-11-25T20:10:00.000Z"), existing("s-0", comment="another change")]
    result = run.call(duration="45m")
    ((_method, _path, body),) = writes(run)
    # Alertmanager updates an active silence in place only with its id and unchanged start.
    assert (body["id"], body["startsAt"], body["endsAt"]) == ("s-1", "2026-11-25T19:55:00.000Z", "2026-11-25T20:45:00.000Z")
    assert (result["changed"], result["silence_id"]) == (True, "s-1")


def test_expired_silences_and_other_matchers_are_not_reused(run):
    run.silences = [existing(state="expired", ends="2026-11-25T23:00:00.000Z"),
                    existing("s-2", matchers=PAYMENTS + [{"name": "env", "value": "prod", "isRegex": False, "isEqual": True}])]
    result = run.call(duration="45m")
    assert result["silence_id"] == "s-new" and "id" not in writes(run)[0][2]


def test_absent_expires_every_matching_silence_once(run):
    run.silences = [existing("s-1"), existing("s-3", state="pending"), existing("s-4", comment="other")]
    result = run.call(state="absent")
    assert result["expired"] == ["s-1", "s-3"]
    assert [(m, p) for m, p, _body in writes(run)] == [("DELETE", "silence/s-1"), ("DELETE", "silence/s-3")]


@pytest.mark.parametrize("args, message", [
    ({"duration": "45m", "matchers": ['team!="sre"']}, "matchers: every matcher also matches alerts without the label"),
    ({"duration": "45m", "matchers": ['service=~"a(?!b)"']}, "matchers[0]: invalid regexp"),
    ({"ends_at": "2026-11-25T19:00:00Z"}, "ends_at: 2026-11-25T19:00:00.000Z is in the past"),
    ({"ends_at": "2026-11-25T21:00:00Z", "starts_at": "2026-11-25T22:00:00+01:00"},
     "ends_at: 2026-11-25T21:00:00.000Z is not after starts_at 2026-11-25T21:00:00.000Z"),
    ({"duration": "0s"}, "duration: '0s' is not a positive Prometheus duration"),
    ({"duration": "45m", "silence_id": "s-1"}, "silence_id: only for state=absent"),
    ({"state": "absent", "comment": None}, "matchers and comment: state=absent needs both"),
], ids=["matches-absent-label", "lookahead", "past", "zone-offset", "zero", "id-with-present", "absent-without-comment"])
def test_bad_input_is_named_before_any_call(run_module, monkeypatch, args, message):
    module_run = run_module(amp_silence)
    monkeypatch.setattr(amp_silence, "utc_now", lambda: NOW)
    monkeypatch.setattr(amp_silence, "alertmanager_api", lambda *a, **k: pytest.fail("called the alertmanager API"))
    args = dict({"workspace_id": WS, "matchers": ['service="payments"'], "comment": "CHG-1"}, **args)
    result = module_run(**{key: value for key, value in args.items() if value is not None})
    assert result["failed"] is True and result["msg"].startswith(message), result["msg"]


def test_alert_info_filters_with_one_query_parameter_per_matcher(run_module, monkeypatch):
    module_run = run_module(amp_alert_info)
    calls = []

    def fake_api(_module, _workspace, path, _description, method="GET", query=None, payload=None):
        calls.append((path, query))
        return [{"labels": {"alertname": "PaymentsDown"}, "status": {"state": "suppressed", "silencedBy": ["s-1"]},
                 "startsAt": "2026-11-25T19:00:00Z", "fingerprint": "f1", "receivers": [{"name": "sns"}]}]

    monkeypatch.setattr(amp_alert_info, "alertmanager_api", fake_api)
    module_run.stub.add_response("describe_workspace", {"workspace": workspace(WS)}, {"workspaceId": WS})
    result = module_run(workspace_id=WS, matchers=['{service="payments", severity=~"critical|warning"}'], silenced=False)
    ((path, query),) = calls
    assert path == "alerts"
    assert query == [("filter", 'service="payments"'), ("filter", 'severity=~"critical|warning"'),
                     ("active", "true"), ("silenced", "false"), ("inhibited", "true")]
    assert result["alerts"][0]["silenced_by"] == ["s-1"] and result["alerts"][0]["receivers"] == ["sns"]
    assert result["counts"] == {"active": 0, "suppressed": 1, "unprocessed": 0} and result["changed"] is False
