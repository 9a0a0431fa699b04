"""amp.alerting.role_argument_specs: the preflight checks every role's settings against its argument spec in one
task (validate_argument_spec on the merged specs); the merge must keep each role's options as the role declares
them, and refuse what it cannot merge."""

import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.amp.alerting.plugins.filter import preflight

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
CHAIN = yaml.safe_load(open(os.path.join(REPO, "playbooks", "vars", "chain.yml"), encoding="utf-8"))["amp_alerting_chain_roles"]


def spec_of(role):
    with open(os.path.join(REPO, "roles", role, "meta", "argument_specs.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)["argument_specs"]["main"]["options"]


def test_the_chain_roles_options_each_as_its_role_declares_it():
    merged = preflight.role_argument_specs(CHAIN)
    for role in CHAIN:
        assert {name: merged[name] for name in spec_of(role)} == spec_of(role)
    assert set(merged) == {name for role in CHAIN for name in spec_of(role)}
    assert preflight.role_argument_specs("account") == spec_of("account")


def test_a_wrong_setting_of_any_role_is_found_by_the_one_check():
    merged = preflight.role_argument_specs(CHAIN)
    result = ArgumentSpecValidator(merged).validate({"lambda_runtime": "python2.7", "workspace_alias": "prod",
                                                      "iam_principal_mode": "everyone"})
    messages = " ".join(str(error) for error in result.errors)
    assert "lambda_runtime" in messages and "iam_principal_mode" in messages and "workspace_alias" not in messages


def test_an_option_two_roles_declare_differently_or_a_role_without_a_spec_is_refused(tmp_path, monkeypatch):
    for role, kind in (("one", "str"), ("two", "int")):
        (tmp_path / role / "meta").mkdir(parents=True)
        (tmp_path / role / "meta" / "argument_specs.yml").write_text(yaml.safe_dump(
            {"argument_specs": {"main": {"options": {"shared_setting": {"type": kind}, f"{role}_own": {"type": "str"}}}}}))
    monkeypatch.setattr(preflight, "ROLES_DIR", str(tmp_path))
    with pytest.raises(AnsibleFilterError, match="shared_setting is declared differently by the roles one and two"):
        preflight.role_argument_specs(["one", "two"])
    with pytest.raises(AnsibleFilterError, match="three is not a role of amp.alerting with an argument spec"):
        preflight.role_argument_specs(["one", "three"])
