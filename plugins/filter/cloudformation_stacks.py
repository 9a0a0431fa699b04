# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whether a deployed CloudFormation stack already is what a role asks for, and what it is.

amazon.aws.cloudformation learns that nothing changed by calling UpdateStack and reading AWS's "No
updates are to be performed" error: a failed write on every no-change run; and in check mode it
creates and deletes a change set: writes a read-only credential may not make. The roles read the
stack first (amazon.aws.cloudformation_info with its template), run the cloudformation task only when
stack_in_sync says the stack differs and not in check mode, and in check mode show the difference
between stack_as_deployed and what they would deploy (ansible.utils.fact_diff), calling nothing.
"""

import json

# Statuses in which the deployed template is the one in effect and an update may start.
SETTLED_STATUSES = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE")


def _plain(value):
    """The value as JSON would give it back, so that a template dict from the inventory compares with
    GetTemplate's answer (botocore decodes JSON template bodies into dicts)."""
    return json.loads(json.dumps(value))


def stack_as_deployed(info, stack_name):
    """{template, parameters, tags} of ``stack_name`` in ``info`` (registered from cloudformation_info),
    and its status when it is not a settled one (a failed or unfinished operation); {} when there is
    no such stack."""
    stack = ((info or {}).get("cloudformation") or {}).get(stack_name)
    if not stack:
        return {}
    deployed_template = stack.get("stack_template")
    if isinstance(deployed_template, str):
        try:
            deployed_template = json.loads(deployed_template)
        except ValueError:
            pass
    status = (stack.get("stack_description") or {}).get("stack_status")
    deployed = {"template": deployed_template, "parameters": stack.get("stack_parameters") or {},
                "tags": stack.get("stack_tags") or {}}
    return deployed if status in SETTLED_STATUSES else dict(deployed, status=status)


def stack_as_wanted(template, parameters=None, tags=None):
    """The stack a role deploys, in stack_as_deployed's shape (settled, values as strings)."""
    return {"template": _plain(template),
            "parameters": {str(key): str(value) for key, value in (parameters or {}).items()},
            "tags": {str(key): str(value) for key, value in (tags or {}).items()}}


def stack_in_sync(info, stack_name, template, parameters=None, tags=None):
    """True when ``info`` (registered from cloudformation_info) holds ``stack_name`` in a settled status
    with this template, these parameters (values as strings) and these tags."""
    deployed = stack_as_deployed(info, stack_name)
    wanted = stack_as_wanted(template, parameters, tags)
    return bool(deployed) and deployed == wanted


class FilterModule:
    """amp.alerting filters."""

    def filters(self):
        return {"stack_in_sync": stack_in_sync, "stack_as_deployed": stack_as_deployed,
                "stack_as_wanted": stack_as_wanted}
