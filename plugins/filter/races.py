# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Two runs that meet: a module that read "absent" and then lost the create to another run.

amazon.aws and community.aws modules read, then create; when a second run (a second AWX job, two
engineers) creates the same resource between the two, AWS answers that it exists and the module fails.
Run once more, the module finds it and compares, so the roles retry exactly that failure:
``until: not (result | amp.alerting.create_race_lost)``.
"""

import re

# What each service answers to a create of something that exists by that name (CloudWatch Logs, IAM,
# Lambda, DynamoDB, CloudFormation and KMS aliases, AMP, SSM).
ALREADY_EXISTS_CODES = frozenset((
    "ResourceAlreadyExistsException", "EntityAlreadyExists", "ResourceConflictException", "ResourceInUseException",
    "AlreadyExistsException", "ConflictException", "ParameterAlreadyExists",
))
ALREADY_EXISTS = re.compile(r"\((%s)\)" % "|".join(sorted(ALREADY_EXISTS_CODES)))
# CloudFormation refuses to touch a stack another run is creating or updating until it is done.
STACK_BUSY = re.compile(r"is in [A-Z_]+_IN_PROGRESS state")


def create_race_lost(result, listed_name=None):
    """True when RESULT is a failed task whose AWS call was refused because the resource exists (or,
    for a CloudFormation stack, is being created or updated by another run).

    LISTED_NAME: the name of an inline policy written by amazon.aws.iam_policy. That module lists the
    policies twice, on start and when it compares, and fails with a bare KeyError of the name
    ("Module failed: 'slack-forwarder'") when another run put the policy between the two lists.
    """
    if not isinstance(result, dict) or not result.get("failed"):
        return False
    error = result.get("error")
    if isinstance(error, dict) and error.get("code") in ALREADY_EXISTS_CODES:
        return True
    message = str(result.get("msg") or "")
    if listed_name is not None and message.rstrip().endswith(": %r" % str(listed_name)):
        return True
    return bool(ALREADY_EXISTS.search(message) or STACK_BUSY.search(message))


class FilterModule:
    def filters(self):
        return {"create_race_lost": create_race_lost}
