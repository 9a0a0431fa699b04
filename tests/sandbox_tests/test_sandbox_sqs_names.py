"""The sandbox keeps a deleted queue's name as SQS does (API_DeleteQueue.html: wait at least 60 s)."""

import time

import pytest
from botocore.exceptions import ClientError


def test_a_deleted_queues_name_is_refused_until_the_time_is_over(sandbox, aws_client):
    sandbox.set_sqs_deleted_name_seconds(1.5)
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName="it-dlq")["QueueUrl"]
    assert sqs.create_queue(QueueName="it-dlq")["QueueUrl"] == url  # CreateQueue of a live queue: idempotent
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(ClientError) as refused:
        sqs.create_queue(QueueName="it-dlq")
    assert "QueueDeletedRecently" in refused.value.response["Error"]["Code"]
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    sqs.create_queue(QueueName="it-other")  # other names are free
    time.sleep(1.6)
    assert sqs.create_queue(QueueName="it-dlq")["QueueUrl"] == url


def test_the_name_is_kept_per_account_and_region(sandbox, aws_client):
    import boto3
    sandbox.set_sqs_deleted_name_seconds(60)
    sqs = aws_client("sqs")
    sqs.delete_queue(QueueUrl=sqs.create_queue(QueueName="it-dlq")["QueueUrl"])
    boto3.client("sqs", region_name="ap-southeast-2").create_queue(QueueName="it-dlq")  # another region
