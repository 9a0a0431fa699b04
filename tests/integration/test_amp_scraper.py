"""amp.alerting.amp_scraper and amp_scraper_info run by Ansible against the sandbox, as a user runs them."""

from support.ansible_run import amp_write_calls
from support.ansible_run import run_module as run_any

CLUSTER = "arn:aws:eks:us-east-1:123456789012:cluster/it-prod"
CONFIG = "global:\n  scrape_interval: 30s\nscrape_configs:\n  - job_name: pods\n    static_configs:\n      - targets: ['pod:9100']\n"
LOGS = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/prometheus/scrapers:*"


def run_module(args, check=False, diff=False, module="amp_scraper"):
    return run_any(module, args, check=check, diff=diff)


def writes(sandbox):
    return [r["operation"] for r in amp_write_calls(sandbox)]


def test_scraper_create_noop_check_update_refused_source_logging_absent(sandbox, aws_client):
    amp = aws_client("amp")
    amp.create_workspace(alias="it-scraped")
    args = {"alias": "it-prod-eks", "workspace_alias": "it-scraped", "cluster_arn": CLUSTER,
            "subnet_ids": ["subnet-0b", "subnet-0a"], "security_group_ids": ["sg-01"]}

    created = run_module(args)  # no scrape_configuration: AMP's default
    assert created["changed"] is True and created["scraper"]["status"] == "ACTIVE"
    assert "scrape_configs" in created["scraper"]["scrape_configuration"]
    assert ":role/aws-service-role/scraper.aps.amazonaws.com/" in created["scraper"]["role_arn"]

    sandbox.clear_requests()
    assert run_module(dict(args, subnet_ids=["subnet-0a", "subnet-0b"]))["changed"] is False and writes(sandbox) == []

    predicted = run_module(dict(args, scrape_configuration=CONFIG), check=True, diff=True)
    assert predicted["changed"] is True and writes(sandbox) == []
    assert "pod:9100" in predicted["diff"]["after"]["scrape_configuration"]

    updated = run_module(dict(args, scrape_configuration=CONFIG, log_group_arn=LOGS, tags={"team": "platform"}))
    assert updated["changed"] is True and "pod:9100" in updated["scraper"]["scrape_configuration"]
    assert updated["scraper"]["logging"] == {"log_group_arn": LOGS, "status": "ACTIVE"}
    assert writes(sandbox) == ["UpdateScraper", "TagResource", "UpdateScraperLoggingConfiguration"]

    sandbox.clear_requests()
    moved = run_module(dict(args, cluster_arn=CLUSTER.replace("it-prod", "it-other")))
    assert moved["failed"] is True and moved["msg"].startswith("cluster_arn: ") and writes(sandbox) == []

    listed = run_module({"alias": "it-prod-eks"}, module="amp_scraper_info")["scrapers"]
    assert [(s["alias"], s["cluster_arn"], s["role_arn"]) for s in listed] == [
        ("it-prod-eks", CLUSTER, created["scraper"]["role_arn"])]

    gone = run_module({"alias": "it-prod-eks", "state": "absent"})
    assert gone["changed"] is True and amp.list_scrapers()["scrapers"] == []
    assert run_module({"alias": "it-prod-eks", "state": "absent"})["changed"] is False


def test_creation_failed_is_replaced_and_deletion_failed_reported(sandbox, aws_client):
    aws_client("amp").create_workspace(alias="it-scraped-fail")
    args = {"alias": "it-fail-eks", "workspace_alias": "it-scraped-fail", "cluster_arn": CLUSTER, "subnet_ids": ["subnet-0a"],
            "scrape_configuration": CONFIG}
    sandbox.inject_fault("CreateScraper", kind="creation_failed")
    failed = run_module(args)
    assert failed["failed"] is True and "scraper it-fail-eks is CREATION_FAILED: injected" in failed["msg"]
    sandbox.clear_requests()
    replaced = run_module(args)
    assert replaced["changed"] is True and replaced["scraper"]["status"] == "ACTIVE"
    assert writes(sandbox) == ["DeleteScraper", "CreateScraper"]

    # a deletion AMP fails is reported with its reason; asking again deletes it
    sandbox.inject_fault("DeleteScraper", kind="deletion_failed")
    stuck = run_module({"alias": "it-fail-eks", "state": "absent"})
    assert stuck["failed"] is True and "scraper it-fail-eks is DELETION_FAILED: injected" in stuck["msg"]
    assert run_module({"alias": "it-fail-eks", "state": "absent"})["changed"] is True
    assert aws_client("amp").list_scrapers()["scrapers"] == []


def test_bad_scrapers_fail_naming_the_field_and_change_nothing(sandbox, aws_client):
    aws_client("amp").create_workspace(alias="it-scraped-bad")
    sandbox.clear_requests()
    base = {"alias": "it-bad-eks", "workspace_alias": "it-scraped-bad", "cluster_arn": CLUSTER, "subnet_ids": ["subnet-0a"]}
    for bad, message in [
        ({"cluster_arn": "it-prod"}, "cluster_arn: 'it-prod' is not an EKS cluster ARN"),
        ({"subnet_ids": []}, "subnet_ids: one to five ids, got 0"),
        ({"security_group_ids": ["default"]}, "security_group_ids: 'default' is not an id like sg-0123abcd"),
        ({"scrape_configuration": "scrape_configs: []\n"}, "scrape_configuration.scrape_configs: at least one job"),
        ({"scrape_configuration": "scrape_configs:\n  - job_name: a\n    scrape_interval: soon\n"},
         "scrape_configuration.scrape_configs[a].scrape_interval: 'soon' is not a Prometheus duration"),
        ({"target_role_arn": "arn:aws:iam::123456789012:policy/x"}, "target_role_arn: "),
    ]:
        result = run_module(dict(base, **bad))
        assert result["failed"] is True and result["msg"].startswith(message), result["msg"]
    assert sandbox.requests() == []
