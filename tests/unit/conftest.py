"""Fixtures for module unit tests."""

import pytest

from support.amp_stubs import ModuleRun


@pytest.fixture
def run_module(monkeypatch, capsys):
    """run_module(module[, service]) -> a ModuleRun: stub the AWS calls on .stub, then call it with module args."""
    return lambda module, service="amp": ModuleRun(monkeypatch, capsys, module, service)
