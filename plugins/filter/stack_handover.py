# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""How to take a resource out of a CloudFormation stack and keep it.

amp.alerting 0.2.0 kept the SNS topic and the forwarder's subscription in one-resource stacks; from
0.3.0 the modules sns_alert_topic and sns_subscription own them. AWS's way to manage a resource outside
CloudFormation: give it DeletionPolicy Retain (a stack update), then delete the stack - the resource
stays (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-attribute-deletionpolicy.html).
"""

import json

# Statuses in which an update may start. ROLLBACK_COMPLETE (a failed create) holds no resource: it
# can only be deleted. In any other status (an operation running, or failed half-way) the stack can be
# neither updated nor deleted without risking its resources: the handover waits for it to settle.
UPDATABLE_STATUSES = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE")
EMPTY_STATUSES = ("ROLLBACK_COMPLETE",)
GONE_STATUSES = ("DELETE_COMPLETE",)


def _template(stack):
    template = stack.get("stack_template")
    if isinstance(template, str):
        try:
            template = json.loads(template)
        except ValueError:
            return None
    return template if isinstance(template, dict) else None


def stack_handover(info, stack_name):
    """What to do with STACK_NAME in INFO (registered from amazon.aws.cloudformation_info with
    stack_template: true) so that its resources outlive it.

    Returns {exists, retain, template, parameters, problem}: ``retain`` is True when the stack must first
    be updated to ``template`` (the deployed one, every resource with DeletionPolicy Retain) with the
    deployed ``parameters``; then, whenever ``exists``, the stack is deleted - unless ``problem`` says
    why it cannot be, yet, without losing what it holds.
    """
    stack = ((info or {}).get("cloudformation") or {}).get(stack_name) or {}
    status = (stack.get("stack_description") or {}).get("stack_status")
    if not stack or status in GONE_STATUSES:
        return {"exists": False, "retain": False, "template": {}, "parameters": {}, "problem": ""}
    template = _template(stack) or {}
    resources = template.get("Resources") or {}
    retained = {name: dict(resource, DeletionPolicy="Retain") for name, resource in resources.items()}
    settled = status in UPDATABLE_STATUSES or status in EMPTY_STATUSES or retained == resources
    return {
        "exists": True,
        "retain": status in UPDATABLE_STATUSES and retained != resources,
        "template": dict(template, Resources=retained),
        "parameters": {str(k): str(v) for k, v in (stack.get("stack_parameters") or {}).items()},
        "problem": "" if settled else (
            f"stack {stack_name} is {status}: it can be neither told to retain its resources nor deleted without "
            "deleting them; let its operation finish, or settle it (continue the update rollback), then run again"),
    }


class FilterModule:
    """amp.alerting filters."""

    def filters(self):
        return {"stack_handover": stack_handover}
