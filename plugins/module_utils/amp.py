# -*- coding: utf-8 -*-

# Copyright: amp.alerting contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Shared helpers for the amp.alerting modules: one place for AMP's behaviour.

- ``AmpError`` / ``AmpErrorHandler``: one error path, the amazon.aws way (``errors.AWSErrorHandler``).
  Every AMP call goes through ``amp_call`` / ``amp_describe`` / ``amp_delete`` with its own
  description, so a failure reads "Failed to describe rule groups namespace x of workspace ws-…: <AWS
  error>"; modules end with one ``except AmpError as e: module.fail_json_aws_error(e)``.
- ``amp_client``: the boto3 ``amp`` client, every call retried on throttling and 5xx.
- ``SessionClients``: the clients of a module that reads many services, made from one boto3 session.
- ``describe_workspace`` / ``find_workspace`` / ``require_workspace``: lookup by id or by alias (aliases are not unique).
- ``wait_for``: poll a Describe until a resource is ACTIVE, settled or gone, failing with AMP's
  statusReason on CREATION_FAILED / UPDATE_FAILED and with the last status on timeout.
- ``retry_on_conflict``: AMP answers ConflictException while a resource is busy; wait, then retry.
- ``AmpDocument``: the Create-vs-Put flow (``ensure_present`` / ``ensure_absent``, each an ``Outcome``) shared by rule groups
  namespaces and alertmanager definitions.
- ``signed_workspace_request``: SigV4-signed calls to a workspace's data plane;
  ``alertmanager_api``: its alertmanager API v2 (alerts, silences), JSON in and out.
- From amp_base (no AWS SDK, for the validators and filters): ``AmpError``, ``run_validator``
  (promtool / amtool), ``dump_yaml`` and AMP's quotas, named, in one place.
