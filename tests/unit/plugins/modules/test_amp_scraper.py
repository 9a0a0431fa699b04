"""amp_scraper with boto3 stubbed."""

import pytest

from ansible_collections.amp.alerting.plugins.module_utils.amp import client_token
from ansible_collections.amp.alerting.plugins.modules import amp_scraper

from support.amp_stubs import workspace

WS = workspace()
SCRAPER_ID = "s-11111111-2222-3333-4444-555555555555"
CLUSTER = "arn:aws:eks:eu-west-1:123456789012:cluster/prod"
ROLE = "arn:aws:iam::123456789012:role/aws-service-role/scraper.aps.amazonaws.com/AWSServiceRoleForAmazonPrometheusScraper_1"
CONFIG = "global:\n  scrape_interval: 30s\nscrape_configs:\n  - job_name: pods\n    static_configs:\n      - targets: ['a:9100']\n"
ARGS = {"alias": "prod-eks", "workspace_alias": "prod", "cluster_arn": CLUSTER, "subnet_ids": ["subnet-0b", "subnet-0a"],
        "security_group_ids": ["sg-01"], "scrape_configuration": CONFIG}


@pytest.fixture
def run(run_module):
    return run_module(amp_scraper)


def scraper(status="ACTIVE", reason=None, config=CONFIG, subnets=("subnet-0a", "subnet-0b"), tags=None):
    described = {"scraperId": SCRAPER_ID, "arn": f"arn:aws:aps:eu-west-1:123456789012:scraper/{SCRAPER_ID}", "alias": "prod-eks",
                 "roleArn": ROLE, "status": {"statusCode": status}, "createdAt": "2026-11-24T00:00:00Z",
                 "lastModifiedAt": "2026-11-24T00:00:00Z", "tags": tags or {},
                 "scrapeConfiguration": {"configurationBlob": config.encode()},
                 "source": {"eksConfiguration": {"clusterArn": CLUSTER, "subnetIds": list(subnets), "securityGroupIds": ["sg-01"]}},
                 "destination": {"ampConfiguration": {"workspaceArn": WS["arn"]}}}
    if reason:
        described["statusReason"] = reason
    return described


def expect_found(run, found):
    run.stub.add_response("list_workspaces", {"workspaces": [{k: WS[k] for k in ("workspaceId", "arn", "alias", "status", "createdAt")}]},
                          {"alias": "prod"})
    run.stub.add_response("describe_workspace", {"workspace": WS}, {"workspaceId": WS["workspaceId"]})
    run.stub.add_response("list_scrapers", {"scrapers": [{k: v for k, v in s.items() if k != "scrapeConfiguration"} for s in found]},
                          {"filters": {"alias": ["prod-eks"]}})
    for each in found:
        run.stub.add_response("describe_scraper", {"scraper": each}, {"scraperId": each["scraperId"]})


def test_create_uses_the_configuration_given_and_waits(run):
    expect_found(run, [])
    request = {"alias": "prod-eks", "scrapeConfiguration": {"configurationBlob": CONFIG.encode()},
               "source": {"eksConfiguration": {"clusterArn": CLUSTER, "subnetIds": ["subnet-0b", "subnet-0a"],
                                               "securityGroupIds": ["sg-01"]}},
               "destination": {"ampConfiguration": {"workspaceArn": WS["arn"]}}}
    run.stub.add_response("create_scraper", {"scraperId": SCRAPER_ID, "arn": "arn", "status": {"statusCode": "CREATING"}},
                          dict(request, clientToken=client_token(request)))
    run.stub.add_response("describe_scraper", {"scraper": scraper()}, {"scraperId": SCRAPER_ID})  # the answer checked
    run.stub.add_response("describe_scraper", {"scraper": scraper()}, {"scraperId": SCRAPER_ID})
    result = run(**ARGS)
    assert result["changed"] is True
    assert (result["scraper"]["role_arn"], result["scraper"]["subnet_ids"]) == (ROLE, ["subnet-0a", "subnet-0b"])


def test_without_a_configuration_a_new_scraper_gets_amps_default(run):
    expect_found(run, [])
    run.stub.add_response("get_default_scraper_configuration", {"configuration": CONFIG.encode()}, {})
    run.stub.add_response("create_scraper", {"scraperId": SCRAPER_ID, "arn": "arn", "status": {"statusCode": "CREATING"}})
    run.stub.add_response("describe_scraper", {"scraper": scraper()}, {"scraperId": SCRAPER_ID})
    run.stub.add_response("describe_scraper", {"scraper": scraper()}, {"scraperId": SCRAPER_ID})
    result = run(**{k: v for k, v in ARGS.items() if k != "scrape_configuration"})
    assert result["changed"] is True and result["scraper"]["scrape_configuration"] == CONFIG


def test_the_same_scraper_in_other_formatting_and_order_is_no_change(run):
    expect_found(run, [scraper(config=CONFIG.replace("['a:9100']", "\n        - a:9100"))])
    assert run(**ARGS)["changed"] is False


