# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    # How the modules that act inside a workspace find it (module_utils.amp.workspace_options and WORKSPACE_REQUIRED_ONE_OF).
    DOCUMENTATION = r"""
options:
  workspace_id:
    description:
      - The workspace, by id (C(ws-...)).
      - Exactly one of O(workspace_id) and O(workspace_alias) is required.
    type: str
  workspace_alias:
    description:
      - The workspace, by alias.
      - AMP aliases are not unique; the task fails, naming the workspace ids, when the alias matches
        no workspace or several.
    type: str
"""
