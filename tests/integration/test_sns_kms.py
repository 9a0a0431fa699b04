"""The sns role's encryption at rest: a KMS key, given or created, that AMP may use."""

import json
import os

import boto3

from support.ansible_run import REPO, run_playbook

INVENTORY = os.path.join(REPO, "inventories", "sandbox")
SITE = os.path.join(REPO, "site.yml")
TEARDOWN = os.path.join(REPO, "playbooks", "teardown.yml")
TOPIC = "arn:aws:sns:us-east-1:123456789012:amp-sandbox-amp-alerts"


def ok(run):
    assert run.returncode == 0, run
    return run


def topic_state():
    sns = boto3.client("sns")
    attributes = sns.get_topic_attributes(TopicArn=TOPIC)["Attributes"]
    subscriptions = sns.list_subscriptions_by_topic(TopicArn=TOPIC)["Subscriptions"]
    return attributes.get("KmsMasterKeyId", ""), [s["Protocol"] for s in subscriptions]


def test_created_key_encrypts_the_topic_and_lets_amp_use_it(sandbox):
    ok(run_playbook(SITE, INVENTORY))
    assert topic_state() == ("", ["lambda"])
    # switching encryption on later changes the topic in place: the forwarder stays subscribed
    encrypted = ok(run_playbook(SITE, INVENTORY, extra_vars={"sns_kms_create_key": True}))
    assert {name for name, _host in encrypted.changed_tasks()} == {
        "amp.alerting.sns : KMS key for the topic, usable by AMP",
        "amp.alerting.sns : The topic (Standard; encrypted when a key is given or created)"}
    kms = boto3.client("kms")
    key_arn = kms.describe_key(KeyId="alias/amp-sandbox-amp-alerts")["KeyMetadata"]["Arn"]
    assert topic_state() == (key_arn, ["lambda"])
    policy = json.loads(kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])
    aps = next(s for s in policy["Statement"] if s["Principal"] == {"Service": "aps.amazonaws.com"})
    assert sorted(aps["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    again = ok(run_playbook(SITE, INVENTORY, extra_vars={"sns_kms_create_key": True}))
    assert again.total("changed") == 0, again.changed_tasks()
    ok(run_playbook(TEARDOWN, INVENTORY, extra_vars={"sns_kms_create_key": True}))
    assert kms.describe_key(KeyId=key_arn)["KeyMetadata"]["KeyState"] == "PendingDeletion"


def test_given_key_encrypts_the_topic(sandbox):
    key_arn = boto3.client("kms").create_key(Description="the team's key")["KeyMetadata"]["Arn"]
    ok(run_playbook(SITE, INVENTORY, extra_vars={"sns_kms_key_arn": key_arn}))
    assert topic_state() == (key_arn, ["lambda"])
