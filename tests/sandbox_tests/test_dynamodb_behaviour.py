"""The sandbox's DynamoDB keeps DynamoDB's promise the Slack forwarder relies on: a conditional write
is checked and made as one step, so of several concurrent claims of one item exactly one succeeds."""

import concurrent.futures

import pytest
from botocore.exceptions import ClientError

TABLE = "atomic-claims"


@pytest.fixture
def dynamodb(aws_client):
    client = aws_client("dynamodb")
    client.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}])
    return client


def claim(client, key, claimant):
    try:
        client.update_item(TableName=TABLE, Key={"pk": {"S": key}}, UpdateExpression="SET claimant = :me",
                           ConditionExpression="attribute_not_exists(pk)", ExpressionAttributeValues={":me": {"S": claimant}})
        return claimant
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "ConditionalCheckFailedException"
        return None


def test_of_concurrent_conditional_claims_exactly_one_wins(dynamodb, aws_client):
    clients = [aws_client("dynamodb") for _client in range(8)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        for round_ in range(200):
            key = f"delivery#payments#m{round_}"
            winners = [w for w in pool.map(lambda pair: claim(pair[1], key, f"c{pair[0]}"), enumerate(clients)) if w]
            stored = dynamodb.get_item(TableName=TABLE, Key={"pk": {"S": key}}, ConsistentRead=True)["Item"]["claimant"]["S"]
            assert winners == [stored], f"round {round_}: {winners} all claimed {key}"
