# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whether a deployed CloudFormation stack already is what a role asks for.

amazon.aws.cloudformation learns that nothing changed by calling UpdateStack and reading AWS's "No
updates are to be performed" error: a failed write on every no-change run. The roles read the stack
first (amazon.aws.cloudformation_info with its template) and run the cloudformation task only when
this filter says the stack differs.
"""

import json

# Statuses in which the deployed template is the one in effect and an update may start.
SETTLED_STATUSES = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE")


def _plain(value):
    """The value as JSON would give it back, so that a template dict from the inventory compares with
    GetTemplate's answer (botocore decodes JSON template bodies into dicts)."""
    return json.loads(json.dumps(value))


def stack_in_sync(info, stack_name, template, parameters=None, tags=None):
    """True when ``info`` (registered from cloudformation_info) holds ``stack_name`` in a settled status
    with this template, these parameters (values as strings) and these tags."""
    stack = ((info or {}).get("cloudformation") or {}).get(stack_name)
    if not stack:
        return False
    status = (stack.get("stack_description") or {}).get("stack_status")
    deployed_template = stack.get("stack_template")
    if isinstance(deployed_template, str):
        try:
            deployed_template = json.loads(deployed_template)
        except ValueError:
            return False
    wanted_parameters = {str(key): str(value) for key, value in (parameters or {}).items()}
    wanted_tags = {str(key): str(value) for key, value in (tags or {}).items()}
    return (status in SETTLED_STATUSES
            and deployed_template == _plain(template)
            and (stack.get("stack_parameters") or {}) == wanted_parameters
            and (stack.get("stack_tags") or {}) == wanted_tags)


class FilterModule:
    """amp.alerting filters."""

    def filters(self):
        return {"stack_in_sync": stack_in_sync}
