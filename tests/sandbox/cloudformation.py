"""CreateChangeSet as AWS does it, where moto 5.2.5 differs.

- Without ChangeSetType, AWS makes an UPDATE change set; moto makes a CREATE one, which on an
  existing stack lists every resource as added.
- A change set with no changes is created by AWS with Status FAILED and the reason "The submitted
  information didn't contain changes…"; moto refuses the call ("No updates are to be performed").

amazon.aws.cloudformation's check mode creates such a change set on every existing stack, so
without this, --check on a converged deployment reports changes (or fails).
"""

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


def install():
    CloudFormationResponse.create_change_set = _create_change_set
