"""The benchmark vocabulary lives in bench/vocabulary.toml; bench/text.py loads it into
exactly the names and shapes bench/generate.py read when it was a Python module."""

from bench import text
from tests.data_digest import data_digest

# The fingerprint of bench/text.py's names as the module defined them before the
# vocabulary moved into bench/vocabulary.toml. A change to the words changes it (and the
# generated data for a seed, and maybe bench/search.py's assumptions): check those, then
# put the new value here.
GOLDEN = "2ec8b615fc851a3829722f6d1b0025813538e7deeb5cf70701e4582e2d7ad1de"

NAMES = [
    "FIRST_NAMES", "GENERIC_ACTIONS", "GOT_LUCKY", "HOST_ROLES", "IMPACT",
    "INCIDENT_DESCRIPTIONS", "KINDS", "LAST_NAMES", "LESSONS", "PROVIDERS", "REGIONS", "ROLES",
    "SERVICES", "TAGS", "TEAMS", "TIMELINE_COMMUNICATION", "TIMELINE_DETECTION",
    "TIMELINE_ESCALATION", "TIMELINE_RESOLUTION", "TIME_ZONES", "TOOLS", "TOPICS", "WENT_WELL",
    "WENT_WRONG", "WONT_DO_REASONS",
]  # fmt: skip


def test_the_vocabulary_file_holds_exactly_the_words_of_before():
    assert [name for name in dir(text) if name.isupper()] == NAMES
    assert data_digest([getattr(text, name) for name in NAMES]) == GOLDEN


def test_incident_kinds_keep_their_order_which_the_seeded_draw_depends_on():
    """bench/generate.py draws a kind with weights in KINDS' order."""
    assert list(text.KINDS) == [
        "dns", "tls", "kafka_lag", "db_failover", "cache_stampede", "config_push", "disk_full",
        "memory_leak", "rate_limit", "deploy_regression", "connection_pool", "third_party",
        "network", "migration_lock", "autoscaling", "cron_duplicate", "clock_drift",
    ]  # fmt: skip
    assert all(kind["weight"] > 0 for kind in text.KINDS.values())
    assert all(
        isinstance(action, tuple) and len(action) == 2
        for kind in text.KINDS.values()
        for action in kind["actions"]
    )
