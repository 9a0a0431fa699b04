# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What amp_scraper and amp_scraper_info share: the lookup of scrapers by alias and the module's view
of a described AMP managed scraper (the scrape configuration's check is in preflight, SDK-free)."""

import base64

try:
    import yaml
except ImportError:  # ansible-core depends on PyYAML; this keeps the import sanity test honest
    yaml = None

from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_describe
from ansible_collections.amp.alerting.plugins.module_utils.amp import paginated
from ansible_collections.amp.alerting.plugins.module_utils.amp import status_view


def same_scrape_configuration(blob, text):
    """Whether AMP's configuration blob (bytes, or base64 text) holds the same YAML document as TEXT."""
    if isinstance(blob, str):
        blob = base64.b64decode(blob)
    try:
        return yaml.safe_load((blob or b"").decode("utf-8")) == yaml.safe_load(text)
    except (yaml.YAMLError, UnicodeDecodeError):
        return False


def configuration_text(blob):
    if isinstance(blob, str):
        blob = base64.b64decode(blob)
    return (blob or b"").decode("utf-8", "replace")


def find_scrapers(client, alias, destination_arn=None):
    """Every scraper with exactly ALIAS (AMP does not keep aliases unique) and, with DESTINATION_ARN,
    writing to that workspace, described. ListScrapers filters on both (API_ListScrapers: alias,
    destinationArn), so only the scrapers asked for are described."""
    filters = dict(({"alias": [alias]} if alias else {}), **({"destinationArn": [destination_arn]} if destination_arn else {}))
    summaries = paginated(client.list_scrapers, "list scrapers", "scrapers", **({"filters": filters} if filters else {}))
    found = []
    for summary in summaries:
        if alias and summary.get("alias") != alias:
            continue
        if destination_arn and ((summary.get("destination") or {}).get("ampConfiguration") or {}).get("workspaceArn") != destination_arn:
            continue
        described = describe_scraper(client, summary["scraperId"])
        if described:
            found.append(described)
    return sorted(found, key=lambda s: (s.get("alias") or "", s["scraperId"]))


def describe_scraper(client, scraper_id):
    result = amp_describe(client.describe_scraper, f"describe scraper {scraper_id}", scraperId=scraper_id)
    if not result:
        return None
    scraper = result["scraper"]
    # AMP gives the statusReason beside the status; the shared status helpers read it inside
    if scraper.get("statusReason"):
        scraper["status"] = dict(scraper["status"], statusReason=scraper["statusReason"])
    return scraper


def describe_scraper_logging(client, scraper_id):
    result = amp_describe(client.describe_scraper_logging_configuration, f"describe the logging configuration of scraper {scraper_id}",
                          scraperId=scraper_id)
    return result or None


def scraper_view(scraper, logging=None):
    """A described scraper as the modules return it."""
    if not scraper:
        return {}
    eks = (scraper.get("source") or {}).get("eksConfiguration") or {}
    roles = scraper.get("roleConfiguration") or {}
    result = {
        "scraper_id": scraper.get("scraperId", ""), "arn": scraper.get("arn", ""), "alias": scraper.get("alias"),
        "role_arn": scraper.get("roleArn", ""), "cluster_arn": eks.get("clusterArn"),
        "subnet_ids": sorted(eks.get("subnetIds") or []), "security_group_ids": sorted(eks.get("securityGroupIds") or []),
        "workspace_arn": ((scraper.get("destination") or {}).get("ampConfiguration") or {}).get("workspaceArn"),
        "scrape_configuration": configuration_text((scraper.get("scrapeConfiguration") or {}).get("configurationBlob")),
        "source_role_arn": roles.get("sourceRoleArn"), "target_role_arn": roles.get("targetRoleArn"),
        "tags": dict(scraper.get("tags") or {}),
    }
    result.update(status_view(scraper))
    if logging is not None:
        destination = (logging.get("loggingDestination") or {}).get("cloudWatchLogs") or {}
        result["logging"] = {"log_group_arn": destination.get("logGroupArn"), **status_view(logging)} if logging else None
    return result
