"""Two site.yml runs that meet: a second AWX job launched while the first still runs, or two engineers
at once. Both must converge to one chain, as Terraform's state lock would make them - without a lock."""

import os
import threading

import boto3

from support.ansible_run import REPO, run_playbook

INVENTORY = os.path.join(REPO, "tests", "integration", "inventories", "site")
SITE = os.path.join(REPO, "site.yml")
WEBHOOK = "http://127.0.0.1:9/services/T0/B0/concurrent-secret"


def test_two_site_runs_started_together_both_converge_to_one_chain(sandbox, monkeypatch):
    monkeypatch.setenv("TEST_SLACK_WEBHOOK_URL", WEBHOOK)
    runs = [None, None]

    def run(index):
        runs[index] = run_playbook(SITE, INVENTORY, limit="it-prod")

    threads = [threading.Thread(target=run, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index, finished in enumerate(runs):
        assert finished.returncode == 0, f"run {index + 1}: {finished}"

    # One of each: the workspace, its namespaces, the topic, the function and its one subscription.
    amp = boto3.client("amp", region_name="us-east-1")
    workspaces = [w for w in amp.list_workspaces(alias="it-prod")["workspaces"] if w["alias"] == "it-prod"]
    assert [w["status"]["statusCode"] for w in workspaces] == ["ACTIVE"], workspaces
    sns = boto3.client("sns", region_name="us-east-1")
    topics = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    lambdas = [s for topic in topics for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
               if s["Protocol"] == "lambda"]
    assert len(lambdas) == len({s["TopicArn"] for s in lambdas}), lambdas
