"""Fixtures for module unit tests."""

import pytest

from support.amp_stubs import ModuleRun


@pytest.fixture
def run_module(monkeypatch, capsys):
    """run_module(module) -> a ModuleRun: stub the AWS calls on .stub, then call it with module args."""
    return lambda module: ModuleRun(monkeypatch, capsys, module)
