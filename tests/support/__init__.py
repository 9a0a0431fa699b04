"""Test helpers shared by the suites (on sys.path through pytest.ini's pythonpath)."""

# Short enough to keep the suite fast, long enough that CREATING/UPDATING are observable.
TEST_AMP_DELAY = 0.3
