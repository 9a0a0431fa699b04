# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A managed scraper's settings as amp.alerting.amp_scraper compares them - its source, scrape configuration,
destination, roles and tags - and the view it returns of a scraper. One piece of code for the module, for
chain_info's read and for the workspace role's write gate (gates.scraper_differs), so that the gate and the
module cannot disagree. No AWS SDK: the gates run in every task's worker."""

import base64

try:
    import yaml
except ImportError:  # ansible-core depends on PyYAML; this keeps the import sanity test honest
    yaml = None

from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.amp.alerting.plugins.module_utils.amp_base import status_view

# What AMP cannot change on a scraper (UpdateScraper takes none of them): a scraper scraping another cluster
# is deleted and made again.
SOURCE_OPTIONS = ("cluster_arn", "subnet_ids", "security_group_ids")
ROLE_OPTIONS = (("source_role_arn", "sourceRoleArn"), ("target_role_arn", "targetRoleArn"))


def configuration_text(blob):
    """A scrape configuration blob (bytes, or base64 text as JSON gives it) as text."""
    if isinstance(blob, str):
        blob = base64.b64decode(blob)
    return (blob or b"").decode("utf-8", "replace")


def same_configuration_text(have, text):
    """Whether the scrape configurations HAVE and TEXT (both text) are the same YAML document."""
    try:
        return yaml.safe_load(have) == yaml.safe_load(text)
    except yaml.YAMLError:
        return False


def scraper_view(scraper, logging=None):
    """A scraper as the modules return it: described (DescribeScraper), or summarised (ListScrapers, which
    leaves its scrape configuration out: ``scrape_configuration`` is then None, not known)."""
    if not scraper:
        return {}
    eks = (scraper.get("source") or {}).get("eksConfiguration") or {}
    roles = scraper.get("roleConfiguration") or {}
    described = "scrapeConfiguration" in scraper
    result = {
        "scraper_id": scraper.get("scraperId", ""), "arn": scraper.get("arn", ""), "alias": scraper.get("alias"),
        "role_arn": scraper.get("roleArn", ""), "cluster_arn": eks.get("clusterArn"),
        "subnet_ids": sorted(eks.get("subnetIds") or []), "security_group_ids": sorted(eks.get("securityGroupIds") or []),
        "workspace_arn": ((scraper.get("destination") or {}).get("ampConfiguration") or {}).get("workspaceArn"),
        "scrape_configuration": (configuration_text((scraper.get("scrapeConfiguration") or {}).get("configurationBlob"))
                                 if described else None),
        "source_role_arn": roles.get("sourceRoleArn"), "target_role_arn": roles.get("targetRoleArn"),
        "tags": dict(scraper.get("tags") or {}),
    }
    # AMP gives the statusReason beside the status (summaries and descriptions alike)
    result.update(status_view(dict(scraper, status=dict(scraper.get("status") or {}, **(
        {"statusReason": scraper["statusReason"]} if scraper.get("statusReason") else {})))))
    if logging is not None:
        destination = (logging.get("loggingDestination") or {}).get("cloudWatchLogs") or {}
        result["logging"] = {"log_group_arn": destination.get("logGroupArn"), **status_view(logging)} if logging else None
    return result


def source_conflicts(view, wanted):
    """The source options WANTED gives (cluster_arn, subnet_ids, security_group_ids; None: not given) that the
    scraper VIEW does not have, each (option, what it has): AMP cannot change them."""
    conflicts = []
    for option in SOURCE_OPTIONS:
        asked, have = wanted.get(option), view.get(option)
        if asked is None:
            continue
        if (sorted(asked) != sorted(have or [])) if isinstance(asked, list) else asked != have:
            conflicts.append((option, have))
    return conflicts


def settings_to_update(view, wanted, workspace_arn):
    """What UpdateScraper must change for the scraper VIEW to be WANTED (scrape_configuration - text, None: not
    given -, source_role_arn, target_role_arn) writing to WORKSPACE_ARN: a set of ``scrape_configuration``,
    ``destination``, ``role_configuration``. A configuration to compare with a view that has none (a
    summary) raises ValueError: the caller read too little."""
    updates = set()
    text = wanted.get("scrape_configuration")
    if text is not None:
        if view.get("scrape_configuration") is None:
            raise ValueError(f"scraper {view.get('alias')}: its scrape configuration was not read (DescribeScraper)")
        if not same_configuration_text(view["scrape_configuration"], text):
            updates.add("scrape_configuration")
    if view.get("workspace_arn") != workspace_arn:
        updates.add("destination")
    roles = {option: wanted[option] for option, _key in ROLE_OPTIONS if wanted.get(option) is not None}
    if roles and any(view.get(option) != value for option, value in roles.items()):
        updates.add("role_configuration")
    return updates


def tags_differ(view, tags, purge_tags=True):
    """Whether the scraper VIEW's tags are not TAGS (None: left alone), as the module's sync_tags decides."""
    if tags is None:
        return False
    to_set, to_remove = compare_aws_tags(view.get("tags") or {}, tags, purge_tags)
    return bool(to_set or to_remove)
