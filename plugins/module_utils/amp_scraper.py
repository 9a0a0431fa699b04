# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What amp_scraper and amp_scraper_info share: the lookup of scrapers by alias (the view of a scraper and
the comparison of its settings are in scraper_settings, SDK-free, for the write gate too)."""

from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_describe
from ansible_collections.amp.alerting.plugins.module_utils.amp import paginated


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
