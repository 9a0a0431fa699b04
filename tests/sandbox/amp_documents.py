"""AMP's documents in the sandbox: rule groups namespaces and alertmanager definitions, validated as AMP
validates them (validation.py), CREATION_FAILED / UPDATE_FAILED with a statusReason."""

from moto.amp.models import RuleGroupNamespace
from moto.core.utils import unix_time

from .amp_lifecycle import GONE, ConflictException, Lifecycle, NotFound, _change_document, _require_idle
from .validation import alertmanager_definition_reason, rule_file_reason


class SandboxNamespace(RuleGroupNamespace):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lifecycle = Lifecycle()

    def to_dict(self):
        result = super().to_dict()
        result["status"] = self.lifecycle.as_dict()
        return result


class AlertManagerDefinition:
    def __init__(self):
        self.data = ""
        self.created_at = unix_time()
        self.modified_at = self.created_at
        self.lifecycle = Lifecycle()

    def to_dict(self):
        return {
            "status": self.lifecycle.as_dict(),
            "data": self.data,
            "createdAt": self.created_at,
            "modifiedAt": self.modified_at,
        }


class DocumentsApi:
    """The rule groups namespace and alertmanager definition calls of the AMP backend."""

    def create_rule_groups_namespace(self, data, name, tags, workspace_id):
        workspace = self.describe_workspace(workspace_id)
        if name in workspace.rule_group_namespaces:
            raise ConflictException(
                f"Rule groups namespace {name} already exists", name, "AWS::APS::RuleGroupsNamespace"
            )
        namespace = SandboxNamespace(
            account_id=self.account_id, region=self.region_name, workspace_id=workspace_id,
            name=name, data=data, tag_fn=self.list_tags_for_resource,
        )
        workspace.rule_group_namespaces[name] = namespace
        self.tag_resource(namespace.arn, tags)
        _change_document(namespace.lifecycle, namespace, data, rule_file_reason, True, "CreateRuleGroupsNamespace")
        return namespace

    def describe_rule_groups_namespace(self, name, workspace_id):
        self._settle()
        return super().describe_rule_groups_namespace(name=name, workspace_id=workspace_id)

    def put_rule_groups_namespace(self, data, name, workspace_id):
        namespace = self.describe_rule_groups_namespace(name=name, workspace_id=workspace_id)
        _require_idle(namespace.lifecycle, name, "AWS::APS::RuleGroupsNamespace")
        _change_document(namespace.lifecycle, namespace, data, rule_file_reason, False, "PutRuleGroupsNamespace")
        return namespace

    def delete_rule_groups_namespace(self, name, workspace_id):
        namespace = self.describe_rule_groups_namespace(name=name, workspace_id=workspace_id)
        _require_idle(namespace.lifecycle, name, "AWS::APS::RuleGroupsNamespace")
        namespace.lifecycle.start("DELETING", GONE)

    def list_rule_groups_namespaces(self, name, workspace_id, **kwargs):
        self._settle()
        return super().list_rule_groups_namespaces(name=name, workspace_id=workspace_id, **kwargs)

    def _definition(self, workspace_id):
        workspace = self.describe_workspace(workspace_id)
        if workspace.alertmanager is None:
            raise NotFound("Alert manager definition", workspace_id, "AWS::APS::AlertManagerDefinition")
        return workspace.alertmanager

    def create_alert_manager_definition(self, workspace_id, data):
        workspace = self.describe_workspace(workspace_id)
        if workspace.alertmanager is not None:
            raise ConflictException(
                "An alert manager definition already exists", workspace_id, "AWS::APS::AlertManagerDefinition"
            )
        definition = AlertManagerDefinition()
        workspace.alertmanager = definition
        _change_document(definition.lifecycle, definition, data, alertmanager_definition_reason, True,
                         "CreateAlertManagerDefinition")
        return definition

    def describe_alert_manager_definition(self, workspace_id):
        return self._definition(workspace_id)

    def put_alert_manager_definition(self, workspace_id, data):
        definition = self._definition(workspace_id)
        _require_idle(definition.lifecycle, workspace_id, "AWS::APS::AlertManagerDefinition")
        _change_document(definition.lifecycle, definition, data, alertmanager_definition_reason, False,
                         "PutAlertManagerDefinition")
        return definition

    def delete_alert_manager_definition(self, workspace_id):
        definition = self._definition(workspace_id)
        _require_idle(definition.lifecycle, workspace_id, "AWS::APS::AlertManagerDefinition")
        definition.lifecycle.start("DELETING", GONE)
