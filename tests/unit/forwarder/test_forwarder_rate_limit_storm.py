"""A Slack rate-limit storm met by many invocations at once: they wait it out together.

SNS starts one invocation per notification. Waiting alone, each asked Slack again after every
Retry-After: 100 alerts during 45 s of 429s made 4,259 requests (benchmarks/forwarder.py prints the
figure with and without the shared limit). Here a shorter storm, the same shape.
"""

from support.slack_storm import run_storm

ALERTS = 40
STORM_SECONDS = 6


def test_invocations_share_slacks_rate_limit_and_each_alert_arrives_once(forwarder, webhook_env, state_table, slack):
    figures = run_storm(forwarder, slack, ALERTS, STORM_SECONDS)
    assert figures["failures"] == []
    assert figures["delivered"] == {index: 1 for index in range(ALERTS)}
    # The first burst (each invocation's first try meets the 429), about one request per Retry-After
    # while the limit lasts, then one delivery each. Alone, each invocation would ask every second:
    # ~ALERTS * STORM_SECONDS = 240 requests.
    assert figures["requests"] <= 2 * ALERTS + 3 * STORM_SECONDS, figures["requests"]


def test_without_the_state_table_an_invocation_still_waits_the_limit_out_alone(forwarder, webhook_env, slack,
                                                                               monkeypatch):
    monkeypatch.delenv("SLACK_STATE_TABLE", raising=False)
    figures = run_storm(forwarder, slack, 2, 2)
    assert figures["failures"] == [] and figures["delivered"] == {0: 1, 1: 1}


def test_a_state_table_that_cannot_be_read_costs_the_sharing_not_the_alert(forwarder, webhook_env, slack, sandbox,
                                                                           monkeypatch):
    monkeypatch.setenv("SLACK_STATE_TABLE", "amp-test-no-such-table")  # deleted by hand, or refused
    figures = run_storm(forwarder, slack, 2, 2)
    assert figures["failures"] == [] and figures["delivered"] == {0: 1, 1: 1}
    assert 4 <= figures["requests"] <= 12  # each waits Retry-After alone: no busy loop
