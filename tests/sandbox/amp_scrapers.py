"""AMP's managed scrapers in the sandbox: the service-linked role, the source UpdateScraper cannot change,
statuses with injectable failures, the scrape configuration checked as YAML. It scrapes nothing."""

import base64
import uuid

import yaml
from moto.core.utils import unix_time

from .amp_lifecycle import GONE, Lifecycle, NotFound, ValidationException, _require_idle
from .amp_workspaces import QUERY_LOG_GROUP_ARN
from .settings import SETTINGS


# The configuration GetDefaultScraperConfiguration answers with: the shape of AMP's default (global
# scrape settings and Kubernetes service discovery jobs), shortened.
DEFAULT_SCRAPE_CONFIGURATION = b"""global:
  scrape_interval: 30s
scrape_configs:
  - job_name: pod_exporter
    kubernetes_sd_configs:
      - role: pod
  - job_name: cadvisor
    scheme: https
    authorization:
      type: Bearer
      credentials_file: /var/run/secrets/kubernetes.io/serviceaccount/token
    kubernetes_sd_configs:
      - role: node
"""


def _scrape_configuration_problem(blob):
    try:
        document = yaml.safe_load(base64.b64decode(blob or b"").decode("utf-8"))
    except (ValueError, yaml.YAMLError, UnicodeDecodeError) as exc:
        return f"scrapeConfiguration is not valid YAML: {exc}"
    if not isinstance(document, dict) or not isinstance(document.get("scrape_configs"), list) or not document["scrape_configs"]:
        return "scrapeConfiguration must have at least one scrape_configs entry"
    return None


class Scraper:
    def __init__(self, account_id, region, body, tag_fn):
        self.scraper_id = f"s-{uuid.uuid4()}"
        self.arn = f"arn:aws:aps:{region}:{account_id}:scraper/{self.scraper_id}"
        # AMP makes one service-linked role per scraper, named after it
        self.role_arn = (f"arn:aws:iam::{account_id}:role/aws-service-role/scraper.aps.amazonaws.com/"
                         f"AWSServiceRoleForAmazonPrometheusScraper_{self.scraper_id[2:14]}")
        self.body = {key: body[key] for key in ("alias", "scrapeConfiguration", "source", "destination", "roleConfiguration")
                     if key in body}
        self.created_at = self.modified_at = unix_time()
        self.lifecycle = Lifecycle()
        self.logging = None  # (dict, Lifecycle)
        self._tags = tag_fn

    def summary(self):
        status = self.lifecycle.as_dict()
        result = {key: value for key, value in self.body.items() if key != "scrapeConfiguration"}
        result.update(scraperId=self.scraper_id, arn=self.arn, roleArn=self.role_arn, status={"statusCode": status["statusCode"]},
                      createdAt=self.created_at, lastModifiedAt=self.modified_at, tags=self._tags(self.arn))
        if "statusReason" in status:
            result["statusReason"] = status["statusReason"]
        return result

    def to_dict(self):
        result = self.summary()
        result["scrapeConfiguration"] = self.body["scrapeConfiguration"]
        return result


