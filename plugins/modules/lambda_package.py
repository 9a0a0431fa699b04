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
      - Path of the zip to write. Its directory is created when missing.
    type: path
    required: true
notes:
  - "Runs wherever the task runs; for Lambda deployment that is the controller (C(delegate_to: localhost)
    or C(connection: local))."
  - In check mode nothing is written; C(changed) says whether the zip would change.
"""

EXAMPLES = r"""
- name: Package the Slack forwarder
  amp.alerting.lambda_package:
    src:
      - "{{ role_path }}/../../files/lambda/slack_forwarder"
    dest: /tmp/amp-alerting/slack_forwarder.zip
  register: forwarder_zip
  delegate_to: localhost
"""

RETURN = r"""
dest:
  description: Path of the zip.
  returned: always
  type: str
  sample: /tmp/amp-alerting/slack_forwarder.zip
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

import base64
import hashlib
import io
import os
import zipfile

from ansible.module_utils.basic import AnsibleModule

# 1980-01-01, the earliest time a zip can hold: no build time leaks into the bytes.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644


def entries(paths):
    """(name in the zip, path on disk) of every file, sorted by name; directories are walked."""
    found = []
    for path in paths:
        root = os.path.basename(os.path.normpath(path))
        if not os.path.isdir(path):
            found.append((root, path))
            continue
        for folder, subfolders, files in os.walk(path):
            subfolders[:] = [name for name in subfolders if name != "__pycache__"]
            relative = os.path.relpath(folder, path)
            for name in files:
                if not name.endswith(".pyc"):
                    inside = name if relative == "." else f"{relative.replace(os.sep, '/')}/{name}"
                    found.append((f"{root}/{inside}", os.path.join(folder, name)))
    return sorted(found)


def build_zip(paths):
    """The zip's bytes: entries sorted by name, fixed times and modes, deflate compression."""
    buffer = io.BytesIO()
    names = entries(paths)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in names:
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
            info.external_attr = (0o100000 | FILE_MODE) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, whatever the controller
            with open(path, "rb") as handle:
                archive.writestr(info, handle.read(), compresslevel=9)
    return buffer.getvalue(), [name for name, _path in names]


def main():
    module = AnsibleModule(
        argument_spec=dict(src=dict(type="list", elements="path", required=True),
                           dest=dict(type="path", required=True)),
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
    current = None
    if os.path.exists(dest):
        with open(dest, "rb") as handle:
            current = handle.read()
    changed = current != content
    if changed and not module.check_mode:
        os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
        temporary = f"{dest}.tmp{os.getpid()}"
        with open(temporary, "wb") as handle:
            handle.write(content)
        os.replace(temporary, dest)
    module.exit_json(
        changed=changed, dest=dest, files=names, size=len(content),
        code_sha256=base64.b64encode(hashlib.sha256(content).digest()).decode(),
    )


if __name__ == "__main__":
    main()
