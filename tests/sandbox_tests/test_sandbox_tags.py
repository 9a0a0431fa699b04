"""Sandbox: tags AWS refuses are refused, in each service's words (moto 5.2.5 takes them all).

AWS's rules (Tagging AWS Resources, "Tag naming limits and requirements"): keys of 1-128 characters
not starting with aws:, values of at most 256, letters, digits, spaces and _ . : / = + - @ only, at
most 50 tags a resource. Without the sandbox refusing them, the preflight's tag checks would prove
nothing: a run that AWS would stop half-way would pass here."""

import botocore.exceptions
import pytest

GOOD = {"team": "payments", "cost-center": "cc 42/a:b=c+d@e.f_g", "empty": ""}
BAD = [({"aws:team": "x"}, "reserved"), ({"AWS:Team": "x"}, "reserved"), ({"k" * 129: "x"}, "length"),
       ({"team": "v" * 257}, "length"), ({"team": "a;b"}, "pattern"), ({"te*am": "x"}, "pattern"),
       ({f"t{index}": "x" for index in range(51)}, "at most 50")]


def refused(call, **params):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(**params)
    error = caught.value.response
    return error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"], error["Error"]["Message"]


@pytest.mark.parametrize("tags, why", BAD, ids=[why + str(index) for index, (_tags, why) in enumerate(BAD)])
def test_each_service_the_collection_tags_refuses_what_aws_refuses(sandbox, aws_client, tags, why):
    listed = [{"Key": key, "Value": value} for key, value in tags.items()]
    calls = {
        "amp": lambda: aws_client("amp").create_workspace(alias="tagged", tags=tags),
        "sns": lambda: aws_client("sns").create_topic(Name="tagged", Tags=listed),
        "sqs": lambda: aws_client("sqs").create_queue(QueueName="tagged", tags=tags),
        "logs": lambda: aws_client("logs").create_log_group(logGroupName="tagged", tags=tags),
        "iam": lambda: aws_client("iam").create_user(UserName="tagged", Tags=listed),
        "dynamodb": lambda: aws_client("dynamodb").create_table(
            TableName="tagged", BillingMode="PAY_PER_REQUEST", Tags=listed,
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}]),
    }
    answers = {service: refused(call) for service, call in calls.items()}
    assert {service: answer[0] for service, answer in answers.items()} == dict.fromkeys(calls, 400)
    assert answers["amp"][1] == "ValidationException" and answers["sns"][1] == "InvalidParameter"
    assert all(why in answer[2] for answer in answers.values()), answers
    assert aws_client("amp").list_workspaces()["workspaces"] == []
    assert aws_client("sns").list_topics()["Topics"] == []


def test_tags_aws_takes_pass_and_tagging_later_is_checked_too(sandbox, aws_client):
    amp = aws_client("amp")
    workspace = amp.create_workspace(alias="tagged", tags=GOOD)
    assert amp.describe_workspace(workspaceId=workspace["workspaceId"])["workspace"]["tags"] == GOOD
    status, code, _message = refused(amp.tag_resource, resourceArn=workspace["arn"], tags={"aws:x": "y"})
    assert (status, code) == (400, "ValidationException")
    topic = aws_client("sns").create_topic(Name="tagged")["TopicArn"]
    status, code, _message = refused(aws_client("sns").tag_resource, ResourceArn=topic,
                                     Tags=[{"Key": "team", "Value": "a|b"}])
    assert (status, code) == (400, "InvalidParameter")
