#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: amp_scraper
version_added: 0.2.0
short_description: Manage AMP managed scrapers (the agentless collector for Amazon EKS)
description:
  - Creates, updates and deletes an Amazon Managed Service for Prometheus managed scraper that
    collects metrics from an Amazon EKS cluster and writes them to a workspace - no Prometheus agent
    to run in the cluster.
  - The scraper is identified by O(alias). AMP does not keep scraper aliases unique; when the alias
    matches several scrapers the module fails and names their ids.
  - AMP cannot change a scraper's source (cluster, subnets, security groups); asking for another one
    fails, naming the option, before any write. The scrape configuration, the destination workspace,
    the cross-account roles and the tags are changed in place (UpdateScraper, TagResource).
  - Without O(scrape_configuration) a new scraper gets AMP's default configuration
    (GetDefaultScraperConfiguration); an existing one keeps its own.
  - The scrape configuration is checked before any call - YAML with at least one job, job names
    unique, durations valid, a timeout not longer than its interval - and with C(promtool check config)
    when promtool is installed and knows the service discoveries the configuration uses (Debian's
    promtool, for one, is built without Kubernetes discovery; AMP's own validation then has the last word).
  - The returned C(role_arn) is the scraper's IAM role; an EKS access entry for it lets the scraper
    discover and scrape the cluster.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  alias:
    description:
      - The scraper's alias (1-100 letters, digits, C(.), C(_), C(-), starting with a letter or digit).
    type: str
    required: true
  cluster_arn:
    description:
      - The EKS cluster to scrape. Required to create a scraper.
    type: str
  subnet_ids:
    description:
      - One to five subnets of the cluster's VPC the scraper runs in. Required to create a scraper.
    type: list
    elements: str
  security_group_ids:
    description:
      - Up to five security groups of the cluster's VPC for the scraper.
    type: list
    elements: str
  scrape_configuration:
    description:
      - The scrape configuration, as Prometheus configuration YAML (C(global), C(scrape_configs)).
      - Compared as YAML, so formatting is no change.
    type: str
  source_role_arn:
    description:
      - For a cluster in another account - the role in the cluster's account that the scraper assumes.
    type: str
  target_role_arn:
    description:
      - For a cluster in another account - the role in the workspace's account the scraper uses to write.
    type: str
  log_group_arn:
    description:
      - CloudWatch Logs log group (ARN ending in C(:*)) for the scraper's logs (service discovery,
        collector, exporter). An empty string removes the logging configuration; omitted, it is left as it is.
    type: str
  state:
    description:
      - Whether the scraper should exist. The workspace options are needed only with C(present).
    type: str
    choices: [present, absent]
    default: present
notes:
  - Supports check mode (no write API is called) and diff mode.
  - A scraper takes a while to create on AWS (up to about 20 minutes); raise O(wait_timeout) accordingly.
  - C(CREATION_FAILED) and C(UPDATE_FAILED) are reported with AMP's statusReason; a scraper that failed to
    create is replaced (deleted and created again) on the next run. C(DELETION_FAILED) is reported, and
    O(state=absent) tries the deletion again.
extends_documentation_fragment:
  - amp.alerting.workspace
  - amp.alerting.wait
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Scrape the prod cluster into the prod workspace with AMP's default configuration
  amp.alerting.amp_scraper:
    alias: prod-eks
    workspace_alias: prod-eu
    cluster_arn: arn:aws:eks:eu-west-1:123456789012:cluster/prod
    subnet_ids: [subnet-0a1b2c3d, subnet-4e5f6a7b]
    security_group_ids: [sg-0123abcd]
    wait_timeout: 1800
  register: scraper

- name: The access entry the scraper needs (role ARN from the scraper)
  ansible.builtin.debug:
    msg: "aws eks create-access-entry --cluster-name prod --principal-arn {{ scraper.scraper.role_arn }}"
"""

RETURN = r"""
scraper:
  description: The scraper as it is after the task (as predicted in check mode). Empty when absent.
  returned: always
  type: dict
  contains:
    scraper_id:
      description: The scraper's id (empty in check mode for a scraper not yet created).
      type: str
    arn:
      description: The scraper's ARN.
      type: str
    alias:
      description: The alias.
      type: str
    role_arn:
      description: The IAM role AMP made for the scraper - the principal of the cluster's access entry.
      type: str
    status:
      description: The status code.
      type: str
    status_reason:
      description: AMP's reason, when it gives one.
      type: str
    cluster_arn:
      description: The cluster scraped.
      type: str
    subnet_ids:
      description: The scraper's subnets, sorted.
      type: list
      elements: str
    security_group_ids:
      description: The scraper's security groups, sorted.
      type: list
      elements: str
    workspace_arn:
      description: The workspace the metrics go to.
      type: str
    scrape_configuration:
      description: The scrape configuration in force (YAML).
      type: str
    source_role_arn:
      description: The cross-account source role, if any.
      type: str
    target_role_arn:
      description: The cross-account target role, if any.
      type: str
    tags:
      description: The scraper's tags.
      type: dict
    logging:
      description: The scraper's logging configuration (log group and status), when O(log_group_arn) is given.
      type: dict
