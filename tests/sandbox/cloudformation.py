"""CreateChangeSet as AWS does it, where moto 5.2.5 differs.

- Without ChangeSetType, AWS makes an UPDATE change set; moto makes a CREATE one, which on an
  existing stack lists every resource as added.
- A change set with no changes is created by AWS with Status FAILED and the reason "The submitted
  information didn't contain changes…"; moto refuses the call ("No updates are to be performed").

amazon.aws.cloudformation's check mode creates such a change set on every existing stack, so
without this, --check on a converged deployment reports changes (or fails).
"""

import json
import threading

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse

_original_create_change_set = CloudFormationResponse.create_change_set


def _stack_exists(response, name):
    try:
        stack = response.cloudformation_backend.get_stack(name)
    except ValidationError:
        return False
    return stack.status not in ("REVIEW_IN_PROGRESS", "DELETE_COMPLETE")


def _create_change_set(self):
    if not self._get_param("ChangeSetType") and _stack_exists(self, self._get_param("StackName")):
        if self.automated_parameter_parsing:
            self.params["ChangeSetType"] = "UPDATE"
        else:
            self.querystring["ChangeSetType"] = ["UPDATE"]
    # the backend marks an unchanged UPDATE change set FAILED with AWS's reason; skip the early refusal
    self._validate_different_update = lambda *args, **kwargs: None
    try:
        return _original_create_change_set(self)
    finally:
        del self._validate_different_update


# CloudFormation stamps each event of an operation with the request's ClientRequestToken; moto leaves it
# empty. amazon.aws.cloudformation always sends a token and reads only the events that carry it, so
# without this a failed stack's reason would not reach the task's result.
_REQUEST = threading.local()


def _with_request_token(original):
    def method(self):
        _REQUEST.token = self._get_param("ClientRequestToken")
        try:
            return original(self)
        finally:
            _REQUEST.token = None
    method.__wrapped__ = original
    return method


def _event_init(original):
    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.client_request_token = getattr(_REQUEST, "token", None)
    init.__wrapped__ = original
    return init


def install():
    from moto.cloudformation.models import Event  # pylint: disable=import-outside-toplevel

    CloudFormationResponse.create_change_set = _create_change_set
    if not hasattr(Event.__init__, "__wrapped__"):
        Event.__init__ = _event_init(Event.__init__)
        for name in ("create_stack", "update_stack", "delete_stack"):
            setattr(CloudFormationResponse, name, _with_request_token(getattr(CloudFormationResponse, name)))
    install_caller_rights()


# -- the caller's rights ----------------------------------------------------------------------------
#
# CloudFormation creates, updates and deletes a stack's resources with the caller's credentials when
# no service role is given (the collection passes none). What each resource handler calls, from the
# resource provider schemas AWS publishes (aws-cloudformation/aws-cloudformation-resource-providers-sns:
# aws-sns-topic.json, aws-sns-subscription.json, "handlers"), is checked against the caller's policies;
# a refusal fails the stack as AWS does: the resource CREATE_FAILED / UPDATE_FAILED / DELETE_FAILED
# with the handler's message, the stack rolled back (a failed delete stays DELETE_FAILED).
_TOPIC_HANDLERS = {
    "create": ("sns:CreateTopic", "sns:GetTopicAttributes", "sns:ListTagsForResource", "sns:ListSubscriptionsByTopic"),
    "update": ("sns:SetTopicAttributes", "sns:GetTopicAttributes", "sns:ListTagsForResource",
               "sns:ListSubscriptionsByTopic"),
    "delete": ("sns:DeleteTopic", "sns:ListSubscriptionsByTopic"),
}
_SUBSCRIPTION_HANDLERS = {
    "create": ("sns:Subscribe", "sns:GetSubscriptionAttributes", "sns:GetTopicAttributes"),
    "update": ("sns:SetSubscriptionAttributes", "sns:GetSubscriptionAttributes", "sns:GetTopicAttributes"),
    "delete": ("sns:GetSubscriptionAttributes", "sns:GetTopicAttributes", "sns:Unsubscribe"),
}
# SNS's subscription calls other than Subscribe name no topic: the reference lists no resource for them.
_ON_ANY_RESOURCE = ("sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes", "sns:Unsubscribe")


def _resolve(value, parameters):
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return parameters.get(value["Ref"], value["Ref"])
    return value


def _handler_needs(stack, template, parameters, handler, tagged):
    """[(logical id, resource type, [Need])] of the template's resources for one handler."""
    from .caller import Need  # pylint: disable=import-outside-toplevel

    region, account = stack.region_name, stack.account_id
    result = []
    for logical_id, resource in (template.get("Resources") or {}).items():
        properties = {key: _resolve(value, parameters) for key, value in (resource.get("Properties") or {}).items()}
        if resource.get("Type") == "AWS::SNS::Topic":
            topic = f"arn:aws:sns:{region}:{account}:{properties.get('TopicName') or stack.name + '-' + logical_id}"
            actions = list(_TOPIC_HANDLERS[handler]) + (["sns:TagResource"] if tagged and handler != "delete" else [])
        elif resource.get("Type") == "AWS::SNS::Subscription":
            topic, actions = properties.get("TopicArn", "*"), _SUBSCRIPTION_HANDLERS[handler]
        else:
            continue
        result.append((logical_id, resource["Type"],
                       [Need(action, "*" if action in _ON_ANY_RESOURCE else topic) for action in actions]))
    return result