def test_a_new_configuration_is_one_update(run):
    expect_found(run, [scraper()])
    new = CONFIG.replace("30s", "60s")
    run.stub.add_response("update_scraper", {"scraperId": SCRAPER_ID, "arn": "arn", "status": {"statusCode": "UPDATING"}},
                          {"scraperId": SCRAPER_ID, "scrapeConfiguration": {"configurationBlob": new.encode()}})
    run.stub.add_response("describe_scraper", {"scraper": scraper(config=new)}, {"scraperId": SCRAPER_ID})
    result = run(**dict(ARGS, scrape_configuration=new), _ansible_diff=True)
    assert result["changed"] is True and "60s" in result["diff"]["after"]["scrape_configuration"]


def test_another_source_is_refused_before_any_write(run):
    expect_found(run, [scraper()])
    result = run(**dict(ARGS, subnet_ids=["subnet-0c"]))
    assert result["failed"] is True and result["msg"].startswith("subnet_ids: ") and "cannot change a scraper's source" in result["msg"]


def test_check_mode_predicts_without_writing(run):
    expect_found(run, [])
    result = run(**ARGS, _ansible_check_mode=True)
    assert result["changed"] is True and result["scraper"]["status"] == "CREATING"


def test_update_failed_is_reported_with_amps_reason(run):
    expect_found(run, [scraper()])
    new = CONFIG.replace("30s", "60s")
    run.stub.add_response("update_scraper", {"scraperId": SCRAPER_ID, "arn": "arn", "status": {"statusCode": "UPDATING"}})
    run.stub.add_response("describe_scraper", {"scraper": scraper(status="UPDATE_FAILED", reason="cluster endpoint unreachable")},
                          {"scraperId": SCRAPER_ID})
    result = run(**dict(ARGS, scrape_configuration=new))
    assert result["failed"] is True and "scraper prod-eks is UPDATE_FAILED: cluster endpoint unreachable" in result["msg"]


def test_an_alias_of_two_scrapers_fails_naming_them(run):
    other = dict(scraper(), scraperId="s-other")
    expect_found(run, [scraper(), other])
    result = run(**ARGS)
    assert result["failed"] is True and "matches 2 scrapers" in result["msg"] and "s-other" in result["msg"]


@pytest.mark.parametrize("args, message", [
    ({"alias": "prod eks"}, "alias: 'prod eks' is not a scraper alias"),
    ({"cluster_arn": "prod"}, "cluster_arn: 'prod' is not an EKS cluster ARN"),
    ({"subnet_ids": ["subnet-1", "subnet-2", "subnet-3", "subnet-4", "subnet-5", "subnet-6"]}, "subnet_ids: one to five ids, got 6"),
    ({"security_group_ids": ["group-1"]}, "security_group_ids: 'group-1' is not an id like sg-0123abcd"),
    ({"scrape_configuration": "global: {}\n"}, "scrape_configuration.scrape_configs: at least one job"),
    ({"scrape_configuration": "scrape_configs:\n  - job_name: a\n  - job_name: a\n"}, "scrape_configuration.scrape_configs[a]: job_name used twice"),
    ({"scrape_configuration": "scrape_configs:\n  - job_name: a\n    scrape_interval: 10x\n"},
     "scrape_configuration.scrape_configs[a].scrape_interval: '10x' is not a Prometheus duration"),
    ({"scrape_configuration": "scrape_configs:\n  - job_name: a\n    scrape_interval: 10s\n    scrape_timeout: 20s\n"},
     "scrape_configuration.scrape_configs[a].scrape_timeout: longer than its scrape_interval"),
    ({"source_role_arn": "arn:aws:iam::123456789012:user/x"}, "source_role_arn: "),
    ({"log_group_arn": "arn:aws:logs:eu-west-1:123456789012:log-group:x"}, "log_group_arn: "),
    ({"workspace_alias": None}, "workspace_alias: the workspace the scraper writes to"),
])
def test_bad_input_is_named_before_any_call(run, args, message):
    result = run(**{k: v for k, v in dict(ARGS, **args).items() if v is not None})
    assert result["failed"] is True and message in result["msg"], result["msg"]


def test_the_info_module_asks_amp_for_one_workspaces_scrapers_and_describes_only_those(run_module):
    from ansible_collections.amp.alerting.plugins.modules import amp_scraper_info

    info = run_module(amp_scraper_info)
    listed = {k: v for k, v in scraper().items() if k != "scrapeConfiguration"}
    info.stub.add_response("list_scrapers", {"scrapers": [listed]}, {"filters": {"destinationArn": [WS["arn"]]}})
    info.stub.add_response("describe_scraper", {"scraper": scraper()}, {"scraperId": SCRAPER_ID})
    result = info(destination_workspace_arn=WS["arn"])
    assert [s["scraper_id"] for s in result["scrapers"]] == [SCRAPER_ID]
