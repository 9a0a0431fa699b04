"""amp_workspace with boto3 stubbed: every branch a user can reach."""

import time

import pytest

from ansible_collections.amp.alerting.plugins.module_utils.amp import FIRST_POLL_INTERVAL
from ansible_collections.amp.alerting.plugins.module_utils.amp import client_token
from ansible_collections.amp.alerting.plugins.modules import amp_workspace

from support.amp_stubs import ACCOUNT, REGION, summary, workspace

WS_ID = "ws-11111111-1111-1111-1111-111111111111"
LOG_GROUP = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/prometheus/prod:*"
KMS = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


@pytest.fixture
def run(run_module):
    return run_module(amp_workspace)


def expect_lookup(run, alias, found):
    run.stub.add_response("list_workspaces", {"workspaces": [summary(ws) for ws in found]}, {"alias": alias})
    if len(found) == 1:
        run.stub.add_response("describe_workspace", {"workspace": found[0]}, {"workspaceId": found[0]["workspaceId"]})


def expect_no_logging(run):
    run.not_found("describe_logging_configuration", {"workspaceId": WS_ID})


def test_create_waits_until_active_and_returns_urls(run):
    expect_lookup(run, "prod", [])
    run.stub.add_response(
        "create_workspace",
        {"workspaceId": WS_ID, "arn": workspace()["arn"], "status": {"statusCode": "CREATING"}},
        {"alias": "prod", "tags": {"team": "sre"},
         "clientToken": client_token({"alias": "prod", "tags": {"team": "sre"}})},
    )
    run.stub.add_response("describe_workspace", {"workspace": workspace(status="CREATING")}, {"workspaceId": WS_ID})
    run.stub.add_response("describe_workspace", {"workspace": workspace(status="CREATING")}, {"workspaceId": WS_ID})
    run.stub.add_response("describe_workspace", {"workspace": workspace(tags={"team": "sre"})}, {"workspaceId": WS_ID})

    result = run(alias="prod", tags={"team": "sre"})

    assert result["changed"] is True
    ws = result["workspace"]
    assert ws["workspace_id"] == WS_ID
    assert ws["status"] == "ACTIVE"
    assert ws["remote_write_url"].endswith(f"/workspaces/{WS_ID}/api/v1/remote_write")
    assert ws["query_url"].endswith(f"/workspaces/{WS_ID}/api/v1/query")
    assert ws["tags"] == {"team": "sre"}
    assert run.sleeps == [FIRST_POLL_INTERVAL]


def test_existing_workspace_is_unchanged(run):
    expect_lookup(run, "prod", [workspace(tags={"team": "sre"})])
    expect_no_logging(run)
    result = run(alias="prod", tags={"team": "sre"})
    assert result["changed"] is False
    assert result["workspace"]["workspace_id"] == WS_ID


def test_alias_prefix_matches_are_not_the_workspace(run):
    # AMP's alias filter is a prefix match: "prod-eu" is not "prod".
    run.stub.add_response("list_workspaces", {"workspaces": [summary(workspace(alias="prod-eu"))]}, {"alias": "prod"})
    result = run(alias="prod", state="absent")
    assert result["changed"] is False


