#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: amp_scraper_info
version_added: 0.2.0
short_description: List AMP managed scrapers
description:
  - Lists the Amazon Managed Service for Prometheus managed scrapers of the account and region, each
    described (source, destination workspace, scrape configuration, IAM role, status and AMP's
    statusReason) in the shape M(amp.alerting.amp_scraper) returns.
  - Read only - it calls ListScrapers and DescribeScraper, nothing else.
author:
  - amp.alerting maintainers (@amp-alerting)
options:
  alias:
    description:
      - Only the scrapers with this alias (exactly).
    type: str
  destination_workspace_arn:
    description:
      - Only the scrapers writing to this workspace. AMP filters the list itself, so the other
        scrapers of the account are not described (one DescribeScraper per scraper returned).
    type: str
    version_added: 0.3.0
notes:
  - Supports check mode (it changes nothing either way).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The IAM roles of the scrapers, for the clusters' access entries
  amp.alerting.amp_scraper_info:
  register: scrapers

- name: Show them
  ansible.builtin.debug:
    msg: "{{ scrapers.scrapers | items2dict(key_name='cluster_arn', value_name='role_arn') }}"
"""

RETURN = r"""
scrapers:
  description: The scrapers, ordered by alias, as M(amp.alerting.amp_scraper) returns one.
  returned: always
  type: list
  elements: dict
  sample: [{"alias": "prod-eks", "scraper_id": "s-0123", "status": "ACTIVE", "role_arn": "arn:aws:iam::123456789012:role/..."}]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.amp.alerting.plugins.module_utils.amp import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp import amp_client
from ansible_collections.amp.alerting.plugins.module_utils.amp_scraper import find_scrapers
from ansible_collections.amp.alerting.plugins.module_utils.scraper_settings import scraper_view


def main():
    module = AnsibleAWSModule(argument_spec=dict(alias=dict(type="str"), destination_workspace_arn=dict(type="str")),
                              supports_check_mode=True)
    try:
        found = find_scrapers(amp_client(module), module.params["alias"], module.params["destination_workspace_arn"])
        scrapers = [scraper_view(scraper) for scraper in found]
    except AmpError as e:
        module.fail_json_aws_error(e)
    module.exit_json(changed=False, scrapers=scrapers)


if __name__ == "__main__":
    main()
