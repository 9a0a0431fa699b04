"""amp.alerting.lambda_package: the same sources give the same zip, byte for byte."""

import base64
import hashlib
import json
import os
import zipfile

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.amp.alerting.plugins.modules import lambda_package
from support import FORWARDER_PATH


def run(monkeypatch, capsys, check=False, **args):  # pylint: disable=unused-argument
    with patch_module_args(dict(args, _ansible_check_mode=check)), pytest.raises(SystemExit):
        lambda_package.main()
    return json.loads(capsys.readouterr().out)


def test_same_source_same_bytes_whatever_the_file_times(monkeypatch, capsys, tmp_path):
    source = tmp_path / "slack_forwarder.py"
    source.write_bytes(open(FORWARDER_PATH, "rb").read())
    first = run(monkeypatch, capsys, src=[str(source)], dest=str(tmp_path / "a" / "f.zip"))
    assert first["changed"] and first["files"] == ["slack_forwarder.py"]
    os.utime(source, (1, 1))
    os.chmod(source, 0o600)
    other = run(monkeypatch, capsys, src=[str(source)], dest=str(tmp_path / "b" / "f.zip"))
    assert (tmp_path / "a" / "f.zip").read_bytes() == (tmp_path / "b" / "f.zip").read_bytes()
    digest = base64.b64encode(hashlib.sha256((tmp_path / "a" / "f.zip").read_bytes()).digest()).decode()
    assert first["code_sha256"] == other["code_sha256"] == digest
    again = run(monkeypatch, capsys, src=[str(source)], dest=str(tmp_path / "a" / "f.zip"))
    assert not again["changed"]
    with zipfile.ZipFile(tmp_path / "a" / "f.zip") as archive:
        info = archive.getinfo("slack_forwarder.py")
        assert info.date_time == (1980, 1, 1, 0, 0, 0) and (info.external_attr >> 16) & 0o777 == 0o644


def test_changed_source_changes_the_zip_and_check_mode_writes_nothing(monkeypatch, capsys, tmp_path):
    source = tmp_path / "handler.py"
    source.write_text("x = 1\n")
    dest = tmp_path / "f.zip"
    run(monkeypatch, capsys, src=[str(source)], dest=str(dest))
    before = dest.read_bytes()
    source.write_text("x = 2\n")
    predicted = run(monkeypatch, capsys, check=True, src=[str(source)], dest=str(dest))
    assert predicted["changed"] and dest.read_bytes() == before
    assert run(monkeypatch, capsys, src=[str(source)], dest=str(dest))["changed"]
    assert dest.read_bytes() != before


def test_missing_source_fails_naming_it(monkeypatch, capsys, tmp_path):
    result = run(monkeypatch, capsys, src=[str(tmp_path / "nope.py")], dest=str(tmp_path / "f.zip"))
    assert result["failed"] and "src: not a file" in result["msg"] and "nope.py" in result["msg"]