class ScrapersApi:
    """The scraper calls of the AMP backend."""

    def _scraper(self, scraper_id):
        self._settle_scrapers()
        scrapers = self.__dict__.setdefault("scrapers", {})
        if scraper_id not in scrapers:
            raise NotFound("Scraper", scraper_id, "AWS::APS::Scraper")
        return scrapers[scraper_id]

    def _settle_scrapers(self):
        scrapers = self.__dict__.setdefault("scrapers", {})
        for scraper_id, scraper in list(scrapers.items()):
            if scraper.lifecycle.gone:
                del scrapers[scraper_id]
            elif scraper.logging and scraper.logging[1].gone:
                scraper.logging = None

    def create_scraper(self, body):
        client_token = body.pop("clientToken", None)
        return self._idempotent_create("SCRAPER", client_token, body, lambda: self._create_scraper(body),
                                       lambda scraper: scraper.scraper_id)

    def _create_scraper(self, body):
        problem = _scrape_configuration_problem((body.get("scrapeConfiguration") or {}).get("configurationBlob"))
        if problem:
            raise ValidationException(problem, "scrapeConfiguration")
        workspace_arn = ((body.get("destination") or {}).get("ampConfiguration") or {}).get("workspaceArn", "")
        workspace_id = workspace_arn.rsplit("/", 1)[-1]
        if workspace_id not in self.workspaces:
            raise ValidationException(f"destination workspace {workspace_arn} not found", "destination")
        scraper = Scraper(self.account_id, self.region_name, body, self.list_tags_for_resource)
        self.__dict__.setdefault("scrapers", {})[scraper.scraper_id] = scraper
        self.tag_resource(scraper.arn, body.get("tags") or {})
        failed = SETTINGS.take_async_failure("CreateScraper")
        scraper.lifecycle.start("CREATING", "CREATION_FAILED" if failed else "ACTIVE",
                                "injected CreateScraper failure (sandbox fault injection)" if failed else None)
        return scraper

    def update_scraper(self, scraper_id, body):
        scraper = self._scraper(scraper_id)
        _require_idle(scraper.lifecycle, scraper_id, "AWS::APS::Scraper")
        if "scrapeConfiguration" in body:
            problem = _scrape_configuration_problem(body["scrapeConfiguration"].get("configurationBlob"))
            if problem:
                raise ValidationException(problem, "scrapeConfiguration")
        previous = dict(scraper.body)
        scraper.body.update({key: body[key] for key in ("alias", "scrapeConfiguration", "destination", "roleConfiguration")
                             if key in body})
        scraper.modified_at = unix_time()
        failed = SETTINGS.take_async_failure("UpdateScraper")

        def settle(outcome):
            if outcome == "UPDATE_FAILED":
                scraper.body = previous

        scraper.lifecycle.start("UPDATING", "UPDATE_FAILED" if failed else "ACTIVE",
                                "injected UpdateScraper failure (sandbox fault injection)" if failed else None, settle)
        return scraper

    def describe_scraper(self, scraper_id):
        return self._scraper(scraper_id)

    def delete_scraper(self, scraper_id):
        scraper = self._scraper(scraper_id)
        _require_idle(scraper.lifecycle, scraper_id, "AWS::APS::Scraper")
        if SETTINGS.take_async_failure("DeleteScraper"):
            scraper.lifecycle.start("DELETING", "DELETION_FAILED", "injected DeleteScraper failure (sandbox fault injection)")
        else:
            scraper.lifecycle.start("DELETING", GONE)

    def list_scrapers(self, filters):
        self._settle_scrapers()
        found = []
        for scraper in self.__dict__.setdefault("scrapers", {}).values():
            summary = scraper.summary()
            values = {"alias": summary.get("alias"), "status": summary["status"]["statusCode"],
                      "sourceArn": ((summary.get("source") or {}).get("eksConfiguration") or {}).get("clusterArn"),
                      "destinationArn": ((summary.get("destination") or {}).get("ampConfiguration") or {}).get("workspaceArn")}
            if all(values.get(key) in wanted for key, wanted in (filters or {}).items()):
                found.append(summary)
        return found

    def update_scraper_logging_configuration(self, scraper_id, body):
        scraper = self._scraper(scraper_id)
        log_group_arn = ((body.get("loggingDestination") or {}).get("cloudWatchLogs") or {}).get("logGroupArn", "")
        if not QUERY_LOG_GROUP_ARN.match(log_group_arn):
            raise ValidationException("logGroupArn must be a CloudWatch Logs log group ARN ending in ':*'",
                                      "loggingDestination.cloudWatchLogs.logGroupArn")
        config = {"loggingDestination": body["loggingDestination"],
                  "scraperComponents": body.get("scraperComponents") or [], "modifiedAt": unix_time()}
        if scraper.logging:
            _require_idle(scraper.logging[1], scraper_id, "AWS::APS::ScraperLoggingConfiguration")
            scraper.logging = (config, scraper.logging[1])
            scraper.logging[1].start("UPDATING", "ACTIVE")
        else:
            scraper.logging = (config, Lifecycle())
            scraper.logging[1].start("CREATING", "ACTIVE")
        return scraper.logging[1].as_dict()

    def describe_scraper_logging_configuration(self, scraper_id):
        scraper = self._scraper(scraper_id)
        if scraper.logging is None:
            raise NotFound("Scraper logging configuration", scraper_id, "AWS::APS::ScraperLoggingConfiguration")
        config, lifecycle = scraper.logging
        return dict(config, scraperId=scraper_id, status=lifecycle.as_dict())

    def delete_scraper_logging_configuration(self, scraper_id):
        scraper = self._scraper(scraper_id)
        if scraper.logging is None:
            raise NotFound("Scraper logging configuration", scraper_id, "AWS::APS::ScraperLoggingConfiguration")
        scraper.logging[1].start("DELETING", GONE)
