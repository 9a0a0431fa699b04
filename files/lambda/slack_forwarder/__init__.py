"""Forward Amazon Managed Service for Prometheus (AMP) alerts from SNS to Slack. Standard library only.

Lambda handler: ``slack_forwarder.handler.forward_alerts_to_slack``.

- ``parsing``: the alerts in one SNS message (our JSON template, AMP's default text, or anything else);
- ``blocks``: the Slack message (Block Kit within Slack's limits, with a top-level text);
- ``delivery``: posting to an incoming webhook, retried within the function's time budget;
- ``slack_api``: Slack's Web API (chat.postMessage, chat.update) for Slack app destinations;
- ``app_mode``: a Slack app destination: one thread per alert group, the first message updated on resolve;
- ``state``: what app mode remembers in DynamoDB (conditional writes: no duplicate posts);
- ``aws``: SSM and DynamoDB calls signed with SigV4 by hand (no boto3: fast cold start);
- ``handler``: the Lambda entry point, settings, the destination cache, one log line per record.

Environment:
  SLACK_WEBHOOK_SSM_PARAMETER  name of an SSM SecureString holding the webhook URL (preferred)
  SLACK_WEBHOOK_URL            the webhook URL itself (simple setups)
  SLACK_DESTINATION_SSM_PREFIX, SLACK_DESTINATIONS   more channels: a record whose SNS message attribute
                               'destination' names one of SLACK_DESTINATIONS (comma-separated) is posted
                               with the webhook in SSM parameter <prefix><name>; a parameter holding
                               JSON {"token": "xoxb-…", "channel": "C…"} is a Slack app (threads)
  SLACK_STATE_TABLE            DynamoDB table (hash key pk, TTL expires_at): Slack app threads and deliveries,
                               and Slack's rate limit shared by all invocations
  SLACK_API_URL                Slack's Web API (default https://slack.com/api/; a stand-in in tests)
  SLACK_ALLOWED_HOSTS          hosts besides hooks.slack.com and slack.com it may post to (a stand-in; unset in production)
  SLACK_CHANNEL, SLACK_USERNAME, SLACK_ICON_EMOJI, SLACK_ICON_URL   optional (legacy webhooks only)
  SLACK_TIMEOUT_SECONDS        per-request timeout (default 10)
  SLACK_MAX_ATTEMPTS           a cap on attempts per record (default: none, retried while the invocation has time)
"""

from .aws import sigv4_headers
from .aws import ssm_get_parameter
from .blocks import build_slack_message
from .delivery import ForwardError
from .delivery import SlackRejected
from .delivery import deliver
from .handler import forward_alerts_to_slack
from .handler import forward_record
from .handler import webhook_url
from .parsing import parse_notification

__all__ = ["ForwardError", "SlackRejected", "build_slack_message", "deliver", "forward_alerts_to_slack",
           "forward_record", "parse_notification", "sigv4_headers", "ssm_get_parameter", "webhook_url"]
