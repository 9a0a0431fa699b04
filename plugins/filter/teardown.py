# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What playbooks/teardown.yml would delete, in words a person confirms: the inventory's hosts and
their workspace aliases (before any AWS call), then each workspace as read - its id, its rule
namespaces, its metrics, the alerts waiting in its dead-letter queues."""


def _alias(host, hostvars):
    return str((hostvars.get(host) or {}).get("workspace_alias") or host)


def teardown_target_line(host, hostvars, groups):
    """'<host> (workspace <alias>, in <groups>)' for the list shown when no target is named."""
    member_of = sorted(name for name, hosts in (groups or {}).items() if name not in ("all", "ungrouped") and host in hosts)
    return f"{host} (workspace {_alias(host, hostvars)}{', in ' + ', '.join(member_of) if member_of else ''})"


def teardown_aliases(hosts, hostvars):
    """The workspace aliases of HOSTS, sorted: what teardown_confirm must name."""
    return sorted({_alias(host, hostvars) for host in hosts})


def teardown_plan_line(workspace, alias, host, undelivered=None):
    """One host's part of the list: the workspace (id, namespaces, metrics lost) and the undelivered alerts."""
    if not workspace:
        line = f"{host}: no workspace with alias {alias} (its topic, forwarder and IAM objects, if any, are deleted)"
    else:
        namespaces = ", ".join(namespace["name"] for namespace in workspace.get("rule_namespaces") or []) or "none"
        line = (f"{host}: workspace {alias} ({workspace.get('workspace_id')}) with its rule namespaces ({namespaces}) "
                "- ALL ITS METRICS ARE DELETED WITH IT")
    waiting = {queue: int(count or 0) for queue, count in (undelivered or {}).items()}
    if sum(waiting.values()):
        line += "; undelivered alerts deleted with the dead-letter queues: " + ", ".join(
            f"{count} in {queue}" for queue, count in sorted(waiting.items()) if count)
    return line + "."


class FilterModule:
    """amp.alerting filters."""

    def filters(self):
        return {"teardown_target_line": teardown_target_line, "teardown_aliases": teardown_aliases,
                "teardown_plan_line": teardown_plan_line}