"""

import hashlib
import json
import re
import time
from collections import namedtuple

from ansible.module_utils.six.moves.urllib.parse import urlencode

try:
    import boto3
    import botocore.config
    import botocore.exceptions
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
except ImportError:
    pass  # Handled by AnsibleAWSModule

from ansible.module_utils.six.moves.urllib.error import HTTPError
from ansible.module_utils.urls import open_url

from ansible_collections.amazon.aws.plugins.module_utils.botocore import _get_user_agent_string
from ansible_collections.amazon.aws.plugins.module_utils.botocore import enable_placebo
from ansible_collections.amazon.aws.plugins.module_utils.botocore import get_aws_connection_info
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.exceptions import is_ansible_aws_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

from ansible_collections.amp.alerting.plugins.module_utils.amp_base import AmpError
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import FAILED_STATUSES
# (kept importable from here: the modules' shared helper)
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import endpoints  # noqa: F401 pylint: disable=unused-import
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import status_of
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import status_view  # noqa: F401 pylint: disable=unused-import
from ansible_collections.amp.alerting.plugins.module_utils.amp_base import workspace_view  # noqa: F401 pylint: disable=unused-import

# AMP's own error codes for throttling and server faults, on top of the ones AWSRetry knows.
AMP_RETRY_CODES = ["ThrottlingException", "InternalServerException", "ServiceUnavailableException"]
BUSY_STATUSES = ("CREATING", "UPDATING", "DELETING")
POLL_INTERVAL = 2  # seconds between Describe calls while waiting, after a quicker start
FIRST_POLL_INTERVAL = 0.5  # most changes settle within seconds: look early, then back off
# How long a ConflictException (resource busy) is waited out before giving up.
CONFLICT_TIMEOUT = 300


class AmpErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AmpError

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("ResourceNotFoundException")


def amp_call(method, description, **kwargs):
    """One AMP call (retried on throttling and 5xx); a failure raises AmpError "Failed to <description>"."""
    return AmpErrorHandler.common_error_handler(description)(method)(aws_retry=True, **kwargs)


def amp_describe(method, description, **kwargs):
    """A Describe call; None when AMP says the resource does not exist."""
    return AmpErrorHandler.list_error_handler(description)(method)(aws_retry=True, **kwargs)


def amp_delete(method, description, **kwargs):
    """A Delete call; False when the resource is already gone."""
    return AmpErrorHandler.deletion_error_handler(description)(method)(aws_retry=True, **kwargs)


def warn(module, message):
    """The plain AnsibleModule.warn: amazon.aws 10.1.2's wrapper also copies warnings into the result,
    which ansible-core 2.19 reports as a deprecation on every run."""
    module._module.warn(message)  # pylint: disable=protected-access


def amp_client(module):
    return module.client("amp", retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=AMP_RETRY_CODES))


class SessionClients:
    """One client a service and region, all from one boto3 session, each call retried (AMP's codes too for amp).

    amazon.aws' module.client() opens a new boto3 session for every client, and every new session parses
    botocore's endpoint rules and the service's model again: about 60 ms of CPU a client. chain_info reads a
    dozen services (and a region of their own for resources named by ARN), so its clients share one session,
    which parses each model once. The connection settings are module.client()'s: get_aws_connection_info
    (keys or profile, endpoint_url, validate_certs, aws_config) and amazon.aws' user agent.
    """

    def __init__(self, module):
        self.module = module
        self.region, self.endpoint_url, connect = get_aws_connection_info(module)
        self.config = botocore.config.Config(user_agent=_get_user_agent_string())
        if connect.get("aws_config"):
            self.config = self.config.merge(connect["aws_config"])
        self.connect = {key: connect[key] for key in ("aws_access_key_id", "aws_secret_access_key", "aws_session_token", "verify")
                        if key in connect}
        self.profile = connect.get("profile_name")
        self.session = None
        self.clients = {}

    def __call__(self, service, region=None):
        """The client of SERVICE in REGION (None: the module's region)."""
        region = region or self.region
        if (service, region) not in self.clients:
            if self.session is None:
                try:
                    self.session = boto3.session.Session(profile_name=self.profile)
                except botocore.exceptions.BotoCoreError as e:  # an unknown profile
                    self.module.fail_json_aws(e, msg="Couldn't connect to AWS")
                enable_placebo(self.session)
            extra = AMP_RETRY_CODES if service == "amp" else None
            try:
                client = self.session.client(service, config=self.config, region_name=region, endpoint_url=self.endpoint_url,
                                             **self.connect)
            except (ValueError, botocore.exceptions.BotoCoreError) as e:
                self.module.fail_json_aws(e, msg="Couldn't connect to AWS")
            self.clients[service, region] = RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff(catch_extra_error_codes=extra))
        return self.clients[service, region]


def paginated(method, description, key, **request):
    """Every item of a paginated AMP List call (nextToken), as one list."""
    items, token = [], None
    while True:
        page = amp_call(method, description, **(dict(request, nextToken=token) if token else request))
        items += page.get(key) or []
        token = page.get("nextToken")
        if not token:
            return items


def sync_tags(client, arn, current, wanted, purge, what, check_mode):
    """Make an AMP resource's tags WANTED (None: leave them), with the fewest Tag/UntagResource calls.

    Returns the tags after (as predicted in check mode, where nothing is called), or None when they
    already are as wanted.
    """
    if wanted is None:
        return None
    to_set, to_remove = compare_aws_tags(current or {}, wanted, purge)
    if not (to_set or to_remove):
        return None
    if not check_mode:
        if to_remove:
            amp_call(client.untag_resource, f"untag {what}", resourceArn=arn, tagKeys=to_remove)
        if to_set:
            amp_call(client.tag_resource, f"tag {what}", resourceArn=arn, tags=to_set)
    tags = {k: v for k, v in (current or {}).items() if k not in to_remove}
    tags.update(to_set)
    return tags


def poll_delays():
    """0.5 s, 1 s, then every POLL_INTERVAL seconds."""
    delay = FIRST_POLL_INTERVAL
    while True:
        yield delay
        delay = min(delay * 2, POLL_INTERVAL)


def text_of(resource):
    """The ``data`` blob of a described document as text ('' when there is none)."""
    data = (resource or {}).get("data") or b""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data


def describe_workspace(client, workspace_id):
    result = amp_describe(client.describe_workspace, f"describe workspace {workspace_id}", workspaceId=workspace_id)
    return result["workspace"] if result else None


@AWSRetry.jittered_backoff(catch_extra_error_codes=AMP_RETRY_CODES)
def _list_workspaces(client, **filters):
    return client.get_paginator("list_workspaces").paginate(**filters).build_full_result().get("workspaces", [])


def list_workspaces(client, **filters):
    """Every workspace summary (all pages); ``alias`` filters by prefix, as AMP does."""
    what = f"list workspaces with alias prefix {filters['alias']}" if filters.get("alias") else "list workspaces"
    return AmpErrorHandler.common_error_handler(what)(_list_workspaces)(client, **filters)


def workspaces_with_alias(client, alias):
    """Every workspace whose alias is exactly ``alias`` (AMP's filter matches prefixes), DELETING ones aside."""
    return [ws for ws in list_workspaces(client, alias=alias) if ws.get("alias") == alias and status_of(ws)[0] != "DELETING"]


def find_workspace(client, workspace_id=None, alias=None, alias_field="workspace_alias"):
    """The workspace named by id, or else by alias; None when there is none.

    Raises AmpError when the alias matches several workspaces, naming their ids: acting on one of
    them at random would be worse than stopping. ``alias_field`` is the module option the alias came
    from, so the message names it.
    """
    if workspace_id:
        return describe_workspace(client, workspace_id)
    matches = workspaces_with_alias(client, alias)
    if len(matches) > 1:
        ids = ", ".join(sorted(ws["workspaceId"] for ws in matches))
        raise AmpError(
            f"{alias_field} '{alias}' matches {len(matches)} workspaces ({ids}); "
            "AMP aliases are not unique: name the workspace by workspace_id"
        )
    if not matches:
        return None
    # List results are summaries: describe for the full record (endpoint, KMS key).
    return describe_workspace(client, matches[0]["workspaceId"])


def require_workspace(client, workspace_id=None, alias=None):
    """An existing workspace named by id or alias (workspace_id / workspace_alias), or AmpError saying why not."""
    workspace = find_workspace(client, workspace_id, alias)
    if workspace is None:
        what = f"workspace_id '{workspace_id}'" if workspace_id else f"workspace_alias '{alias}'"
        raise AmpError(f"{what} matches no AMP workspace in this account and region")
    return workspace


def wait_for(describe, what, timeout, until="active"):
    """Poll ``describe()`` (the resource dict, or None when it does not exist) until the resource is:

    - ``active``: ACTIVE, returned; *_FAILED raises AmpError with AMP's reason, and so does vanishing;
    - ``settled``: out of CREATING/UPDATING/DELETING, returned whatever its status (None when gone);
    - ``gone``: deleted (None); *_FAILED raises.

    On timeout raises AmpError naming the last status seen.
    """
    deadline = time.monotonic() + timeout
    delays = poll_delays()
    while True:
        resource = describe()
        code, reason = status_of(resource)
        if resource is None:
            if until == "active":
                raise AmpError(f"{what} disappeared while waiting for it to become ACTIVE")
            return None
        if code not in BUSY_STATUSES:
            if until == "settled":
                return resource
            if code in FAILED_STATUSES:
                raise AmpError(f"{what} is {code}: {reason or 'AMP gave no statusReason'}")
            if until == "active":
                if code != "ACTIVE" and code is not None:
                    raise AmpError(f"{what} is {code}")
                return resource
        if time.monotonic() >= deadline:
            goal = {"active": "ACTIVE", "settled": "to settle", "gone": "to be deleted"}[until]
            raise AmpError(f"timed out after {timeout}s waiting for {what} ({goal}); last status seen: {code}")
        time.sleep(next(delays))


def client_token(request, after=None):
    """An idempotency token that only the request (and AFTER, the id of a resource it was answered with
    before) determines: two runs that both found nothing and both create it send the same token, so AMP
    makes one resource, whatever time it is (the token may be at most 64 characters of [!-~])."""
    body = json.dumps([request, after], sort_keys=True, default=lambda value: value.decode("utf-8", "replace"))
    return f"amp-alerting-{hashlib.sha256(body.encode()).hexdigest()[:48]}"


# How many times a create may be answered with a resource deleted since, before the module gives up.
CREATE_GENERATIONS = 5


def create_once(create, describe, request, id_key, what, replaced=None):
    """CREATE(**REQUEST, clientToken=...) made idempotent across runs and across time.

    AMP answers a token it has seen with what it made then - even when that was deleted since (a
    teardown, then a new site.yml with the same inventory). Such an answer (DESCRIBE(id) finds nothing,
    or a resource being deleted) is followed by a create with a token chained on the gone id, which two
    runs derive alike; REPLACED, the id of a failed resource the caller just deleted to make this one,
    starts the chain there. Returns the create call's answer."""
    after = replaced
    for _generation in range(CREATE_GENERATIONS):
        created = amp_call(create, f"create {what}", clientToken=client_token(request, after), **request)
        found = describe(created[id_key])
        if found and status_of(found)[0] != "DELETING":
            return created
        after = created[id_key]
    raise AmpError(f"AMP answered {CREATE_GENERATIONS} creates of {what} with resources deleted since (last {after})")


def retry_on_conflict(call, describe, what, timeout=CONFLICT_TIMEOUT):
    """Run a write ``call()``; on ConflictException (resource busy) wait until it settles and retry."""
    deadline = time.monotonic() + timeout
    delays = poll_delays()
    while True:
        try:
            return call()
        except is_ansible_aws_error_code("ConflictException") as exc:
            status = status_of(describe())[0]
            if status not in BUSY_STATUSES:
                # Not a passing state: waiting would not help.
                raise AmpError(f"AMP refused the change to {what} (status {status})", exception=exc.exception) from exc
            if time.monotonic() >= deadline:
                raise AmpError(f"{what} stayed {status} for {timeout}s; AMP refused the change",
                               exception=exc.exception) from exc
            time.sleep(next(delays))


def workspace_account(workspace):
    """The account id in a workspace's ARN (arn:PARTITION:aps:REGION:ACCOUNT:workspace/ID)."""
    return workspace["arn"].split(":")[4]


def workspace_options():
    """Argument spec entries for modules that act inside a workspace."""
    return dict(workspace_id=dict(type="str"), workspace_alias=dict(type="str"))


def wait_options():
    """Argument spec entries ``wait`` / ``wait_timeout`` (doc fragment amp.alerting.wait)."""
    return dict(wait=dict(type="bool", default=True), wait_timeout=dict(type="int", default=600))


def wait_problems(params):
    """What is wrong with the wait options, each naming its option ([] when nothing is)."""
    return ["wait_timeout: must be zero or more seconds"] if params["wait_timeout"] < 0 else []


# A CloudWatch Logs log group ARN as AMP takes it for its logs and scrapers: with the ':*' suffix.
LOG_GROUP_ARN = re.compile(r"^arn:aws[a-z0-9-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:[A-Za-z0-9.\-_#/]{1,512}:\*$")


WORKSPACE_MUTUALLY_EXCLUSIVE = [("workspace_id", "workspace_alias")]
WORKSPACE_REQUIRED_ONE_OF = [("workspace_id", "workspace_alias")]


class Outcome(namedtuple("Outcome", ["changed", "before", "after", "diff"])):
    """What every writing module's ``ensure_present`` / ``ensure_absent`` returns: whether AWS changed
    (or would, in check mode), the resource as found and as left (what the module returns of it; None
    or {} when there is none), and the ``--diff`` of the change."""

    __slots__ = ()


def fail_on_problems(module, problems):
    """The one argument check of the modules: every problem (``"<option>: <what is wrong>"``) at once,
    before any AWS call."""
    if problems:
        module.fail_json(msg="; ".join(problems))


def exit_with(module, outcome, **result):
    """The one ``main()`` tail of the writing modules: ``changed`` from the outcome, its diff only under
    ``--diff``, and what the module returns of the resource."""
    if module._diff and outcome.diff is not None:
        result["diff"] = outcome.diff
    module.exit_json(changed=outcome.changed, **result)


class AmpDocument:
    """One AMP resource whose content is a YAML document AMP validates asynchronously: a rule groups
    namespace or an alertmanager definition.

    Subclasses say how to describe, create, put and delete it (each call with its own description)
    and what the module returns of it (``fields``). ``ensure_present`` / ``ensure_absent`` are the shared
    flow: Create only when Describe says not found, Put otherwise, ConflictException waited out,
    check mode calling no write API, a diff of the document text.
    """

    what = "document"

    def __init__(self, module, client, workspace_id):
        self.module = module
        self.client = client
        self.workspace_id = workspace_id
        self.check_mode = module.check_mode
        self.wait = module.params["wait"]
        self.wait_timeout = module.params["wait_timeout"]

    def describe(self):
        """The resource dict (with ``data`` bytes and ``status``), or None when it does not exist."""
        raise NotImplementedError

    def create(self, data):
        raise NotImplementedError

    def put(self, data):
        raise NotImplementedError

    def delete(self):
        raise NotImplementedError

    def fields(self, resource, predicted_text):
        """What the module returns of the resource besides workspace_id and status (resource None: predicted)."""
        raise NotImplementedError

    def sync_tags(self, resource):
        """Bring the tags of an existing resource in line; True if they changed (or would). None: no tags."""
        return False

    def view(self, resource, predicted_text):
        result = {"workspace_id": self.workspace_id}
        result.update(status_view(resource) if resource is not None else {"status": None})
        result.update(self.fields(resource, predicted_text))
        return result

    def diff(self, before, after_text):
        return {"before": text_of(before), "after": after_text, "before_header": self.what, "after_header": self.what}

    def ensure_present(self, body, same):
        """Make the document hold ``body`` (bytes); ``same(current_bytes)`` compares semantically.

        A resource left in CREATION_FAILED or UPDATE_FAILED is written again even when its data looks
        the same, so the failure is reported rather than hidden. Returns an Outcome (after: the module's view).
        """
        current = wait_for(self.describe, self.what, self.wait_timeout, until="settled") if self.wait else self.describe()
        code = status_of(current)[0]
        if code == "DELETING":
            raise AmpError(f"{self.what} is being deleted; run again once it is gone")
        text = body.decode("utf-8")
        if current is not None and code not in FAILED_STATUSES and same(current.get("data") or b""):
            changed, after = False, current
        elif self.check_mode:
            changed, after = True, None
        else:
            write = self.create if current is None else self.put
            retry_on_conflict(lambda: write(body), self.describe, self.what)
            after = wait_for(self.describe, self.what, self.wait_timeout) if self.wait else self.describe()
            changed = True
        tags_changed = current is not None and self.sync_tags(after if after is not None else dict(current))
        before = self.view(current, "") if current is not None else None
        return Outcome(changed or tags_changed, before, self.view(after, text),
                       self.diff(current, text if changed else text_of(current)))

    def ensure_absent(self):
        """Delete the document if it exists. Returns an Outcome (after: {})."""
        current = self.describe()
        if current is None:
            return Outcome(False, None, {}, self.diff(None, ""))
        if status_of(current)[0] != "DELETING" and not self.check_mode:
            retry_on_conflict(self.delete, self.describe, self.what)
        if self.wait and not self.check_mode:
            wait_for(self.describe, self.what, self.wait_timeout, until="gone")
        return Outcome(True, self.view(current, ""), {}, self.diff(current, ""))


def signed_workspace_request(module, url, method="GET", payload=None, timeout=30, form=None):
    """Call a workspace's data-plane API (alertmanager, query) with a SigV4 signature (service aps).

    PAYLOAD is sent as JSON, FORM (a mapping) URL-encoded as Prometheus' query API takes it. Returns
    (HTTP status, body text). Uses the module's credentials (keys, profile or the usual chain).
    """
    region, _endpoint_url, connect = get_aws_connection_info(module)
    session = boto3.session.Session(
        aws_access_key_id=connect.get("aws_access_key_id"), aws_secret_access_key=connect.get("aws_secret_access_key"),
        aws_session_token=connect.get("aws_session_token"), profile_name=connect.get("profile_name"), region_name=region)
    credentials = session.get_credentials()
    if credentials is None:
        raise AmpError("no AWS credentials found to sign the request to the workspace")
    if form is not None:
        body, content_type = urlencode(form).encode("utf-8"), "application/x-www-form-urlencoded"
    else:
        body, content_type = (json.dumps(payload).encode("utf-8") if payload is not None else None), "application/json"
    request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": content_type})
    SigV4Auth(credentials.get_frozen_credentials(), "aps", region).add_auth(request)
    try:
        response = open_url(url, data=body, headers=dict(request.headers.items()), method=method, timeout=timeout,
                            validate_certs=connect.get("verify") is not False)
        return response.getcode(), response.read().decode("utf-8", "replace")
    except HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def alertmanager_api(module, workspace, path, description, method="GET", query=None, payload=None):
    """Call the workspace's alertmanager API v2 (AMP's ListAlertManagerAlerts, PutAlertManagerSilences, ...).

    WORKSPACE is a workspace_view; QUERY a list of (name, value) pairs (repeatable, as 'filter' is).
    Returns the decoded JSON answer (None when empty); any answer but 200 (AMP's answer to every one of
    these calls) raises AmpError naming DESCRIPTION, the HTTP status and AMP's message.
    """
    url = workspace["prometheus_endpoint"] + "alertmanager/api/v2/" + path
    if query:
        url += "?" + urlencode(query)
    status, answer = signed_workspace_request(module, url, method=method, payload=payload)
    if status != 200:
        raise AmpError(f"Failed {description} of {workspace['workspace_id']}: the workspace's alertmanager "
                       f"answered HTTP {status}: {answer.strip()[:500]}")
    try:
        return json.loads(answer) if answer.strip() else None
    except ValueError as exc:
        raise AmpError(f"Failed {description} of {workspace['workspace_id']}: the answer is not JSON: {answer[:200]!r}") from exc
