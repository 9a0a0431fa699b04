# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The forwarder's deterministic zip: built by amp.alerting.lambda_package, and hashed on the controller by
the lambda_code_sha256 filter (the lambda role's write gate), with the same code so the two cannot disagree.
Standard library only: the filter runs in every task's worker."""

import base64
import hashlib
import io
import os
import zipfile

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


def code_sha256(content):
    """The zip's SHA-256 as Lambda reports a function's CodeSha256 (base64)."""
    return base64.b64encode(hashlib.sha256(content).digest()).decode()