def _refused(stack, template, parameters, handler, tagged):
    """(logical id, type, handler message) of the first resource the caller may not handle; else None."""
    from . import authorization, caller  # pylint: disable=import-outside-toplevel

    principal = getattr(caller.CURRENT, "principal", None)
    if principal is None:
        return None
    arn, policies = principal[0], principal[1]
    for logical_id, resource_type, wanted in _handler_needs(stack, template, parameters, handler, tagged):
        refused = caller.first_refusal(arn, policies, wanted)
        if refused:
            need, decision = refused
            authorization._remember_refusal("caller (cloudformation)", arn, need.action, need.resource,
                                            decision.reason, None)
            message = (f'Resource handler returned message: "{caller.refusal_message(arn, need, decision)} '
                       '(Service: Sns, Status Code: 403, Request ID: sandbox-caller)" (HandlerErrorCode: AccessDenied)')
            return logical_id, resource_type, message
    return None


def _resource_event(stack, logical_id, resource_type, status, reason=None):
    from moto.cloudformation.models import Event  # pylint: disable=import-outside-toplevel

    stack.events.append(Event(stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
                              physical_resource_id="", resource_type=resource_type, resource_status=status,
                              resource_status_reason=reason, resource_properties=None))


def _fail(stack, failure, failed_status, rollback_statuses):
    logical_id, resource_type, message = failure
    _resource_event(stack, logical_id, resource_type, failed_status, message)
    for status in rollback_statuses:
        stack._add_stack_event(status, resource_status_reason=(
            f"The following resource(s) failed: [{logical_id}]." if status.endswith("IN_PROGRESS") else None))
    stack.status = rollback_statuses[-1]


def _create_resources(self):
    failure = _refused(self, self.template_dict, self.resource_map.resolved_parameters, "create", bool(self.tags))
    if failure:
        _fail(self, failure, "CREATE_FAILED", ("ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE"))
        return None
    return _original_create_resources(self)


def _update(self, template, role_arn=None, parameters=None, tags=None):
    import yaml  # pylint: disable=import-outside-toplevel

    try:
        new_template = json.loads(template)
    except ValueError:
        new_template = yaml.safe_load(template)
    resolved = {**self.resource_map.resolved_parameters, **(parameters or {})}
    old = set((self.template_dict.get("Resources") or {}))
    tagged = bool(tags if tags is not None else self.tags)
    added = {"Resources": {k: v for k, v in (new_template.get("Resources") or {}).items() if k not in old}}
    kept = {"Resources": {k: v for k, v in (new_template.get("Resources") or {}).items() if k in old}}
    gone = {"Resources": {k: v for k, v in (self.template_dict.get("Resources") or {}).items()
                          if k not in (new_template.get("Resources") or {})}}
    failure = (_refused(self, added, resolved, "create", tagged) or _refused(self, kept, resolved, "update", tagged)
               or _refused(self, gone, self.resource_map.resolved_parameters, "delete", tagged))
    if failure:
        self._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
        _fail(self, failure, "UPDATE_FAILED", ("UPDATE_ROLLBACK_IN_PROGRESS", "UPDATE_ROLLBACK_COMPLETE"))
        return None
    return _original_update(self, template, role_arn=role_arn, parameters=parameters, tags=tags)


def _delete_stack(self, name_or_stack_id):
    try:
        stack = self.get_stack(name_or_stack_id)
    except ValidationError:
        stack = None
    if stack is not None and stack.status not in ("DELETE_COMPLETE", "ROLLBACK_COMPLETE"):
        failure = _refused(stack, stack.template_dict, stack.resource_map.resolved_parameters, "delete", False)
        if failure:
            stack._add_stack_event("DELETE_IN_PROGRESS", resource_status_reason="User Initiated")
            _fail(stack, failure, "DELETE_FAILED", ("DELETE_FAILED",))
            return None
    return _original_delete_stack(self, name_or_stack_id)


def install_caller_rights():
    global _original_create_resources, _original_update, _original_delete_stack  # pylint: disable=global-statement
    from moto.cloudformation.models import CloudFormationBackend, Stack  # pylint: disable=import-outside-toplevel

    if getattr(Stack.create_resources, "__name__", "") == "_create_resources":
        return
    _original_create_resources, _original_update = Stack.create_resources, Stack.update
    _original_delete_stack = CloudFormationBackend.delete_stack
    Stack.create_resources, Stack.update = _create_resources, _update
    CloudFormationBackend.delete_stack = _delete_stack


_original_create_resources = _original_update = _original_delete_stack = None
