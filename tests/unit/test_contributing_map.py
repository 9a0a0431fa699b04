"""CONTRIBUTING.md's layout map names every module, filter, lookup, module_util, playbook and docs page: a new
one that is not on the map fails here, naming it."""

import os
import re

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def layout():
    with open(os.path.join(REPO, "CONTRIBUTING.md"), encoding="utf-8") as handle:
        text = handle.read()
    return text.split("## Layout", 1)[1].split("```", 2)[1]


def names(directory, suffix):
    return sorted(name[:-len(suffix)] for name in os.listdir(os.path.join(REPO, directory))
                  if name.endswith(suffix) and not name.startswith("__"))


def test_the_layout_map_names_every_plugin_playbook_and_docs_page():
    words = set(re.findall(r"[A-Za-z0-9_.-]+", layout()))
    wanted = {"plugins/modules": names("plugins/modules", ".py"), "plugins/filter": names("plugins/filter", ".yml"),
              "plugins/lookup": names("plugins/lookup", ".py"),
              "plugins/module_utils": [name + ".py" for name in names("plugins/module_utils", ".py")],
              "playbooks": names("playbooks", ".yml"), "docs": [name + ".md" for name in names("docs", ".md")]}
    missing = {where: [name for name in found if name not in words] for where, found in wanted.items()}
    assert {where: found for where, found in missing.items() if found} == {}, "add them to CONTRIBUTING.md's Layout"
