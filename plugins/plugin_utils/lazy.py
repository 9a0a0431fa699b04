# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A module imported when first used, for the filter plugins.

To find one filter, ansible-core imports every filter file of the collection, in every task's worker process
(plugins/loader.py, Jinja2Loader.get_with_context walks the package). What a filter file imports at its top,
every task that uses any of the collection's filters pays: the rule and anomaly validators (promql, RE2),
the write gates, the preflight's checks - about 0.13 s per task. Imported on first use, each costs only the
tasks that call it.
"""

import importlib


class LazyModule:
    """Stands for the module NAME; imports it on the first attribute read."""

    def __init__(self, name):
        self._name = name
        self._module = None

    def __getattr__(self, attribute):
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)
