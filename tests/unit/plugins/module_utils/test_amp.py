"""The shared AMP helper: waiting, conflicts, lookups."""

import pytest
from botocore.exceptions import ClientError

from ansible_collections.amp.alerting.plugins.module_utils import amp


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch):
    slept = []
    monkeypatch.setattr(amp.time, "sleep", slept.append)
    return slept


def sequence(*items):
    items = list(items)
    return lambda: items.pop(0)


def conflict():
    return ClientError({"Error": {"Code": "ConflictException", "Message": "busy"}}, "PutRuleGroupsNamespace")


def test_wait_returns_the_active_resource(no_sleep):
    active = {"status": {"statusCode": "ACTIVE"}}
    assert amp.wait_for(sequence({"status": {"statusCode": "UPDATING"}}, active), "namespace x", 60) is active
    assert no_sleep == [amp.FIRST_POLL_INTERVAL]


def test_update_failed_carries_amps_reason():
    failed = {"status": {"statusCode": "UPDATE_FAILED", "statusReason": "rules.yml: 5:11: parse error"}}
    with pytest.raises(amp.AmpError, match=r"namespace x is UPDATE_FAILED: rules.yml: 5:11: parse error"):
        amp.wait_for(sequence(failed), "namespace x", 60)


def test_wait_for_deletion_ends_when_gone():
    assert amp.wait_for(sequence({"status": {"statusCode": "DELETING"}}, None), "workspace w", 60, until="gone") is None


def test_vanishing_resource_is_an_error():
    with pytest.raises(amp.AmpError, match="disappeared"):
        amp.wait_for(sequence(None), "definition", 60)


def test_conflict_is_retried_while_busy(no_sleep):
    calls = []

    def put(**_kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise conflict()
        return "ok"

    def call():
        return amp.amp_call(put, "put namespace x")

    assert amp.retry_on_conflict(call, sequence({"status": {"statusCode": "UPDATING"}}), "namespace x") == "ok"
    assert len(calls) == 2 and no_sleep == [amp.FIRST_POLL_INTERVAL]


def test_conflict_on_an_idle_resource_is_reported_at_once():
    def put(**_kwargs):
        raise conflict()

    with pytest.raises(amp.AmpError, match="refused the change to namespace x .status ACTIVE.") as excinfo:
        amp.retry_on_conflict(lambda: amp.amp_call(put, "put namespace x"), sequence({"status": {"statusCode": "ACTIVE"}}),
                              "namespace x")
    assert excinfo.value.exception.response["Error"]["Code"] == "ConflictException"  # fail_json_aws shows AWS's error


def test_endpoints_from_prometheus_endpoint():
    urls = amp.endpoints("https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1")
    assert urls["remote_write_url"] == "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write"
    assert urls["alertmanager_url"].endswith("/workspaces/ws-1/alertmanager/api/v2/alerts")


class FakeModule:
    """What SessionClients reads of an AnsibleAWSModule: its connection parameters."""

    def __init__(self, **params):
        self.params = dict({"region": "eu-west-1", "endpoint_url": None, "access_key": None, "secret_key": None,
                            "session_token": None, "profile": None, "validate_certs": True, "aws_ca_bundle": None,
                            "aws_config": None}, **params)
        self.failures = []

    def fail_json_aws(self, exception, msg):
        self.failures.append((msg, str(exception)))
        raise SystemExit(1)


def test_clients_of_many_services_come_from_one_session(monkeypatch):
    sessions = []

    class Session:
        def __init__(self, profile_name=None):
            sessions.append(self)
            self.profile_name, self.made = profile_name, []

        def client(self, service, **kwargs):
            self.made.append((service, kwargs))
            return object()

    monkeypatch.setattr(amp.boto3.session, "Session", Session)
    module = FakeModule(endpoint_url="http://127.0.0.1:5000", access_key="AKIA", secret_key="s3cret", validate_certs=False)
    clients = amp.SessionClients(module)

    sns = clients("sns")
    assert clients("sns") is sns  # one client a service and region
    clients("iam")
    clients("sns", "us-west-2")  # a topic named by ARN, in its own region
    clients("amp", None)

    assert len(sessions) == 1
    made = [(service, kwargs["region_name"]) for service, kwargs in sessions[0].made]
    assert made == [("sns", "eu-west-1"), ("iam", "eu-west-1"), ("sns", "us-west-2"), ("amp", "eu-west-1")]
    # module.client()'s connection settings: endpoint, keys, certificate checks, amazon.aws' user agent
    for _service, kwargs in sessions[0].made:
        assert kwargs["endpoint_url"] == "http://127.0.0.1:5000"
        assert (kwargs["aws_access_key_id"], kwargs["aws_secret_access_key"], kwargs["verify"]) == ("AKIA", "s3cret", False)
        assert kwargs["config"].user_agent.startswith("APN/1.0 Ansible/")


def test_session_clients_retry_throttling_and_amps_server_faults(monkeypatch):
    """Each client's calls are retried: AMP's ThrottlingException, then the answer."""
    calls = []

    class AmpClient:
        def list_workspaces(self):
            calls.append("ListWorkspaces")
            if len(calls) == 1:
                raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "ListWorkspaces")
            return {"workspaces": []}

    monkeypatch.setattr(amp.boto3.session, "Session", lambda profile_name=None: type("S", (), {
        "client": lambda self, service, **kwargs: AmpClient()})())
    monkeypatch.setattr("time.sleep", lambda seconds: None)
    client = amp.SessionClients(FakeModule())("amp")
    assert client.list_workspaces(aws_retry=True) == {"workspaces": []}
    assert calls == ["ListWorkspaces", "ListWorkspaces"]


def test_session_clients_profile_and_its_errors():
    """A profile the machine does not know fails as module.client() does, naming it."""
    module = FakeModule(profile="no-such-profile")
    with pytest.raises(SystemExit):
        amp.SessionClients(module)("sns")
    assert module.failures[0][0] == "Couldn't connect to AWS"
    assert "no-such-profile" in module.failures[0][1]


def test_one_session_parses_each_botocore_model_once(monkeypatch):
    """Why chain_info makes its clients this way: module.client() opens a session a client, and each new
    session parses botocore's endpoint rules again; one session parses them once for every client."""
    parsed = []
    load_file = amp.botocore.loaders.JSONFileLoader.load_file

    def counting(loader, file_path):
        parsed.append(file_path.rsplit("/", 1)[-1])
        return load_file(loader, file_path)

    monkeypatch.setattr(amp.botocore.loaders.JSONFileLoader, "load_file", counting)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    clients = amp.SessionClients(FakeModule(access_key="AKIA", secret_key="x"))
    for service in ("sns", "sqs", "iam", "logs", "lambda"):
        clients(service)
    one_session = parsed.count("endpoints")
    parsed.clear()
    for service in ("sns", "sqs", "iam", "logs", "lambda"):
        amp.boto3.session.Session().client(service, region_name="eu-west-1", aws_access_key_id="AKIA", aws_secret_access_key="x")
    assert one_session == 1
    assert parsed.count("endpoints") == 5
