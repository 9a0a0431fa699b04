#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: lambda_package
version_added: 0.1.0
short_description: Build a deterministic Lambda deployment zip
description:
  - Zips the given files and Python packages (directories) with fixed timestamps, fixed permissions
    and sorted names, so the same sources always give the same bytes. C(amazon.aws.lambda) compares the zip's SHA-256 with the
    deployed code, so an unchanged source means no update, on every controller.
  - The zip is only rewritten when its content changes.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  src:
    description:
      - Files and directories to put at the root of the zip, each under its base name.
      - A directory (a Python package) is added with everything below it, as C(NAME/...), leaving out
        C(__pycache__) directories and compiled C(.pyc) files.
    type: list
    elements: path
    required: true
  dest:
    description:
      - Path of the zip to write. Its directory is created (mode 0700) when missing.
      - An existing directory must belong to the user running the module and be writable by nobody
        else, and O(dest) must not be a symbolic link - otherwise another local user could replace the
        code about to run with the Slack webhook and token. The module fails naming the problem.
      - When not given, a new directory of its own (mode 0700) is made under the system's temporary
        directory for each run, and the zip is written there; RV(temporary_dir) names it, for the play
        to remove once the function is deployed.
    type: path
notes:
  - "Runs wherever the task runs; for Lambda deployment that is the controller (C(delegate_to: localhost)
    or C(connection: local))."
  - The zip is written to a new file made exclusively (never through a name another user could have
    prepared) and moved over O(dest) in one step.
  - In check mode nothing is written; C(changed) says whether the zip would change.
"""

EXAMPLES = r"""
- name: Package the Slack forwarder
  amp.alerting.lambda_package:
    src:
      - "{{ role_path }}/../../files/lambda/slack_forwarder"
  register: forwarder_zip
  delegate_to: localhost
"""

RETURN = r"""
dest:
  description: Path of the zip (empty in check mode without O(dest)).
  returned: always
  type: str
  sample: /tmp/amp-alerting-k2j4x9/slack_forwarder.zip
temporary_dir:
  description: The directory made for this run when O(dest) was not given.
  returned: when O(dest) is not given and the zip was written
  type: str
  sample: /tmp/amp-alerting-k2j4x9
code_sha256:
  description: Base64 SHA-256 of the zip, as Lambda reports it in CodeSha256.
  returned: always
  type: str
  sample: 9mVkN2Y0Yz...=
size:
  description: Size of the zip in bytes.
  returned: always
  type: int
  sample: 9615
files:
  description: Names inside the zip.
  returned: always
  type: list
  elements: str
  sample: [slack_forwarder/__init__.py, slack_forwarder/handler.py]
"""

import os
import stat
import tempfile

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.amp.alerting.plugins.module_utils.lambda_zip import build_zip
from ansible_collections.amp.alerting.plugins.module_utils.lambda_zip import code_sha256

DEFAULT_NAME = "slack_forwarder.zip"


def directory_problem(path):
    """Why ``path`` is not a safe place for the zip (another local user could swap it), or None."""
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        return "is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a directory"
    if info.st_uid != os.geteuid():
        return f"belongs to uid {info.st_uid}, not to the user running the play (uid {os.geteuid()})"
    if info.st_mode & 0o022:
        return f"is writable by its group or by others (mode {stat.S_IMODE(info.st_mode):04o})"
    return None


def private_directory(module, path):
    """``path`` made (0700) when missing, and checked."""
    if not os.path.lexists(path):
        os.makedirs(path, mode=0o700)
    problem = directory_problem(path)
    if problem:
        module.fail_json(msg=f"dest: the directory {path} {problem}: another local user could replace the zip "
                             "before it is uploaded. Name a directory of your own (mode 0700), or leave dest unset.")


def write_exclusively(directory, dest, content):
    """Write to a new file only this process could have made (O_EXCL, 0600), then move it over dest."""
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".lambda_package.", suffix=".zip")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.replace(temporary, dest)
    except BaseException:
        if os.path.lexists(temporary):
            os.unlink(temporary)
        raise


def main():
    module = AnsibleModule(
        argument_spec=dict(src=dict(type="list", elements="path", required=True),
                           dest=dict(type="path")),
        supports_check_mode=True,
    )
    paths, dest = module.params["src"], module.params["dest"]
    missing = [path for path in paths if not os.path.exists(path)]
    if missing:
        module.fail_json(msg=f"src: not a file or directory: {', '.join(missing)}")
    basenames = [os.path.basename(os.path.normpath(path)) for path in paths]
    if len(set(basenames)) != len(basenames):
        module.fail_json(msg="src: two entries have the same name; the zip holds base names only")
    content, names = build_zip(paths)
    digest = code_sha256(content)
    result = dict(files=names, size=len(content), code_sha256=digest)
    if not dest:
        if module.check_mode:
            module.exit_json(changed=True, dest="", **result)
        directory = tempfile.mkdtemp(prefix="amp-alerting-")  # 0700, a fresh name
        dest = os.path.join(directory, DEFAULT_NAME)
        write_exclusively(directory, dest, content)
        module.exit_json(changed=True, dest=dest, temporary_dir=directory, **result)
    directory = os.path.dirname(os.path.abspath(dest))
    if module.check_mode and not os.path.lexists(directory):
        module.exit_json(changed=True, dest=dest, **result)
    private_directory(module, directory)
    if os.path.islink(dest):
        module.fail_json(msg=f"dest: {dest} is a symbolic link: the zip would be written where it points")
    current = None
    if os.path.exists(dest):
        with open(dest, "rb") as handle:
            current = handle.read()
    changed = current != content
    if changed and not module.check_mode:
        write_exclusively(directory, dest, content)
    module.exit_json(changed=changed, dest=dest, **result)


if __name__ == "__main__":
    main()
