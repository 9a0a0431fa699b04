"""The forwarder reaches SSM and DynamoDB at the endpoints of its region's partition (aws-cn's
amazonaws.com.cn, the ISO partitions' own suffixes), as botocore resolves them."""

import io
import json
import os

import botocore
import pytest


def partitions():
    with open(os.path.join(os.path.dirname(botocore.__file__), "data", "partitions.json"), encoding="utf-8") as handle:
        return json.load(handle)["partitions"]


REGIONS = [(partition["id"], region, partition["outputs"]["dnsSuffix"])
           for partition in partitions() for region in partition["regions"] if not region.startswith("aws-")]


def test_every_partition_botocore_knows_is_covered():
    # one region of each partition at least, so a new partition in botocore shows up here
    assert {partition for partition, _region, _suffix in REGIONS} == {p["id"] for p in partitions()}


@pytest.mark.parametrize("partition, region, suffix", REGIONS)
def test_the_dns_suffix_is_the_one_of_the_regions_partition(forwarder, partition, region, suffix):
    from slack_forwarder import aws

    assert aws.dns_suffix(region) == suffix, partition
    assert aws.service_endpoint("ssm", region, {}) == f"https://ssm.{region}.{suffix}/"


def test_a_new_region_of_a_partition_gets_the_partitions_suffix(forwarder):
    from slack_forwarder import aws

    assert aws.dns_suffix("cn-southwest-7") == "amazonaws.com.cn"
    assert aws.dns_suffix("us-gov-central-2") == "amazonaws.com"


def test_the_ssm_call_in_china_goes_to_amazonaws_com_cn_signed_for_its_region(forwarder, monkeypatch):
    from slack_forwarder import aws

    seen = {}

    class Answer(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def urlopen(request, timeout):
        seen["url"], seen["auth"] = request.full_url, request.headers["Authorization"]
        return Answer(json.dumps({"Parameter": {"Value": "https://hooks.slack.com/services/T/B/x"}}).encode())

    monkeypatch.setattr(aws.urllib.request, "urlopen", urlopen)
    environ = {"AWS_REGION": "cn-north-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"}
    assert aws.ssm_get_parameter("/amp-alerting/x/slack-webhook", environ).startswith("https://hooks.slack.com/")
    assert seen["url"] == "https://ssm.cn-north-1.amazonaws.com.cn/"
    assert "/cn-north-1/ssm/aws4_request" in seen["auth"]
