"""amp.alerting.lambda_package: the same sources give the same zip, byte for byte."""

import base64
import hashlib
import json
import os
import subprocess
import sys
import zipfile

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.amp.alerting.plugins.modules import lambda_package
from support import FORWARDER_PACKAGE


def run(monkeypatch, capsys, check=False, **args):  # pylint: disable=unused-argument
    with patch_module_args(dict(args, _ansible_check_mode=check)), pytest.raises(SystemExit):
        lambda_package.main()
    return json.loads(capsys.readouterr().out)


def test_same_source_same_bytes_whatever_the_file_times(monkeypatch, capsys, tmp_path):
    source = tmp_path / "slack_forwarder.py"
    source.write_bytes(open(os.path.join(FORWARDER_PACKAGE, "handler.py"), "rb").read())
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


def test_a_package_directory_is_zipped_under_its_name_without_bytecode(monkeypatch, capsys, tmp_path):
    package = tmp_path / "src" / "forwarder"
    (package / "sub").mkdir(parents=True)
    (package / "__pycache__").mkdir()
    for name, text in (("__init__.py", ""), ("handler.py", "x = 1\n"), ("sub/parse.py", "y = 2\n"),
                       ("__pycache__/handler.cpython-311.pyc", "bytecode"), ("stale.pyc", "bytecode")):
        (package / name).write_text(text)
    first = run(monkeypatch, capsys, src=[str(package)], dest=str(tmp_path / "f.zip"))
    assert first["files"] == ["forwarder/__init__.py", "forwarder/handler.py", "forwarder/sub/parse.py"]
    with zipfile.ZipFile(tmp_path / "f.zip") as archive:
        assert archive.read("forwarder/sub/parse.py") == b"y = 2\n"
    (package / "__pycache__" / "other.pyc").write_text("more bytecode")
    assert not run(monkeypatch, capsys, src=[str(package)], dest=str(tmp_path / "f.zip"))["changed"]


def test_the_forwarder_package_imports_from_its_zip(monkeypatch, capsys, tmp_path):
    """What Lambda does with the zip: extract it, import the handler named in the role."""
    run(monkeypatch, capsys, src=[FORWARDER_PACKAGE], dest=str(tmp_path / "f.zip"))
    with zipfile.ZipFile(tmp_path / "f.zip") as archive:
        archive.extractall(tmp_path / "task")
    code = ("import json, slack_forwarder.handler as h; "
            "print(json.dumps(h.forward_alerts_to_slack({'Records': []})))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path / "task", capture_output=True, text=True,
                          env={"PATH": os.environ["PATH"]}, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1]) == {"delivered": 0}


def test_without_dest_each_run_gets_a_fresh_private_directory(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(lambda_package.tempfile, "tempdir", None)  # read TMPDIR again
    source = tmp_path / "handler.py"
    source.write_text("x = 1\n")
    first, second = (run(monkeypatch, capsys, src=[str(source)]) for _run in range(2))
    assert first["temporary_dir"] != second["temporary_dir"]
    for result in (first, second):
        directory = result["temporary_dir"]
        assert os.path.dirname(directory) == str(tmp_path)
        assert os.stat(directory).st_mode & 0o777 == 0o700
        assert result["dest"] == os.path.join(directory, "slack_forwarder.zip")
        assert os.stat(result["dest"]).st_mode & 0o077 == 0
    assert first["code_sha256"] == second["code_sha256"]


@pytest.mark.parametrize("prepare, problem", [
    (lambda path: path.chmod(0o777), "is writable by its group or by others (mode 0777)"),
    (lambda path: path.chmod(0o775), "is writable by its group or by others (mode 0775)"),
])
def test_a_directory_others_can_write_is_refused(monkeypatch, capsys, tmp_path, prepare, problem):
    shared = tmp_path / "shared"
    shared.mkdir()
    prepare(shared)
    source = tmp_path / "handler.py"
    source.write_text("x = 1\n")
    result = run(monkeypatch, capsys, src=[str(source)], dest=str(shared / "f.zip"))
    assert result["failed"] and problem in result["msg"] and "another local user could replace the zip" in result["msg"]
    assert not list(shared.iterdir())


def test_a_directory_of_another_user_or_a_symlink_is_refused(monkeypatch, capsys, tmp_path):
    source = tmp_path / "handler.py"
    source.write_text("x = 1\n")
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o700)
    (tmp_path / "link").symlink_to(mine)
    result = run(monkeypatch, capsys, src=[str(source)], dest=str(tmp_path / "link" / "f.zip"))
    assert result["failed"] and "is a symbolic link" in result["msg"]
    # A zip name another user planted as a link to a file of ours is not written through.
    (mine / "f.zip").symlink_to(tmp_path / "victim")
    result = run(monkeypatch, capsys, src=[str(source)], dest=str(mine / "f.zip"))
    assert result["failed"] and "is a symbolic link" in result["msg"] and not (tmp_path / "victim").exists()
    monkeypatch.setattr(lambda_package.os, "geteuid", lambda: os.getuid() + 1)
    result = run(monkeypatch, capsys, src=[str(source)], dest=str(mine / "g.zip"))
    assert result["failed"] and f"belongs to uid {os.getuid()}, not to the user running the play" in result["msg"]


def test_the_role_gate_hashes_the_zip_the_module_builds(monkeypatch, capsys, tmp_path):
    """The lambda role skips the build when lambda_code_sha256 equals the deployed CodeSha256: it must be the
    module's code_sha256 of the same sources, and change when a source changes."""
    from ansible_collections.amp.alerting.plugins.filter.gates import lambda_code_sha256  # pylint: disable=import-outside-toplevel
    built = run(monkeypatch, capsys, src=[FORWARDER_PACKAGE], dest=str(tmp_path / "f.zip"))
    assert lambda_code_sha256([FORWARDER_PACKAGE]) == built["code_sha256"]
    copy = tmp_path / "slack_forwarder"
    subprocess.run(["cp", "-r", FORWARDER_PACKAGE, str(copy)], check=True)
    assert lambda_code_sha256([str(copy)]) == built["code_sha256"]
    (copy / "handler.py").write_text((copy / "handler.py").read_text() + "\n# edited\n")
    assert lambda_code_sha256([str(copy)]) != built["code_sha256"]