"""

import base64
import re

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.amp.alerting.plugins.module_utils.amp import BUSY_STATUSES
from ansible_collections.amp.alerting.plugins.module_utils.amp import LOG_GROUP_ARN
from ansible_collections.amp.alerting.plugins.module_utils.amp import WORKSPACE_MUTUALLY_EXCLUSIVE
from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp import Outcome
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_call
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_client
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_delete
from ansible_collections.amp.alerting.plugins.module_utils.amp import create_once
from ansible_collections.amp.alerting.plugins.module_utils.amp import exit_with
from ansible_collections.amp.alerting.plugins.module_utils.amp import fail_on_problems
from ansible_collections.amp.alerting.plugins.module_utils.amp import require_workspace
from ansible_collections.amp.alerting.plugins.module_utils.amp import retry_on_conflict
from ansible_collections.amp.alerting.plugins.module_utils.amp import status_of
from ansible_collections.amp.alerting.plugins.module_utils.amp import sync_tags
from ansible_collections.amp.alerting.plugins.module_utils.amp import wait_for
from ansible_collections.amp.alerting.plugins.module_utils.amp import wait_options
from ansible_collections.amp.alerting.plugins.module_utils.amp import wait_problems
from ansible_collections.amp.alerting.plugins.module_utils.amp import workspace_options
from ansible_collections.amp.alerting.plugins.module_utils.amp_scraper import describe_scraper
from ansible_collections.amp.alerting.plugins.module_utils.amp_scraper import describe_scraper_logging
from ansible_collections.amp.alerting.plugins.module_utils.amp_scraper import find_scrapers
from ansible_collections.amp.alerting.plugins.module_utils.aws_limits import scrape_configuration_problems
from ansible_collections.amp.alerting.plugins.module_utils.scraper_settings import ROLE_OPTIONS
from ansible_collections.amp.alerting.plugins.module_utils.scraper_settings import configuration_text
from ansible_collections.amp.alerting.plugins.module_utils.scraper_settings import scraper_view
from ansible_collections.amp.alerting.plugins.module_utils.scraper_settings import settings_to_update
from ansible_collections.amp.alerting.plugins.module_utils.scraper_settings import source_conflicts

ALIAS = re.compile(r"^[0-9A-Za-z][-.0-9A-Z_a-z]{0,99}$")
CLUSTER_ARN = re.compile(r"^arn:aws[-a-z]*:eks:[-a-z0-9]+:[0-9]{12}:cluster/.+$")
ROLE_ARN = re.compile(r"^arn:aws[-a-z]*:iam::[0-9]{12}:role/.+$")
SUBNET = re.compile(r"^subnet-[0-9a-z]+$")
SECURITY_GROUP = re.compile(r"^sg-[0-9a-z]+$")
COMPONENTS = ("SERVICE_DISCOVERY", "COLLECTOR", "EXPORTER")


def problems(params):
    found = []
    if not ALIAS.match(params["alias"] or ""):
        found.append(f"alias: {params['alias']!r} is not a scraper alias (1-100 letters, digits, '.', '_', '-')")
    if params["cluster_arn"] is not None and not CLUSTER_ARN.match(params["cluster_arn"]):
        found.append(f"cluster_arn: {params['cluster_arn']!r} is not an EKS cluster ARN (arn:aws:eks:REGION:ACCOUNT:cluster/NAME)")
    for option, pattern, example in (("subnet_ids", SUBNET, "subnet-0a1b2c3d"), ("security_group_ids", SECURITY_GROUP, "sg-0123abcd")):
        values = params[option]
        if values is None:
            continue
        if not 1 <= len(values) <= 5:
            found.append(f"{option}: one to five ids, got {len(values)}")
        found += [f"{option}: {value!r} is not an id like {example}" for value in values if not pattern.match(value)]
    for option in ("source_role_arn", "target_role_arn"):
        if params[option] and not ROLE_ARN.match(params[option]):
            found.append(f"{option}: {params[option]!r} is not an IAM role ARN")
    if params["log_group_arn"] and not LOG_GROUP_ARN.match(params["log_group_arn"]):
        found.append(f"log_group_arn: {params['log_group_arn']!r} is not a CloudWatch Logs log group ARN ending in ':*'")
    if params["scrape_configuration"] is not None:
        found += scrape_configuration_problems(params["scrape_configuration"])
    if params["state"] == "present" and not (params["workspace_id"] or params["workspace_alias"]):
        found.append("workspace_alias: the workspace the scraper writes to (workspace_id or workspace_alias) is required")
    return found + wait_problems(params)


class Scrapers:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.what = f"scraper {self.params['alias']}"
        self.changed = False

    def find(self):
        found = find_scrapers(self.client, self.params["alias"])
        if len(found) > 1:
            ids = ", ".join(s["scraperId"] for s in found)
            raise AmpError(f"alias: {self.params['alias']!r} matches {len(found)} scrapers ({ids}); AMP does not keep "
                           "aliases unique - delete the extra ones or give them other aliases")
        return found[0] if found else None

    def wait(self, scraper_id, until="active"):
        return wait_for(lambda: describe_scraper(self.client, scraper_id), self.what, self.params["wait_timeout"], until=until)

    def check_source(self, current):
        for option, have in source_conflicts(scraper_view(current), self.params):
            raise AmpError(f"{option}: {self.what} scrapes {have}; AMP cannot change a scraper's source - delete it "
                           "(state=absent) and create it again")

    def desired_updates(self, current, workspace_arn):
        """UpdateScraper's request, as scraper_settings decides (the write gate's code too)."""
        differing = settings_to_update(scraper_view(current), self.params, workspace_arn)
        updates = {}
        if "scrape_configuration" in differing:
            updates["scrapeConfiguration"] = {"configurationBlob": self.params["scrape_configuration"].encode("utf-8")}
        if "destination" in differing:
            updates["destination"] = {"ampConfiguration": {"workspaceArn": workspace_arn}}
        if "role_configuration" in differing:
            updates["roleConfiguration"] = dict(current.get("roleConfiguration") or {}, **{
                key: self.params[option] for option, key in ROLE_OPTIONS if self.params[option] is not None})
        return updates

    def create(self, workspace_arn, replaced=None):
        params = self.params
        if not params["cluster_arn"] or not params["subnet_ids"]:
            raise AmpError(f"cluster_arn: the cluster (cluster_arn and subnet_ids) is required to create {self.what}")
        text = params["scrape_configuration"]
        if text is None:
            blob = amp_call(self.client.get_default_scraper_configuration, "get AMP's default scraper configuration")["configuration"]
            text = configuration_text(blob)
        eks = {"clusterArn": params["cluster_arn"], "subnetIds": params["subnet_ids"]}
        if params["security_group_ids"]:
            eks["securityGroupIds"] = params["security_group_ids"]
        request = {"alias": params["alias"], "source": {"eksConfiguration": eks},
                   "scrapeConfiguration": {"configurationBlob": text.encode("utf-8")},
                   "destination": {"ampConfiguration": {"workspaceArn": workspace_arn}}}
        roles = {key: params[option] for option, key in (("source_role_arn", "sourceRoleArn"), ("target_role_arn", "targetRoleArn"))
                 if params[option]}
        if roles:
            request["roleConfiguration"] = roles
        if params["tags"]:
            request["tags"] = params["tags"]
        if self.module.check_mode:
            predicted = dict(request, scraperId="", arn="", roleArn="", status={"statusCode": "CREATING"}, tags=params["tags"] or {})
            predicted["scrapeConfiguration"] = {"configurationBlob": base64.b64encode(text.encode("utf-8")).decode()}
            return predicted
        created = create_once(self.client.create_scraper, lambda scraper_id: describe_scraper(self.client, scraper_id),
                              request, "scraperId", self.what, replaced)
        return self.wait(created["scraperId"]) if params["wait"] else describe_scraper(self.client, created["scraperId"])

    def sync_tags(self, current):
        tags = sync_tags(self.client, current["arn"], current.get("tags"), self.params["tags"], self.params["purge_tags"],
                         self.what, self.module.check_mode)
        if tags is None:
            return current
        self.changed = True
        return dict(current, tags=tags)

    def outcome(self, before, after, logging=None):
        shown = ("alias", "cluster_arn", "subnet_ids", "security_group_ids", "workspace_arn", "scrape_configuration",
                 "source_role_arn", "target_role_arn", "tags")
        diff = {"before": {k: v for k, v in scraper_view(before).items() if k in shown},
                "after": {k: v for k, v in scraper_view(after).items() if k in shown}}
        return Outcome(self.changed, scraper_view(before), scraper_view(after, logging), diff)

    def ensure_present(self):
        params = self.params
        workspace = require_workspace(self.client, params["workspace_id"], params["workspace_alias"])
        current = self.find()
        if current and status_of(current)[0] in BUSY_STATUSES and params["wait"]:
            current = self.wait(current["scraperId"], until="settled")
        code, reason = status_of(current)
        if code == "DELETION_FAILED":
            raise AmpError(f"{self.what} is DELETION_FAILED: {reason or 'AMP gave no statusReason'}; delete it again (state=absent)")
        if code == "DELETING":
            raise AmpError(f"{self.what} is being deleted; run again once it is gone")
        before = current
        replaced = None
        if code == "CREATION_FAILED":  # it never ran: replace it, as with a failed workspace
            self.changed = True
            if not self.module.check_mode:
                self.delete(current)
            current, replaced = None, current["scraperId"]
        if current is None:
            self.changed = True
            after = self.create(workspace["arn"], replaced)
        else:
            self.check_source(current)
            updates = self.desired_updates(current, workspace["arn"])
            after = current
            if updates or code == "UPDATE_FAILED":
                self.changed = True
                # A failed update is sent again, so the failure is not hidden behind "no change".
                updates = updates or {"scrapeConfiguration": current["scrapeConfiguration"]}
                if self.module.check_mode:
                    after = dict(current, status={"statusCode": "UPDATING"}, **updates)
                else:
                    scraper_id = current["scraperId"]
                    retry_on_conflict(lambda: amp_call(self.client.update_scraper, f"update {self.what}", scraperId=scraper_id,
                                                       **updates),
                                      lambda: describe_scraper(self.client, scraper_id), self.what)
                    after = self.wait(scraper_id) if params["wait"] else describe_scraper(self.client, scraper_id)
            after = self.sync_tags(after)
        return self.outcome(before, after, self.ensure_logging(after))

    def ensure_logging(self, scraper):
        wanted = self.params["log_group_arn"]
        if wanted is None:
            return None
        scraper_id = scraper.get("scraperId")
        current = describe_scraper_logging(self.client, scraper_id) if scraper_id else None
        have = ((current or {}).get("loggingDestination") or {}).get("cloudWatchLogs", {}).get("logGroupArn")
        if (wanted == "" and current is None) or (wanted and have == wanted and status_of(current)[0] not in ("CREATION_FAILED", "UPDATE_FAILED")):
            return current or {}
        self.changed = True
        if self.module.check_mode:
            return {"loggingDestination": {"cloudWatchLogs": {"logGroupArn": wanted}}, "status": {"statusCode": "UPDATING"}} if wanted else {}
        what = f"the logging configuration of {self.what}"

        def describe():
            return describe_scraper_logging(self.client, scraper_id)

        if wanted == "":
            amp_delete(self.client.delete_scraper_logging_configuration, f"delete {what}", scraperId=scraper_id)
            if self.params["wait"]:
                wait_for(describe, what, self.params["wait_timeout"], until="gone")
            return {}
        retry_on_conflict(lambda: amp_call(self.client.update_scraper_logging_configuration, f"update {what}", scraperId=scraper_id,
                                           loggingDestination={"cloudWatchLogs": {"logGroupArn": wanted}},
                                           scraperComponents=[{"type": component} for component in COMPONENTS]),
                          describe, what)
        return wait_for(describe, what, self.params["wait_timeout"]) if self.params["wait"] else describe()

    def delete(self, current):
        scraper_id = current["scraperId"]
        if status_of(current)[0] != "DELETING":
            retry_on_conflict(lambda: amp_delete(self.client.delete_scraper, f"delete {self.what}", scraperId=scraper_id),
                              lambda: describe_scraper(self.client, scraper_id), self.what)
        if self.params["wait"]:
            self.wait(scraper_id, until="gone")

    def ensure_absent(self):
        current = self.find()
        if current is None:
            return self.outcome(None, None)
        self.changed = True
        if not self.module.check_mode:
            self.delete(current)
        return self.outcome(current, None)


def main():
    argument_spec = dict(
        alias=dict(type="str", required=True),
        cluster_arn=dict(type="str"),
        subnet_ids=dict(type="list", elements="str"),
        security_group_ids=dict(type="list", elements="str"),
        scrape_configuration=dict(type="str"),
        source_role_arn=dict(type="str"),
        target_role_arn=dict(type="str"),
        log_group_arn=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        **wait_options(),
        **workspace_options(),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, mutually_exclusive=WORKSPACE_MUTUALLY_EXCLUSIVE,
                              supports_check_mode=True)
    fail_on_problems(module, problems(module.params))
    scrapers = Scrapers(module, amp_client(module))
    try:
        outcome = scrapers.ensure_present() if module.params["state"] == "present" else scrapers.ensure_absent()
    except AmpError as e:
        module.fail_json_aws_error(e)

    exit_with(module, outcome, scraper=outcome.after)


if __name__ == "__main__":
    main()