def test_check_mode_create_calls_no_write_api(run):
    expect_lookup(run, "prod", [])
    result = run(alias="prod", _ansible_check_mode=True, _ansible_diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["alias"] == "prod"


def test_rename_and_retag_with_diff(run):
    current = workspace(tags={"team": "sre", "old": "x"})
    run.stub.add_response("describe_workspace", {"workspace": current}, {"workspaceId": WS_ID})
    expect_no_logging(run)
    run.stub.add_response("update_workspace_alias", {}, {"workspaceId": WS_ID, "alias": "prod-eu"})
    run.stub.add_response("untag_resource", {}, {"resourceArn": current["arn"], "tagKeys": ["old"]})
    run.stub.add_response("tag_resource", {}, {"resourceArn": current["arn"], "tags": {"env": "prod"}})
    renamed = workspace(alias="prod-eu", tags={"team": "sre", "env": "prod"})
    run.stub.add_response("describe_workspace", {"workspace": renamed}, {"workspaceId": WS_ID})

    result = run(workspace_id=WS_ID, alias="prod-eu", tags={"team": "sre", "env": "prod"}, _ansible_diff=True)

    assert result["changed"] is True
    assert result["diff"]["before"]["alias"] == "prod"
    assert result["diff"]["after"]["alias"] == "prod-eu"
    assert result["diff"]["after"]["tags"] == {"team": "sre", "env": "prod"}


def test_conflict_while_updating_is_waited_out(run):
    run.stub.add_response("describe_workspace", {"workspace": workspace()}, {"workspaceId": WS_ID})
    expect_no_logging(run)
    run.stub.add_client_error("update_workspace_alias", "ConflictException", "busy", 409)
    run.stub.add_response("describe_workspace", {"workspace": workspace(status="UPDATING")}, {"workspaceId": WS_ID})
    run.stub.add_response("update_workspace_alias", {}, {"workspaceId": WS_ID, "alias": "other"})
    run.stub.add_response("describe_workspace", {"workspace": workspace(alias="other")}, {"workspaceId": WS_ID})
    result = run(workspace_id=WS_ID, alias="other")
    assert result["changed"] is True
    assert result["workspace"]["alias"] == "other"


def test_throttling_is_retried(run):
    run.stub.add_client_error("list_workspaces", "ThrottlingException", "slow down", 429)
    run.stub.add_response("list_workspaces", {"workspaces": []}, {"alias": "prod"})
    result = run(alias="prod", state="absent")
    assert result["changed"] is False
    assert len(run.sleeps) == 1  # one backoff, then the answer


def test_alias_matching_several_workspaces_fails_naming_them(run):
    other = "ws-22222222-2222-2222-2222-222222222222"
    expect_lookup(run, "prod", [workspace(), workspace(workspace_id=other)])
    result = run(alias="prod", state="absent")
    assert result["failed"] is True
    assert WS_ID in result["msg"] and other in result["msg"]
    assert "workspace_id" in result["msg"]


def test_creation_failed_is_reported(run):
    expect_lookup(run, "prod", [])
    run.stub.add_response("create_workspace", {"workspaceId": WS_ID, "arn": workspace()["arn"], "status": {"statusCode": "CREATING"}})
    run.stub.add_response("describe_workspace", {"workspace": workspace(status="CREATION_FAILED")}, {"workspaceId": WS_ID})  # the create's answer checked
    run.stub.add_response("describe_workspace", {"workspace": workspace(status="CREATION_FAILED")}, {"workspaceId": WS_ID})
    result = run(alias="prod")
    assert result["failed"] is True
    assert "CREATION_FAILED" in result["msg"] and WS_ID in result["msg"]


def test_timeout_names_the_last_status(run):
    expect_lookup(run, "prod", [])
    run.stub.add_response("create_workspace", {"workspaceId": WS_ID, "arn": workspace()["arn"], "status": {"statusCode": "CREATING"}})
    run.stub.add_response("describe_workspace", {"workspace": workspace(status="CREATING")}, {"workspaceId": WS_ID})  # the create's answer checked
    run.stub.add_response("describe_workspace", {"workspace": workspace(status="CREATING")}, {"workspaceId": WS_ID})
    result = run(alias="prod", wait_timeout=0)
    assert result["failed"] is True
    assert "timed out after 0s" in result["msg"] and "last status seen: CREATING" in result["msg"]


def test_kms_key_cannot_change(run):
    expect_lookup(run, "prod", [workspace(kmsKeyArn=KMS)])
    expect_no_logging(run)
    other_key = KMS.replace("1234abcd", "9999abcd")
    result = run(alias="prod", kms_key_arn=other_key)
    assert result["failed"] is True
    assert result["msg"].startswith("kms_key_arn:") and "cannot change" in result["msg"]


def test_logging_created_and_waited_for(run):
    expect_lookup(run, "prod", [workspace()])
    expect_no_logging(run)
    run.stub.add_response("create_logging_configuration", {"status": {"statusCode": "CREATING"}},
                          {"workspaceId": WS_ID, "logGroupArn": LOG_GROUP})
    run.stub.add_response("describe_logging_configuration", {"loggingConfiguration": {
        "status": {"statusCode": "ACTIVE"}, "logGroupArn": LOG_GROUP, "workspace": WS_ID,
        "createdAt": "2026-11-24T00:00:00Z", "modifiedAt": "2026-11-24T00:00:00Z"}}, {"workspaceId": WS_ID})
    result = run(alias="prod", log_group_arn=LOG_GROUP)
    assert result["changed"] is True
    assert result["workspace"]["logging"] == {"log_group_arn": LOG_GROUP, "status": "ACTIVE"}


def test_absent_deletes_and_waits_until_gone(run):
    expect_lookup(run, "prod", [workspace()])
    run.stub.add_response("delete_workspace", {}, {"workspaceId": WS_ID})
    run.stub.add_response("describe_workspace", {"workspace": workspace(status="DELETING")}, {"workspaceId": WS_ID})
    run.not_found("describe_workspace", {"workspaceId": WS_ID})
    result = run(alias="prod", state="absent", _ansible_diff=True)
    assert result["changed"] is True
    assert result["workspace"] == {}
    assert result["diff"]["before"]["alias"] == "prod"


def test_absent_in_check_mode_deletes_nothing(run):
    expect_lookup(run, "prod", [workspace()])
    result = run(alias="prod", state="absent", _ansible_check_mode=True)
    assert result["changed"] is True


@pytest.mark.parametrize(
    "args, field",
    [
        ({"alias": ""}, "alias:"),
        ({"alias": "x" * 101}, "alias:"),
        ({"alias": "prod", "log_group_arn": LOG_GROUP[:-2]}, "log_group_arn:"),
        ({"alias": "prod", "kms_key_arn": "alias/my-key"}, "kms_key_arn:"),
        ({"alias": "prod", "wait_timeout": -1}, "wait_timeout:"),
        ({}, "alias:"),
    ],
    ids=["empty-alias", "long-alias", "log-group-without-suffix", "kms-not-an-arn", "negative-timeout", "no-identity"],
)
def test_bad_input_fails_before_any_aws_call(run, args, field):
    result = run(**args)  # the stubber has no responses: any AWS call would fail the test differently
    assert result["failed"] is True
    assert result["msg"].startswith(field), result["msg"]


def test_two_runs_that_create_the_same_workspace_send_the_same_token_at_any_time(monkeypatch):
    request = {"alias": "prod", "tags": {"team": "sre"}}
    monkeypatch.setattr(time, "time", lambda: 1_800_000_899.9)  # one run a moment before a quarter hour ...
    token = client_token(request)
    monkeypatch.setattr(time, "time", lambda: 1_800_000_900.1)  # ... the other a moment after it
    assert token == client_token({"tags": {"team": "sre"}, "alias": "prod"})
    assert token != client_token(dict(request, alias="prod-2"))
    assert token != client_token(request, after=WS_ID)
    assert len(token) <= 64 and token.isascii()


def test_a_token_answered_with_a_deleted_workspace_is_followed_by_a_chained_one(run):
    """AMP answers a token it has seen with the workspace it made then, deleted since or not."""
    gone = "ws-99999999-9999-9999-9999-999999999999"
    request = {"alias": "prod", "tags": {"team": "sre"}}
    expect_lookup(run, "prod", [])
    run.stub.add_response("create_workspace", {"workspaceId": gone, "arn": workspace(gone)["arn"], "status": {"statusCode": "CREATING"}},
                          dict(request, clientToken=client_token(request)))
    run.not_found("describe_workspace", {"workspaceId": gone})
    run.stub.add_response("create_workspace", {"workspaceId": WS_ID, "arn": workspace()["arn"], "status": {"statusCode": "CREATING"}},
                          dict(request, clientToken=client_token(request, after=gone)))
    run.stub.add_response("describe_workspace", {"workspace": workspace(status="CREATING")}, {"workspaceId": WS_ID})
    run.stub.add_response("describe_workspace", {"workspace": workspace(tags={"team": "sre"})}, {"workspaceId": WS_ID})

    result = run(alias="prod", tags={"team": "sre"})

    assert result["changed"] is True and result["workspace"]["workspace_id"] == WS_ID


def test_a_workspace_that_failed_to_create_is_recreated_when_asked(run):
    failed = "ws-ffffffff-ffff-ffff-ffff-ffffffffffff"
    expect_lookup(run, "prod", [workspace(failed, status="CREATION_FAILED")])
    run.not_found("describe_logging_configuration", {"workspaceId": failed})
    run.stub.add_response("delete_workspace", {}, {"workspaceId": failed})
    run.not_found("describe_workspace", {"workspaceId": failed})
    run.stub.add_response("create_workspace", {"workspaceId": WS_ID, "arn": workspace()["arn"], "status": {"statusCode": "CREATING"}})
    run.stub.add_response("describe_workspace", {"workspace": workspace()}, {"workspaceId": WS_ID})  # the create's answer checked
    run.stub.add_response("describe_workspace", {"workspace": workspace()}, {"workspaceId": WS_ID})
    result = run(alias="prod", recreate_failed=True)
    assert result["changed"] is True and result["workspace"]["workspace_id"] == WS_ID


def test_a_workspace_that_failed_to_create_says_how_to_recreate_it(run):
    failed = "ws-ffffffff-ffff-ffff-ffff-ffffffffffff"
    expect_lookup(run, "prod", [workspace(failed, status="CREATION_FAILED")])
    run.not_found("describe_logging_configuration", {"workspaceId": failed})
    result = run(alias="prod")
    assert result["failed"] is True and "recreate_failed=true" in result["msg"] and failed in result["msg"]


# -- workspace configuration (retention, limits per label set) ---------------------------------------

def configuration(retention=150, limits=(), status="ACTIVE", reason=None):
    status_dict = {"statusCode": status}
    if reason:
        status_dict["statusReason"] = reason
    return {"workspaceConfiguration": {"status": status_dict, "retentionPeriodInDays": retention,
                                       "limitsPerLabelSet": [{"labelSet": labels, "limits": {"maxSeries": series}}
                                                             for labels, series in limits]}}


PAYMENTS = [{"label_set": {"team": "payments"}, "max_series": 2000000}, {"label_set": {}, "max_series": 0}]
PAYMENTS_AMP = [({}, 0), ({"team": "payments"}, 2000000)]  # AMP's order is its own


def test_configuration_unchanged_in_any_order_calls_no_write(run):
    expect_lookup(run, "prod", [workspace()])
    expect_no_logging(run)
    run.stub.add_response("describe_workspace_configuration", configuration(450, PAYMENTS_AMP), {"workspaceId": WS_ID})
    result = run(alias="prod", retention_period_in_days=450, limits_per_label_set=PAYMENTS)
    assert result["changed"] is False
    assert result["workspace"]["configuration"] == {
        "retention_period_in_days": 450, "status": "ACTIVE",
        "limits_per_label_set": [{"label_set": {"team": "payments"}, "max_series": 2000000}, {"label_set": {}, "max_series": 0}]}


def test_only_the_retention_that_differs_is_sent_and_waited_for(run):
    expect_lookup(run, "prod", [workspace()])
    expect_no_logging(run)
    run.stub.add_response("describe_workspace_configuration", configuration(150, PAYMENTS_AMP), {"workspaceId": WS_ID})
    run.stub.add_response("update_workspace_configuration", {"status": {"statusCode": "UPDATING"}},
                          {"workspaceId": WS_ID, "retentionPeriodInDays": 450})
    run.stub.add_response("describe_workspace_configuration", configuration(150, PAYMENTS_AMP, "UPDATING"), {"workspaceId": WS_ID})
    run.stub.add_response("describe_workspace_configuration", configuration(450, PAYMENTS_AMP), {"workspaceId": WS_ID})
    result = run(alias="prod", retention_period_in_days=450, limits_per_label_set=PAYMENTS, _ansible_diff=True)
    assert result["changed"] is True
    assert result["workspace"]["configuration"]["retention_period_in_days"] == 450
    assert (result["diff"]["before"]["retention_period_in_days"], result["diff"]["after"]["retention_period_in_days"]) == (150, 450)


def test_update_failed_reports_amps_reason(run):
    expect_lookup(run, "prod", [workspace()])
    expect_no_logging(run)
    run.stub.add_response("describe_workspace_configuration", configuration(), {"workspaceId": WS_ID})
    run.stub.add_response("update_workspace_configuration", {"status": {"statusCode": "UPDATING"}},
                          {"workspaceId": WS_ID, "limitsPerLabelSet": [{"labelSet": {"team": "payments"},
                                                                        "limits": {"maxSeries": 10}}],
                           })
    run.stub.add_response("describe_workspace_configuration",
                          configuration(status="UPDATE_FAILED", reason="Label set limit exceeds account quota"),
                          {"workspaceId": WS_ID})
    result = run(alias="prod", limits_per_label_set=[{"label_set": {"team": "payments"}, "max_series": 10}])
    assert "the configuration of workspace" in result["msg"] and "UPDATE_FAILED: Label set limit exceeds account quota" in result["msg"]


def test_check_mode_predicts_the_configuration_and_writes_nothing(run):
    expect_lookup(run, "prod", [workspace()])
    expect_no_logging(run)
    run.stub.add_response("describe_workspace_configuration", configuration(), {"workspaceId": WS_ID})
    result = run(alias="prod", retention_period_in_days=30, allow_retention_decrease=True, limits_per_label_set=[],
                 _ansible_check_mode=True, _ansible_diff=True)
    assert result["changed"] is True
    assert result["diff"]["after"]["retention_period_in_days"] == 30  # and the stub had no write to answer


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_shorter_retention_is_refused_before_any_write_unless_allowed(run, check_mode):
    # 450 -> 30 days deletes every sample older than 30 days: no write is stubbed, so any would fail
    expect_lookup(run, "prod", [workspace(tags={"team": "sre"})])
    expect_no_logging(run)
    run.stub.add_response("describe_workspace_configuration", configuration(450), {"workspaceId": WS_ID})
    result = run(alias="prod", tags={"team": "other"}, retention_period_in_days=30, _ansible_check_mode=check_mode)
    assert result["failed"] is True and result.get("changed") is not True
    assert result["msg"].startswith(f"retention_period_in_days: 30 is shorter than the 450 days workspace {WS_ID} (prod) "
                                    "keeps now: AMP would delete every sample older than 30 days")
    assert "allow_retention_decrease: true" in result["msg"]


def test_a_longer_retention_needs_no_permission(run):
    expect_lookup(run, "prod", [workspace()])
    expect_no_logging(run)
    run.stub.add_response("describe_workspace_configuration", configuration(30), {"workspaceId": WS_ID})
    result = run(alias="prod", retention_period_in_days=450, _ansible_check_mode=True)
    assert result["changed"] is True


@pytest.mark.parametrize("args, message", [
    ({"retention_period_in_days": 0}, "retention_period_in_days: 0 is not a number of days from 1 to 1095"),
    ({"retention_period_in_days": 1096}, "retention_period_in_days: 1096 is not a number of days"),
    ({"limits_per_label_set": [{"label_set": {"team-name": "a"}, "max_series": 1}]},
     "limits_per_label_set[0].label_set: 'team-name' is not a label name"),
    ({"limits_per_label_set": [{"label_set": {"team": " "}, "max_series": 1}]},
     "limits_per_label_set[0].label_set.team: AMP takes an ASCII value"),
    ({"limits_per_label_set": [{"label_set": {"team": "é"}, "max_series": 1}]},
     "limits_per_label_set[0].label_set.team: AMP takes an ASCII value"),
    ({"limits_per_label_set": [{"label_set": {"__name__": "http-requests"}, "max_series": 1}]},
     "limits_per_label_set[0].label_set.__name__: 'http-requests' is not a metric name"),
    ({"limits_per_label_set": [{"label_set": {"team": "a"}, "max_series": -1}]},
     "limits_per_label_set[0].max_series: must be 0"),
    ({"limits_per_label_set": [{"label_set": {"team": "a"}, "max_series": 1}, {"label_set": {"team": "a"}, "max_series": 2}]},
     "limits_per_label_set[1].label_set: the same label set as limits_per_label_set[0]"),
])
def test_bad_configuration_is_named_before_any_call(run, args, message):
    result = run(alias="prod", **args)
    assert result["failed"] is True and message in result["msg"]


# -- query logging -------------------------------------------------------------------------------------

QUERY_LOG_GROUP = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/vendedlogs/prometheus/prod/queries:*"


def query_logging(log_group=QUERY_LOG_GROUP, threshold=50_000_000, status="ACTIVE", reason=None):
    status_dict = {"statusCode": status}
    if reason:
        status_dict["statusReason"] = reason
    return {"queryLoggingConfiguration": {
        "status": status_dict, "workspace": WS_ID, "createdAt": "2026-11-24T00:00:00Z", "modifiedAt": "2026-11-24T00:00:00Z",
        "destinations": [{"cloudWatchLogs": {"logGroupArn": log_group}, "filters": {"qspThreshold": threshold}}]}}


def destinations(log_group=QUERY_LOG_GROUP, threshold=50_000_000):
    return [{"cloudWatchLogs": {"logGroupArn": log_group}, "filters": {"qspThreshold": threshold}}]


def test_query_logging_created_and_waited_for(run):
    expect_lookup(run, "prod", [workspace()])
    expect_no_logging(run)
    run.not_found("describe_query_logging_configuration", {"workspaceId": WS_ID})
    run.stub.add_response("create_query_logging_configuration", {"status": {"statusCode": "CREATING"}},
                          {"workspaceId": WS_ID, "destinations": destinations()})
    run.stub.add_response("describe_query_logging_configuration", query_logging(status="CREATING"), {"workspaceId": WS_ID})
    run.stub.add_response("describe_query_logging_configuration", query_logging(), {"workspaceId": WS_ID})
    result = run(alias="prod", query_log_group_arn=QUERY_LOG_GROUP, query_log_qsp_threshold=50_000_000, _ansible_diff=True)
    assert result["changed"] is True
    assert result["workspace"]["query_logging"] == {"log_group_arn": QUERY_LOG_GROUP, "qsp_threshold": 50_000_000,
                                                    "status": "ACTIVE"}
    assert (result["diff"]["before"]["query_logging"], result["diff"]["after"]["query_logging"]) == (
        None, {"log_group_arn": QUERY_LOG_GROUP, "qsp_threshold": 50_000_000})


@pytest.mark.parametrize("theirs, updated", [(50_000_000, False), (70_000_000, True)], ids=["same", "other-threshold"])
def test_query_logging_another_run_created_first_is_compared_not_failed(run, theirs, updated):
    """Two site.yml runs started together: both read no query logging, the second create is refused."""
    expect_lookup(run, "prod", [workspace()])
    expect_no_logging(run)
    run.not_found("describe_query_logging_configuration", {"workspaceId": WS_ID})
    run.stub.add_client_error("create_query_logging_configuration", "ConflictException",
                              "A query logging configuration already exists", 409)
    run.stub.add_response("describe_workspace", {"workspace": workspace()}, {"workspaceId": WS_ID})
    for _read in range(3):  # busy? / exists? / settled?
        run.stub.add_response("describe_query_logging_configuration", query_logging(threshold=theirs), {"workspaceId": WS_ID})
    if updated:
        run.stub.add_response("update_query_logging_configuration", {"status": {"statusCode": "UPDATING"}},
                              {"workspaceId": WS_ID, "destinations": destinations()})
        run.stub.add_response("describe_query_logging_configuration", query_logging(), {"workspaceId": WS_ID})
    result = run(alias="prod", query_log_group_arn=QUERY_LOG_GROUP, query_log_qsp_threshold=50_000_000)
    assert "failed" not in result, result
    assert result["workspace"]["query_logging"]["qsp_threshold"] == 50_000_000
    run.stub.assert_no_pending_responses()


def test_query_logging_as_asked_calls_no_write(run):
    expect_lookup(run, "prod", [workspace()])
    expect_no_logging(run)
    run.stub.add_response("describe_query_logging_configuration", query_logging(), {"workspaceId": WS_ID})
    result = run(alias="prod", query_log_group_arn=QUERY_LOG_GROUP, query_log_qsp_threshold=50_000_000)
    assert result["changed"] is False


def test_query_logging_not_asked_about_is_not_read(run):
    expect_lookup(run, "prod", [workspace()])
    expect_no_logging(run)  # and no describe_query_logging_configuration: the stubber would refuse it
    result = run(alias="prod")
    assert result["changed"] is False and "query_logging" not in result["workspace"]


def test_a_new_threshold_updates_query_logging_and_check_mode_only_predicts_it(run):
    expect_lookup(run, "prod", [workspace()])
    expect_no_logging(run)
    run.stub.add_response("describe_query_logging_configuration", query_logging(), {"workspaceId": WS_ID})
    checked = run(alias="prod", query_log_group_arn=QUERY_LOG_GROUP, query_log_qsp_threshold=1000,
                  _ansible_check_mode=True, _ansible_diff=True)
    assert checked["changed"] is True and checked["diff"]["after"]["query_logging"]["qsp_threshold"] == 1000

    expect_lookup(run, "prod", [workspace()])
    expect_no_logging(run)
    run.stub.add_response("describe_query_logging_configuration", query_logging(), {"workspaceId": WS_ID})
    run.stub.add_response("update_query_logging_configuration", {"status": {"statusCode": "UPDATING"}},
                          {"workspaceId": WS_ID, "destinations": destinations(threshold=1000)})
    run.stub.add_response("describe_query_logging_configuration", query_logging(threshold=1000), {"workspaceId": WS_ID})
    result = run(alias="prod", query_log_group_arn=QUERY_LOG_GROUP, query_log_qsp_threshold=1000)
    assert result["changed"] is True and result["workspace"]["query_logging"]["qsp_threshold"] == 1000


def test_query_logging_that_failed_to_create_is_reported_with_amps_reason(run):
    expect_lookup(run, "prod", [workspace()])
    expect_no_logging(run)
    run.not_found("describe_query_logging_configuration", {"workspaceId": WS_ID})
    run.stub.add_response("create_query_logging_configuration", {"status": {"statusCode": "CREATING"}},
                          {"workspaceId": WS_ID, "destinations": destinations()})
    reason = "Log group /aws/vendedlogs/prometheus/prod/queries does not exist"
    run.stub.add_response("describe_query_logging_configuration", query_logging(status="CREATION_FAILED", reason=reason),
                          {"workspaceId": WS_ID})
    result = run(alias="prod", query_log_group_arn=QUERY_LOG_GROUP, query_log_qsp_threshold=50_000_000)
    assert result["failed"] is True
    assert f"the query logging configuration of workspace {WS_ID} is CREATION_FAILED: {reason}" in result["msg"]


def test_query_logging_that_failed_to_create_is_made_again_on_the_next_run(run):
    expect_lookup(run, "prod", [workspace()])
    expect_no_logging(run)
    run.stub.add_response("describe_query_logging_configuration", query_logging(status="CREATION_FAILED", reason="x"),
                          {"workspaceId": WS_ID})
    run.stub.add_response("delete_query_logging_configuration", {}, {"workspaceId": WS_ID})
    run.not_found("describe_query_logging_configuration", {"workspaceId": WS_ID})
    run.stub.add_response("create_query_logging_configuration", {"status": {"statusCode": "CREATING"}},
                          {"workspaceId": WS_ID, "destinations": destinations()})
    run.stub.add_response("describe_query_logging_configuration", query_logging(), {"workspaceId": WS_ID})
    result = run(alias="prod", query_log_group_arn=QUERY_LOG_GROUP, query_log_qsp_threshold=50_000_000)
    assert result["changed"] is True and result["workspace"]["query_logging"]["status"] == "ACTIVE"


def test_an_empty_query_log_group_removes_query_logging(run):
    expect_lookup(run, "prod", [workspace()])
    expect_no_logging(run)
    run.stub.add_response("describe_query_logging_configuration", query_logging(), {"workspaceId": WS_ID})
    run.stub.add_response("delete_query_logging_configuration", {}, {"workspaceId": WS_ID})
    run.stub.add_response("describe_query_logging_configuration", query_logging(status="DELETING"), {"workspaceId": WS_ID})
    run.not_found("describe_query_logging_configuration", {"workspaceId": WS_ID})
    result = run(alias="prod", query_log_group_arn="")
    assert result["changed"] is True and result["workspace"]["query_logging"] is None


@pytest.mark.parametrize("args, message", [
    ({"query_log_group_arn": QUERY_LOG_GROUP[:-2], "query_log_qsp_threshold": 1},
     "query_log_group_arn: '" + QUERY_LOG_GROUP[:-2] + "' is not a CloudWatch Logs log group ARN ending in ':*' (AMP needs"),
    ({"query_log_group_arn": "/aws/vendedlogs/prometheus/prod/queries", "query_log_qsp_threshold": 1},
     "query_log_group_arn: '/aws/vendedlogs/prometheus/prod/queries' is not a CloudWatch Logs log group ARN"),
    ({"query_log_group_arn": QUERY_LOG_GROUP}, "query_log_qsp_threshold: required with query_log_group_arn"),
    ({"query_log_group_arn": QUERY_LOG_GROUP, "query_log_qsp_threshold": -1},
     "query_log_qsp_threshold: -1 is not a number of samples"),
    ({"query_log_qsp_threshold": 1000}, "query_log_qsp_threshold: given without query_log_group_arn"),
    ({"query_log_group_arn": "", "query_log_qsp_threshold": 1000}, "query_log_qsp_threshold: given without query_log_group_arn"),
])
def test_bad_query_logging_is_named_before_any_call(run, args, message):
    result = run(alias="prod", **args)
    assert result["failed"] is True and message in result["msg"], result["msg"]
